// The dispatcher on other x86-64 CPUs, emulated by qemu-user: an AVX2 CPU without AVX-512 must
// get the avx2 tier and CPUs without usable AVX2 must get scalar, never an illegal instruction;
// the kernels chosen there must match the reference.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const runner = fileURLToPath(new URL('./run-under-qemu.mjs', import.meta.url));

const cpus: [string, string, string][] = [
  ['Haswell (AVX2, FMA; no AVX-512)', 'Haswell,-pcid,-x2apic,-tsc-deadline,-hle,-invpcid,-rtm', 'avx2'],
  ['max without AVX2', 'max,-avx2', 'scalar'],
  ['max without AVX (CPUID keeps AVX2, the OS state for YMM is gone)', 'max,-avx', 'scalar'],
  ['Nehalem (no AVX at all)', 'Nehalem', 'scalar'],
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
      expect(r.stdout).toMatch(/^\d+ passed, 0 failed$/m);
      expect(r.status).toBe(0);
    });
  }
});
