#!/usr/bin/env bash
# check-kernels.sh - build the x86-64 assembly kernels with the conformance check
# (test/native/check.c) and run it on this CPU: scalar, then every tier the CPU supports
# (the others are reported as skipped). The .S files carry their own ISA, so no -march flag.
#
# Then, where the tools are installed, build-only checks of the same .S files for the other
# object formats: Mach-O (clang --target=x86_64-apple-macos10.15) and COFF
# (x86_64-w64-mingw32-gcc). With --wine it also runs, under wine64, the same check built for
# Windows and the Win64 register-contract test (test/native/win64_abi.c): that proves asm.h's
# PROLOGUE/EPILOGUE keep rdi, rsi, rbx, rbp, r12-r15 and xmm6-15 and pass the fifth and sixth
# arguments (dots' out, dotsq's nrows and out) from the stack.
#
# With --aarch64 it does the same for the aarch64 kernels without arm hardware: cross-built with
# Debian's aarch64-linux-gnu toolchain, the check and the AAPCS64 register-contract test
# (test/native/aarch64_abi.c: x19-x28, d8-d15 and sp survive every kernel) run under
# qemu-aarch64 for CPU models of each tier (max: I8MM and dotprod; neoverse-n1: dotprod;
# cortex-a53: the ARMv8.0 baseline), each expected to run exactly its tiers; and the .S files
# assemble for Mach-O (clang --target=arm64-apple-macos11) where clang is installed.
#
# Usage: scripts/check-kernels.sh [--wine] [--no-cross] [--aarch64] [tier...]
#   tier...   passed to the hosted runner (scalar, avx2, avx2-cached, avx512vnni; with --aarch64
#             scalar, i8mm, neondot, neon); default: all supported
# Environment: CC (default gcc), CXX (default g++), SIMDOT_CHECK_BUILD (default build-check/ in the repository).
# Exit status: 0 when everything that ran passed.
#
# AVX-512 kernels cannot run on a CPU without AVX-512; scripts/bochs-check.sh runs the same
# check in an emulated AVX-512 VNNI machine.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${SIMDOT_CHECK_BUILD:-$root/build-check}
cc=${CC:-gcc}
wine_run=0
cross=1
aarch64=0
tiers=()
for arg in "$@"; do
  case $arg in
    --wine) wine_run=1 ;;
    --no-cross) cross=0 ;;
    --aarch64) aarch64=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) echo "check-kernels: unknown option $arg" >&2; exit 2 ;;
    *) tiers+=("$arg") ;;
  esac
done

say() { printf 'check-kernels: %s\n' "$*"; }
mkdir -p "$out"

if ((aarch64)); then
  asm_srcs=("$root"/asm/aarch64/*.S)
  cpu_src=$root/native/cpu_aarch64.cc
  arch_c_srcs=()
else
  asm_srcs=("$root"/asm/x86_64/*.S)
  cpu_src=$root/native/cpu_x86_64.cc
  # The x86-64 table's C kernels beside the portable ones (the POPCNT Hamming kernels).
  arch_c_srcs=("$root/native/scalar_popcnt.c")
fi
# check.c (and scalar.c) must stay freestanding: they also link into the bare-metal image.
freestanding=(-std=c99 -O2 -Wall -Wextra -ffreestanding -fno-builtin
  -fno-tree-loop-distribute-patterns)

# build_objs <dir> <C compiler> <C++ compiler> <object suffix>: asm + scalar.c + check.c +
# table.c + the CPU detection objects into dir, listed in the array objs
build_objs() {
  local dir=$1 c=$2 cxx=$3 sfx=$4 s o
  objs=()
  for s in "${asm_srcs[@]}"; do
    o="$dir/$(basename "$s" .S).$sfx"
    "$c" -I "$root/asm/include" -c "$s" -o "$o"
    objs+=("$o")
  done
  "$c" "${freestanding[@]}" -c "$root/native/scalar.c" -o "$dir/scalar.$sfx"
  objs+=("$dir/scalar.$sfx")
  for s in "${arch_c_srcs[@]}"; do
    o="$dir/$(basename "$s" .c).$sfx"
    "$c" "${freestanding[@]}" -c "$s" -o "$o"
    objs+=("$o")
  done
  "$c" "${freestanding[@]}" -c "$root/test/native/check.c" -o "$dir/check.$sfx"
  # The addon's dispatch table and CPU detection choose each tier's kernels, as in the addon.
  "$c" "${freestanding[@]}" -c "$root/native/table.c" -o "$dir/table.$sfx"
  "$cxx" -std=c++17 -O2 -Wall -Wextra -fno-exceptions -fno-rtti -I "$root/native" \
    -c "$cpu_src" -o "$dir/cpu.$sfx"
  objs+=("$dir/check.$sfx" "$dir/table.$sfx" "$dir/cpu.$sfx")
}

# --- aarch64, under qemu-aarch64 ---------------------------------------------------------------
if ((aarch64)); then
  for tool in aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ qemu-aarch64; do
    command -v $tool >/dev/null || { say "--aarch64 needs $tool (Debian: gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user)" >&2; exit 2; }
  done
  dir=$out/aarch64
  mkdir -p "$dir"
  say "building with aarch64-linux-gnu-gcc in $dir"
  build_objs "$dir" aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ o
  aarch64-linux-gnu-gcc -std=c99 -O2 -Wall -Wextra -D_GNU_SOURCE -c "$root/test/native/run_hosted.c" -o "$dir/run_hosted.o"
  aarch64-linux-gnu-g++ -static -o "$dir/run_hosted" "$dir/run_hosted.o" "${objs[@]}"
  aarch64-linux-gnu-gcc -std=c99 -O2 -Wall -Wextra -I "$root/asm/include" -c "$root/test/native/aarch64_abi.c" -o "$dir/abi.o"
  aarch64-linux-gnu-gcc -I "$root/asm/include" -c "$root/test/native/aarch64_abi_call.S" -o "$dir/abi_call.o"
  aarch64-linux-gnu-g++ -static -o "$dir/aarch64_abi" "$dir/abi.o" "$dir/abi_call.o" "${objs[@]}"
  status=0
  # Each model must run exactly the tiers its features make, and skip the others.
  for model in "max:i8mm neondot neon" "neoverse-n1:neondot neon" "cortex-a53:neon"; do
    cpu=${model%%:*} want=${model#*:}
    say "qemu-aarch64 -cpu $cpu (expects $want)"
    log=$dir/check-$cpu.log
    qemu-aarch64 -cpu "$cpu" "$dir/run_hosted" "${tiers[@]}" >"$log" 2>&1 || status=1
    grep -E '^tier |passed|CRASH|^guard|^OK|^FAIL' "$log"
    if ((${#tiers[@]} == 0)); then
      ran=$(sed -n 's/^tier \([a-z0-9]*\): running.*/\1/p' "$log" | grep -vx scalar | tr '\n' ' ' | sed 's/ $//')
      [[ $ran == "$want" ]] || { say "-cpu $cpu ran tiers '$ran', expected '$want'" >&2; status=1; }
    fi
    qemu-aarch64 -cpu "$cpu" "$dir/aarch64_abi" | grep -E '^(FAIL|OK)' || status=1
  done
  if ((cross)); then
    if command -v clang >/dev/null; then
      for s in "${asm_srcs[@]}"; do
        clang --target=arm64-apple-macos11 -Wall -Werror -I "$root/asm/include" -c "$s" \
          -o "$dir/$(basename "$s" .S).macho.o" || status=1
      done
      say "Mach-O (clang arm64-apple-macos11): assembled"
    else
      say "Mach-O: skipped, clang not installed"
    fi
  fi
  exit $status
fi

# --- hosted, on this CPU ---------------------------------------------------------------------
say "building with $cc in $out"
build_objs "$out" "$cc" "${CXX:-g++}" o
# The check may need nothing from a C library: only the kernels may be undefined.
undef=$(nm -u "$out/check.o" "$out/scalar.o" "$out/scalar_popcnt.o" "$out/table.o" | awk 'NF == 2 && $2 !~ /^simdot_/ {print $2}')
if [[ -n $undef ]]; then
  say "check.o / scalar.o / scalar_popcnt.o / table.o are not freestanding, they need: $undef" >&2
  exit 1
fi
"$cc" -std=c99 -O2 -Wall -Wextra -D_GNU_SOURCE -c "$root/test/native/run_hosted.c" \
  -o "$out/run_hosted.o"
"$cc" -o "$out/run_hosted" "$out/run_hosted.o" "${objs[@]}"
status=0
"$out/run_hosted" "${tiers[@]}" || status=1

# --- other object formats (build only) -------------------------------------------------------
if ((cross)); then
  if command -v clang >/dev/null; then
    for s in "${asm_srcs[@]}"; do
      clang --target=x86_64-apple-macos10.15 -I "$root/asm/include" -c "$s" \
        -o "$out/$(basename "$s" .S).macho.o"
    done
    say "Mach-O (clang x86_64-apple-macos10.15): assembled"
  else
    say "Mach-O: skipped, clang not installed"
  fi
  if command -v x86_64-w64-mingw32-gcc >/dev/null; then
    for s in "${asm_srcs[@]}"; do
      x86_64-w64-mingw32-gcc -I "$root/asm/include" -c "$s" -o "$out/$(basename "$s" .S).coff.o"
    done
    say "COFF (x86_64-w64-mingw32-gcc): assembled"
  else
    say "COFF: skipped, x86_64-w64-mingw32-gcc not installed"
  fi
fi

# --- Win64 under wine --------------------------------------------------------------------------
if ((wine_run)); then
  mingw=x86_64-w64-mingw32-gcc
  wine=$(command -v wine64 || command -v wine || true)
  if ! command -v $mingw >/dev/null || [[ -z $wine ]]; then
    say "--wine needs $mingw and wine64 (Debian: gcc-mingw-w64-x86-64-posix wine64)" >&2
    exit 2
  fi
  mkdir -p "$out/win64"
  build_objs "$out/win64" $mingw x86_64-w64-mingw32-g++ obj
  wobjs=("${objs[@]}")
  $mingw -O2 -Wall -Wextra -c "$root/test/native/run_hosted.c" -o "$out/win64/run_hosted.obj"
  $mingw -o "$out/win64/run_hosted.exe" "$out/win64/run_hosted.obj" "${wobjs[@]}" -static
  $mingw -O2 -Wall -Wextra -c "$root/test/native/win64_abi.c" -o "$out/win64/win64_abi.obj"
  $mingw -c "$root/test/native/win64_abi_call.S" -o "$out/win64/win64_abi_call.obj"
  $mingw -o "$out/win64/win64_abi.exe" "$out/win64/win64_abi.obj" \
    "$out/win64/win64_abi_call.obj" "${wobjs[@]}" -static
  # A wine prefix is ~700 MB: keep it out of the repository.
  export WINEDEBUG=-all WINEPREFIX=${WINEPREFIX:-${TMPDIR:-/tmp}/simdot-wineprefix}
  say "running the check under $(basename "$wine") (Win64 ABI)"
  "$wine" "$out/win64/run_hosted.exe" "${tiers[@]}" | tr -d '\r' || status=1
  say "running the Win64 register-contract test under $(basename "$wine")"
  "$wine" "$out/win64/win64_abi.exe" | tr -d '\r' || status=1
fi

exit $status
