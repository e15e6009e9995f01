// Binary embeddings: binarize's bit layout, and hamming, hammings and the topKHamming family on
// every tier against a plain-JavaScript popcount, at every length and offset, with ties, filters,
// threads, batches and async searches; and bad input.
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from './lib/conformance.mjs';
import { simdot } from './load.js';

const { binarize, hamming, hammings, topKHamming, topKHammingAsync, topKHammingBatch, topKHammingBatchAsync, useKernel, info } = simdot;
const supported = info().supported;
const ran = new Map<string, string>();

afterAll(() => {
  console.log(`hamming tested on tiers: ${[...ran].map(([t, k]) => `${t} (${k})`).join(', ')}`);
  useKernel('avx512vnni');
});

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

function reference(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) d += popcount(a[ao + i]! ^ b[bo + i]!);
  return d;
}

function ranking(q: Uint8Array, m: Uint8Array, n: number, k: number, filter?: Uint8Array) {
  const rows = m.length / n;
  const d = Array.from({ length: rows }, (_, r) => reference(q, 0, m, r * n, n));
  const order = [...d.keys()].filter((r) => !filter || (filter[r >> 3]! >> (r & 7)) & 1).sort((a, b) => d[a]! - d[b]! || a - b);
  const top = order.slice(0, k);
  return { indices: top, distances: top.map((r) => d[r]!) };
}

const plain = (r: { indices: Uint32Array; distances: Uint32Array }) => ({ indices: Array.from(r.indices), distances: Array.from(r.distances) });

/** n random bytes at `offset` bytes into their buffer. */
function bytes(r: () => number, n: number, offset = 0, fill?: number): Uint8Array {
  const v = new Uint8Array(new ArrayBuffer(n + offset + 3), offset, n);
  for (let i = 0; i < n; i++) v[i] = fill ?? Math.floor(r() * 256);
  return v;
}

describe('binarize', () => {
  it('packs the signs 8 per byte, the first value in the most significant bit, rows padded to a byte', () => {
    const v = new Float32Array([1, -1, 0.5, -0, 0, 3, -2, 7, 1e-30, /* row 2 */ -1, 2, -3, 4, -5, 6, -7, 8, -9]);
    // Row 0: 1 0 1 0 0 1 0 1 | 1 (then 7 zero bits): 0b10100101, 0b10000000. Row 1: 0 1 0 1 0 1 0 1 | 0.
    expect(Array.from(binarize(v, 9))).toEqual([0b10100101, 0b10000000, 0b01010101, 0]);
    expect(() => binarize(new Float32Array([NaN]), 1)).toThrow(new RangeError('binarize: expected finite values in vectors, received NaN in row 0 at element 0'));
  });
});

for (const tier of supported) {
  describe(`Hamming on tier ${tier}`, () => {
    it('hamming and hammings match a popcount at every length 0..300, odd offsets, extreme patterns', () => {
      expect(useKernel(tier)).toBe(tier);
      ran.set(tier, `hamming=${info().kernels.hamming} hammings=${info().kernels.hammings} hammingsq=${info().kernels.hammingsq}`);
      const r = rng(11);
      for (let n = 0; n <= 300; n++) {
        for (const [pa, pb] of [[undefined, undefined], [0, 255], [255, 255], [0xaa, 0x55]] as const) {
          const a = bytes(r, n, n % 7, pa);
          const b = bytes(r, n, (n * 3) % 5, pb);
          expect(hamming(a, b), `n=${n}`).toBe(reference(a, 0, b, 0, n));
        }
      }
      for (const n of [1, 7, 16, 31, 48, 64, 96, 128, 192, 200, 256, 1000, 4097]) {
        const q = bytes(r, n, 3);
        const m = bytes(r, n * 37, 5);
        const want = Array.from({ length: 37 }, (_, row) => reference(q, 0, m, row * n, n));
        expect(Array.from(hammings(q, m)), `n=${n}`).toEqual(want);
        const out = new Uint32Array(37).fill(7);
        expect(hammings(q, m, out)).toBe(out);
        expect(Array.from(out)).toEqual(want);
      }
    });

    it('topKHamming: smallest distance first, ties by the lower row, filters, 1 and 3 threads, batch and async alike', async () => {
      useKernel(tier);
      const r = rng(12);
      for (const n of [1, 12, 48, 192]) {
        const rows = 1500;
        // Few distinct rows, so that distances tie often.
        const pool = Array.from({ length: 40 }, () => bytes(r, n));
        const m = new Uint8Array(rows * n);
        for (let row = 0; row < rows; row++) m.set(pool[Math.floor(r() * pool.length)]!, row * n);
        const queries = new Uint8Array(5 * n);
        for (let j = 0; j < 5; j++) queries.set(bytes(r, n), j * n);
        const query = (j: number) => queries.subarray(j * n, (j + 1) * n);
        const filter = Uint8Array.from({ length: Math.ceil(rows / 8) }, () => Math.floor(r() * 256));
        for (const k of [1, 10, rows + 5]) {
          for (const f of [undefined, filter]) {
            const want = ranking(query(0), m, n, k, f);
            for (const threads of [1, 3]) {
              expect(plain(topKHamming(query(0), m, k, { threads, ...(f ? { filter: f } : {}) })), `n=${n} k=${k} threads=${threads}`).toEqual(want);
            }
            expect(plain(await topKHammingAsync(query(0), m, k, f ? { filter: f } : {}))).toEqual(want);
          }
          const batch = topKHammingBatch(queries, m, k, { dim: 8 * n - (n % 3) });
          const batchAsync = await topKHammingBatchAsync(queries, m, k, { dim: 8 * n });
          for (let j = 0; j < 5; j++) {
            expect(plain(batch[j]!), `batch query ${j}`).toEqual(ranking(query(j), m, n, k));
            expect(plain(batchAsync[j]!)).toEqual(plain(batch[j]!));
          }
        }
      }
    });
  });
}

describe('Hamming bad input', () => {
  const q = new Uint8Array(4);
  const m = new Uint8Array(40);
  const cases: [string, () => unknown, Error][] = [
    ['an Int8Array query', () => hamming(new Int8Array(4) as unknown as Uint8Array, q), new TypeError('hamming: expected a to be a Uint8Array of packed bits (8 per byte), received Int8Array(4)')],
    ['lengths differ', () => hamming(q, new Uint8Array(5)), new RangeError('hamming: expected a and b to have the same length, received a.length 4 and b.length 5')],
    ['a matrix of other rows', () => hammings(q, new Uint8Array(10)), new RangeError('hammings: matrix length 10 is not a multiple of the query length 4 bytes')],
    ['out of the wrong type', () => hammings(q, m, new Int32Array(10) as unknown as Uint32Array), new TypeError('hammings: expected out to be a Uint32Array, received Int32Array(10)')],
    ['a filter where the matrix goes', () => topKHamming(q, 3 as unknown as Uint8Array, 1), new TypeError('topKHamming: expected matrix to be a Uint8Array of packed bits (8 per byte, like query), received number 3')],
    ['an affine option', () => topKHamming(q, m, 1, { rowFactor: new Float32Array(10) } as never), new TypeError('topKHamming: unknown option "rowFactor"; the options are "dim", "threads", "filter"')],
    ['a filter of the wrong size', () => topKHamming(q, m, 1, { filter: new Uint8Array(3) }), new RangeError('topKHamming: expected options.filter to have 2 bytes (one bit per row for 10 rows), received length 3')],
    ['a batch without dim', () => topKHammingBatch(q, m, 1, {} as never), new TypeError('topKHammingBatch: expected options.dim to be a positive integer, received undefined')],
    ['a dim in bytes, not bits', () => topKHamming(q, m, 1, { dim: 4 }), new RangeError('topKHamming: expected options.dim to give rows of the query length 4 bytes (dim 25 to 32 bits), received 4')],
    ['a batch dim in bytes, not bits', () => topKHammingBatch(new Uint8Array(12), new Uint8Array(64), 1, { dim: 64 }), new RangeError('topKHammingBatch: queries length 12 is not a multiple of 8 bytes (dim 64 bits)')],
    ['an empty query', () => topKHamming(new Uint8Array(0), m, 1), new RangeError('topKHamming: expected a non-empty query (its length is the row length in bytes), received Uint8Array(0)')],
  ];
  for (const tier of ['js', supported[0]!]) {
    for (const [name, call, error] of cases) {
      it(`${name} (${tier})`, () => {
        useKernel(tier as never);
        let thrown: unknown;
        try {
          call();
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toEqual(error);
        expect((thrown as Error).constructor).toBe(error.constructor);
      });
    }
  }
});
