// The dispatcher on other CPUs, emulated by qemu-user. x86-64: an AVX2 CPU without AVX-512 must
// get the avx2 tier and CPUs without usable AVX2 must get scalar, never an illegal instruction.
// aarch64 (the arm64 prebuild, cross-built here, on the npm registry's arm64 Node): -cpu max must
// get i8mm, neoverse-n1 neondot and cortex-a53 neon. The kernels chosen must match the reference
// there, and on aarch64 the top-k searches too.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const runner = fileURLToPath(new URL('./run-under-qemu.mjs', import.meta.url));

const cpus: [string, string, string][] = [
  ['Haswell (AVX2, FMA; no AVX-512)', 'Haswell,-pcid,-x2apic,-tsc-deadline,-hle,-invpcid,-rtm', 'avx2'],
  ['max without AVX2', 'max,-avx2', 'scalar'],
  ['max without AVX (CPUID keeps AVX2, the OS state for YMM is gone)', 'max,-avx', 'scalar'],
  ['Nehalem (no AVX at all)', 'Nehalem', 'scalar'],
  // A feature beyond the tier: the avx2 Hamming kernels need POPCNT, so they give way to the
  // portable ones while every other operation stays on avx2.
  ['Haswell without POPCNT', 'Haswell,-pcid,-x2apic,-tsc-deadline,-hle,-invpcid,-rtm,-popcnt', 'avx2'],
];

describe.runIf(process.arch === 'x64')('dispatch under qemu-x86_64', () => {
  it('has qemu-x86_64 (Debian package qemu-user)', () => {
    expect(spawnSync('qemu-x86_64', ['-version']).status).toBe(0);
  });

  for (const [name, cpu, tier] of cpus) {
    it(`${name} -> ${tier}`, () => {
      const r = spawnSync('qemu-x86_64', ['-cpu', cpu, process.execPath, runner, tier], {
        encoding: 'utf8',
        env: { ...process.env, SIMDOT_QEMU_CPU: cpu, SIMDOT_KERNEL: '' },
        timeout: 900_000,
      });
      console.log(`qemu -cpu ${cpu}\n${r.stdout}${r.stderr}`);
      expect(r.signal).toBeNull();
      expect(r.stdout).toContain(`kernel ${tier}`);
      expect(r.stdout).toContain(`ran tier ${tier}:`);
      if (cpu.endsWith('-popcnt')) expect(r.stdout).toMatch(/^ran tier avx2: dot_i8=avx2, .*hamming=scalar, hammings=scalar, hammingsq=scalar$/m);
      expect(r.stdout).toMatch(/^\d+ passed, 0 failed$/m);
      expect(r.status).toBe(0);
    });
  }
});

const root = fileURLToPath(new URL('../../', import.meta.url));
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

describe.runIf(process.arch === 'x64' && process.platform === 'linux')('dispatch under qemu-aarch64', () => {
  // The arm64 prebuild, from the same sources and build as the release's, beside a copy of dist/:
  // a package whose loader finds that binary (PREBUILDS_ONLY keeps it off any local build).
  const pkg = `${root}build-arm64`;
  let node = '';
  // Asynchronous, so the emulated CPUs run side by side on the cores there are.
  const arm = (cpu: string, args: string[], env: Record<string, string> = {}) =>
    new Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('qemu-aarch64', ['-cpu', cpu, node, ...args], {
        env: { ...process.env, QEMU_LD_PREFIX: '/usr/aarch64-linux-gnu', PREBUILDS_ONLY: '1', SIMDOT_KERNEL: '', SIMDOT_QEMU_CPU: cpu, ...env },
        timeout: 900_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
    });

  beforeAll(() => {
    for (const tool of ['qemu-aarch64', 'aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-g++']) {
      if (!has(tool)) throw new Error(`${tool} is needed (Debian: qemu-user gcc-aarch64-linux-gnu g++-aarch64-linux-gnu)`);
    }
    rmSync(pkg, { recursive: true, force: true });
    const build = spawnSync(process.execPath, [`${root}scripts/prebuild.mjs`, '--arch', 'arm64', '--out', pkg, '--quiet'], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`the arm64 build failed:\n${build.stdout}${build.stderr}`);
    cpSync(`${root}dist`, `${pkg}/dist`, { recursive: true });
    cpSync(`${root}package.json`, `${pkg}/package.json`);
    symlinkSync(`${root}node_modules`, `${pkg}/node_modules`);
    const fetched = spawnSync('bash', [`${root}scripts/node-arm64.sh`], { encoding: 'utf8' });
    node = fetched.stdout.trim();
    if (fetched.status !== 0 || !existsSync(node)) throw new Error(`no arm64 Node: ${fetched.stderr}`);
  }, 600_000);

  for (const [cpu, tier] of [['max', 'i8mm'], ['neoverse-n1', 'neondot'], ['cortex-a53', 'neon']] as const) {
    it.concurrent(`-cpu ${cpu} -> ${tier}: conformance and top-k cases on every tier it supports`, async () => {
      const r = await arm(cpu, [runner, tier, '--search', '--package', pkg]);
      console.log(`qemu-aarch64 -cpu ${cpu}\n${r.stdout}${r.stderr}`);
      expect(r.signal).toBeNull();
      expect(r.stdout).toContain(`kernel ${tier}`);
      expect(r.stdout).toContain(`ran tier ${tier}:`);
      expect(r.stdout).toMatch(/^\d+ passed, 0 failed$/m);
      expect(r.status).toBe(0);
    });
  }

  it.concurrent('SIMDOT_KERNEL caps within the aarch64 ladder, and an x86-64 tier caps nothing there', async () => {
    const show = `const s = require(${JSON.stringify(`${pkg}/dist/index.js`)}); const i = s.info();
      console.log(JSON.stringify({ kernel: i.kernel, requested: i.requested, kernels: i.kernels, capped: s.useKernel('neon'), again: s.useKernel('avx512vnni') }));`;
    const cases: [string, string, string][] = [
      ['neondot', 'neondot', 'neondot'],
      ['neon', 'neon', 'neon'],
      ['avx2', 'i8mm', 'i8mm'],
      ['scalar', 'scalar', 'scalar'],
    ];
    for (const [cap, kernel, again] of cases) {
      const r = await arm('max', ['-e', show], { SIMDOT_KERNEL: cap });
      expect(r.status, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout);
      expect(got, cap).toMatchObject({ kernel, requested: cap, capped: cap === 'scalar' ? 'scalar' : 'neon', again });
      if (kernel === 'i8mm') expect(got.kernels.dotsq_i8).toBe('i8mm');
    }
  });
});
