#!/usr/bin/env node
// prebuild.mjs - make the prebuilt binaries with `prebuildify --napi --strip` into
// prebuilds/<platform>-<arch>/, where node-gyp-build finds them at run time (`npm run prebuilds`).
//
// The build never touches the package's own build/ directory: the files the package ships (npm's
// own list, `npm pack --dry-run`, less dist/ and prebuilds/) are copied to a fresh temporary
// directory, built there, and only the finished prebuilds/<platform>-<arch>/ comes back. So a
// prebuild is made from exactly the sources a user's source build gets.
//
// Reproducible: the same sources and toolchain give a byte-identical file whatever the directory
// (binding.gyp maps the build path out of the objects and links without a build id; the locale,
// time zone, umask and SOURCE_DATE_EPOCH are fixed here). scripts/check-reproducible.sh checks it.
//
// Usage: node scripts/prebuild.mjs [--arch ARCH]... [--out DIR] [--tag-libc] [--quiet]
//   --arch      target architecture, repeatable. Default: x64 and arm64 on linux-x64 (arm64 is
//               cross-built with Debian's aarch64-linux-gnu-gcc/g++), this machine's elsewhere.
//               On Linux another architecture is cross-built with <triple>-gcc/g++/strip;
//               CC, CXX and STRIP override them.
//   --out DIR   write DIR/prebuilds/<platform>-<arch>/ (default: the package root)
//   --tag-libc  name the file for its C library (simdot.glibc.node, simdot.musl.node), as the
//               release does so that glibc and musl (Alpine) binaries sit side by side
//   --quiet     print only the results (the build log only when a build fails)
// Environment: npm_config_nodedir (Node's headers: set to /usr when /usr/include/node has them,
// so node-gyp never downloads any; they are the same for every architecture), SOURCE_DATE_EPOCH
// (default: the last commit's time).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRIPLES = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

function fail(message, code = 2) {
  console.error(`prebuild: ${message}`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { arches: [], out: root, tagLibc: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case '--arch': opts.arches.push(value()); break;
      case '--out': opts.out = path.resolve(value()); break;
      case '--tag-libc': opts.tagLibc = true; break;
      case '--quiet': opts.quiet = true; break;
      case '-h': case '--help': {
        const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
        console.log(text.slice(1, text.findIndex((l) => l.startsWith('import'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
        process.exit(0);
      }
      default: fail(`unknown argument ${argv[i]}`);
    }
  }
  if (opts.arches.length === 0) {
    opts.arches = process.platform === 'linux' && process.arch === 'x64' ? ['x64', 'arm64'] : [process.arch];
  }
  return opts;
}

function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  return r;
}

function onPath(tool) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, tool)));
}

// The files npm would put in the package, as npm itself lists them.
function packageFiles() {
  const r = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, shell: process.platform === 'win32' });
  if (r.status !== 0) fail(`npm pack --dry-run failed:\n${r.stderr}`);
  const files = JSON.parse(r.stdout)[0].files.map((f) => f.path).filter((p) => !/^(dist|prebuilds)\//.test(p));
  if (!files.includes('binding.gyp')) fail('binding.gyp is not among the package files');
  return files;
}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function buildEnv(arch) {
  const env = { ...process.env, LC_ALL: 'C', TZ: 'UTC', JOBS: process.env.JOBS ?? 'max' };
  if (!env.npm_config_nodedir && fs.existsSync('/usr/include/node/node_api.h')) env.npm_config_nodedir = '/usr';
  if (!env.SOURCE_DATE_EPOCH) {
    const git = spawnSync('git', ['-C', root, 'log', '-1', '--format=%ct'], { encoding: 'utf8' });
    env.SOURCE_DATE_EPOCH = git.status === 0 && git.stdout.trim() ? git.stdout.trim() : '1';
  }
  let strip = env.STRIP ?? 'strip';
  if (arch !== process.arch) {
    const triple = TRIPLES[arch];
    if (process.platform !== 'linux' || !triple) {
      fail(`cross builds are set up for Linux x64 and arm64 only (asked for ${process.platform}-${arch} on ${process.arch})`);
    }
    env.CC ??= `${triple}-gcc`;
    env.CXX ??= `${triple}-g++`;
    env.LINK ??= env.CXX;
    strip = env.STRIP ?? `${triple}-strip`;
    for (const tool of [env.CC, env.CXX, strip]) {
      if (!onPath(tool)) fail(`${tool} not found (Debian: apt-get install gcc-${triple} g++-${triple})`);
    }
  }
  return { env, strip };
}

function prebuild(arch, files, opts) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'simdot-prebuild.'));
  try {
    for (const file of files) {
      fs.mkdirSync(path.join(work, path.dirname(file)), { recursive: true });
      fs.copyFileSync(path.join(root, file), path.join(work, file));
    }
    // node-addon-api, node-gyp and prebuildify from the package's own dependencies; a link
    // keeps include paths relative ("node_modules/node-addon-api") wherever the build runs.
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'junction');

    const { env, strip } = buildEnv(arch);
    const args = ['--napi', '--strip', '--arch', arch, '--strip-bin', strip, '--target', process.versions.node];
    if (opts.tagLibc) args.push('--tag-libc');
    const bin = path.join(root, 'node_modules', 'prebuildify', 'bin.js');
    if (!opts.quiet) console.log(`prebuildify ${args.join(' ')} (in ${work}${env.CC ? `, CC=${env.CC}` : ''})`);
    const r = run(process.execPath, [bin, ...args], { cwd: work, env, stdio: opts.quiet ? 'pipe' : 'inherit' });
    if (r.status !== 0) {
      if (opts.quiet) process.stderr.write(`${r.stdout}${r.stderr}`);
      fail(`the ${process.platform}-${arch} build failed`, 1);
    }

    const dir = path.join('prebuilds', `${process.platform}-${arch}`);
    fs.mkdirSync(path.join(opts.out, dir), { recursive: true });
    for (const name of fs.readdirSync(path.join(work, dir)).filter((n) => n.endsWith('.node'))) {
      const dest = path.join(opts.out, dir, name);
      fs.copyFileSync(path.join(work, dir, name), dest);
      console.log(`${sha256(dest)}  ${path.join(dir, name).split(path.sep).join('/')} (${fs.statSync(dest).size} bytes)`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const opts = parseArgs(process.argv.slice(2));
process.umask(0o022);
for (const dep of ['prebuildify', 'node-addon-api', 'node-gyp']) {
  if (!fs.existsSync(path.join(root, 'node_modules', dep))) fail(`${dep} is missing: run npm install first`);
}
const files = packageFiles();
for (const arch of opts.arches) prebuild(arch, files, opts);
