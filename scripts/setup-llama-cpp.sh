#!/usr/bin/env bash
# Builds tools of llama.cpp itself (CPU only) into .cache/<name>/bin, idempotently. Usage:
#   setup-llama-cpp.sh <name> <target>...     e.g. setup-llama-cpp.sh llama-server llama-server
# Called by scripts/setup-llama-server.sh (the server-backend tests; CI) and scripts/setup-llama-bench.sh (the benches,
# on demand).
#   - the source is the llama.cpp release that node-llama-cpp was built from: its npm package carries it as a git
#     bundle (node_modules/node-llama-cpp/llama/gitRelease.bundle), so no download is needed and the tools run the same
#     code as our engine;
#   - cmake + g++ (installed via apt when missing), CPU only, no curl, no web UI;
#   - a marker with the release tag makes reruns a no-op. Quiet unless failing: the log is .cache/<name>-setup.log.
set -euo pipefail

SETUP_NAME="$1"
shift
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
DIR="$CACHE/$SETUP_NAME"
NLC="$ROOT/node_modules/node-llama-cpp/llama"
BUNDLE="$NLC/gitRelease.bundle"
LOG="$CACHE/$SETUP_NAME-setup.log"
MARKER="$DIR/.setup-complete"
JOBS="${LLAMA_SERVER_JOBS:-$(nproc)}"

if [[ ! -f "$BUNDLE" ]]; then
    echo "setup-$SETUP_NAME: $BUNDLE is missing (run npm install first)" >&2
    exit 1
fi
TAG="$(node -p "require('$NLC/llama.cpp.info.json').tag")"
MARKER_CONTENT="llama.cpp@$TAG $(uname -m)"
up_to_date=true
for target in "$@"; do [[ -x "$DIR/bin/$target" ]] || up_to_date=false; done
if [[ "$up_to_date" == true && -f "$MARKER" && "$(cat "$MARKER")" == "$MARKER_CONTENT" ]]; then
    exit 0
fi

# shellcheck source=setup-common.sh
source "$ROOT/scripts/setup-common.sh"
NAME="setup-$SETUP_NAME"
begin_setup
echo "$NAME: building $* ($TAG; 6-16 minutes on 2 cores)..." >&2

build_llama_cpp_targets "$DIR" "$BUNDLE" "$JOBS" "$@"
"$DIR/bin/$1" --help >> "$LOG" 2>&1 || true
echo "$MARKER_CONTENT" > "$MARKER"
echo "$NAME: built $* in $DIR/bin ($TAG) in $(( $(date +%s) - START ))s" >&2
