// Index: float embeddings in, exact search out. Every metric and precision against brute-force
// float64 references; search against topK on the same data; keys through add, remove and
// filters; several storage chunks; batches, async searches (while rows are added) and workers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from './lib/conformance.mjs';
import { distDir, simdot } from './load.js';

const { Index, topK, normalize, quantize, dequantize } = simdot;
type Metric = 'cosine' | 'dot' | 'l2';

/** n rows of dim values around a few random centers, like embeddings (not uniform noise). */
function embeddings(n: number, dim: number, seed: number): Float32Array {
  const r = rng(seed);
  const centers = Array.from({ length: 8 }, () => Float64Array.from({ length: dim }, () => r() * 2 - 1));
  const v = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centers[Math.floor(r() * centers.length)]!;
    for (let t = 0; t < dim; t++) v[i * dim + t] = c[t]! + (r() * 2 - 1) * 0.8;
  }
  return v;
}

/** The exact float64 ranking: [row, score] best first (l2: smallest distance first), ties by row. */
function reference(metric: Metric, rows: Float32Array, q: Float32Array, dim: number, eligible?: (row: number) => boolean) {
  const n = rows.length / dim;
  const norm = (v: Float32Array, o: number) => Math.sqrt(Array.from(v.subarray(o, o + dim)).reduce((s, x) => s + x * x, 0));
  const qn = norm(q, 0);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (eligible && !eligible(i)) continue;
    let s = 0;
    if (metric === 'l2') for (let t = 0; t < dim; t++) s += (q[t]! - rows[i * dim + t]!) ** 2;
    else for (let t = 0; t < dim; t++) s += q[t]! * rows[i * dim + t]!;
    if (metric === 'cosine') {
      const xn = norm(rows, i * dim);
      s = qn > 0 && xn > 0 ? s / (qn * xn) : 0;
    }
    out.push([i, s]);
  }
  out.sort((a, b) => (metric === 'l2' ? a[1] - b[1] : b[1] - a[1]) || a[0] - b[0]);
  return out;
}

function caught(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('normalize, quantize, dequantize', () => {
  it('normalize scales rows to unit length in place and leaves zero rows alone', () => {
    const v = new Float32Array([3, 4, 0, 0, -1, 0]);
    expect(normalize(v, 2)).toBe(v);
    expect(Array.from(v)).toEqual([0.6000000238418579, 0.800000011920929, 0, 0, -1, 0]);
  });

  it('quantize maps the largest magnitude to 127, rounds halves away from zero, and round-trips within half a step', () => {
    const v = new Float32Array([127, -63.5, 0.5, -0.5, 1.5, -126.4]);
    const { codes, scale } = quantize(v, 2);
    expect(scale).toBe(1);
    expect(Array.from(codes)).toEqual([127, -64, 1, -1, 2, -126]);
    const back = dequantize(codes, scale);
    for (let i = 0; i < v.length; i++) expect(Math.abs(back[i]! - v[i]!)).toBeLessThanOrEqual(scale / 2 + 1e-7);
    // A given scale clips what it cannot hold.
    expect(Array.from(quantize(new Float32Array([2, -2, 0.5]), 3, { scale: 0.01 }).codes)).toEqual([127, -127, 50]);
  });

  it('refuses what it cannot handle, naming the parameter', () => {
    expect(caught(() => normalize(new Float64Array(4) as unknown as Float32Array, 2))).toEqual(
      new TypeError('normalize: expected vectors to be a Float32Array, received Float64Array(4)'),
    );
    expect(caught(() => normalize(new Float32Array(5), 2))).toEqual(new RangeError('normalize: vectors length 5 is not a multiple of dim 2'));
    expect(caught(() => quantize(new Float32Array([1, NaN]), 2))).toEqual(
      new RangeError('quantize: expected finite values in vectors, received NaN in row 0 at element 1'),
    );
    expect(caught(() => quantize(new Float32Array(2), 2, { scale: 0 }))).toEqual(
      new RangeError('quantize: expected options.scale to be a positive finite number, received 0'),
    );
    expect(caught(() => dequantize(new Uint8Array(2) as unknown as Int8Array, 1))).toEqual(
      new TypeError('dequantize: expected codes to be an Int8Array, received Uint8Array(2)'),
    );
  });
});

describe('Index', () => {
  const dim = 48;
  const n = 700;
  const data = embeddings(n, dim, 1);
  const queries = embeddings(12, dim, 2);
  const query = (j: number) => queries.subarray(j * dim, (j + 1) * dim);

  for (const metric of ['cosine', 'dot', 'l2'] as const) {
    it(`float32, ${metric}: the exact ranking and scores, over several chunks`, () => {
      const index = new Index({ dim, metric, precision: 'float32', chunkRows: 128 });
      index.add(data);
      expect(index.size).toBe(n);
      for (let j = 0; j < 12; j++) {
        const want = reference(metric, data, query(j), dim).slice(0, 10);
        const got = index.search(query(j), 10);
        expect(Array.from(got.keys), `${metric} query ${j}`).toEqual(want.map(([row]) => row));
        got.scores.forEach((s, i) => expect(Math.abs(s - want[i]![1])).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i]![1]))));
      }
    });

    it(`int8, ${metric}: rescoring against the originals gives the exact ranking; int8 alone is close`, () => {
      const exact = new Index({ dim, metric, precision: 'int8', keepOriginals: true, chunkRows: 64 });
      exact.add(data);
      const approx = new Index({ dim, metric, precision: 'int8' });
      approx.add(data);
      let hits = 0;
      for (let j = 0; j < 12; j++) {
        const want = reference(metric, data, query(j), dim);
        // Every row rescored: exactly the float ranking (the originals are float32, the sums double).
        const got = exact.search(query(j), 10, { rescore: Math.ceil(n / 10) });
        expect(Array.from(got.keys), `${metric} query ${j}`).toEqual(want.slice(0, 10).map(([row]) => row));
        // cosine: the originals are normalized in float32, off by up to about 1e-7 each.
        got.scores.forEach((s, i) => expect(Math.abs(s - want[i]![1])).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[i]![1]))));
        const top = new Set(want.slice(0, 10).map(([row]) => row));
        for (const key of approx.search(query(j), 10, { rescore: false }).keys) hits += top.has(key) ? 1 : 0;
      }
      expect(hits / 120, `${metric} int8 recall@10`).toBeGreaterThan(0.8);
    });

    it(`int8, ${metric}: a stored row searched for itself scores as itself (self-exact factor)`, () => {
      const index = new Index({ dim, metric, precision: 'int8' });
      index.add(data);
      for (const j of [0, 17, 399, 699]) {
        const x = data.subarray(j * dim, (j + 1) * dim);
        const exact = metric === 'cosine' ? 1 : metric === 'l2' ? 0 : Array.from(x).reduce((s, v) => s + v * v, 0);
        // the float query against the row's int8 codes; the code scale max|x| / 127 as the factor
        // would be off by about 1e-4 of |x|^2 here
        const got = index.search(x, 1, { filter: [j] });
        expect(Array.from(got.keys)).toEqual([j]);
        expect(Math.abs(got.scores[0]! - exact), `${metric} row ${j}: ${got.scores[0]} against ${exact}`).toBeLessThan(1e-6 * Math.max(1, exact));
        if (metric === 'l2') expect(got.scores[0]).toBeGreaterThanOrEqual(0);
      }
    });
  }

  it('float32 dot search is topK on the same matrix', () => {
    const index = new Index({ dim, metric: 'dot', precision: 'float32' });
    index.add(data);
    for (let j = 0; j < 12; j++) {
      const t = topK(query(j), data, 15);
      const got = index.search(query(j), 15);
      expect(Array.from(got.keys)).toEqual(Array.from(t.indices));
      expect(Array.from(got.scores)).toEqual(Array.from(t.scores));
    }
  });

  it('keys: given, counted on, removed, filtered, and kept apart', () => {
    const index = new Index({ dim, metric: 'cosine', precision: 'int8', keepOriginals: true, chunkRows: 64 });
    const keys = Array.from({ length: 300 }, (_, i) => 1000 + 3 * i);
    expect(Array.from(index.add(data.subarray(0, 300 * dim), keys))).toEqual(keys);
    // Without keys, counting on from the largest key so far.
    expect(Array.from(index.add(data.subarray(300 * dim, 302 * dim)))).toEqual([1000 + 3 * 299 + 1, 1000 + 3 * 299 + 2]);
    expect(index.size).toBe(302);
    const q = data.subarray(10 * dim, 11 * dim);
    expect(index.search(q, 1).keys[0]).toBe(1030);
    expect(index.remove([1030, 1033, 999999])).toBe(2);
    expect(index.has(1030)).toBe(false);
    expect(index.size).toBe(300);
    const after = index.search(q, 20);
    expect(Array.from(after.keys)).not.toContain(1030);
    expect(Array.from(after.keys)).not.toContain(1033);
    // A removed key may be added again, with new data.
    index.add(data.subarray(10 * dim, 11 * dim), [1030]);
    expect(index.search(q, 1).keys[0]).toBe(1030);
    // A filter in keys: only those rows, and only live ones.
    const allowed = [1000, 1003, 1033, 1600, 1899, 123456];
    const filtered = index.search(q, 10, { filter: allowed });
    expect(new Set(filtered.keys)).toEqual(new Set([1000, 1003, 1600, 1899]));
    const want = reference('cosine', data, q, dim, (row) => [0, 1, 200, 301].includes(row)).map(([row]) => (row < 300 ? 1000 + 3 * row : 1898 + row - 300));
    expect(Array.from(filtered.keys)).toEqual(want);
    expect(index.search(q, 10, { filter: [] }).keys.length).toBe(0);
  });

  it('searchBatch is one search per query, and the async forms give the same', async () => {
    const index = new Index({ dim, metric: 'l2', precision: 'int8', chunkRows: 192 });
    index.add(data);
    const batch = index.searchBatch(queries, 7);
    expect(batch).toHaveLength(12);
    for (let j = 0; j < 12; j++) expect(batch[j]).toEqual(index.search(query(j), 7));
    expect(await index.searchBatchAsync(queries, 7)).toEqual(batch);
    expect(await index.searchAsync(query(3), 7)).toEqual(batch[3]);
  });

  it('an async search sees the rows present when it was called, while rows are added', async () => {
    const index = new Index({ dim, metric: 'cosine', precision: 'int8', chunkRows: 64 });
    index.add(data.subarray(0, 400 * dim));
    const want = index.search(query(0), 10);
    const pending = index.searchAsync(query(0), 10);
    // Adding grows the shared buffers in place and starts new chunks; the search in flight reads
    // only what it was given.
    index.add(data.subarray(400 * dim));
    expect(await pending).toEqual(want);
    expect(index.size).toBe(n);
  });

  it('is searched from workers through share(), without copying the rows', async () => {
    const index = new Index({ dim, metric: 'dot', precision: 'int8', chunkRows: 256 });
    index.add(data);
    index.remove([5, 6, 7]);
    const shared = index.share();
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Index } = require(workerData.entry);
      const view = Index.fromShared(workerData.shared);
      const r = view.search(workerData.query, 10);
      let refused = '';
      try { view.add(workerData.query); } catch (e) { refused = e.constructor.name + ': ' + e.message; }
      parentPort.postMessage({ keys: Array.from(r.keys), scores: Array.from(r.scores), size: view.size, refused,
        same: workerData.shared.chunks[0].data instanceof SharedArrayBuffer });`;
    const results = await Promise.all(
      [0, 1].map(
        (j) =>
          new Promise<{ keys: number[]; scores: number[]; size: number; refused: string; same: boolean }>((resolve, reject) => {
            const w = new Worker(source, { eval: true, workerData: { entry: `${distDir}index.js`, shared, query: query(j) } });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    results.forEach((r, j) => {
      const want = index.search(query(j), 10);
      expect(r.keys).toEqual(Array.from(want.keys));
      expect(r.scores).toEqual(Array.from(want.scores));
      expect(r.size).toBe(n - 3);
      expect(r.same).toBe(true);
      expect(r.refused).toBe("TypeError: Index.add: this index is a read-only view of another thread's index (Index.fromShared)");
    });
  });

  it('memoryUsage: one byte per element for int8 rows, and at most 1 MiB of rows to spare', () => {
    const index = new Index({ dim: 1536, metric: 'cosine', precision: 'int8' });
    index.add(embeddings(1500, 1536, 3));
    const m = index.memoryUsage();
    expect(m.rows).toBeGreaterThanOrEqual(1500 * 1536);
    expect(m.rows).toBeLessThanOrEqual(1500 * 1536 + 2 ** 20 + 64 * 1536);
    expect(m.originals).toBe(0);
    // Per row beside its codes: a scale (4 bytes), a key (8), a live bit, a map entry.
    expect(m.perRow / m.rows).toBeLessThan(13.2 / 1536);
    expect(m.total).toBe(m.rows + m.perRow + m.originals + m.keyMap);
  });

  it('bad input: a TypeError or RangeError naming the parameter, and nothing half-added', () => {
    const index = new Index({ dim: 4 });
    const cases: [() => unknown, Error][] = [
      [() => new Index({ dim: 0 }), new RangeError('Index: expected options.dim to be an integer from 1 to 131071, received 0')],
      [() => new Index({ dim: 4, metric: 'euclid' as Metric }), new RangeError("Index: expected options.metric to be one of 'cosine', 'dot', 'l2', received string \"euclid\"")],
      [() => new Index({ dim: 4, chunkRows: 100 }), new RangeError('Index: expected options.chunkRows to be a multiple of 64, received 100')],
      [() => new Index({ dim: 4, precison: 'int8' } as never), new TypeError('Index: unknown option "precison"; did you mean "precision"?')],
      [() => index.search(new Float32Array(4), 3, { rescores: 2 } as never), new TypeError('Index.search: unknown option "rescores"; did you mean "rescore"?')],
      [() => simdot.quantize(new Float32Array(4), 2, { scales: 1 } as never), new TypeError('quantize: unknown option "scales"; did you mean "scale"?')],
      [() => index.add(new Float64Array(4) as unknown as Float32Array), new TypeError('Index.add: expected vectors to be a Float32Array, received Float64Array(4)')],
      [() => index.add(new Float32Array(6)), new RangeError("Index.add: vectors length 6 is not a multiple of the index's dim 4")],
      [() => index.add(new Float32Array([1, 2, 3, 4, 5, 6, NaN, 8])), new RangeError('Index.add: expected finite values in vectors, received NaN in row 1 at element 2')],
      [() => index.add(new Float32Array(8), [1, 1]), new RangeError('Index.add: key 1 is already in the index')],
      [() => index.add(new Float32Array(8), [1]), new RangeError('Index.add: expected 2 keys (one per vector), received 1')],
      [() => index.add(new Float32Array(4), [1.5]), new RangeError('Index.add: expected keys to be safe integers, received number 1.5 at 0')],
      [() => index.search(new Float32Array(5), 3), new RangeError("Index.search: query length 5 is not a multiple of the index's dim 4")],
      [() => index.search(new Float32Array(8), 3), new RangeError("Index.search: expected query to have length 4 (the index's dim), received length 8")],
      [() => index.search(new Float32Array(4), 0), new RangeError('Index.search: expected k to be an integer from 1 to 9007199254740991, received 0')],
      [() => index.search(new Float32Array([0, NaN, 0, 0]), 3), new RangeError('Index.search: expected finite values in query, received NaN at element 1')],
      [() => index.search(new Float32Array(4), 3, { rescore: -1 }), new RangeError('Index.search: expected options.rescore to be an integer from 0 to 1024, received -1')],
      [() => index.search(new Float32Array(4), 3, { filter: 5 as unknown as number[] }), new TypeError('Index.search: expected options.filter to be an iterable of keys (an array, a Set...), received number 5')],
    ];
    for (const [call, error] of cases) {
      const thrown = caught(call);
      expect(thrown).toEqual(error);
      expect((thrown as Error).constructor).toBe(error.constructor);
    }
    expect(index.size).toBe(0);
  });
});

describe('Index, precision binary', () => {
  const dim = 100; // not a multiple of 8: the last byte of each row is partly padding
  const n = 600;
  const data = embeddings(n, dim, 11);
  const queries = embeddings(8, dim, 12);
  const query = (j: number) => queries.subarray(j * dim, (j + 1) * dim);
  const { binarize, topKHamming } = simdot;

  for (const metric of ['cosine', 'dot', 'l2'] as const) {
    it(`${metric}: every row rescored against the originals is the exact ranking`, () => {
      const index = new Index({ dim, metric, precision: 'binary', keepOriginals: true, chunkRows: 128 });
      index.add(data);
      for (let j = 0; j < 8; j++) {
        const want = reference(metric, data, query(j), dim);
        const got = index.search(query(j), 10, { rescore: Math.ceil(n / 10) });
        expect(Array.from(got.keys), `${metric} query ${j}`).toEqual(want.slice(0, 10).map(([row]) => row));
        got.scores.forEach((s, i) => expect(Math.abs(s - want[i]![1])).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[i]![1]))));
      }
    });
  }

  it('the candidates are the rows nearest by Hamming distance (topKHamming on binarize), over several chunks', () => {
    const index = new Index({ dim, metric: 'dot', precision: 'binary', chunkRows: 64 });
    index.add(data);
    const rows = binarize(data, dim);
    for (let j = 0; j < 8; j++) {
      const q = binarize(query(j), dim);
      for (const rescore of [1, 3]) {
        // Ties at the k-th distance go to the lower row, in the index as in topKHamming.
        const want = topKHamming(q, rows, 9 * rescore, { dim });
        const got = index.search(query(j), 9 * rescore, { rescore: 1 });
        expect(new Set(got.keys), `query ${j}`).toEqual(new Set(want.indices));
        // rescore 0 / false: k candidates, still scored (and ranked) in float.
        expect(index.search(query(j), 9, { rescore: 0 })).toEqual(index.search(query(j), 9, { rescore: 1 }));
        expect(index.search(query(j), 9, { rescore: false })).toEqual(index.search(query(j), 9, { rescore: 1 }));
      }
    }
  });

  it('without originals a row scores as its signs times its mean magnitude; with keepInt8, as its int8 codes', () => {
    for (const metric of ['dot', 'l2'] as const) {
      const bits = new Index({ dim, metric, precision: 'binary' });
      bits.add(data);
      const q = query(0);
      const got = bits.search(q, 5, { rescore: 200 });
      got.keys.forEach((key, i) => {
        const x = data.subarray(key * dim, (key + 1) * dim);
        const s = Math.fround(x.reduce((m, v) => m + Math.abs(v), 0) / dim);
        let dot = 0;
        for (let t = 0; t < dim; t++) dot += q[t]! * (x[t]! > 0 ? s : -s);
        let qq = 0;
        for (let t = 0; t < dim; t++) qq += q[t]! * q[t]!;
        const want = metric === 'dot' ? dot : qq - 2 * dot + s * s * dim;
        expect(Math.abs(got.scores[i]! - want), `${metric} key ${key}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(want)));
      });
      // keepInt8: the scores an int8 index rescores with, for the same rows.
      const withCodes = new Index({ dim, metric, precision: 'binary', keepInt8: true, chunkRows: 192 });
      withCodes.add(data);
      const int8 = new Index({ dim, metric, precision: 'int8' });
      int8.add(data);
      for (let j = 0; j < 8; j++) {
        expect(withCodes.search(query(j), 10, { rescore: 60 }), `${metric} query ${j}`).toEqual(int8.search(query(j), 10, { rescore: 60 }));
      }
    }
  });

  it('with originals: the exact ranking of the rescore * k rows nearest by Hamming distance', () => {
    // Recall on real embeddings is measured in bench/ (see the README); here, what it rests on.
    const index = new Index({ dim, metric: 'cosine', precision: 'binary', keepOriginals: true, chunkRows: 192 });
    index.add(data);
    const rows = binarize(data, dim);
    for (let j = 0; j < 8; j++) {
      const candidates = new Set(topKHamming(binarize(query(j), dim), rows, 50, { dim }).indices);
      const want = reference('cosine', data, query(j), dim, (row) => candidates.has(row)).slice(0, 10);
      const got = index.search(query(j), 10, { rescore: 5 });
      expect(Array.from(got.keys), `query ${j}`).toEqual(want.map(([row]) => row));
      got.scores.forEach((s, i) => expect(Math.abs(s - want[i]![1])).toBeLessThan(1e-6));
      // The default is 10 candidates per result.
      expect(index.search(query(j), 5)).toEqual(index.search(query(j), 5, { rescore: 10 }));
    }
  });

  it('memoryUsage: ceil(dim / 8) bytes of bits per row, plus 4 for the scale', () => {
    const index = new Index({ dim: 1536, precision: 'binary' });
    index.add(embeddings(2000, 1536, 13));
    const m = index.memoryUsage();
    expect(m.rows).toBeGreaterThanOrEqual(2000 * 192);
    expect(m.rows).toBeLessThanOrEqual(2000 * 192 + 2 ** 20 + 64 * 192);
    expect(m.originals).toBe(0);
    const withCodes = new Index({ dim: 1536, precision: 'binary', keepInt8: true });
    withCodes.add(embeddings(100, 1536, 13));
    expect(withCodes.memoryUsage().rows).toBeGreaterThanOrEqual(100 * (192 + 1536));
    expect(caught(() => new Index({ dim: 4, precision: 'int8', keepInt8: true }))).toEqual(
      new RangeError("Index: options.keepInt8 is for precision 'binary' (an int8 index has its own rows), received true"),
    );
  });

  it('batches, async searches and workers give what search gives', async () => {
    const index = new Index({ dim, metric: 'l2', precision: 'binary', chunkRows: 256 });
    index.add(data);
    index.remove([3, 4]);
    const batch = index.searchBatch(queries, 6);
    for (let j = 0; j < 8; j++) expect(batch[j]).toEqual(index.search(query(j), 6));
    expect(await index.searchBatchAsync(queries, 6)).toEqual(batch);
    expect(await index.searchAsync(query(5), 6)).toEqual(batch[5]);
    const view = Index.fromShared(index.share());
    expect(view.precision).toBe('binary');
    expect(view.searchBatch(queries, 6)).toEqual(batch);
  });
});

describe('Index.save and Index.load', () => {
  const dim = 40;
  const n = 500;
  const data = embeddings(n, dim, 7);
  const queries = embeddings(6, dim, 8);
  const dir = mkdtempSync(join(tmpdir(), 'simdot-index-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [metric, precision, keepOriginals, keepInt8] of [
    ['cosine', 'int8', true, false],
    ['l2', 'int8', false, false],
    ['dot', 'float32', false, false],
    ['l2', 'float32', false, false],
    ['cosine', 'binary', false, false],
    ['l2', 'binary', false, true],
    ['dot', 'binary', true, false],
  ] as const) {
    const extra = `${keepOriginals ? ' with originals' : ''}${keepInt8 ? ' with int8 codes' : ''}`;
    it(`round-trips ${metric} ${precision}${extra}: the live rows, their keys, the same searches`, async () => {
      const index = new Index({ dim, metric, precision, keepOriginals, keepInt8, chunkRows: 128 });
      index.add(data, Array.from({ length: n }, (_, i) => 10 * i + 7));
      index.remove([7, 17, 2007, 4997]);
      const file = join(dir, `${metric}-${precision}.simdot`);
      await index.save(file);
      const loaded = await Index.load(file);
      expect({ dim: loaded.dim, metric: loaded.metric, precision: loaded.precision, keepOriginals: loaded.keepOriginals, keepInt8: loaded.keepInt8, size: loaded.size }).toEqual({
        dim,
        metric,
        precision,
        keepOriginals,
        keepInt8,
        size: n - 4,
      });
      expect(loaded.has(17)).toBe(false);
      expect(loaded.has(27)).toBe(true);
      for (let j = 0; j < 6; j++) {
        const q = queries.subarray(j * dim, (j + 1) * dim);
        expect(loaded.search(q, 12), `query ${j}`).toEqual(index.search(q, 12));
        expect(loaded.search(q, 12, { rescore: false })).toEqual(index.search(q, 12, { rescore: false }));
      }
      // Adding to a loaded index counts keys on from where the saved one was.
      expect(Array.from(loaded.add(data.subarray(0, dim)))).toEqual([10 * (n - 1) + 7 + 1]);
    });
  }

  it('originals left in the file: rescoring reads the candidate rows from it, with the same results', async () => {
    const index = new Index({ dim, metric: 'cosine', precision: 'int8', keepOriginals: true });
    index.add(data);
    const file = join(dir, 'originals.simdot');
    await index.save(file);
    const onDisk = await Index.load(file, { originals: 'file' });
    const without = await Index.load(file, { originals: 'none' });
    expect(without.keepOriginals).toBe(false);
    const plain = new Index({ dim, metric: 'cosine', precision: 'int8' });
    plain.add(data);
    for (let j = 0; j < 6; j++) {
      const q = queries.subarray(j * dim, (j + 1) * dim);
      expect(onDisk.search(q, 10)).toEqual(index.search(q, 10));
      expect(await onDisk.searchAsync(q, 10)).toEqual(index.search(q, 10));
      expect(without.search(q, 10)).toEqual(plain.search(q, 10));
    }
    expect(caught(() => onDisk.add(data.subarray(0, dim)))).toBeInstanceOf(TypeError);
    await onDisk.close();
    // Closed: rescoring falls back to the int8 rows.
    expect(onDisk.search(queries.subarray(0, dim), 10)).toEqual(plain.search(queries.subarray(0, dim), 10));
  });

  it('a truncated, corrupt or foreign file is an Error with a code, and nothing is returned', async () => {
    const index = new Index({ dim, metric: 'dot', precision: 'int8' });
    index.add(data);
    const file = join(dir, 'good.simdot');
    await index.save(file);
    const bytes = readFileSync(file);
    const variants: [string, Buffer, string][] = [
      ['truncated', bytes.subarray(0, bytes.length - 100), 'ERR_SIMDOT_CORRUPT_FILE'],
      ['a flipped byte in the rows', Buffer.from(bytes).fill(1, bytes.length - 5000, bytes.length - 4999), 'ERR_SIMDOT_CORRUPT_FILE'],
      ['not a simdot file', Buffer.from('\x93NUMPY\x01\x00v\x00{}'), 'ERR_SIMDOT_UNKNOWN_FORMAT'],
    ];
    for (const [name, content, code] of variants) {
      const bad = join(dir, `${name}.simdot`);
      writeFileSync(bad, content);
      const err = await Index.load(bad).then(() => undefined, (e: unknown) => e);
      expect(err, name).toBeInstanceOf(Error);
      expect((err as { code?: string }).code, name).toBe(code);
    }
    // A store that is not an index.
    const other = join(dir, 'other.simdot');
    await simdot.writeStore(other, { format: 'something else' }, []);
    const err = (await Index.load(other).then(() => undefined, (e: unknown) => e)) as Error & { code?: string };
    expect(err.message).toMatch(/is not an index simdot can read: its format is "something else"/);
    expect(err.code).toBe('ERR_SIMDOT_CORRUPT_FILE');
  });
});
