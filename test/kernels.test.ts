// Every tier this CPU supports, and the js tier, against the reference: bit-exact for int8,
// within the documented bound for float32. The tiers that ran are printed at the end, so a green
// run on a CPU without AVX-512 is never taken for AVX-512 coverage.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { conformanceCases } from './lib/conformance.mjs';
import { expectedKernels, kernelTable, ladder, operations } from './lib/dispatch-table.mjs';
import { simdot } from './load.js';

const supported = simdot.info().supported;
const ran = new Map<string, Set<string>>();

const table = kernelTable();
const LADDER = ladder();

describe('the dispatch table', () => {
  it('lists every operation for the portable tier, and kernels of this architecture only', () => {
    expect([...new Set(table.filter((k) => k.tier === 'scalar').map((k) => k.op))].sort()).toEqual([...operations].sort());
    for (const k of table) expect(LADDER, `${k.op} ${k.tier}`).toContain(k.tier);
    // Every feature a kernel asks for beyond its tier is one features.def knows.
    const features = readFileSync(new URL('../native/features.def', import.meta.url), 'utf8');
    for (const k of table) for (const f of k.extra) expect(features, `${k.op} ${k.tier} needs ${f}`).toMatch(new RegExp(`SIMDOT_FEATURE\\(${f},`));
  });
});

afterAll(() => {
  const lines = [...ran].map(([tier, ops]) => `  ${tier}: ${[...ops].sort().join(', ')}`);
  console.log(`simdot kernels tested on this CPU (supported: ${supported.join(', ')}):\n${lines.join('\n')}`);
  simdot.useKernel('avx512vnni');
});

describe('CPU detection', () => {
  it('agrees with the kernel-enabled CPU flags in /proc/cpuinfo', () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      expect(supported).toContain('scalar');
      return;
    }
    const flags = new Set(readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)![1]!.trim().split(/\s+/));
    const avx2 = flags.has('avx2') && flags.has('fma');
    const vnni = avx2 && ['avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni'].every((f) => flags.has(f));
    expect(supported.includes('avx2')).toBe(avx2);
    expect(supported.includes('avx512vnni')).toBe(vnni);
    expect(supported.slice(-2)).toEqual(['scalar', 'js']);
  });
});

for (const tier of supported) {
  describe(`tier ${tier}`, () => {
    it('runs each operation on the kernel the dispatch table gives it when selected', () => {
      expect(simdot.useKernel(tier)).toBe(tier);
      const info = simdot.info();
      expect(info.kernel).toBe(tier);
      expect(Object.keys(info.kernels).sort()).toEqual([...operations].sort());
      expect(info.kernels).toEqual(expectedKernels(tier, info.features ?? []));
    });

    for (const c of conformanceCases()) {
      it(c.name, () => {
        simdot.useKernel(tier);
        const kernels = simdot.info().kernels;
        const failure = c.run(simdot);
        const ops = ran.get(tier) ?? new Set<string>();
        ops.add(`${c.op}=${kernels[c.op]}`);
        ran.set(tier, ops);
        expect(failure).toBeNull();
      });
    }
  });
}

describe('float32 scores do not depend on the function that computed them', () => {
  // Within a tier every float32 kernel sums a row in one order, so dot, dots and the searches
  // report the same bits for the same row, wherever the row sits in the matrix.
  for (const tier of supported) {
    it(`dot(q, row) === dots(q, m)[row] on ${tier}`, () => {
      simdot.useKernel(tier);
      let seed = 7;
      const next = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
      for (const dim of [1, 7, 8, 15, 31, 33, 63, 64, 65, 100, 384, 1536, 1537]) {
        for (const rows of [1, 2, 3, 5, 9, 13]) {
          const q = Float32Array.from({ length: dim }, next);
          const m = Float32Array.from({ length: dim * rows }, next);
          const scores = simdot.dots(q, m);
          for (let r = 0; r < rows; r++) {
            expect(simdot.dot(q, m.subarray(r * dim, (r + 1) * dim)), `dim ${dim} rows ${rows} row ${r}`).toBe(scores[r]);
          }
        }
      }
    });
  }
});
