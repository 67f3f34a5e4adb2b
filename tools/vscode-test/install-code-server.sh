#!/usr/bin/env bash
# Installs code-server (VS Code's server build, from npm) into a cache folder, for the
# integration and UI tests. Idempotent: a second run with the same version is a no-op.
# Needs only registry.npmjs.org and Debian apt (no GitHub, no nodejs.org downloads).
#
# usage: tools/vscode-test/install-code-server.sh [DEST]
#   DEST defaults to $CONTEXTZIP_CACHE/code-server-$CSV ($CONTEXTZIP_CACHE defaults to
#   ~/.cache/contextzip). Prints the path of the code-server binary on its last line.
set -euo pipefail
CSV=${CSV:-4.100.3}
CACHE=${CONTEXTZIP_CACHE:-$HOME/.cache/contextzip}
DEST=${1:-$CACHE/code-server-$CSV}
BIN="$DEST/node_modules/.bin/code-server"

if [ -x "$BIN" ] && "$BIN" --config /dev/null --version 2>/dev/null | grep -q "^$CSV "; then
  echo "code-server $CSV already installed in $DEST" >&2
  echo "$BIN"
  exit 0
fi

# System packages: chromium (the browser that hosts the workbench), and the toolchain for
# code-server's native modules (kerberos needs libkrb5-dev; node-gyp needs python3 + make/g++).
missing=()
for p in chromium libkrb5-dev build-essential python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing apt packages: ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
  else
    echo "warning: missing apt packages (${missing[*]}); run as root or install them yourself" >&2
  fi
fi

export TMPDIR=${TMPDIR:-/tmp}
export npm_config_nodedir=${npm_config_nodedir:-/usr} # node headers for node-gyp, no nodejs.org download
export npm_config_yes=true                            # node-pty's postinstall runs `npx node-gyp`
export npm_config_unsafe_perm=true                    # code-server's postinstall refuses root otherwise
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# npm 11 skips dependency install scripts unless allowed (allowScripts / --allow-scripts).
# code-server is nothing without its postinstall, which itself runs nested `npm install`s in
# lib/vscode whose package.json files carry no allowScripts: allow every script for this one
# pinned install (env, so the nested npm processes inherit it). Never set for the project.
export npm_config_dangerously_allow_all_scripts=true

# code-server 4.100.3 nests @vscode/ripgrep@1.15.11, whose postinstall downloads rg from
# api.github.com unless the asset is already in $TMPDIR/vscode-ripgrep-cache-<ver>/: seed it
# with the static rg binary of the npm package @vscode/ripgrep-linux-x64.
RGV=1.15.11 # = lib/vscode/npm-shrinkwrap.json of code-server 4.100.3
RGC="$TMPDIR/vscode-ripgrep-cache-$RGV"
ASSET="$RGC/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$ASSET" ]; then
  W=$(mktemp -d)
  (cd "$W" && npm pack @vscode/ripgrep-linux-x64@1.18.0 >/dev/null && tar xzf vscode-ripgrep-linux-x64-1.18.0.tgz)
  mkdir -p "$RGC"
  tar czf "$ASSET.tmp" -C "$W/package/bin" rg && mv "$ASSET.tmp" "$ASSET"
  rm -rf "$W"
fi

mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{"name":"contextzip-code-server-host","private":true}' >package.json
echo "installing code-server@$CSV into $DEST (about a minute)" >&2
npm install "code-server@$CSV" --no-save --no-audit --no-fund >&2
"$BIN" --config /dev/null --version >&2
echo "$BIN"
