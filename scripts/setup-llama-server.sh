#!/usr/bin/env bash
# Builds llama.cpp's own `llama-server` (CPU only) for the server-backend tests, idempotently:
#   - the source is the llama.cpp release that node-llama-cpp was built from: its npm package carries it as a git
#     bundle (node_modules/node-llama-cpp/llama/gitRelease.bundle), so no download is needed;
#   - cmake + g++ (installed via apt when missing), `--target llama-server`, CPU only, no curl, no web UI;
#   - the binary is cached in .cache/llama-server/ (ignored); a marker with the release tag makes reruns a no-op.
# Takes about 6 minutes on 2 cores. Quiet unless failing: the full log goes to .cache/llama-server-setup.log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
DIR="$CACHE/llama-server"
NLC="$ROOT/node_modules/node-llama-cpp/llama"
BUNDLE="$NLC/gitRelease.bundle"
LOG="$CACHE/llama-server-setup.log"
TAG="$(node -p "require('$NLC/llama.cpp.info.json').tag")"
MARKER="$DIR/.setup-complete"
MARKER_CONTENT="llama.cpp@$TAG $(uname -m)"
JOBS="${LLAMA_SERVER_JOBS:-$(nproc)}"

if [[ -x "$DIR/bin/llama-server" && -f "$MARKER" && "$(cat "$MARKER")" == "$MARKER_CONTENT" ]]; then
    exit 0
fi
if [[ ! -f "$BUNDLE" ]]; then
    echo "setup-llama-server: $BUNDLE is missing (run npm install first)" >&2
    exit 1
fi

# shellcheck source=setup-common.sh
source "$ROOT/scripts/setup-common.sh"
NAME="setup-llama-server"
begin_setup

build_llama_cpp_targets "$DIR" "$BUNDLE" "$JOBS" llama-server
"$DIR/bin/llama-server" --version >> "$LOG" 2>&1
echo "$MARKER_CONTENT" > "$MARKER"
echo "setup-llama-server: built $DIR/bin/llama-server ($TAG) in $(( $(date +%s) - START ))s" >&2
