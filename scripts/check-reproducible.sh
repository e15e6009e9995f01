#!/usr/bin/env bash
# check-reproducible.sh - build each prebuild twice, in two different temporary directories (of
# different path lengths), and require byte-identical files: same sha256, no build id (ELF) or
# time stamp (PE), and no trace of the build directory in the binary.
#
# Usage: scripts/check-reproducible.sh [TARGET...]
#   TARGET: PLATFORM-ARCH (linux-x64, linux-arm64, win32-x64) or an ARCH of this platform.
#   Default on linux-x64: linux-x64 linux-arm64 win32-x64 (as `npm run prebuilds` makes them).
# Exit status: 0 when every target reproduced, 1 when one did not, 2 on a setup problem.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
platform=$(node -p process.platform)
if [ $# -gt 0 ]; then
  targets=()
  for t in "$@"; do
    case $t in *-*) targets+=("$t") ;; *) targets+=("$platform-$t") ;; esac
  done
elif [ "$platform-$(node -p process.arch)" = linux-x64 ]; then
  targets=(linux-x64 linux-arm64 win32-x64)
else
  targets=("$platform-$(node -p process.arch)")
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/simdot-repro.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# Two build roots whose paths differ in length as well as in name.
mkdir -p "$scratch/a" "$scratch/a-much-longer-directory-name/nested"
tmp_a=$scratch/a
tmp_b=$scratch/a-much-longer-directory-name/nested

failed=0
for target in "${targets[@]}"; do
  for side in a b; do
    tmp=$tmp_a; [ "$side" = b ] && tmp=$tmp_b
    mkdir -p "$scratch/out-$target-$side"
    TMPDIR=$tmp node "$root/scripts/prebuild.mjs" --target "$target" --out "$scratch/out-$target-$side" --quiet >/dev/null
  done
  dir=prebuilds/$target
  for f in "$scratch/out-$target-a/$dir"/*.node; do
    name=$(basename "$f")
    g=$scratch/out-$target-b/$dir/$name
    sum_a=$(sha256sum <"$f" | cut -d' ' -f1)
    sum_b=$(sha256sum <"$g" | cut -d' ' -f1)
    problems=()
    [ "$sum_a" = "$sum_b" ] || problems+=("sha256 differs: $sum_a vs $sum_b")
    if command -v readelf >/dev/null && readelf -h "$f" >/dev/null 2>&1; then
      if readelf -n "$f" 2>/dev/null | grep -q 'Build ID'; then problems+=("has a GNU build id"); fi
    fi
    # PE: the COFF header's TimeDateStamp, 8 bytes past the "PE\0\0" the word at 0x3c points to.
    if [ "$(head -c 2 "$f")" = MZ ]; then
      pe=$(od -An -tu4 -j60 -N4 "$f" | tr -d ' ')
      stamp=$(od -An -tu4 -j$((pe + 8)) -N4 "$f" | tr -d ' ')
      [ "$stamp" = 0 ] || problems+=("has a PE time stamp ($stamp)")
    fi
    if grep -a -q -e 'simdot-prebuild\.' -e "$scratch" "$f" "$g"; then
      problems+=("contains the path of its build directory")
    fi
    if [ ${#problems[@]} -eq 0 ]; then
      echo "reproducible: $dir/$name sha256 $sum_a ($(wc -c <"$f") bytes)"
    else
      failed=1
      for p in "${problems[@]}"; do echo "NOT reproducible: $dir/$name: $p" >&2; done
      cmp -l "$f" "$g" | head -5 >&2 || true
    fi
  done
done
exit $failed
