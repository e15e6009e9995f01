// mergeTopK against its contract: the parts' results merged equal one topK over the whole matrix,
// ties, NaN, -0, filters and affine scores included, on the built dist/ as users load it.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { simdot } from './load.js';

const require = createRequire(import.meta.url);
const { mergeTopK } = require('../dist/merge.js') as typeof import('../src/merge.js');

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Sorted cut points splitting `rows` into `parts` runs, some of them empty. */
function cuts(next: () => number, rows: number, parts: number): number[] {
  const inner = Array.from({ length: parts - 1 }, () => Math.floor(next() * (rows + 1))).sort((a, b) => a - b);
  return [0, ...inner, rows];
}

/** The filter bits of rows [from, to) as a filter of their own. */
function sliceFilter(filter: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((to - from) / 8));
  for (let r = from; r < to; r++) if ((filter[r >> 3]! >> (r & 7)) & 1) out[(r - from) >> 3]! |= 1 << ((r - from) & 7);
  return out;
}

type Part = { indices: Uint32Array; scores: Int32Array | Float32Array | Float64Array };

describe('mergeTopK', () => {
  it('equals topK over the whole matrix: int8, float32 with NaN and -0, filters, affine scores', () => {
    const next = lcg(7);
    for (let trial = 0; trial < 300; trial++) {
      const int8 = trial % 2 === 0;
      const dim = 1 + Math.floor(next() * 9);
      const rows = 1 + Math.floor(next() * 100);
      // Up to past the row count, so that the NaN rows, ranked last, are among the results.
      const k = 1 + Math.floor(next() * Math.min(rows + 5, 60));
      // Few distinct values, so that equal scores are common and the tie rule decides.
      const value = () => Math.floor(next() * 5) - 2;
      const matrix = int8 ? Int8Array.from({ length: rows * dim }, value) : Float32Array.from({ length: rows * dim }, value);
      const query = int8 ? Int8Array.from({ length: dim }, value) : Float32Array.from({ length: dim }, value);
      if (!int8) {
        for (let r = 0; r < rows; r++) if (next() < 0.2) matrix[r * dim] = NaN;
        // A query of zeros: every score a zero of some sign, all of them tied.
        if (next() < 0.2) query.fill(-0);
      }
      const filter = next() < 0.3 ? Uint8Array.from({ length: Math.ceil(rows / 8) }, () => Math.floor(next() * 256)) : undefined;
      const affine = next() < 0.3;
      const rowFactor = affine ? Float64Array.from({ length: rows }, () => Math.floor(next() * 3) - 1) : undefined;
      const rowOffset = affine ? Float64Array.from({ length: rows }, () => Math.floor(next() * 3)) : undefined;
      const options = (from: number, to: number) => ({
        ...(filter ? { filter: sliceFilter(filter, from, to) } : {}),
        ...(rowFactor ? { rowFactor: rowFactor.slice(from, to), rowOffset: rowOffset!.slice(from, to) } : {}),
      });
      const search = (m: Int8Array | Float32Array, from: number, to: number) =>
        simdot.topK(query as Float32Array, m as Float32Array, k, options(from, to) as { filter?: Uint8Array }) as Part;

      const whole = search(matrix, 0, rows);
      const c = cuts(next, rows, 1 + Math.floor(next() * 6));
      const parts: Part[] = [];
      for (let p = 0; p + 1 < c.length; p++) {
        // A part of no rows stands for a shard with nothing to search: its result is empty.
        // (Searched natively with an affine score, zero rows are a RangeError today.)
        if (c[p] === c[p + 1]) parts.push({ indices: new Uint32Array(0), scores: new (whole.scores.constructor as Float64ArrayConstructor)(0) });
        else parts.push(search(matrix.subarray(c[p]! * dim, c[p + 1]! * dim), c[p]!, c[p + 1]!));
      }
      const merged = mergeTopK(parts, k, { offsets: c.slice(0, -1) });
      expect(merged.scores.constructor).toBe(whole.scores.constructor);
      expect(merged.indices).toBeInstanceOf(Uint32Array);
      expect(Array.from(merged.indices)).toEqual(Array.from(whole.indices));
      // Object.is: a -0 stays -0, a NaN stays NaN.
      expect(Array.from(merged.scores).map((s) => (Object.is(s, -0) ? '-0' : String(s)))).toEqual(
        Array.from(whole.scores).map((s) => (Object.is(s, -0) ? '-0' : String(s))),
      );
    }
  });

  it('merges one query of a batch at a time, and parts whose indices are global already', () => {
    const next = lcg(11);
    const dim = 16;
    const rows = 500;
    const matrix = Int8Array.from({ length: rows * dim }, () => Math.floor(next() * 7) - 3);
    const queries = Int8Array.from({ length: 5 * dim }, () => Math.floor(next() * 7) - 3);
    const whole = simdot.topKBatch(queries, matrix, 12, { dim });
    const halves = [simdot.topKBatch(queries, matrix.subarray(0, 200 * dim), 12, { dim }), simdot.topKBatch(queries, matrix.subarray(200 * dim), 12, { dim })];
    whole.forEach((expected, q) => {
      expect(mergeTopK([halves[0]![q]!, halves[1]![q]!], 12, { offsets: [0, 200] })).toEqual(expected);
    });
    // Indices made global by the caller: no offsets.
    const global = halves[1]!.map((r) => ({ indices: r.indices.map((i) => i + 200), scores: r.scores }));
    whole.forEach((expected, q) => {
      expect(mergeTopK([global[q]!, halves[0]![q]!], 12)).toEqual(expected);
    });
  });

  it('returns min(k, all results) rows, and takes typed arrays of offsets', () => {
    const a = { indices: Uint32Array.of(1, 0), scores: Int32Array.of(5, 3) };
    const b = { indices: Uint32Array.of(0), scores: Int32Array.of(5) };
    const empty = { indices: new Uint32Array(0), scores: new Int32Array(0) };
    const merged = mergeTopK([a, empty, b], 100, { offsets: Uint32Array.of(10, 0, 2) });
    expect(Array.from(merged.indices)).toEqual([2, 11, 10]);
    expect(Array.from(merged.scores)).toEqual([5, 5, 3]);
    expect(mergeTopK([a, b], 1, { offsets: [10, 2] }).indices).toEqual(Uint32Array.of(2));
    expect(mergeTopK([empty], 3)).toEqual({ indices: new Uint32Array(0), scores: new Int32Array(0) });
  });

  it('refuses what would not merge into a topK result, and says why', () => {
    const part = (indices: number[], scores: number[]) => ({ indices: Uint32Array.from(indices), scores: Float32Array.from(scores) });
    const ok = part([0, 1], [2, 1]);
    const call = (...args: unknown[]) => () => (mergeTopK as (...a: unknown[]) => unknown)(...args);
    expect(call(ok, 1)).toThrow(new TypeError('mergeTopK: expected parts to be an Array of topK results, received an object'));
    expect(call([], 1)).toThrow(RangeError);
    expect(call([ok], 0)).toThrow(/k to be an integer from 1/);
    expect(call([ok], '1')).toThrow(TypeError);
    expect(call([null], 1)).toThrow(/parts\[0\] to be a topK result/);
    expect(call([{ indices: [0], scores: Float32Array.of(1) }], 1)).toThrow(/parts\[0\]\.indices to be a Uint32Array/);
    expect(call([{ indices: Uint32Array.of(0), scores: [1] }], 1)).toThrow(/parts\[0\]\.scores to be an Int32Array/);
    expect(call([ok, { indices: Uint32Array.of(0), scores: Int32Array.of(1) }], 1, { offsets: [0, 2] })).toThrow(
      /parts\[1\]\.scores to be a Float32Array like parts\[0\]\.scores/,
    );
    expect(call([{ indices: Uint32Array.of(0, 1), scores: Float32Array.of(1) }], 1)).toThrow(/length of its indices, 2, received length 1/);
    // Out of topK's order: a lower score first, an equal score with a higher index first, NaN first.
    expect(call([part([0, 1], [1, 2])], 1)).toThrow(/parts\[0\] is not in topK's order at position 1/);
    expect(call([part([1, 0], [1, 1])], 1)).toThrow(/not in topK's order/);
    expect(call([part([0, 1], [NaN, 1])], 1)).toThrow(/not in topK's order/);
    expect(call([part([0, 0], [2, 1])], 1)).toThrow(/row 0 appears twice \(in parts\[0\]\)/);
    expect(call([ok, ok], 1)).toThrow(/row 0 appears twice \(in parts\[0\] and parts\[1\]\)/);
    expect(call([ok, ok], 1, { offsets: [0, 1] })).toThrow(/row 1 appears twice/);
    expect(call([ok, ok], 1, { offsets: [0] })).toThrow(/one offset per part, 2, received length 1/);
    expect(call([ok], 1, { offsets: [-1] })).toThrow(/offsets\[0\] to be an integer from 0/);
    expect(call([ok], 1, { offsets: ['0'] })).toThrow(TypeError);
    expect(call([ok], 1, { offsets: 0 })).toThrow(TypeError);
    expect(call([ok], 1, { offsets: [2 ** 32 - 2] })).toThrow(/reaches row 4294967295, past 2\^32 - 2/);
    expect(mergeTopK([ok], 1, { offsets: [2 ** 32 - 3] }).indices[0]).toBe(2 ** 32 - 3);
    expect(call([ok], 1, { offset: [0] })).toThrow(/unknown option "offset"; did you mean "offsets"\?/);
    expect(call([ok], 1, 5)).toThrow(TypeError);
  });

  it('reads each part once and keeps no reference to it', () => {
    let reads = 0;
    const scores = Float64Array.of(3, 2, 1);
    const part = {
      indices: Uint32Array.of(0, 1, 2),
      get scores() {
        reads++;
        return scores;
      },
    };
    const merged = mergeTopK([part], 3);
    expect(reads).toBe(1);
    scores[0] = 0;
    expect(Array.from(merged.scores)).toEqual([3, 2, 1]);
  });
});
