#!/usr/bin/env bash
# hamming-tuning.sh - the numbers behind the Hamming kernels' switch points in
# asm/include/x86_64_tuning.h: builds asm/x86_64/hamming_*.S three times with other values,
# renames each copy's symbols (objcopy --prefix-symbols) and times them side by side in one
# process (bench/native/hamming-tuning.c). x86-64 Linux with gcc and binutils; about a minute.
#
#   bash bench/hamming-tuning.sh
#
# v0: Harley-Seal from 512 bytes, rows one at a time from 32 bytes (always)
# v1: the defaults of x86_64_tuning.h
# v2: no Harley-Seal (the nibble lookup alone), rows in blocks at every length
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
never=0x7fffffff
variants=(
  "-DSIMDOT_AVX2_HAMMING_HS_MIN_N=512 -DSIMDOT_AVX2_HAMMINGS_ROWS1_MIN_N=32 -DSIMDOT_AVX512VNNI_HAMMINGS_ROWS1_MIN_N=32"
  ""
  "-DSIMDOT_AVX2_HAMMING_HS_MIN_N=$never -DSIMDOT_AVX2_HAMMINGS_ROWS1_MIN_N=$never -DSIMDOT_AVX512VNNI_HAMMINGS_ROWS1_MIN_N=$never"
)
objs=()
for v in 0 1 2; do
  for s in "$root"/asm/x86_64/hamming_*.S; do
    o="$out/v$v-$(basename "$s" .S).o"
    # shellcheck disable=SC2086
    gcc -I "$root/asm/include" ${variants[$v]} -c "$s" -o "$o"
    objcopy --prefix-symbols="v${v}_" "$o"
    objs+=("$o")
  done
done
gcc -O2 -Wall -Wextra -o "$out/tuning" "$root/bench/native/hamming-tuning.c" "$root/native/bandwidth.c" "${objs[@]}"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
[[ ${1:-} == --build-only ]] && exit 0
"$out/tuning" "HS from 512, one row at a time always" "the defaults of x86_64_tuning.h" "lookup only, blocks always"
