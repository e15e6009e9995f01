// vitest globalSetup: builds the test-only guard-page addon (binding.gyp, guard.c beside this
// file) into test/guard/build/ before any test file runs, so that `npm test` in a fresh clone
// needs no extra step. It is rebuilt when its sources are newer than the binary. It is a
// Node-API addon, so one build serves every Node version.
//
// Where it cannot be built, the suite is skipped and says why (test/guard.test.ts prints it):
// on Windows (no mmap), and where the machine has no C toolchain at all (the prebuild-only test
// runs in node:alpine images). A toolchain that is present but fails to build it fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The built addon's path, or why the guard-page suite cannot run here. */
    guardAddon: { path: string } | { skipped: string };
  }
}

const dir = dirname(fileURLToPath(import.meta.url));
const binary = join(dir, 'build', 'Release', 'guard.node');

function upToDate(): boolean {
  if (!existsSync(binary)) return false;
  const built = statSync(binary).mtimeMs;
  return ['guard.c', 'binding.gyp'].every((f) => statSync(join(dir, f)).mtimeMs <= built);
}

/** node-gyp must not download headers: use those of the running Node where it has them. */
function nodedirArgs(): string[] {
  if (process.env['npm_config_nodedir']) return [];
  for (const prefix of [dirname(dirname(process.execPath)), '/usr']) {
    if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return [`--nodedir=${prefix}`];
  }
  return [];
}

function hasToolchain(): boolean {
  return spawnSync('sh', ['-c', 'command -v "${CC:-cc}" && command -v make'], { stdio: 'ignore' }).status === 0;
}

function build(): { path: string } | { skipped: string } {
  if (process.platform === 'win32') return { skipped: 'no mmap/mprotect on Windows' };
  if (upToDate()) return { path: binary };
  const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  // The toolchain is not what the suite checks: a sanitizer runtime preloaded into the test
  // processes stays out of python, make and the compiler.
  const env = { ...process.env };
  delete env['LD_PRELOAD'];
  const run = spawnSync(process.execPath, [nodeGyp, 'rebuild', ...nodedirArgs()], { cwd: dir, env, encoding: 'utf8' });
  if (run.status === 0 && existsSync(binary)) return { path: binary };
  const log = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`.trim().split('\n');
  if (!hasToolchain()) {
    const why = log.find((line) => /Error:/.test(line)) ?? log.at(-1);
    return { skipped: `no C toolchain (cc, make) to build test/guard/guard.c (node-gyp: ${why?.trim()})` };
  }
  throw new Error(`building the guard-page test addon (test/guard) failed:\n${log.slice(-30).join('\n')}`);
}

export default function setup(project: TestProject): void {
  project.provide('guardAddon', build());
}
