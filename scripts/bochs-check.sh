#!/usr/bin/env bash
# bochs-check.sh - run the kernel conformance check (test/native/check.c) on an emulated
# AVX-512 VNNI CPU.
#
# Our machines and CI have no AVX-512 and qemu models none, so the AVX-512 kernels would
# otherwise never execute before a user's CPU runs them. Bochs emulates AVX-512 (VNNI
# included) but runs no Linux binary of ours, so this builds a bare-metal image from the same
# sources the addon links (asm/x86_64/*.S, native/scalar.c, native/scalar_popcnt.c) plus the check and a small harness
# (test/bochs/), boots it, and reads the result from Bochs' port 0xe9 console.
#
# Exit status: 0 only when the image reported DONE rc=0 and every required tier reported
# "N passed, 0 failed" with N > 0. Anything else (a failed case, an exception, a skipped tier,
# a boot failure, a timeout) is 1; 2 is a usage or setup problem.
#
# Environment:
#   SIMDOT_BOCHS_CPU      Bochs CPU model (default tigerlake: AVX-512 F/BW/VL/VNNI and AVX2)
#   SIMDOT_BOCHS_TIERS    tiers that must run and pass (default "scalar avx512vnni avx2")
#   SIMDOT_BOCHS_TIMEOUT  seconds Bochs may run (default 900)
#   SIMDOT_BOCHS_MEGS     guest RAM in MiB (default 128)
#   SIMDOT_BOCHS_KEEP=1   keep the build directory (image, bochsrc, logs) and print its path
#   SIMDOT_BOCHS_NO_INSTALL=1  never apt-get install missing tools
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cpu_model=${SIMDOT_BOCHS_CPU:-tigerlake}
required_tiers=${SIMDOT_BOCHS_TIERS:-scalar avx512vnni avx2}
timeout_s=${SIMDOT_BOCHS_TIMEOUT:-900}
megs=${SIMDOT_BOCHS_MEGS:-128}
bios=/usr/share/bochs/BIOS-bochs-latest
vgabios=/usr/share/bochs/VGABIOS-lgpl-latest

say() { printf 'bochs-check: %s\n' "$*"; }
die() { say "$*" >&2; exit 2; }

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
[[ $# -eq 0 ]] || die "no arguments expected (see --help)"

# --- tools ---------------------------------------------------------------------------------
# Debian's bochs depends on one GUI package; bochs-term is the smallest that satisfies it.
# The display we actually use is rfb, which is in bochs itself (Debian builds no nogui).
missing=()
command -v bochs >/dev/null || missing+=(bochs bochs-term)
[[ -r $bios ]] || missing+=(bochsbios)
[[ -r $vgabios ]] || missing+=(vgabios)
command -v gcc >/dev/null || missing+=(gcc)
command -v objcopy >/dev/null && command -v addr2line >/dev/null || missing+=(binutils)
command -v timeout >/dev/null || missing+=(coreutils)
if ((${#missing[@]})); then
  if [[ ${SIMDOT_BOCHS_NO_INSTALL:-} == 1 || $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    die "missing: ${missing[*]} (Debian packages; install them or run as root to let this script do it)"
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
      die "apt-get install ${missing[*]} failed"
  fi
fi

# --- build -----------------------------------------------------------------------------------
build=$(mktemp -d "${TMPDIR:-/tmp}/simdot-bochs.XXXXXX")
bochs_pid_file=$build/bochs.pid
run_pid=
cleanup() {
  local pid
  # Only the timeout process this script started (it passes the signal on to Bochs), then the
  # reader of its output, before the directory they write to goes away.
  if [[ -s $bochs_pid_file ]]; then
    pid=$(<"$bochs_pid_file")
    kill -TERM "$pid" 2>/dev/null || true
  fi
  if [[ -n $run_pid ]]; then wait "$run_pid" 2>/dev/null || true; fi
  if [[ ${SIMDOT_BOCHS_KEEP:-} == 1 ]]; then
    say "kept $build"
  else
    rm -rf "$build"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

shopt -s nullglob
asm_sources=("$root"/asm/x86_64/*.S)
shopt -u nullglob
((${#asm_sources[@]})) || die "no asm/x86_64/*.S to check"
[[ -f $root/test/native/check.c ]] || die "test/native/check.c is missing"

# The flags of a kernel (not of a Linux program): no libc; no red zone in our C (the harness
# takes interrupts and exceptions on IST stacks, so even the kernels' own red zone is safe, but
# C compiled this way stays safe should that change); absolute addresses below 2 GiB; no
# loop-to-memset rewriting, since memset itself is ours; no CET, which nothing here turns on.
# Baseline x86-64 codegen on purpose: only the .S files may use AVX, as in the addon.
cflags=(-O2 -g -ffreestanding -fno-builtin -nostdlib -mno-red-zone -fno-pic -fno-pie -mcmodel=small
  -fno-stack-protector -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns
  -fcf-protection=none -I "$root/asm/include" -I "$root/native")
objs=()
compile() { # source object [extra flags...]
  local src=$1 obj=$2
  shift 2
  gcc "${cflags[@]}" "$@" -c "$src" -o "$obj" || { say "compile failed: ${src#"$root"/}"; exit 1; }
  objs+=("$obj")
}
for s in "${asm_sources[@]}"; do compile "$s" "$build/asm-$(basename "$s" .S).o"; done
compile "$root/native/scalar.c" "$build/scalar.o" -std=c99
# The x86-64 table's POPCNT Hamming kernels (their functions alone are compiled for POPCNT).
compile "$root/native/scalar_popcnt.c" "$build/scalar_popcnt.o" -std=c99
# The addon's dispatch table and its resolution (freestanding C): which kernels make a tier.
compile "$root/native/table.c" "$build/table.o" -std=c99 -Wall -Wextra
compile "$root/test/native/check.c" "$build/check.o" -std=c99
compile "$root/test/bochs/harness.c" "$build/harness.o" -std=gnu99 -Wall -Wextra
# The addon's own CPU detection, checked by the harness under several OS states.
compile "$root/native/cpu_x86_64.cc" "$build/cpu_x86_64.o" -std=c++17 -fno-exceptions -fno-rtti -Wall -Wextra
compile "$root/test/bochs/detect.cc" "$build/detect.o" -std=c++17 -fno-exceptions -fno-rtti -Wall -Wextra
compile "$root/test/bochs/entry.S" "$build/entry.o"

gcc -nostdlib -static -no-pie -Wl,-T,"$root/test/bochs/link.ld" -Wl,--build-id=none \
  -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 -o "$build/kernel.elf" "${objs[@]}" -lgcc ||
  { say "link failed"; exit 1; }
objcopy -O binary "$build/kernel.elf" "$build/kernel.bin"
kernel_bytes=$(stat -c %s "$build/kernel.bin")
sectors=$(((kernel_bytes + 511) / 512))
((sectors <= 65535)) || { say "payload of $kernel_bytes bytes is too large for the boot sector"; exit 1; }
gcc -c -Wa,--defsym,KERNEL_SECTORS=$sectors "$root/test/bochs/boot.S" -o "$build/boot.o"
ld -m elf_x86_64 -Ttext=0x7c00 -e _start --oformat binary -o "$build/boot.bin" "$build/boot.o"
[[ $(stat -c %s "$build/boot.bin") == 512 ]] || { say "boot sector is not 512 bytes"; exit 1; }

# A flat disk of whole cylinders (16 heads x 63 sectors), so Bochs accepts the geometry.
cyl_bytes=$((16 * 63 * 512))
cylinders=$(((512 + sectors * 512 + cyl_bytes - 1) / cyl_bytes))
cat "$build/boot.bin" "$build/kernel.bin" >"$build/disk.img"
truncate -s $((cylinders * cyl_bytes)) "$build/disk.img"

bss_end=$(nm "$build/kernel.elf" | awk '$3 == "__bss_end" { print $1 }')
((0x$bss_end + 8 * 1024 * 1024 < megs * 1024 * 1024)) ||
  { say "image ends at 0x$bss_end: give it more than $megs MiB (SIMDOT_BOCHS_MEGS)"; exit 2; }

# --- run -------------------------------------------------------------------------------------
# Debian's Bochs has no nogui display and is built with its debugger, which stops before the
# first instruction: the rc file says continue, then quit; stdin is /dev/null so any other
# prompt (a panic's "continue?") reads EOF and exits instead of waiting. A triple fault panics
# rather than resetting, so a broken image cannot boot-loop until the timeout.
cat >"$build/bochsrc" <<EOF
config_interface: textconfig
display_library: rfb, options="timeout=0"
memory: guest=$megs, host=$megs
cpu: model=$cpu_model, count=1, ips=100000000, reset_on_triple_fault=0
romimage: file=$bios
vgaromimage: file=$vgabios
ata0-master: type=disk, path=disk.img, mode=flat, cylinders=$cylinders, heads=16, spt=63
boot: disk
log: bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
port_e9_hack: enabled=1
clock: sync=none, time0=1
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
mouse: enabled=0
EOF
printf 'continue\nquit\n' >"$build/debugger.rc"

# The rfb display listens on a TCP port; in a private network namespace (root can make one)
# nobody can reach it and parallel runs cannot collide.
netns=()
if unshare -n true 2>/dev/null; then netns=(unshare -n); fi

say "cpu model $cpu_model, ${megs} MiB, image $((kernel_bytes / 1024)) KiB; timeout ${timeout_s}s"
start_us=${EPOCHREALTIME/./}
# Lines as they arrive, stamped with the seconds since Bochs started; only the image's own
# lines (not Bochs' debugger chatter) are shown.
stamp() {
  local line now shown=0
  while IFS= read -r line || [[ -n $line ]]; do
    now=${EPOCHREALTIME/./}
    printf '%s\n' "$line" >>"$build/console.txt"
    [[ $line == *SIMDOT-BOCHS-BEGIN* ]] && shown=1
    if ((shown)) || [[ $line == *SIMDOT-BOCHS* ]]; then
      printf '[%4d.%ds] %s\n' $(((now - start_us) / 1000000)) $(((now - start_us) / 100000 % 10)) "$line"
    fi
    [[ $line == *SIMDOT-BOCHS-DONE* ]] && shown=0
  done
}
: >"$build/console.txt"
# In the background with a plain wait, because bash runs an INT/TERM trap only after the
# foreground command ends: a cancelled CI job must not leave Bochs running until the timeout.
{
  set +e # Bochs' exit status is kept below, not acted on here
  (
    cd "$build"
    echo "$BASHPID" >"$bochs_pid_file"
    exec timeout -k 10 "$timeout_s" "${netns[@]}" bochs -q -f bochsrc -rc debugger.rc </dev/null 2>bochs.stderr
  ) | stamp
  echo "${PIPESTATUS[0]}" >"$build/bochs.status"
} &
run_pid=$!
wait "$run_pid" || true
run_pid=
: >"$bochs_pid_file"
status=$(cat "$build/bochs.status" 2>/dev/null || echo 255)
end_us=${EPOCHREALTIME/./}
elapsed="$(((end_us - start_us) / 1000000)).$(((end_us - start_us) / 100000 % 10))"

# --- verdict ---------------------------------------------------------------------------------
console=$build/console.txt
problems=()
passed=0
failed=0

if ((status == 124 || status == 137)); then
  problems+=("Bochs did not finish within ${timeout_s}s (a hang in a kernel or the check; last lines above)")
fi
if grep -q 'SIMDOT-BOCHS-BOOT-FAILED' "$console"; then
  problems+=("the boot sector could not load the image")
fi
if ! grep -q 'SIMDOT-BOCHS-BEGIN' "$console"; then
  problems+=("the image never started (see the Bochs messages below)")
fi

done_line=$(grep -a -o 'SIMDOT-BOCHS-DONE rc=[0-9]*' "$console" | tail -n 1 || true)
if [[ -z $done_line ]]; then
  problems+=("no SIMDOT-BOCHS-DONE line: the image stopped early")
elif [[ $done_line != 'SIMDOT-BOCHS-DONE rc=0' ]]; then
  problems+=("the image reported ${done_line#SIMDOT-BOCHS-DONE }")
fi

if grep -q '^cpu: ' "$console" && ! grep -q '^cpu: .*avx512vnni=1' "$console"; then
  problems+=("Bochs CPU model '$cpu_model' does not offer AVX512_VNNI (CPUID.7.0:ECX[11])")
fi

for tier in $required_tiers; do
  result=$(grep -a -E "^$tier: [0-9]+ passed, [0-9]+ failed" "$console" | tail -n 1 || true)
  if [[ -z $result ]]; then
    if grep -q "^tier $tier: SKIPPED" "$console"; then
      problems+=("tier $tier was skipped: CPU model '$cpu_model' lacks it")
    elif grep -q "^tier $tier: CRASHED" "$console"; then
      problems+=("tier $tier crashed")
    else
      problems+=("tier $tier reported no result")
    fi
    failed=$((failed + 1))
    continue
  fi
  read -r p f < <(sed -E 's/^[^:]*: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"$result")
  passed=$((passed + p))
  failed=$((failed + f))
  if ((f > 0)); then
    problems+=("tier $tier: $f failed")
  elif ((p == 0)); then
    problems+=("tier $tier: no case ran")
    failed=$((failed + 1))
  fi
done
if grep -q -E '^(EXCEPTION|WATCHDOG)' "$console"; then
  problems+=("a kernel or the check trapped or hung (above)")
fi
if grep -q '^harness self-test: .*FAILED' "$console"; then
  problems+=("the harness self-test failed: the results of this run cannot be trusted")
fi

# Name the function and line for every reported RIP.
if grep -q -E '^(EXCEPTION|WATCHDOG)' "$console"; then
  while read -r rip; do
    where=$(addr2line -f -p -e "$build/kernel.elf" "$rip" 2>/dev/null || true)
    say "rip $rip is in ${where:-?}"
  done < <(grep -a -E '^(EXCEPTION|WATCHDOG)' "$console" | grep -o 'rip=0x[0-9a-f]*' | cut -d= -f2 | sort -u)
fi

say "Bochs ran for ${elapsed}s"
if ((${#problems[@]})); then
  if ! grep -q 'SIMDOT-BOCHS-DONE' "$console"; then
    say "last Bochs messages:"
    tail -n 15 "$build/bochs.stderr" 2>/dev/null | sed 's/^/  /' || true
    grep -a -E '\]\[|PANIC|ERROR' "$build/bochs.log" 2>/dev/null | grep -v '^\s*$' | tail -n 10 | sed 's/^/  /' || true
  fi
  for p in "${problems[@]}"; do say "FAIL: $p"; done
  [[ $failed -gt 0 ]] || failed=1
  printf '%s\n' "bochs: $passed passed, $failed failed"
  exit 1
fi
say "tiers $required_tiers passed on Bochs '$cpu_model'"
printf '%s\n' "bochs: $passed passed, $failed failed"
