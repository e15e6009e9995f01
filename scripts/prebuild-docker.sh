#!/usr/bin/env bash
# prebuild-docker.sh - make the Linux prebuild for this machine's architecture inside a container,
# so that it loads on every Linux that Node itself supports (release.yml runs it; anyone with
# Docker can):
#   glibc  AlmaLinux 8: glibc 2.28 and the base libstdc++ of RHEL 8, Node's own minimum. GCC 13
#          comes from gcc-toolset-13, which links any newer libstdc++ parts statically.
#   musl   Alpine (node:<major>-alpine), named simdot.musl.node by --tag-libc.
# Both are tagged with their C library (simdot.glibc.node, simdot.musl.node) so that the two sit
# side by side in prebuilds/linux-<arch>/ and node-gyp-build picks the one for the running libc.
#
# Usage: scripts/prebuild-docker.sh glibc|musl
# Needs: docker; node_modules installed (npm ci --ignore-scripts); for glibc, a Node on the host
# (the official build runs on glibc 2.28) that is mounted into the container read-only.
# Environment: SIMDOT_GLIBC_IMAGE (default almalinux:8), SIMDOT_MUSL_IMAGE (default
# node:24-alpine). Image tags, not digests: pin digests here when the release needs them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
libc=${1:?usage: prebuild-docker.sh glibc|musl}
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct)}
run=(docker run --rm -v "$root:/w" -w /w -e SOURCE_DATE_EPOCH="$epoch" -e CI="${CI:-}")

case "$libc" in
  glibc)
    node_prefix=$(cd "$(dirname "$(command -v node)")/.." && pwd)
    "${run[@]}" -v "$node_prefix:/opt/node:ro" -e PATH=/opt/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin \
      "${SIMDOT_GLIBC_IMAGE:-almalinux:8}" bash -euo pipefail -c '
        dnf -y -q install gcc-toolset-13-gcc-c++ gcc-toolset-13-binutils make python3.11 >/dev/null
        source /opt/rh/gcc-toolset-13/enable
        export npm_config_python=python3.11
        ldd --version | head -1; g++ --version | head -1; node --version
        node scripts/prebuild.mjs --tag-libc --arch "$(node -p process.arch)"
        for f in prebuilds/linux-*/*.glibc.node; do
          echo "$f needs: $(objdump -T "$f" | grep -oE "GLIBC(XX)?_[0-9.]+" | sort -uV | tr "\n" " ")"
        done'
    ;;
  musl)
    "${run[@]}" "${SIMDOT_MUSL_IMAGE:-node:24-alpine}" sh -euc '
        apk add --no-cache -q build-base python3 >/dev/null
        cat /etc/alpine-release; g++ --version | head -1; node --version
        node scripts/prebuild.mjs --tag-libc --arch "$(node -p process.arch)"'
    ;;
  *)
    echo "prebuild-docker.sh: expected glibc or musl, got $libc" >&2
    exit 2
    ;;
esac
