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
