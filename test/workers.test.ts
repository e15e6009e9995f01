// worker_threads: the addon is context-aware, so each worker loads its own instance of it. Several
// workers load it at once and compute the right results, and two workers search one matrix that
// lives on a SharedArrayBuffer (no copy), each writing its half of the scores into a shared out.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { distDir, simdot } from './load.js';

const main = simdot.info();

// Runs `body` (the source of a function of (simdot, data) returning a value that can be posted)
// in a new worker that loads the package from dist/, as a user's worker would.
function inWorker<T>(body: string, data: unknown = {}): Promise<T> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const simdot = require(workerData.entry);
    Promise.resolve((${body})(simdot, workerData.data)).then(
      (value) => parentPort.postMessage({ value }),
      (err) => parentPort.postMessage({ error: String(err && err.stack || err) }),
    );`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { entry: `${distDir}index.js`, data } });
    let settled = false;
    worker.once('message', (m: { value?: T; error?: string }) => {
      settled = true;
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m.value as T);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`worker exited with code ${code} before answering`));
    });
  });
}

// A small seeded generator, the same in the test and in the workers.
const LCG = `(seed) => { let x = seed >>> 0; return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0); }`;
const lcg = (0, eval)(LCG) as (seed: number) => () => number;

function referenceDots(q: ArrayLike<number>, m: ArrayLike<number>, dim: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let r = from; r < to; r++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += q[i]! * m[r * dim + i]!;
    out.push(s);
  }
  return out;
}

// In a worker: the tier it runs, and its results next to plain-JavaScript sums and the js tier.
const selfCheck = `(simdot, { seed }) => {
  const next = (${LCG})(seed);
  const dim = 96 + (seed % 37), rows = 300;
  const q = Int8Array.from({ length: dim }, () => (next() >>> 24) - 128);
  const m = Int8Array.from({ length: dim * rows }, () => (next() >>> 24) - 128);
  const ref = [];
  for (let r = 0; r < rows; r++) { let s = 0; for (let i = 0; i < dim; i++) s += q[i] * m[r * dim + i]; ref.push(s); }
  const info = simdot.info();
  const run = () => ({
    dot: simdot.dot(q, m.subarray(0, dim)),
    dots: Array.from(simdot.dots(q, m)),
    dotsF32: Array.from(simdot.dots(Float32Array.from(q), Float32Array.from(m))),
    top: Array.from(simdot.topK(q, m, 7).indices),
  });
  const native = run();
  simdot.useKernel('js');
  const js = run();
  return { info: { native: info.native, kernel: info.kernel, binding: info.binding }, ref, native, js };
}`;

describe('worker_threads', () => {
  it('loads in several workers at once, each on the same tier as the main thread, with correct results', async () => {
    const seeds = [1, 2, 3, 4, 5, 6];
    type Check = {
      info: { native: boolean; kernel: string; binding?: string };
      ref: number[];
      native: { dot: number; dots: number[]; dotsF32: number[]; top: number[] };
      js: { dot: number; dots: number[]; dotsF32: number[]; top: number[] };
    };
    const results = await Promise.all(seeds.map((seed) => inWorker<Check>(selfCheck, { seed })));
    for (const r of results) {
      expect(r.info).toEqual({ native: main.native, kernel: main.kernel, binding: main.binding });
      expect(r.native.dots).toEqual(r.ref);
      expect(r.native.dotsF32).toEqual(r.ref);
      expect(r.native.dot).toBe(r.ref[0]);
      const order = r.ref.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      expect(r.native.top).toEqual(order.slice(0, 7).map(([, i]) => i));
      expect(r.js).toEqual(r.native);
    }
    // The workers' useKernel('js') is their own: the main thread's tier is untouched.
    expect(simdot.info().kernel).toBe(main.kernel);
  });

  it('loads again in new workers after the first ones have exited', async () => {
    for (let round = 0; round < 2; round++) {
      const kernels = await Promise.all([0, 1, 2].map(() => inWorker<string>(`(s) => s.info().kernel`)));
      expect(kernels).toEqual([main.kernel, main.kernel, main.kernel]);
    }
  });

  // A search that finishes while its worker is being terminated settles its promise during the
  // worker's teardown, when no JavaScript can run: that must not take the process down.
  it('survives workers terminated while their topKAsync searches run', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const simdot = require(workerData.entry);
      simdot.useKernel('scalar'); // the slowest native tier: the searches are still running
      const dim = 1536, rows = 50000;
      const m = new Int8Array(dim * rows);
      for (let i = 0; i < m.length; i += 61) m[i] = i & 127;
      const q = m.slice(0, dim);
      for (let i = 0; i < 4; i++) simdot.topKAsync(q, m, 10, { threads: 2 });
      setInterval(() => {}, 1000); // the worker ends by terminate() alone, whenever they finish
      parentPort.postMessage('searching');`;
    const codes: number[] = [];
    for (let round = 0; round < 8; round++) {
      const worker = new Worker(source, { eval: true, workerData: { entry: `${distDir}index.js` } });
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => setTimeout(resolve, round * 3));
        worker.once('error', reject);
      });
      codes.push(await worker.terminate());
    }
    expect(codes).toEqual(Array(8).fill(1)); // terminate() ends a worker with exit code 1
    const q = new Int8Array([1, 2, 3]);
    expect(Array.from((await simdot.topKAsync(q, new Int8Array([0, 0, 1, 3, 2, 1]), 1)).indices)).toEqual([1]);
  });

  it('searches one matrix on a SharedArrayBuffer from two workers, each scoring half the rows into a shared out', async () => {
    const dim = 384;
    const rows = 6001; // odd, so the halves differ in size
    const next = lcg(42);
    const matrix = new Int8Array(new SharedArrayBuffer(dim * rows));
    for (let i = 0; i < matrix.length; i++) matrix[i] = (next() >>> 24) - 128;
    const matrixF32 = new Float32Array(new SharedArrayBuffer(4 * dim * rows));
    matrixF32.set(matrix);
    const query = Int8Array.from({ length: dim }, () => (next() >>> 24) - 128);
    const out = new Int32Array(new SharedArrayBuffer(4 * rows)).fill(0x7fffffff);
    const outF32 = new Float32Array(new SharedArrayBuffer(4 * rows)).fill(NaN);
    const half = Math.ceil(rows / 2);

    const work = `(simdot, { matrix, matrixF32, out, outF32, query, dim, from, to }) => {
      if (!(matrix.buffer instanceof SharedArrayBuffer)) throw new Error('matrix was copied, not shared');
      // Views on the shared memory: this worker's rows and this worker's part of out.
      simdot.dots(query, matrix.subarray(from * dim, to * dim), out.subarray(from, to));
      simdot.dots(Float32Array.from(query), matrixF32.subarray(from * dim, to * dim), outF32.subarray(from, to));
      const top = simdot.topK(query, matrix, 10);
      return { top: Array.from(top.indices), scores: Array.from(top.scores), tier: simdot.info().kernel };
    }`;
    const shared = { matrix, matrixF32, out, outF32, query, dim };
    const [a, b] = await Promise.all([
      inWorker<{ top: number[]; scores: number[]; tier: string }>(work, { ...shared, from: 0, to: half }),
      inWorker<{ top: number[]; scores: number[]; tier: string }>(work, { ...shared, from: half, to: rows }),
    ]);

    const ref = referenceDots(query, matrix, dim, 0, rows);
    expect(Array.from(out)).toEqual(ref);
    expect(Array.from(outF32)).toEqual(ref);
    const order = ref.map((s, i) => [s, i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]).slice(0, 10);
    for (const r of [a, b]) {
      expect(r.tier).toBe(main.kernel);
      expect(r.top).toEqual(order.map(([, i]) => i));
      expect(r.scores).toEqual(order.map(([s]) => s));
    }
  });
});
