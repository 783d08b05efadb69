#!/usr/bin/env bash
# Builds llama.cpp's own benchmark tools `llama-bench` and `llama-batched-bench` (CPU only) for the benchmarks
# (`npm run bench`, `npm run bench:throughput`), idempotently. Not part of `npm test` or CI: the bench scripts
# run it on demand.
#   - the source is the llama.cpp release that node-llama-cpp was built from (its npm package carries it as a git
#     bundle, node_modules/node-llama-cpp/llama/gitRelease.bundle), so the reference is the same code our engine runs;
#   - the binaries are cached in .cache/llama-bench/ (ignored); a marker with the release tag makes reruns a no-op.
# Takes 6-16 minutes on 2 cores (16 on a loaded machine). Quiet unless failing: the full log goes to .cache/llama-bench-setup.log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
DIR="$CACHE/llama-bench"
NLC="$ROOT/node_modules/node-llama-cpp/llama"
BUNDLE="$NLC/gitRelease.bundle"
LOG="$CACHE/llama-bench-setup.log"
TAG="$(node -p "require('$NLC/llama.cpp.info.json').tag")"
MARKER="$DIR/.setup-complete"
MARKER_CONTENT="llama.cpp@$TAG $(uname -m)"
JOBS="${LLAMA_SERVER_JOBS:-$(nproc)}"

if [[ -x "$DIR/bin/llama-bench" && -x "$DIR/bin/llama-batched-bench" && -f "$MARKER" \
      && "$(cat "$MARKER")" == "$MARKER_CONTENT" ]]; then
    exit 0
fi
if [[ ! -f "$BUNDLE" ]]; then
    echo "setup-llama-bench: $BUNDLE is missing (run npm install first)" >&2
    exit 1
fi

# shellcheck source=setup-common.sh
source "$ROOT/scripts/setup-common.sh"
NAME="setup-llama-bench"
begin_setup
echo "setup-llama-bench: building llama-bench and llama-batched-bench ($TAG, 6-16 minutes on 2 cores)..." >&2

build_llama_cpp_targets "$DIR" "$BUNDLE" "$JOBS" llama-bench llama-batched-bench
"$DIR/bin/llama-bench" --help >> "$LOG" 2>&1
echo "$MARKER_CONTENT" > "$MARKER"
echo "setup-llama-bench: built $DIR/bin/llama-bench and llama-batched-bench ($TAG) in $(( $(date +%s) - START ))s" >&2
