// A TypeScript user (ES module output), type-checked against the package's own declarations
// (index.d.mts, through the "import" condition of "exports").
import { createRequire } from 'node:module';
import { dot, dots, info, topK, useKernel, type Info, type Tier, type TopKResult } from 'simdot';

const q = new Int8Array([1, -2, 3]);
const scores: Int32Array = dots(q, new Int8Array([4, 5, -6, 1, 1, 1]));
const floats: Float32Array = dots(new Float32Array([0.5, 2]), new Float32Array([1, 1, 2, 4]));
const best: TopKResult<Int32Array> = topK(q, new Int8Array([4, 5, -6, 1, 1, 1]), 1);
const tier: Tier = info().kernel;
const i: Info = info();
const failures: string[] = [];
if (dot(q, q) !== 14 || scores[0] !== -24 || floats[1] !== 9 || best.indices[0] !== 1 || i.kernel !== tier) {
  failures.push('typed calls');
}
function neverCalled(): void {
  // @ts-expect-error: both vectors of one call must have the same element type
  dot(new Int8Array(1), new Float32Array(1));
  // @ts-expect-error: not a tier
  useKernel('avx1024');
}
void neverCalled;

const { report } = createRequire(import.meta.url)('../checks.cjs') as {
  report(consumer: string, simdot: unknown, extra?: { failures: string[] }): void;
};
report('ts-esm', { dot, dots, info, topK, useKernel }, { failures });
