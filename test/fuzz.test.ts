// Bounded-time fuzzing of the public API: random but reproducible calls of dot, dots, topK,
// topKAsync, topKBatch and topKBatchAsync (valid and invalid) on every tier this CPU runs, each
// held to the js tier and the float64 sum by the rules in test/lib/fuzz.mjs. A fixed seed and
// case count keep CI deterministic; to run more or other cases, or replay one failing case:
//   SIMDOT_FUZZ_SEED=0x1234 SIMDOT_FUZZ_CASES=20000 npx vitest run test/fuzz.test.ts
//   SIMDOT_FUZZ_SEED=0x1234 SIMDOT_FUZZ_CASE=17 npx vitest run test/fuzz.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCase, checkCase, FUNCTIONS, type FuzzFailure } from './lib/fuzz.mjs';
import { simdot } from './load.js';

const DEFAULT_SEED = 0x51d07;
const DEFAULT_CASES = 1500;

function envInteger(name: string, min: number, max: number): number | undefined {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw); // decimal or 0x hex
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer from ${min} to ${max}, received ${JSON.stringify(raw)}`);
  }
  return value;
}

const seed = envInteger('SIMDOT_FUZZ_SEED', 0, 0xffffffff) ?? DEFAULT_SEED;
const count = envInteger('SIMDOT_FUZZ_CASES', 1, 100_000_000) ?? DEFAULT_CASES;
const only = envInteger('SIMDOT_FUZZ_CASE', 0, 0xffffffff);
const cases = only === undefined ? count : 1;
const seedText = `0x${seed.toString(16)}`;
const supported = simdot.info().supported;

/** Failures by `${tier} ${fn}` for valid calls and `${tier} invalid` for invalid ones. */
const failures = new Map<string, FuzzFailure[]>();
/** Per tier, cases run by function, valid and invalid. */
const ran = new Map<string, Map<string, { valid: number; invalid: number }>>();
const kernels = new Map<string, string>();
let seconds = 0;

beforeAll(async () => {
  console.log(
    `simdot fuzz: seed ${seedText}, ${only === undefined ? `cases 0..${count - 1}` : `case ${only} only`} on tiers ${supported.join(', ')}` +
      ' (SIMDOT_FUZZ_SEED, SIMDOT_FUZZ_CASES, SIMDOT_FUZZ_CASE choose others)',
  );
  for (const tier of supported) {
    simdot.useKernel(tier);
    kernels.set(tier, Object.entries(simdot.info().kernels).map(([op, k]) => `${op}=${k}`).join(' '));
    ran.set(tier, new Map(FUNCTIONS.map((fn) => [fn, { valid: 0, invalid: 0 }])));
  }
  const start = performance.now();
  for (let n = 0; n < cases; n++) {
    const index = only ?? n;
    const c = buildCase(seed, index);
    for (const failure of await checkCase(simdot, c, supported)) {
      const key = `${failure.tier} ${c.valid ? c.fn : 'invalid'}`;
      const list = failures.get(key) ?? [];
      list.push({
        ...failure,
        message: `seed ${seedText} case ${index}: ${c.desc}\n    ${failure.tier}: ${failure.message}\n    replay: SIMDOT_FUZZ_SEED=${seedText} SIMDOT_FUZZ_CASE=${index}`,
      });
      failures.set(key, list);
    }
    for (const tier of supported) ran.get(tier)!.get(c.fn)![c.valid ? 'valid' : 'invalid']++;
  }
  seconds = (performance.now() - start) / 1000;
}, Math.max(120_000, cases * 50));

afterAll(() => {
  const lines = [...ran].map(([tier, fns]) => {
    const counts = [...fns].map(([fn, { valid, invalid }]) => `${fn} ${valid} + ${invalid} invalid`).join(', ');
    return `  ${tier}: ${counts}\n    kernels ${kernels.get(tier)}`;
  });
  const absent = simdot.TIERS.filter((tier) => !supported.includes(tier));
  console.log(
    `simdot fuzz tested on this CPU (supported: ${supported.join(', ')}; not tested here: ${absent.join(', ') || 'none'}), ` +
      `seed ${seedText}, ${cases} case${cases === 1 ? '' : 's'} in ${seconds.toFixed(1)} s; calls per tier and function:\n${lines.join('\n')}`,
  );
  simdot.useKernel('avx512vnni');
});

function report(list: FuzzFailure[]): string {
  const overflow = list.filter((f) => f.overflow).length;
  const shown = list.slice(0, 10).map((f) => f.message);
  return (
    `${list.length} failing cases (${overflow} of them only in float32 scores of rows where a product or a partial sum of finite values exceeds 3.4e38)` +
    `${list.length > shown.length ? `, the first ${shown.length}` : ''}:\n${shown.join('\n')}\n`
  );
}

describe(`fuzz, seed ${seedText}: every tier against the js tier and the float64 sum`, () => {
  for (const tier of supported) {
    for (const fn of FUNCTIONS) {
      it(`${tier}: ${fn}`, () => {
        const list = failures.get(`${tier} ${fn}`) ?? [];
        expect(list, report(list)).toHaveLength(0);
      });
    }
    it(`${tier}: invalid calls throw or reject exactly as js does`, () => {
      const list = failures.get(`${tier} invalid`) ?? [];
      expect(list, report(list)).toHaveLength(0);
    });
  }
});
