#!/usr/bin/env bash
# Builds llama.cpp's own benchmark tools `llama-bench` and `llama-batched-bench` (CPU only) for `npm run bench` and
# `npm run bench:throughput`, cached in .cache/llama-bench/ (see scripts/setup-llama-cpp.sh). Not part of `npm test`
# or CI: the bench scripts run it on demand. 6-16 minutes on 2 cores.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/setup-llama-cpp.sh" llama-bench llama-bench llama-batched-bench
