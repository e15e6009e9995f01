// SIMDOT_KERNEL, read once at import: each case runs in a child process with its own environment.
import { execFileSync, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { operations } from './lib/dispatch-table.mjs';
import { distDir, simdot } from './load.js';

const best = simdot.info().supported[0];

function run(kernel: string, script: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['-e', `const s = require(${JSON.stringify(distDir + 'index.js')});\n${script}`], {
    env: { ...process.env, SIMDOT_KERNEL: kernel },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

const report = `const i = s.info(); console.log(JSON.stringify({ kernel: i.kernel, kernels: i.kernels, requested: i.requested, native: i.native, loadError: i.loadError, dot: s.dot(new Int8Array([-128, 3]), new Int8Array([-128, 5])), dots: Array.from(s.dots(new Float32Array([0.5, 2]), new Float32Array([1, 1, 2, 4]))) }));`;

describe('SIMDOT_KERNEL', () => {
  it('scalar runs the portable C kernels for every operation', () => {
    const r = JSON.parse(run('scalar', report).stdout);
    expect(r).toMatchObject({ kernel: 'scalar', requested: 'scalar', native: true, dot: 16399, dots: [2.5, 9] });
    expect(new Set(Object.values(r.kernels))).toEqual(new Set(['scalar']));
    expect(Object.keys(r.kernels).sort()).toEqual([...operations].sort());
  });

  it('a tier above what the CPU has gives the best tier it does have, never more', () => {
    const r = JSON.parse(run('avx512vnni', report).stdout);
    expect(r).toMatchObject({ kernel: best, requested: 'avx512vnni', dot: 16399 });
  });

  it('is a cap: useKernel cannot raise the tier above it', () => {
    const r = run('scalar', `console.log(s.useKernel('avx512vnni'), s.info().kernel, s.info().requested);`);
    expect(r.stdout).toBe('scalar scalar avx512vnni');
  });

  it('avx2 caps an AVX-512 machine to the AVX2 kernels (or lower where AVX2 is missing)', () => {
    const r = JSON.parse(run('avx2', report).stdout);
    expect(r.kernel).toBe(simdot.info().supported.includes('avx2') ? 'avx2' : 'scalar');
  });

  // One environment file may serve a mixed fleet: a tier of another architecture's ladder must
  // neither crash nor pick a wrong kernel here; it caps nothing on this architecture.
  it("a tier of another architecture's ladder caps nothing here", () => {
    const ladders = { x64: ['avx512vnni', 'avx2'], arm64: ['i8mm', 'neondot', 'neon'] } as Record<string, string[]>;
    const foreign = Object.entries(ladders).filter(([arch]) => arch !== process.arch).flatMap(([, tiers]) => tiers);
    expect(foreign.length).toBeGreaterThan(0);
    for (const tier of foreign) {
      const r = JSON.parse(run(tier, report).stdout);
      expect(r, tier).toMatchObject({ kernel: best, requested: tier, dot: 16399, dots: [2.5, 9] });
      const u = run('', `console.log(s.useKernel(${JSON.stringify(tier)}), s.info().kernel, s.info().requested);`);
      expect(u.stdout, tier).toBe(`${best} ${best} ${tier}`);
    }
  });

  it('accepts any case and surrounding blanks', () => {
    expect(JSON.parse(run(' Scalar ', report).stdout).kernel).toBe('scalar');
  });

  it('js does not load the binary and still gives the same answers', () => {
    const r = JSON.parse(run('js', report).stdout);
    expect(r).toMatchObject({ kernel: 'js', native: false, dot: 16399, dots: [2.5, 9] });
    expect(r.loadError).toMatch(/SIMDOT_KERNEL=js/);
    expect(new Set(Object.values(r.kernels))).toEqual(new Set(['js']));
    expect(Object.keys(r.kernels).sort()).toEqual([...operations].sort());
  });

  it('an unknown tier throws at import, listing the valid names, and the error can be caught', () => {
    const r = spawnSync(process.execPath, ['-e', `try { require(${JSON.stringify(distDir + 'index.js')}); console.log('loaded'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }`], {
      env: { ...process.env, SIMDOT_KERNEL: 'avx1024' },
      encoding: 'utf8',
    });
    expect(r.stdout.trim()).toBe(
      'RangeError: simdot: SIMDOT_KERNEL: expected one of avx512vnni, avx2, i8mm, neondot, neon, scalar, js, received string "avx1024"',
    );
  });

  it('an empty value means no cap', () => {
    expect(JSON.parse(run('', report).stdout).kernel).toBe(best);
  });
});

describe('ES module entry', () => {
  it('shares one instance with the CommonJS entry and has the same exports', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as esm from ${JSON.stringify(pathToFileURL(distDir + 'index.mjs').href)};
         import { createRequire } from 'node:module';
         const cjs = createRequire(import.meta.url)(${JSON.stringify(distDir + 'index.js')});
         esm.useKernel('scalar');
         console.log(cjs.info().kernel, Object.keys(esm).filter((k) => k !== 'default').sort().join(','), esm.dot(new Int8Array([2]), new Int8Array([3])));`,
      ],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe(
      'scalar Index,OPERATIONS,StoreReader,TIERS,binarize,dequantize,dot,dots,hamming,hammings,info,mergeTopK,normalize,openNpy,openStore,quantize,readNpy,topK,topKAsync,topKBatch,topKBatchAsync,topKHamming,topKHammingAsync,topKHammingBatch,topKHammingBatchAsync,useKernel,writeNpy,writeStore 6',
    );
  });
});
