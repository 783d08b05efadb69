# Sourced by the scripts/setup-*.sh installers: quiet steps logged to "$LOG", a clear failure message naming
# the step with the log's last lines, and Debian packages installed only when missing.
# The sourcing script sets NAME (its name in messages) and LOG (its log file) first.

# The packages of "$@" that are not installed, space-separated.
missing_apt() {
    local p out=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out+=("$p")
    done
    echo "${out[@]:-}"
}

# Starts the log and the error trap; sets START for the closing message.
begin_setup() {
    mkdir -p "$(dirname "$LOG")"
    : > "$LOG"
    START=$(date +%s)
    STEP="start"
    set -E  # the trap also fires for a failure inside a function (apt_install_missing)
    trap on_error ERR
}

on_error() {
    local rc=$?
    echo "$NAME: FAILED at step '$STEP' (exit $rc). Last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2 || true
    exit "$rc"
}

step() { STEP="$1"; echo "== $1" >> "$LOG"; }

# Installs the packages of "$@" that are missing (sudo when not root), logged as a step.
apt_install_missing() {
    local missing
    missing="$(missing_apt "$@")"
    [[ -z "$missing" ]] && return 0
    step "apt-get install $missing"
    local sudo=""
    if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >> "$LOG" 2>&1
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq --no-install-recommends $missing >> "$LOG" 2>&1
}

# Builds CMake targets of the llama.cpp release that node-llama-cpp ships (its npm package carries the source as a
# git bundle), CPU only, native instructions, static, no curl, no web UI; copies each target's binary into
# "$1/bin" and removes the source and build trees. Usage: build_llama_cpp_targets DIR BUNDLE JOBS TARGET...
build_llama_cpp_targets() {
    local dir="$1" bundle="$2" jobs="$3"
    shift 3
    local src="$dir/src" build="$dir/build" target
    apt_install_missing cmake g++ make git
    step "git clone $bundle"
    rm -rf "$src" "$build" "$dir/bin"
    mkdir -p "$dir"
    git clone -q "$bundle" "$src" >> "$LOG" 2>&1
    step "cmake configure"
    # Options that an older/newer llama.cpp does not know are only warned about by cmake.
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
        -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
        -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF >> "$LOG" 2>&1
    step "cmake build $* (-j$jobs)"
    cmake --build "$build" --target "$@" -j"$jobs" >> "$LOG" 2>&1
    step "install"
    mkdir -p "$dir/bin"
    for target in "$@"; do
        cp "$build/bin/$target" "$dir/bin/$target"
    done
    rm -rf "$build" "$src"
}
