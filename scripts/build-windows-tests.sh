#!/usr/bin/env bash
# build-windows-tests.sh - cross-build, with mingw-w64, the native Windows x64 tests of the
# assembly kernels as the win32-x64 prebuild assembles them (asm/include/asm.h's COFF and Win64
# side), into OUTDIR:
#   run_hosted.exe  the kernel conformance check (test/native/check.c, guard pages from
#                   VirtualAlloc): scalar, then every tier this CPU runs
#   win64_abi.exe   the Win64 register contract (test/native/win64_abi.c): rbx, rbp, rdi, rsi,
#                   r12-r15 and xmm6-15 kept, the fifth and sixth arguments read from the stack
#   unwind.exe      the SEH unwind data (test/windows/unwind.c): single-steps every kernel and
#                   walks the stack out of it from each instruction, as Windows does
# scripts/check-windows.sh runs them under wine; the release workflow on a real Windows runner.
# Each prints the tiers it ran ("tier <name>: running") and exits 0 when all passed.
#
# Usage: scripts/build-windows-tests.sh OUTDIR
# Needs: x86_64-w64-mingw32-gcc-posix and -g++-posix (Debian/Ubuntu: g++-mingw-w64-x86-64-posix).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: build-windows-tests.sh OUTDIR}
cc=x86_64-w64-mingw32-gcc-posix
cxx=x86_64-w64-mingw32-g++-posix
for tool in $cc $cxx; do
  command -v $tool >/dev/null || { echo "build-windows-tests: $tool not found (Debian/Ubuntu: g++-mingw-w64-x86-64-posix)" >&2; exit 2; }
done
mkdir -p "$out/obj"
o=$out/obj

# The kernels, the portable C kernels, the dispatch table and the CPU detection, built as
# scripts/check-kernels.sh builds them (check.c and scalar.c stay freestanding).
freestanding=(-std=c99 -O2 -Wall -Wextra -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns)
objs=()
for s in "$root"/asm/x86_64/*.S; do
  $cc -I "$root/asm/include" -c "$s" -o "$o/$(basename "$s" .S).o"
  objs+=("$o/$(basename "$s" .S).o")
done
$cc "${freestanding[@]}" -c "$root/native/scalar.c" -o "$o/scalar.o"
$cc "${freestanding[@]}" -c "$root/native/scalar_popcnt.c" -o "$o/scalar_popcnt.o"
$cc "${freestanding[@]}" -c "$root/native/table.c" -o "$o/table.o"
$cc "${freestanding[@]}" -c "$root/test/native/check.c" -o "$o/check.o"
$cxx -std=c++17 -O2 -Wall -Wextra -fno-exceptions -fno-rtti -I "$root/native" \
  -c "$root/native/cpu_x86_64.cc" -o "$o/cpu.o"
objs+=("$o/scalar.o" "$o/scalar_popcnt.o" "$o/table.o" "$o/cpu.o")

$cc -O2 -Wall -Wextra -c "$root/test/native/run_hosted.c" -o "$o/run_hosted.o"
$cc -o "$out/run_hosted.exe" "$o/run_hosted.o" "$o/check.o" "${objs[@]}" -static

$cc -O2 -Wall -Wextra -c "$root/test/native/win64_abi.c" -o "$o/win64_abi.o"
$cc -c "$root/test/native/win64_abi_call.S" -o "$o/win64_abi_call.o"
$cc -o "$out/win64_abi.exe" "$o/win64_abi.o" "$o/win64_abi_call.o" "${objs[@]}" -static

$cc -std=c11 -O2 -Wall -Wextra -c "$root/test/windows/unwind.c" -o "$o/unwind.o"
$cc -c "$root/test/windows/unwind_call.S" -o "$o/unwind_call.o"
$cc -o "$out/unwind.exe" "$o/unwind.o" "$o/unwind_call.o" "${objs[@]}" -static

rm -rf "$o"
echo "build-windows-tests: $(cd "$out" && ls -- *.exe | tr '\n' ' ')in $out"
