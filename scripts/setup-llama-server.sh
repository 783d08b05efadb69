#!/usr/bin/env bash
# Builds llama.cpp's own `llama-server` (CPU only) for the server-backend tests, cached in .cache/llama-server/ (see
# scripts/setup-llama-cpp.sh; CI runs it, `npm test` before the tiers that need it). About 6 minutes on 2 cores.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/setup-llama-cpp.sh" llama-server llama-server
