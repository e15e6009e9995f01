// topK, topKAsync and topKBatch on every tier against a brute-force reference: score every row
// with the same tier's dots(), sort all eligible rows (higher score first, NaN below every number,
// equal scores by lower index), take k.
import { randomFillSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from './lib/conformance.mjs';
import { simdot } from './load.js';

type Vec = Int8Array | Float32Array;
const { dots, topK, topKAsync, topKBatch, topKBatchAsync, useKernel } = simdot;

function reference(q: Vec, m: Vec, k: number, filter?: Uint8Array) {
  const scores = dots(q as Int8Array, m as Int8Array) as Int32Array | Float32Array;
  const rows = [...scores.keys()].filter((i) => !filter || (filter[i >> 3]! >> (i & 7)) & 1);
  rows.sort((a, b) => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    const na = Number.isNaN(sa);
    const nb = Number.isNaN(sb);
    if (na !== nb) return na ? 1 : -1;
    if (!na && sa !== sb) return sb - sa;
    return a - b;
  });
  const top = rows.slice(0, k);
  return { indices: Array.from(top), scores: top.map((i) => scores[i]!) };
}

/** n random int8 values. */
function randomInt8(n: number): Int8Array {
  return randomFillSync(new Int8Array(n));
}

function plain(r: { indices: Uint32Array; scores: Int32Array | Float32Array | Float64Array }) {
  return { indices: Array.from(r.indices), scores: Array.from(r.scores) };
}

function matrix<T extends Vec>(Type: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }, n: number, offset: number, fill: (i: number) => number): T {
  const v = new Type(new ArrayBuffer((n + offset) * Type.BYTES_PER_ELEMENT), offset * Type.BYTES_PER_ELEMENT, n);
  for (let i = 0; i < n; i++) v[i] = fill(i);
  return v;
}

const r = rng(42);
const int8 = () => Math.floor(r() * 256) - 128;
const float = () => r() * 2 - 1;

interface Dataset {
  name: string;
  q: Vec;
  m: Vec;
}

function datasets(): Dataset[] {
  const sets: Dataset[] = [];
  for (const [dim, rows] of [[1536, 300], [13, 1000], [100, 257], [1537, 70], [64, 1]] as const) {
    sets.push({ name: `int8 random ${rows}x${dim}`, q: matrix(Int8Array, dim, 0, int8), m: matrix(Int8Array, dim * rows, 0, int8) });
    sets.push({ name: `float32 random ${rows}x${dim}`, q: matrix(Float32Array, dim, 0, float), m: matrix(Float32Array, dim * rows, 0, float) });
  }
  // Few distinct scores: many ties, decided by row index.
  sets.push({ name: 'int8 many equal scores', q: matrix(Int8Array, 7, 0, () => 1), m: matrix(Int8Array, 7 * 500, 0, () => (r() < 0.5 ? 0 : 1)) });
  sets.push({ name: 'int8 all rows equal', q: matrix(Int8Array, 33, 0, int8), m: matrix(Int8Array, 33 * 200, 0, (i) => (i % 33) - 16) });
  sets.push({ name: 'float32 all rows equal', q: matrix(Float32Array, 9, 0, () => 0.5), m: matrix(Float32Array, 9 * 130, 0, (i) => (i % 9) / 4) });
  sets.push({ name: 'int8 odd byte offsets', q: matrix(Int8Array, 65, 3, int8), m: matrix(Int8Array, 65 * 150, 5, int8) });
  sets.push({ name: 'float32 unaligned views', q: matrix(Float32Array, 31, 1, float), m: matrix(Float32Array, 31 * 150, 3, float) });
  sets.push({ name: 'int8 extremes', q: matrix(Int8Array, 129, 0, () => -128), m: matrix(Int8Array, 129 * 100, 0, () => (r() < 0.5 ? -128 : 127)) });
  sets.push({ name: 'int8 rows longer than 65536', q: matrix(Int8Array, 70001, 1, int8), m: matrix(Int8Array, 70001 * 5, 1, int8) });
  // NaN and infinities: one value in a row decides its score.
  const special = [NaN, Infinity, -Infinity, NaN, -0, 0];
  sets.push({
    name: 'float32 NaN and infinities',
    q: matrix(Float32Array, 5, 0, () => 1),
    m: matrix(Float32Array, 5 * 120, 0, (i) => (i % 5 === 0 && r() < 0.4 ? special[Math.floor(r() * special.length)]! : Math.round(float() * 4))),
  });
  return sets;
}

function filters(rows: number): [string, Uint8Array][] {
  const bytes = Math.ceil(rows / 8);
  const make = (p: (i: number) => boolean) => {
    const f = new Uint8Array(bytes);
    for (let i = 0; i < rows; i++) if (p(i)) f[i >> 3]! |= 1 << (i & 7);
    return f;
  };
  const fr = rng(rows);
  return [
    ['all', make(() => true)],
    ['none', make(() => false)],
    ['one row', make((i) => i === rows - 1)],
    ['random 1%', make(() => fr() < 0.01)],
    ['random 50%', make(() => fr() < 0.5)],
  ];
}

const supported = simdot.info().supported;
const ran: string[] = [];
afterAll(() => {
  console.log(`topK tested on tiers: ${ran.join(', ')}`);
  useKernel('avx512vnni');
});

for (const tier of supported) {
  describe(`topK on tier ${tier}`, () => {
    const sets = datasets();
    it('matches the brute-force reference for k = 1, 10, rows and more than rows', () => {
      expect(useKernel(tier)).toBe(tier);
      ran.push(tier);
      for (const { name, q, m } of sets) {
        const rows = m.length / q.length;
        for (const k of [1, 10, rows, rows + 5]) {
          const got = plain(topK(q as Int8Array, m as Int8Array, k));
          expect(got, `${name} k=${k}`).toEqual(reference(q, m, k));
          expect(got.indices.length).toBe(Math.min(k, rows));
        }
      }
    });

    it('gives identical results on 1, 2 and 7 threads', () => {
      useKernel(tier);
      for (const { name, q, m } of sets) {
        const one = plain(topK(q as Int8Array, m as Int8Array, 25, { threads: 1 }));
        for (const threads of [2, 7]) {
          expect(plain(topK(q as Int8Array, m as Int8Array, 25, { threads })), `${name} threads=${threads}`).toEqual(one);
        }
      }
    });

    it('honours filters: all, none, one row, random 1% and 50%', () => {
      useKernel(tier);
      const big = { q: matrix(Int8Array, 48, 0, int8), m: matrix(Int8Array, 48 * 3001, 0, int8) };
      for (const { name, q, m } of [...sets, { name: 'int8 3001 rows', ...big }]) {
        const rows = m.length / q.length;
        for (const [fname, filter] of filters(rows)) {
          for (const threads of [1, 3]) {
            const got = plain(topK(q as Int8Array, m as Int8Array, 10, { filter, threads }));
            expect(got, `${name} filter ${fname}`).toEqual(reference(q, m, 10, filter));
          }
        }
      }
    });

    it('topKAsync resolves to the same results', async () => {
      useKernel(tier);
      for (const { name, q, m } of sets) {
        const [sync, async] = [plain(topK(q as Int8Array, m as Int8Array, 10, { threads: 2 })), plain(await topKAsync(q as Int8Array, m as Int8Array, 10, { threads: 2 }))];
        expect(async, name).toEqual(sync);
      }
    });

    // JavaScript runs on while topKAsync searches, and can shrink or transfer the buffers it was
    // given. Shrinking a resizable ArrayBuffer releases its memory at once, so the query and the
    // filter must have been copied; a matrix that could shrink is refused, and one whose buffer
    // is transferred mid-search is reported (the native search then ran on the moved memory,
    // which the receiver here keeps alive).
    it('topKAsync copes with its buffers being shrunk or transferred while it runs', async () => {
      useKernel(tier);
      const dim = 1536;
      const rows = 20_000;
      const m = randomInt8(dim * rows);
      const q = randomInt8(dim);
      const filter = filters(rows)[4]![1];
      const want = plain(topK(q, m, 10, { filter }));

      const qBuffer = new ArrayBuffer(dim, { maxByteLength: dim });
      const fBuffer = new ArrayBuffer(filter.length, { maxByteLength: filter.length });
      const qView = new Int8Array(qBuffer);
      const fView = new Uint8Array(fBuffer);
      qView.set(q);
      fView.set(filter);
      const pending = topKAsync(qView, m, 10, { filter: fView, threads: 1 });
      qBuffer.resize(0);
      fBuffer.resize(0);
      expect(plain(await pending)).toEqual(want);

      const growable = new SharedArrayBuffer(m.length, { maxByteLength: 2 * m.length });
      const shared = new Int8Array(growable);
      shared.set(m);
      const onShared = topKAsync(q, shared, 10, { filter });
      growable.grow(2 * m.length); // growing keeps the memory in place; the rows added score 0
      expect(plain(await onShared)).toEqual(want);

      const resizable = new ArrayBuffer(m.length, { maxByteLength: m.length });
      new Int8Array(resizable).set(m);
      await expect(topKAsync(q, new Int8Array(resizable), 10)).rejects.toThrow(
        new TypeError(
          'topKAsync: expected matrix to be a view on a fixed-length ArrayBuffer or a SharedArrayBuffer, received a view on a ' +
            'resizable ArrayBuffer, which could shrink while the search reads it (topK takes it)',
        ),
      );
      expect(plain(topK(q, new Int8Array(resizable), 10, { filter }))).toEqual(want);

      // The matrix of an async search is marked untransferable, on every tier: a transfer during
      // the search (or ever after) cannot detach it, so no receiver can free it under the search.
      const nodeMajor = Number(process.versions.node.split('.')[0]);
      for (const fn of ['topKAsync', 'topKBatchAsync'] as const) {
        const moved = m.slice();
        const search = fn === 'topKAsync' ? topKAsync(q, moved, 10, { filter }) : topKBatchAsync(q, moved, 10, { dim, filter }).then((r) => r[0]!);
        const transfer = () => structuredClone(moved.buffer, { transfer: [moved.buffer] });
        if (nodeMajor >= 21) {
          // The mark makes the buffer non-detachable: the transfer throws.
          expect(transfer).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
        } else {
          // Node.js 20 copies a marked buffer instead of moving it.
          const copy = transfer();
          expect(copy.byteLength).toBe(m.length);
        }
        expect(moved.byteLength).toBe(m.length);
        expect(plain(await search), fn).toEqual(want);
      }

      // Node.js 20 lets a web stream's BYOB read detach even a marked buffer; the search then
      // rejects rather than report rows it read from memory that had moved on. Later versions
      // refuse to detach it.
      const streamed = m.slice();
      const pendingSearch = topKAsync(q, streamed, 10, { filter }).then(plain, (e: unknown) => e);
      const stream = new ReadableStream({ type: 'bytes', pull: (c) => { c.byobRequest!.respond(1); } });
      const read = await stream.getReader({ mode: 'byob' }).read(new Uint8Array(streamed.buffer)).then((r) => r.value, (e: unknown) => e);
      if (nodeMajor >= 21) {
        expect(read).toBeInstanceOf(TypeError);
        expect(await pendingSearch).toEqual(want);
      } else {
        expect((read as Uint8Array).buffer.byteLength).toBe(m.length); // the receiver holds the memory
        expect(await pendingSearch).toEqual(
          tier === 'js' ? want : new TypeError('topKAsync: matrix was detached (its ArrayBuffer transferred) before the search ended'),
        );
      }
    });

    it('topKBatchAsync resolves to what topKBatch gives', async () => {
      useKernel(tier);
      for (const { name, q, m } of sets) {
        const dim = q.length;
        const rows = m.length / dim;
        const Type = q instanceof Int8Array ? Int8Array : Float32Array;
        const queries = matrix(Type as typeof Int8Array, dim * 9, 1, q instanceof Int8Array ? int8 : float);
        const filter = filters(rows)[4]![1];
        for (const options of [{ dim }, { dim, threads: 2, filter }]) {
          const sync = topKBatch(queries, m as Int8Array, 7, options).map(plain);
          expect((await topKBatchAsync(queries, m as Int8Array, 7, options)).map(plain), name).toEqual(sync);
        }
      }
    });

    it('topKBatch equals one topK per query, for 1 to 17 queries', () => {
      useKernel(tier);
      for (const { name, q, m } of sets) {
        const dim = q.length;
        const rows = m.length / dim;
        for (const nq of [1, 3, 8, 9, 17]) {
          const Type = q instanceof Int8Array ? Int8Array : Float32Array;
          const queries = matrix(Type as typeof Int8Array, dim * nq, 1, (i) => (i < dim ? q[i]! : q instanceof Int8Array ? int8() : float()));
          const filter = filters(rows)[4]![1];
          for (const options of [{ dim }, { dim, threads: 3 }, { dim, filter }]) {
            const batch = topKBatch(queries as Int8Array, m as Int8Array, 7, options).map(plain);
            expect(batch.length).toBe(nq);
            for (let j = 0; j < nq; j++) {
              const single = plain(topK(queries.subarray(j * dim, (j + 1) * dim) as Int8Array, m as Int8Array, 7, 'filter' in options ? { filter } : {}));
              expect(batch[j], `${name} nq=${nq} query ${j} ${JSON.stringify(Object.keys(options))}`).toEqual(single);
            }
          }
        }
      }
    });

    // The native search takes a large batch in passes of 256 queries: 600 queries cross two
    // pass boundaries.
    it('topKBatch of 600 queries equals one topK per query', () => {
      useKernel(tier);
      for (const [Type, fill] of [[Int8Array, int8], [Float32Array, float]] as const) {
        const dim = 24;
        const rows = 300;
        const queries = matrix(Type as typeof Int8Array, dim * 600, 0, fill);
        const m = matrix(Type as typeof Int8Array, dim * rows, 0, fill);
        const filter = filters(rows)[4]![1];
        for (const options of [{ dim, threads: 3 }, { dim, filter }]) {
          const batch = topKBatch(queries, m, 5, options).map(plain);
          expect(batch.length).toBe(600);
          for (let j = 0; j < 600; j++) {
            const single = plain(topK(queries.subarray(j * dim, (j + 1) * dim), m, 5, 'filter' in options ? { filter } : {}));
            expect(batch[j], `${Type.name} query ${j} ${JSON.stringify(Object.keys(options))}`).toEqual(single);
          }
        }
      }
    });

    it('an empty matrix gives an empty result', async () => {
      useKernel(tier);
      for (const [q, m] of [[new Int8Array(4), new Int8Array(0)], [new Float32Array(4), new Float32Array(0)]] as const) {
        const empty = topK(q as Int8Array, m as Int8Array, 3);
        expect(empty.indices).toBeInstanceOf(Uint32Array);
        expect(empty.indices.length).toBe(0);
        expect(empty.scores).toBeInstanceOf(q instanceof Int8Array ? Int32Array : Float32Array);
        expect((await topKAsync(q as Int8Array, m as Int8Array, 3)).indices.length).toBe(0);
        expect(topKBatch(q as Int8Array, m as Int8Array, 3, { dim: 2 }).map((x) => x.indices.length)).toEqual([0, 0]);
        expect(topKBatch(new (q.constructor as typeof Int8Array)(0), m as Int8Array, 3, { dim: 2 })).toEqual([]);
      }
    });
  });
}

describe('topKAsync and the event loop', () => {
  it('keeps timers firing while long searches run', async () => {
    useKernel('scalar'); // the slowest native tier: tens of milliseconds per search
    const dim = 1536;
    const rows = 200_000;
    const m = randomInt8(dim * rows);
    const q = randomInt8(dim);
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 1);
    const searches: [number, number][] = [];
    let result;
    const begin = performance.now();
    while (performance.now() - begin < 400) {
      const start = performance.now();
      result = await topKAsync(q, m, 10, { threads: 1 });
      searches.push([start, performance.now()]);
    }
    clearInterval(timer);
    useKernel('avx512vnni');
    // Had a search run on the main thread, no timer could fire during it. Each search is awaited
    // alone, so a tick strictly inside one's interval proves the event loop ran meanwhile. Most
    // searches must see one (a loaded machine may starve the odd one; a blocking search, all).
    const shortest = Math.min(...searches.map(([a, b]) => b - a));
    const withTicks = searches.filter(([a, b]) => ticks.some((t) => t > a + 1 && t < b - 1)).length;
    console.log(`${searches.length} searches, shortest ${shortest.toFixed(1)} ms; ${ticks.length} timer ticks; ${withTicks} searches saw one`);
    expect(shortest).toBeGreaterThan(8);
    expect(withTicks).toBeGreaterThan(searches.length / 2);
    expect(plain(result!)).toEqual(plain(topK(q, m, 10)));
  });
});

// int8 searches over a matrix of at most info().cacheResidentBytes use a kernel variant that
// prefetches farther ahead (the avx2 tier has one); larger ones the plain dots kernel. The
// reference scores with dots(), i.e. the plain kernel, so both sides of the size must agree.
describe('int8 topK on both sides of info().cacheResidentBytes', () => {
  it('matches the reference just under and just over the size, on 1 and 2 threads', () => {
    useKernel('avx512vnni');
    const { kernel, native, cacheResidentBytes } = simdot.info();
    if (native && kernel !== 'js') expect(typeof cacheResidentBytes).toBe('number');
    const dim = 384; // long enough for the streaming path
    // Bounded for the test's memory: past 64 MiB only the "under" side is checked as under.
    const limit = Math.min(cacheResidentBytes ?? 0, 64 << 20);
    const under = Math.max(1, Math.floor(limit / dim));
    console.log(`kernel ${kernel}, cacheResidentBytes ${cacheResidentBytes}: ${under} and ${under + 1} rows of ${dim}`);
    const q = randomInt8(dim);
    const m = randomInt8((under + 1) * dim);
    for (const rows of [under, under + 1]) {
      const view = m.subarray(0, rows * dim);
      const want = reference(q, view, 10);
      for (const threads of [1, 2]) expect(plain(topK(q, view, 10, { threads }))).toEqual(want);
    }
  });
});

// The affine score: rows rank by queryFactor * rowFactor[i] * dot + rowOffset[i] in double, the
// same on every tier, for any thread count; -0 reported as +0; NaN below every number.
describe('topK with an affine score (rowFactor, rowOffset, queryFactor)', () => {
  function affineReference(dots: ArrayLike<number>, k: number, qf: number, f?: ArrayLike<number>, o?: ArrayLike<number>, filter?: Uint8Array) {
    const v = Array.from(dots, (d, i) => qf * (f ? f[i]! : 1) * d + (o ? o[i]! : 0));
    const rows = [...v.keys()].filter((i) => !filter || (filter[i >> 3]! >> (i & 7)) & 1);
    rows.sort((a, b) => {
      const [na, nb] = [Number.isNaN(v[a]!), Number.isNaN(v[b]!)];
      if (na !== nb) return na ? 1 : -1;
      if (!na && v[a] !== v[b]) return v[b]! - v[a]!;
      return a - b;
    });
    const top = rows.slice(0, k);
    return { indices: top, scores: top.map((i) => (v[i] === 0 ? 0 : v[i]!)) };
  }

  for (const tier of supported) {
    it(`matches the reference on ${tier}, int8 and float32, with every combination of options`, async () => {
      useKernel(tier);
      const r = rng(77);
      const dim = 37;
      const rows = 2000;
      for (const Type of [Int8Array, Float32Array]) {
        const value = Type === Int8Array ? () => Math.floor(r() * 256) - 128 : () => r() * 2 - 1;
        const make = (n: number) => (Type === Int8Array ? Int8Array.from({ length: n }, value) : Float32Array.from({ length: n }, value));
        const m = make(rows * dim);
        const q = make(3 * dim);
        // Ties: the rows 10..19 repeat row 5 and share its factor and offset.
        for (let i = 10; i < 20; i++) m.copyWithin(i * dim, 5 * dim, 6 * dim);
        const f32 = Float32Array.from({ length: rows }, (_, i) => (i >= 10 && i < 20 ? 0.5 : r() * 2));
        const f64 = Float64Array.from(f32);
        const o64 = Float64Array.from({ length: rows }, (_, i) => (i >= 10 && i < 20 ? -3 : Math.round(r() * 100 - 50)));
        o64[7] = NaN;
        const o32 = Float32Array.from(o64);
        const filter = Uint8Array.from({ length: Math.ceil(rows / 8) }, () => Math.floor(r() * 256));
        const query = (j: number) => q.subarray(j * dim, (j + 1) * dim) as Int8Array;
        for (const [name, opts] of [
          ['rowFactor f32', { rowFactor: f32 }],
          ['rowFactor f64, rowOffset f64', { rowFactor: f64, rowOffset: o64 }],
          ['rowOffset f32, queryFactor -2', { rowOffset: o32, queryFactor: -2 }],
          ['all three, filtered', { rowFactor: f32, rowOffset: o64, queryFactor: 0.25, filter }],
        ] as const) {
          const o = opts as { rowFactor?: Float32Array | Float64Array; rowOffset?: Float32Array | Float64Array; queryFactor?: number; filter?: Uint8Array };
          const want = affineReference(dots(query(0), m as Int8Array), 25, o.queryFactor ?? 1, o.rowFactor, o.rowOffset, o.filter);
          for (const threads of [1, 2, 7]) {
            const got = topK(query(0), m as Int8Array, 25, { ...opts, threads });
            expect(got.scores, name).toBeInstanceOf(Float64Array);
            expect(plain(got), `${Type.name} ${name} threads=${threads}`).toEqual(want);
          }
          expect(plain(await topKAsync(query(0), m as Int8Array, 25, opts)), `${name} async`).toEqual(want);
          // A batch with a factor per query.
          const qfs = new Float64Array([o.queryFactor ?? 1, 3, -0.5]);
          const batch = topKBatch(q as Int8Array, m as Int8Array, 25, { ...opts, queryFactor: qfs, dim });
          for (let j = 0; j < 3; j++) {
            expect(plain(batch[j]!), `${name} batch query ${j}`).toEqual(
              affineReference(dots(query(j), m as Int8Array), 25, qfs[j]!, o.rowFactor, o.rowOffset, o.filter),
            );
          }
        }
      }
    });
  }

  it('ranks squared L2 distances exactly for int8 rows with integer norms, where float32 could not', () => {
    // |q - x|^2 = |q|^2 + |x|^2 - 2 q.x: rank by 2 q.x - |x|^2. At dim 4096 of extreme values the
    // terms pass 2^24, past float32's integers; in double they are exact, and so is the order.
    const dim = 4096;
    const rows = 64;
    const r = rng(5);
    const m = Int8Array.from({ length: rows * dim }, () => (r() < 0.5 ? -128 : 127));
    const q = Int8Array.from({ length: dim }, () => (r() < 0.5 ? -128 : 127));
    // Row 1 differs from row 0 in one element: their distances to q differ by a little.
    m.copyWithin(dim, 0, dim);
    m[dim + 3] = m[3] === 127 ? 126 : -127;
    const norms = new Float64Array(rows);
    for (let i = 0; i < rows; i++) for (let t = 0; t < dim; t++) norms[i]! += m[i * dim + t]! ** 2;
    const exact = (i: number) => {
      let d = 0;
      for (let t = 0; t < dim; t++) d += (q[t]! - m[i * dim + t]!) ** 2;
      return d;
    };
    const want = [...Array(rows).keys()].sort((a, b) => exact(a) - exact(b) || a - b);
    const qq = q.reduce((s, x) => s + x * x, 0);
    for (const tier of supported) {
      useKernel(tier);
      const got = topK(q, m, rows, { queryFactor: 2, rowOffset: norms.map((n) => -n) });
      expect(Array.from(got.indices), tier).toEqual(want);
      expect(Array.from(got.scores, (s) => qq - s), tier).toEqual(want.map(exact));
    }
  });
});
