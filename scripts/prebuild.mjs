#!/usr/bin/env node
// prebuild.mjs - make the prebuilt binaries into prebuilds/<platform>-<arch>/, where node-gyp-build
// finds them at run time (`npm run prebuilds`).
//
// The build never touches the package's own build/ directory: the files the package ships (npm's
// own list, `npm pack --dry-run`, less dist/ and prebuilds/) are copied to a fresh temporary
// directory, built there, and only the finished prebuilds/<platform>-<arch>/ comes back. So a
// prebuild is made from exactly the sources a user's source build gets.
//
// Linux (this machine's architecture, or another cross-built): `prebuildify --napi --strip`.
// win32-x64: cross-built with mingw-w64 (Debian/Ubuntu g++-mingw-w64-x86-64-posix), so that
// Windows gets the assembly kernels, which MSVC cannot assemble. node-gyp has no generator for a
// GNU toolchain on Windows, so binding.gyp is evaluated with gyp itself (OS=win,
// simdot_win_gnu=1: its sources, defines, include directories and GCC flags) and each source is
// compiled and linked here. The Node-API functions come through a delay-load import library
// that dlltool makes from node-api-headers' node_api.def, bound when the DLL is attached to
// whichever executable runs the addon (scripts/win32-bind-node-api.c, as node-gyp's
// win_delay_load_hook does for MSVC builds); -static links libgcc, libstdc++ and winpthreads in,
// so the DLL needs nothing but KERNEL32, msvcrt and that executable.
//
// Reproducible: the same sources and toolchain give a byte-identical file whatever the directory
// (binding.gyp maps the build path out of the objects and links without a build id; the PE link
// writes no time stamp and a fixed image base; the locale, time zone, umask and SOURCE_DATE_EPOCH
// are fixed here). scripts/check-reproducible.sh checks it.
//
// Usage: node scripts/prebuild.mjs [--target PLATFORM-ARCH]... [--arch ARCH]... [--out DIR]
//                                  [--unstripped DIR] [--tag-libc] [--quiet]
//   --target    what to build, repeatable: linux-x64, linux-arm64, win32-x64 (cross-built from
//               Linux x64), or this machine's platform-arch. Default on linux-x64: linux-x64,
//               linux-arm64 (cross-built with Debian's aarch64-linux-gnu-gcc/g++) and win32-x64;
//               elsewhere this machine's.
//   --arch      the same as --target <this platform>-ARCH. On Linux another architecture is
//               cross-built with <triple>-gcc/g++/strip; CC, CXX and STRIP override them.
//   --out DIR   write DIR/prebuilds/<platform>-<arch>/ (default: the package root)
//   --unstripped DIR  also link the win32-x64 DLL unstripped, with its symbols, into
//               DIR/win32-x64/simdot.node (scripts/check-windows-dll.mjs maps its unwind table)
//   --tag-libc  name a Linux file for its C library (simdot.glibc.node, simdot.musl.node), as
//               the release does so that glibc and musl (Alpine) binaries sit side by side
//   --quiet     print only the results (the build log only when a build fails)
// Environment: npm_config_nodedir (Node's headers: set to /usr when /usr/include/node has them,
// so node-gyp never downloads any; they are the same for every architecture), SOURCE_DATE_EPOCH
// (default: the last commit's time), PYTHON (for gyp in the win32-x64 build; default python3).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRIPLES = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
// The mingw-w64 toolchain; the -posix compilers have the thread model std::thread needs.
const MINGW = {
  cc: 'x86_64-w64-mingw32-gcc-posix',
  cxx: 'x86_64-w64-mingw32-g++-posix',
  dlltool: 'x86_64-w64-mingw32-dlltool',
};

function fail(message, code = 2) {
  console.error(`prebuild: ${message}`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { targets: [], out: root, unstripped: null, tagLibc: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case '--arch': opts.targets.push(`${process.platform}-${value()}`); break;
      case '--target': opts.targets.push(value()); break;
      case '--out': opts.out = path.resolve(value()); break;
      case '--unstripped': opts.unstripped = path.resolve(value()); break;
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
  if (opts.targets.length === 0) {
    opts.targets = process.platform === 'linux' && process.arch === 'x64'
      ? ['linux-x64', 'linux-arm64', 'win32-x64']
      : [`${process.platform}-${process.arch}`];
  }
  for (const target of opts.targets) {
    const [platform, arch] = target.split('-');
    const cross = target === 'win32-x64' && process.platform === 'linux' && process.arch === 'x64';
    if (platform !== process.platform && !cross) {
      fail(`${target}: this machine (${process.platform}-${process.arch}) builds ${process.platform}-<arch>${process.platform === 'linux' && process.arch === 'x64' ? ' and win32-x64' : ''}`);
    }
    if (!arch) fail(`--target ${target}: expected PLATFORM-ARCH, e.g. win32-x64`);
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

// A fresh copy of the package's files to build in.
function workDir(files) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'simdot-prebuild.'));
  for (const file of files) {
    fs.mkdirSync(path.join(work, path.dirname(file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(work, file));
  }
  // node-addon-api, node-gyp and prebuildify from the package's own dependencies; a link
  // keeps include paths relative ("node_modules/node-addon-api") wherever the build runs.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'junction');
  return work;
}

// Copy the finished binaries of one platform-arch to opts.out and print their hashes.
function deliver(work, target, opts) {
  const dir = path.join('prebuilds', target);
  fs.mkdirSync(path.join(opts.out, dir), { recursive: true });
  for (const name of fs.readdirSync(path.join(work, dir)).filter((n) => n.endsWith('.node'))) {
    const dest = path.join(opts.out, dir, name);
    fs.copyFileSync(path.join(work, dir, name), dest);
    console.log(`${sha256(dest)}  ${path.join(dir, name).split(path.sep).join('/')} (${fs.statSync(dest).size} bytes)`);
  }
}

function prebuild(arch, files, opts) {
  const work = workDir(files);
  try {
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

    deliver(work, `${process.platform}-${arch}`, opts);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// binding.gyp as gyp evaluates it for a Windows x64 build with a GNU toolchain: the one target's
// sources and its Default configuration (defines, include_dirs, cflags, cflags_cc, ldflags).
function gypWin32Target(work, env) {
  const python = env.PYTHON ?? env.npm_config_python ?? 'python3';
  const gyp = path.join(root, 'node_modules', 'node-gyp', 'gyp', 'gyp_main.py');
  // node-gyp's addon.gypi would give the target its type; nothing else of it applies here.
  fs.writeFileSync(path.join(work, 'simdot-win32.gypi'), "{'target_defaults': {'type': 'loadable_module'}}\n");
  const r = run(python, [gyp, 'binding.gyp', '-f', 'gypd', '--depth=.', '-I', 'simdot-win32.gypi',
    '-DOS=win', '-Dtarget_arch=x64', '-Dsimdot_win_gnu=1', `-Dmodule_root_dir=${work}`], { cwd: work, env });
  if (r.status !== 0) fail(`gyp could not evaluate binding.gyp for win32-x64:\n${r.stdout}${r.stderr}`);
  // gypd is a Python literal; Python turns it into JSON.
  const json = run(python, ['-c', 'import ast, json, sys; print(json.dumps(ast.literal_eval(open(sys.argv[1]).read())))', 'binding.gypd'], { cwd: work, env });
  if (json.status !== 0) fail(`binding.gypd: ${json.stderr}`);
  const targets = JSON.parse(json.stdout).targets;
  if (targets.length !== 1) fail(`binding.gyp has ${targets.length} targets; the win32-x64 build knows how to build one`);
  const t = targets[0];
  const config = t.configurations[t.default_configuration];
  return {
    name: t.target_name,
    sources: t.sources,
    defines: config.defines ?? [],
    includes: config.include_dirs ?? [],
    cflags: config.cflags ?? [],
    cflagsCc: config.cflags_cc ?? [],
    ldflags: config.ldflags ?? [],
  };
}

function prebuildWin32(files, opts) {
  const target = 'win32-x64';
  for (const tool of Object.values(MINGW)) {
    if (!onPath(tool)) fail(`${tool} not found (Debian/Ubuntu: apt-get install g++-mingw-w64-x86-64-posix)`);
  }
  const headers = path.join(root, 'node_modules', 'node-api-headers');
  if (!fs.existsSync(headers)) fail('node-api-headers is missing: run npm install first');
  const api = createRequire(import.meta.url)(headers);
  const work = workDir(files);
  try {
    const { env } = buildEnv(process.arch);
    const gyp = gypWin32Target(work, env);
    const step = (cmd, args, label, cwd = '.') => {
      if (!opts.quiet) console.log(label ?? `${cmd} ${args.join(' ')}`);
      const r = run(cmd, args, { cwd: path.join(work, cwd), env });
      if (r.status !== 0) {
        process.stderr.write(`${cmd} ${args.join(' ')}\n${r.stdout}${r.stderr}`);
        fail(`the ${target} build failed`, 1);
      }
      if (!opts.quiet && (r.stdout || r.stderr)) process.stdout.write(`${r.stdout}${r.stderr}`);
    };
    if (!opts.quiet) console.log(`mingw-w64 build of ${target} (in ${work}): ${MINGW.cxx} ${[...gyp.cflags, ...gyp.cflagsCc].join(' ')}`);

    // The defines node-gyp gives every Windows addon that concern this one.
    const defines = [...gyp.defines, `NODE_GYP_MODULE_NAME=${gyp.name}`, 'BUILDING_NODE_EXTENSION'];
    const common = [
      ...gyp.cflags,
      // Paths under node_modules resolve through the link to the package's own node_modules.
      `-ffile-prefix-map=${fs.realpathSync(path.join(root, 'node_modules'))}=node_modules`,
      ...defines.map((d) => `-D${d}`),
      `-I${api.include_dir}`,
      ...gyp.includes.map((d) => `-I${path.resolve(work, d)}`),
    ];
    const objDir = path.join('obj', target);
    fs.mkdirSync(path.join(work, objDir), { recursive: true });
    const objects = [];
    for (const src of gyp.sources) {
      const ext = path.extname(src);
      const obj = path.join(objDir, `${src.replace(/[\\/]/g, '_')}.o`);
      if (ext === '.c' || ext === '.S') step(MINGW.cc, [...common, '-c', src, '-o', obj], `  CC  ${src}`);
      else if (ext === '.cc' || ext === '.cpp') step(MINGW.cxx, [...common, ...gyp.cflagsCc, '-c', src, '-o', obj], `  CXX ${src}`);
      else continue;
      objects.push(obj);
    }
    // Node-API from "node.exe", delay-loaded, and bound when the DLL is attached to whichever
    // executable runs it (scripts/win32-bind-node-api.c, which needs the library named node.lib).
    const bind = path.join(objDir, 'win32-bind-node-api.c');
    fs.copyFileSync(path.join(root, 'scripts', 'win32-bind-node-api.c'), path.join(work, bind));
    step(MINGW.cc, ['-O2', '-Wall', '-Wextra', '-c', bind, '-o', `${bind}.o`], '  CC  scripts/win32-bind-node-api.c');
    objects.push(`${bind}.o`);
    const implib = path.join(objDir, 'node.lib');
    step(MINGW.dlltool, ['-d', api.def_paths.node_api_def, '-y', 'node.lib', '-m', 'i386:x86-64'], undefined, objDir);
    const dir = path.join('prebuilds', target);
    fs.mkdirSync(path.join(work, dir), { recursive: true });
    const link = (out, extra) => step(MINGW.cxx, ['-shared', '-o', out, ...objects, implib, ...gyp.ldflags,
      '-static', '-static-libgcc', '-static-libstdc++',
      // No time stamp in the PE header, and the default image base instead of one derived from
      // the file name: the same input gives the same bytes.
      '-Wl,--no-insert-timestamp', '-Wl,--disable-auto-image-base', ...extra]);
    // Stripped by the linker: strip(1) would write the current time into the PE header.
    link(path.join(dir, `${gyp.name}.node`), ['-s']);
    if (opts.unstripped) {
      const linked = path.join(objDir, `${gyp.name}.node`);
      link(linked, []);
      fs.mkdirSync(path.join(opts.unstripped, target), { recursive: true });
      fs.copyFileSync(path.join(work, linked), path.join(opts.unstripped, target, `${gyp.name}.node`));
    }
    deliver(work, target, opts);
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
for (const target of opts.targets) {
  if (target === 'win32-x64' && process.platform !== 'win32') prebuildWin32(files, opts);
  else prebuild(target.slice(process.platform.length + 1), files, opts);
}
