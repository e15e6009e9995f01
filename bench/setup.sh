#!/usr/bin/env bash
# Installs the peers bench/topk.mjs compares simdot with (usearch, simsimd, hnswlib-node) into
# bench/node_modules, from bench/package.json: devDependencies of the bench only, never of simdot.
# Then makes sure each one's native binary loads, building it where npm did not.
#
#   bash bench/setup.sh
#
# - usearch and simsimd ship prebuilt N-API binaries (prebuilds/linux-x64, ...); their install
#   script (node-gyp-build) only compiles when no prebuild fits the platform.
# - hnswlib-node ships sources only: its binary comes from `node-gyp rebuild` at install.
# npm 11 skips a dependency's install scripts unless package.json's allowScripts approves it;
# bench/package.json approves these three (written by `npm install-scripts approve`). Where the
# scripts still did not run (an npm that ignores allowScripts, --ignore-scripts in a config), this
# script runs them explicitly: `npm rebuild <pkg>`, then node-gyp in the package's folder.
set -euo pipefail
cd "$(dirname "$0")"

npm install --no-audit --no-fund

loads() { node -e "require(process.argv[1])" "$1" >/dev/null 2>&1; }
# simsimd falls back to JavaScript (without throwing) when its binary does not load: check that.
native_loads() {
  node -e "const b = require('node-gyp-build')(process.argv[1]); if (typeof b.$2 !== 'function') process.exit(1)" \
    "node_modules/$1" >/dev/null 2>&1
}
usable() {
  case "$1" in
    simsimd) native_loads simsimd dot ;;
    usearch) loads usearch && native_loads usearch exactSearch ;;
    *) loads "$1" ;;
  esac
}

nodedir=$(npm config get nodedir 2>/dev/null || true)
status=0
for pkg in usearch simsimd hnswlib-node; do
  if usable "$pkg"; then
    echo "$pkg: loads"
    continue
  fi
  echo "$pkg: no usable native binary; npm rebuild $pkg"
  npm rebuild "$pkg" --foreground-scripts || true
  if ! usable "$pkg"; then
    echo "$pkg: building with node-gyp in node_modules/$pkg"
    gyp_args=(rebuild)
    if [ -n "$nodedir" ] && [ "$nodedir" != undefined ] && [ "$nodedir" != null ]; then gyp_args+=("--nodedir=$nodedir"); fi
    (cd "node_modules/$pkg" && npx --yes node-gyp "${gyp_args[@]}") || true
  fi
  if usable "$pkg"; then
    echo "$pkg: loads"
  else
    echo "$pkg: still no usable binary; bench/topk.mjs will report it and skip it" >&2
    status=1
  fi
done
exit "$status"
