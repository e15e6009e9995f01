#!/usr/bin/env bash
# check-sanitizers.sh - build the addon with AddressSanitizer and UndefinedBehaviorSanitizer
# (GCC's runtimes) and run the whole vitest suite against that build. Any sanitizer report, in
# the test runner or in a process a test starts, fails the job.
#
# The sanitized build lives in a private copy of the tree (a temporary directory): the
# repository's build/, dist/ and prebuilds/ are never touched, so nothing sanitized can ship.
# The .S kernels are assembled as usual and ASan does not see their loads and stores; it checks
# the C and C++ code: the scalar kernels, the shim, top-k selection, threads and async work.
#
# Usage: scripts/check-sanitizers.sh [--keep] [source-tree]
#   source-tree   a git work tree of the package with node_modules installed (default: this
#                 repository); its tracked and untracked, not ignored files are copied
#   --keep        keep the temporary copy (its path is printed) to rerun or debug
# Environment: npm_config_nodedir (default /usr: Node's headers in /usr/include/node; node-gyp
# never downloads them), TMPDIR. ASAN_OPTIONS / UBSAN_OPTIONS are appended to the options below.
# Needs gcc and g++ with libasan and libubsan (on Debian 12, libasan8 and libubsan1 come with
# gcc-12, so nothing extra to install).
# The tests run with SIMDOT_SANITIZERS=address,undefined in their environment: a test that cannot
# run sanitized (an address-space limit, a resident-memory measurement) skips itself on it.
# Exit status: 0 when the build succeeded, the suite passed and no sanitizer reported anything.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keep=0
src=$root
for arg in "$@"; do
  case $arg in
    --keep) keep=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) echo "check-sanitizers: unknown option $arg" >&2; exit 2 ;;
    *) src=$(cd "$arg" && pwd) ;;
  esac
done

say() { printf 'check-sanitizers: %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

# --- tools -----------------------------------------------------------------------------------
# The preloaded runtime must be the one the compiler links against: build with GCC, preload
# GCC's libasan.
export CC=gcc CXX=g++
asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
[[ -e $asan && -e $ubsan ]] ||
  die "gcc has no libasan.so / libubsan.so (Debian: apt-get install libasan8 libubsan1, which gcc-12 depends on)"
if [[ -z ${npm_config_nodedir:-} ]]; then
  [[ -f /usr/include/node/node_api.h ]] ||
    die "Node's headers are not in /usr/include/node: set npm_config_nodedir (node-gyp must not download them)"
  export npm_config_nodedir=/usr
fi
[[ -x $src/node_modules/.bin/node-gyp && -x $src/node_modules/.bin/vitest ]] ||
  die "$src/node_modules lacks node-gyp or vitest: run npm install there first"

# --- a private copy of the tree ----------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/simdot-sanitizers.XXXXXX")
cleanup() {
  if ((keep)); then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
say "copying $src to $work"
# What git would commit, as it is on disk now (a file deleted but not yet staged is skipped).
git -C "$src" ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do
    if [[ -e $src/$f || -L $src/$f ]]; then printf '%s\0' "$f"; fi
  done |
  tar -C "$src" --null -T - -cf - | tar -C "$work" -xf -
# node_modules: one link per entry rather than one link for the whole directory, so that what
# vitest writes there (.vite, .vite-temp) stays in the copy.
mkdir "$work/node_modules"
for entry in "$src"/node_modules/* "$src"/node_modules/.bin; do
  ln -s "$entry" "$work/node_modules/"
done
cd "$work"

# --- build -----------------------------------------------------------------------------------
say "TypeScript (npm run build)"
npm run build --silent

# -O3 from binding.gyp stays (the flags below come after it); -fno-sanitize-recover=all makes
# the first UBSan finding fatal, like an ASan one.
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
say "addon with ${san[*]} (node-gyp, nodedir $npm_config_nodedir)"
if ! CFLAGS="${san[*]}" CXXFLAGS="${san[*]}" LDFLAGS="-fsanitize=address,undefined" V=1 \
  node_modules/.bin/node-gyp rebuild --jobs="$(nproc)" >build.log 2>&1; then
  tail -n 40 build.log >&2
  die "node-gyp rebuild failed (log above)"
fi
# The flags travel through the environment, which node-gyp or make could drop without a word:
# check every C/C++ compile line, and that the binary links and calls both runtimes.
unflagged=$(grep -E '^ *(cc|gcc|c\+\+|g\+\+) .*\.(c|cc|cpp) .* -c$' build.log | grep -v -- '-fsanitize=address,undefined' || true)
[[ -z $unflagged ]] || die "compiled without the sanitizers: $unflagged"
compiled=$(grep -cE '^ *(cc|gcc|c\+\+|g\+\+) .*\.(c|cc|cpp) .* -c$' build.log || true)
((compiled > 0)) || die "no compile line in build.log (V=1 not honoured?)"
binary=$work/build/Release/simdot.node
needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
[[ $needed == *libasan.so* && $needed == *libubsan.so* ]] || die "$binary does not link libasan and libubsan (NEEDED: $needed)"
undefined_syms=$(nm -D -u "$binary")
[[ $undefined_syms == *__asan_report_* ]] || die "$binary has no ASan checks"
[[ $undefined_syms == *__ubsan_handle_* ]] || die "$binary has no UBSan checks"
say "built $binary: $compiled C/C++ files instrumented; NEEDED $needed"

# --- run -------------------------------------------------------------------------------------
# Only Node runs with the sanitizers (the shell tools of this script stay as they are), through
# these variables; the processes that vitest and the tests start (forks, child processes,
# workers) inherit them.
# ASan must come first in the process (Node is not built with it), hence LD_PRELOAD. libubsan
# needs no such place: it comes in with the addon (a NEEDED library of simdot.node) and reports
# from there as well.
mkdir reports
# allow_user_segv_handler=0: Node installs its own SIGSEGV handler, which would hide ASan's
#   report of a wild access.
# detect_leaks=0: LeakSanitizer runs as a process exits, and vitest ends its test processes
#   with SIGTERM: it would check only the few child processes some tests start, never the
#   processes where the addon does its work, and the one leak it reports on a clean tree is
#   vitest's own (its bundler's Node-API binding, in vitest's main process).
# abort_on_error=1: a report kills the process, so the test that triggered it fails.
# log_path: ASan reports go to one file per process (san.<pid>) instead of stderr, so a report
#   from a process whose output a test captures (spawnSync) is still printed below. UBSan reads
#   log_path too, but with GCC's two runtimes in one process both export the function that sets
#   it, libasan's wins, and UBSan keeps writing to stderr: the same path in both keeps ASan's
#   reports in the files whichever runtime starts first. A UBSan report in a child process still
#   kills it (halt_on_error), which fails the test that started it.
# SIMDOT_SANITIZERS: the few tests that cannot run sanitized skip themselves on it. ASan reserves
#   terabytes of address space for its shadow memory, so it cannot start under `ulimit -v`, and
#   its redzones and quarantine change what a process's resident memory measures.
sanitized=(env
  LD_PRELOAD="$asan${LD_PRELOAD:+ $LD_PRELOAD}"
  SIMDOT_SANITIZERS=address,undefined
  ASAN_OPTIONS="allow_user_segv_handler=0:detect_leaks=0:abort_on_error=1:log_path=$work/reports/san${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:abort_on_error=1:log_path=$work/reports/san${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}")
pattern='ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)|: runtime error: '

# print_reports: every report file, each distinct finding in full once (a bug that several test
# processes hit gives the same report in each); sets found=1 when one is a sanitizer error.
found=0
print_reports() {
  local f key
  local -A seen=()
  for f in reports/*; do
    [[ -e $f ]] || continue
    if grep -qE "$pattern" "$f"; then found=1; fi
    key=$(grep -m1 '^SUMMARY:' "$f" || head -n1 "$f")
    if [[ -n ${seen[$key]:-} ]]; then
      say "process ${f##*.}: $key (as above)"
    else
      seen[$key]=1
      printf '\n--- process %s (%s)\n' "${f##*.}" "$f"
      cat "$f"
      echo
    fi
  done
}

# The tests must choose the tier themselves, and must run against the sanitized binary: when the
# binary does not load, the package runs its TypeScript kernels with only a warning.
unset SIMDOT_KERNEL
say "preloaded: ${sanitized[1]#LD_PRELOAD=}; libubsan loads with the addon ($(readlink -f "$ubsan"))"
loaded=$("${sanitized[@]}" node -p "const i = require('./dist/index.js').info();
  i.native + ' ' + (i.binding || i.loadError) + ' ' + i.kernel" 2>&1) || true
if [[ $loaded != "true $binary "* ]]; then
  print_reports
  die "the sanitized binary did not load: $loaded"
fi
say "the package loads $binary (tier ${loaded##* })"

say "vitest run"
status=0
"${sanitized[@]}" node_modules/.bin/vitest run 2>&1 | tee vitest.log || status=$?

# --- reports ---------------------------------------------------------------------------------
print_reports
# UBSan's reports, and ASan's should an option from outside send them to stderr, are in the
# output of vitest and its forks.
if grep -qE "$pattern" vitest.log; then found=1; fi

echo
# vitest colours its output even into a pipe.
sed 's/\x1b\[[0-9;]*m//g' vitest.log | grep -E '^ *(Test Files|Tests|Errors|Duration) ' || true
((found == 0)) || die "sanitizer report(s) above"
((status == 0)) || die "vitest failed (exit $status)"
say "no sanitizer report; all tests passed (${SECONDS}s)"
