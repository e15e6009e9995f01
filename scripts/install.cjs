#!/usr/bin/env node
// The package's install step. node-gyp-build does the work: it keeps a prebuild that loads on
// this machine (prebuilds/<platform>-<arch>/) and builds from source only when none does, or when
// asked to (`npm install --build-from-source`). One thing is added: a failed source build does
// not fail `npm install`. Its reason is written to build/install-error.txt, where the loader
// (src/native.ts) finds it for info().loadError and the one warning at import, and the package
// runs on its TypeScript kernels. In a checkout of the repository itself (not under
// node_modules) a failed build still fails, so that a developer or CI sees it.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const errorFile = path.join(root, 'build', 'install-error.txt');
const dependency = path.basename(path.dirname(root)) === 'node_modules' ||
  path.basename(path.dirname(path.dirname(root))) === 'node_modules'; // node_modules/@scope/name

// The line of a node-gyp log that says why the build failed.
function reason(log) {
  const lines = log.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const pick = (re) => {
    for (const line of lines) {
      const m = re.exec(line);
      if (m) return m[1] ?? line;
    }
    return undefined;
  };
  return (
    pick(/^gyp ERR! stack Error: (.*)$/) ??
    pick(/^gyp ERR! find Python (.*Python.*not.*)$/i) ??
    pick(/(\berror\b.*)$/) ??
    lines.filter((l) => !/^gyp (ERR!|info) (cwd|command|node -v|node-gyp -v|not ok|System)/.test(l)).pop() ??
    'the build exited with an error and printed nothing'
  );
}

function finish(code, log) {
  if (code === 0) {
    fs.rmSync(errorFile, { force: true });
    return 0;
  }
  if (!dependency) return code;
  const why = reason(log);
  try {
    fs.mkdirSync(path.dirname(errorFile), { recursive: true });
    fs.writeFileSync(errorFile, `${why}\n\n${log.split(/\r?\n/).slice(-60).join('\n')}\n`);
  } catch {
    // Nothing to keep it in: the loader still says that no binary was found.
  }
  process.stderr.write(
    `simdot: no prebuilt binary fits this machine and the source build failed (${why}); ` +
      'simdot will run its TypeScript kernels. Install a C++ compiler, make and Python, then ' +
      '`npm rebuild simdot`, for the native kernels.\n',
  );
  return 0;
}

let bin;
try {
  bin = require.resolve('node-gyp-build/bin.js');
} catch (err) {
  process.exit(finish(1, `gyp ERR! stack Error: node-gyp-build is not installed (${err.message})`));
}

// Output passes through as it comes (npm shows it with --foreground-scripts) and is kept to
// find the reason when the build fails.
let log = '';
const child = spawn(process.execPath, [bin], { cwd: root, stdio: ['inherit', 'pipe', 'pipe'] });
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  from.on('data', (chunk) => {
    log += chunk;
    to.write(chunk);
  });
}
child.on('error', (err) => {
  process.exit(finish(1, `${log}\ngyp ERR! stack Error: ${err.message}`));
});
child.on('close', (code, signal) => {
  process.exit(finish(code === 0 ? 0 : 1, signal ? `${log}\ngyp ERR! stack Error: the build was killed by ${signal}` : log));
});
