// What hostile or careless JavaScript does to the boundary: workers terminated mid-call, getters
// that lie or detach, Proxies, swapped prototypes, redefined intrinsics' properties, ranges past
// float32. None of it may crash the process, read the wrong memory or get past a check; every
// tier must give the same answer, or the same TypeError / RangeError naming the parameter.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { distDir, simdot } from './load.js';

const { dot, dots, topK, topKAsync, topKBatch, topKBatchAsync, info, useKernel } = simdot;
const tiers = info().supported;
const entry = JSON.stringify(`${distDir}index.js`);

afterAll(() => {
  useKernel('avx512vnni');
});

/** Runs `source` in a child Node.js (the same binary as this test), where a crash ends only it. */
function child(source: string, shell = ''): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = shell
    ? spawnSync('bash', ['-c', `${shell}; exec "$0" -e "$1"`, process.execPath, source], { encoding: 'utf8', timeout: 120_000 })
    : spawnSync(process.execPath, ['-e', source], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout.trim(), stderr: r.stderr };
}

function caught(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  return undefined;
}

function detach(view: ArrayBufferView): void {
  structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
}

describe('a worker terminated inside a synchronous call', () => {
  // The worker loops over the call on the slowest native tier; terminate() lands inside it, and
  // the results or the error can then no longer be handed to JavaScript.
  const looping = (call: string) => `
    const { Worker } = require('node:worker_threads');
    const source = \`
      const { parentPort } = require('node:worker_threads');
      const s = require(${entry});
      s.useKernel('scalar');
      const dim = 1536, rows = 20000;
      const m = new Int8Array(dim * rows);
      for (let i = 0; i < m.length; i += 61) m[i] = i & 127;
      const q = m.slice(0, dim);
      parentPort.postMessage('running');
      for (;;) { ${call}; }\`;
    (async () => {
      for (let round = 0; round < 12; round++) {
        const w = new Worker(source, { eval: true });
        await new Promise((resolve) => w.once('message', () => setTimeout(resolve, round * 3)));
        await w.terminate();
      }
      console.log('survived');
    })();`;

  for (const [name, call] of [
    ['topK', 's.topK(q, m, 10, { threads: 2 })'],
    ['topKBatch', 's.topKBatch(m.subarray(0, 3 * dim), m, 10, { dim, threads: 2 })'],
    ['info', 's.info()'],
    ['dots and dot', 's.dots(q, m); s.dot(q, q)'],
  ] as const) {
    it(`does not abort the process: ${name}`, () => {
      const r = child(looping(call));
      expect({ status: r.status, signal: r.signal, stdout: r.stdout }, r.stderr).toEqual({ status: 0, signal: null, stdout: 'survived' });
    });
  }

  it('process.exit() while a worker is inside topK exits with the code asked for', () => {
    for (const delay of [0, 5, 30]) {
      const r = child(`
        const { Worker } = require('node:worker_threads');
        const w = new Worker(\`
          const { parentPort } = require('node:worker_threads');
          const s = require(${entry});
          s.useKernel('scalar');
          const dim = 1536, m = new Int8Array(dim * 20000).fill(3), q = m.slice(0, dim);
          parentPort.postMessage('running');
          for (;;) { s.topK(q, m, 10, { threads: 2 }); s.info(); }\`, { eval: true });
        w.once('message', () => setTimeout(() => process.exit(7), ${delay}));`);
      expect({ status: r.status, signal: r.signal }, r.stderr).toEqual({ status: 7, signal: null });
    }
  });
});

describe('the async searches pin their matrix where no property look-up can be fooled', () => {
  const dim = 64;
  const rows = 2000;
  const fill = (n: number) => Int8Array.from({ length: n }, (_, i) => ((i * 2654435761) >>> 24) - 128);

  it('a resizable matrix is refused even when buffer or resizable are redefined', async () => {
    const q = fill(dim);
    const make = () => {
      const buffer = new ArrayBuffer(dim * rows, { maxByteLength: dim * rows });
      const view = new Int8Array(buffer);
      view.set(fill(dim * rows));
      return { buffer, view };
    };
    const refusal = (fn: string) =>
      new TypeError(
        `${fn}: expected matrix to be a view on a fixed-length ArrayBuffer or a SharedArrayBuffer, received a view on a ` +
          'resizable ArrayBuffer, which could shrink while the search reads it (topK takes it)',
      );
    const fixed = new ArrayBuffer(8);
    class Decoy extends Int8Array {
      override get buffer() {
        return fixed;
      }
    }
    const original = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable')!;
    for (const tier of tiers) {
      useKernel(tier);
      // An own `buffer` property on the view, a subclass getter, and ArrayBuffer.prototype's
      // own getter replaced: each once made the check read a fixed-length buffer.
      const own = make();
      Object.defineProperty(own.view, 'buffer', { value: fixed });
      const sub = make();
      const decoy = new Decoy(sub.buffer);
      const global = make();
      for (const [how, { buffer, view }] of [['own buffer', own], ['subclass', { buffer: sub.buffer, view: decoy }], ['prototype', global]] as const) {
        if (how === 'prototype') Object.defineProperty(ArrayBuffer.prototype, 'resizable', { get: () => false, configurable: true });
        try {
          for (const fn of ['topKAsync', 'topKBatchAsync'] as const) {
            const search = fn === 'topKAsync' ? topKAsync(q, view, 5) : topKBatchAsync(q, view, 5, { dim });
            buffer.resize(0); // had the search started, it would read freed memory
            await expect(search, `${tier} ${how} ${fn}`).rejects.toEqual(refusal(fn));
            buffer.resize(dim * rows);
          }
        } finally {
          Object.defineProperty(ArrayBuffer.prototype, 'resizable', original);
        }
      }
    }
  });
});

// The sanitizer job (scripts/check-sanitizers.sh) runs this suite with ASan, which reserves
// terabytes of address space (no `ulimit -v` leaves it room) and pads every allocation (resident
// memory measures the padding): these two run in the plain suite only.
const sanitized = Boolean(process.env['SIMDOT_SANITIZERS']);
// The address-space cap is bash's ulimit, which Windows has no counterpart of.
const noUlimit = process.platform === 'win32';

describe('large k', () => {
  it.skipIf(sanitized || noUlimit)('running out of memory for the results is a RangeError naming k, not an abort', () => {
    // Node.js itself maps some 700 MB; the cap leaves about 1.6 GB for the search. topK with
    // k = rows = 2^27 asks for 1.5 GiB of hits besides its 128 MiB matrix, and a batch of 8
    // queries with k = 2^24 for 8 x 192 MiB.
    const r = child(
      `const s = require(${entry});
       const big = new Int8Array(2 ** 27), small = new Int8Array(2 ** 24), q = new Int8Array(8);
       const out = [];
       for (const tier of s.info().supported.filter((t) => t !== 'js')) {
         s.useKernel(tier);
         try { s.topK(q.subarray(0, 1), big, 2 ** 27); out.push(tier + ' returned'); } catch (e) { out.push(tier + ' ' + e.name + ': ' + e.message); }
         try { s.topKBatch(q, small, 2 ** 24, { dim: 1 }); out.push(tier + ' returned'); } catch (e) { out.push(tier + ' ' + e.name + ': ' + e.message); }
       }
       console.log(JSON.stringify(out));`,
      'ulimit -v 2400000',
    );
    expect({ status: r.status, signal: r.signal }, r.stderr).toEqual({ status: 0, signal: null });
    const lines = JSON.parse(r.stdout) as string[];
    const native = tiers.filter((t) => t !== 'js');
    expect(lines).toEqual(
      native.flatMap((t) => [
        `${t} RangeError: topK: not enough memory for 134217728 results (k 134217728, 134217728 rows); ask for a smaller k`,
        `${t} RangeError: topKBatch: not enough memory for 8 queries x 16777216 results (k 16777216, 16777216 rows); ask for a smaller k`,
      ]),
    );
  });

  it.skipIf(sanitized)('the memory a search holds does not grow with the thread count', () => {
    // Each shard keeps up to min(k, its rows) hits: with k = 2^20 over 2^26 rows, 64 shards once
    // held 64 times the hits of one (1.27 GB against 133 MB).
    const peak = (threads: number) => {
      const r = child(
        `const s = require(${entry});
         const m = require('node:crypto').randomFillSync(new Int8Array(2 ** 26));
         s.topKBatch(new Int8Array([1]), m, 2 ** 20, { dim: 1, threads: ${threads} });
         console.log(process.resourceUsage().maxRSS * 1024);`,
      );
      expect(r.status, r.stderr).toBe(0);
      return Number(r.stdout);
    };
    const one = peak(1);
    const many = peak(64);
    // One thread's hits alone are 16 MiB (2^20 x 16 bytes); the shards may hold twice one
    // thread's, and their merge as much again: allow three times that, where 64 threads took
    // some 750 MiB more.
    expect(many - one).toBeLessThan(48 * 2 ** 20);
  });
});

describe('float32 at the edges of its range: every tier gives the same answer', () => {
  const F = (...v: number[]) => new Float32Array(v);
  const cases: [string, Float32Array, Float32Array][] = [
    ['products past FLT_MAX that cancel', F(3e38, 3e38, 1), F(2, -2, 1)],
    ['partial sums past FLT_MAX that cancel', F(3e38, 3e38, -3e38, -3e38, 5), F(1, 1, 1, 1, 1)],
    ['a sum past FLT_MAX', F(3e38, 3e38), F(1, 1)],
    ['a sum past -FLT_MAX', F(-3e38, -3e38, 1), F(2, 2, 1)],
    ['an infinity', F(Infinity, 1, 2), F(1, 2, 3)],
    ['infinities that cancel', F(Infinity, -Infinity), F(1, 1)],
    ['an infinity times 0', F(Infinity, 2), F(0, 1)],
    ['a NaN', F(NaN, 1), F(1, 1)],
    ['subnormal products', F(1e-20, 3e-21), F(1e-20, -7e-21)],
  ];
  // Long rows too, so the SIMD kernels' vector loops (not only their tails) meet the overflow.
  const long = new Float32Array(1001).fill(1);
  long.set([3e38, 3e38, -3e38, -3e38], 500);
  cases.push(['1001 elements with a cancelling overflow in the middle', long, new Float32Array(1001).fill(2)]);

  // The exact sum, near enough: products of two float32 are exact in float64, and a compensated
  // (Neumaier) sum of them is off by about 2^-53 of the result, far inside the bound.
  const exact = (a: Float32Array, b: Float32Array, offset = 0) => {
    let sum = 0;
    let c = 0;
    let abs = 0;
    for (let i = 0; i < a.length; i++) {
      const p = a[i]! * b[offset + i]!;
      const t = sum + p;
      c += Math.abs(sum) >= Math.abs(p) ? sum - t + p : p - t + sum;
      sum = t;
      abs += Math.abs(p);
    }
    // With an infinity or a NaN among the products the plain sum is the answer (the same in any
    // order); the compensation would only turn it into NaN.
    return { exact: Number.isFinite(sum) ? sum + c : sum, abs, n: a.length };
  };
  // The documented bound; a non-finite exact sum (a NaN or an infinity in the inputs) must come
  // out as the same non-finite value, and an exact sum past FLT_MAX as the infinity of its sign.
  const agrees = (got: number, ref: { exact: number; abs: number; n: number }) => {
    if (Number.isNaN(ref.exact)) return Number.isNaN(got);
    if (Math.abs(Math.fround(ref.exact)) === Infinity) return got === Math.fround(ref.exact);
    return Math.abs(got - ref.exact) <= (ref.n + 1) * 2 ** -23 * ref.abs + (ref.n + 1) * 2 ** -149;
  };

  for (const [name, a, b] of cases) {
    it(name, () => {
      // The row between two others, by dot, dots and the searches.
      const m = new Float32Array(3 * a.length);
      m.set(b, a.length);
      m.fill(0.5, 2 * a.length);
      const refs = [0, 1, 2].map((r) => exact(a, m, r * a.length));
      for (const tier of tiers) {
        useKernel(tier);
        const d = dot(a, b);
        expect(agrees(d, refs[1]!), `${tier} dot ${d}, exact ${refs[1]!.exact}`).toBe(true);
        const scores = dots(a, m);
        scores.forEach((score, r) => expect(agrees(score, refs[r]!), `${tier} dots row ${r}: ${score}, exact ${refs[r]!.exact}`).toBe(true));
        // Within a tier one row has one score, wherever it is computed.
        expect(scores[1], tier).toBe(d);
        const order = [0, 1, 2].sort((x, y) => {
          const [sx, sy] = [scores[x]!, scores[y]!];
          if (Number.isNaN(sx) !== Number.isNaN(sy)) return Number.isNaN(sx) ? 1 : -1;
          return sx === sy || Number.isNaN(sx) ? x - y : sy - sx;
        });
        expect(Array.from(topK(a, m, 3).indices), `${tier} topK`).toEqual(order);
        const batch = topKBatch(new Float32Array([...a, ...a]), m, 3, { dim: a.length });
        expect(batch.map((r) => Array.from(r.indices)), `${tier} topKBatch`).toEqual([order, order]);
      }
    });
  }

  it('the values quoted: 1 where a float32 sum overflowed, and the exact rounding past FLT_MAX', () => {
    for (const tier of tiers) {
      useKernel(tier);
      expect(dot(F(3e38, 3e38, 1), F(2, -2, 1)), tier).toBe(1);
      // That row ranks first, above a row that scores 0.5, on every tier.
      const m = new Float32Array([0, 0, 0.5, 2, -2, 1]);
      expect(Array.from(topK(F(3e38, 3e38, 1), m, 2).indices), tier).toEqual([1, 0]);
      expect(dot(F(3e38, 3e38), F(1, 1)), tier).toBe(Infinity);
      expect(dot(F(Infinity, -Infinity), F(1, 1)), tier).toBeNaN();
    }
  });
});

describe('typed arrays whose getters lie', () => {
  // A subclass may redefine length, byteOffset, byteLength and buffer; the kernels read the
  // array's own memory, so the checks must too.
  class Short extends Int8Array {
    override get length() {
      return 2;
    }
    override get byteLength() {
      return 2;
    }
  }
  class Shifted extends Int32Array {
    override get byteOffset() {
      return 1 << 20;
    }
    override get buffer(): ArrayBuffer {
      return new ArrayBuffer(8);
    }
  }

  for (const tier of tiers) {
    it(`are read through the intrinsic getters (${tier})`, () => {
      useKernel(tier);
      const a = new Short([1, 2, 3, 4]);
      const b = new Int8Array([1, 1, 1, 1]);
      expect(dot(a, b)).toBe(10);
      expect(caught(() => dot(a, new Int8Array(2)))).toEqual(
        new RangeError('dot: expected a and b to have the same length, received a.length 4 and b.length 2'),
      );
      expect(Array.from(dots(new Short([1, 2]), new Int8Array([1, 1, 2, 2, 3, 3])))).toEqual([3, 6, 9]);
      expect(Array.from(topK(new Short([1, 0, 0, 0]), new Short([1, 0, 0, 0, 5, 0, 0, 0]), 1).indices)).toEqual([1]);
      // An out that overlaps the matrix is refused whatever its getters say.
      const buffer = new ArrayBuffer(64);
      const m = new Int8Array(buffer, 0, 8);
      const out = new Shifted(buffer, 4, 2);
      expect(caught(() => dots(new Int8Array(4), m, out))).toEqual(
        new RangeError('dots: out must not share memory with the query or the matrix'),
      );
    });
  }

  it('a filter whose length getter detaches the matrix is never called', async () => {
    const dim = 8;
    const rows = 100;
    const q = new Int8Array(dim).fill(1);
    for (const tier of tiers) {
      useKernel(tier);
      let calls = 0;
      const make = () => {
        const m = new Int8Array(dim * rows);
        for (let r = 0; r < rows; r++) m[r * dim] = r % 7;
        return m;
      };
      for (const fn of ['topK', 'topKAsync', 'topKBatch', 'topKBatchAsync'] as const) {
        const m = make();
        class Trap extends Uint8Array {
          override get length() {
            calls++;
            detach(m);
            return 13;
          }
        }
        const filter = new Trap(13).fill(255);
        const options = { filter, dim };
        const result = await (fn === 'topK'
          ? topK(q, m, 3, options)
          : fn === 'topKAsync'
            ? topKAsync(q, m, 3, options)
            : fn === 'topKBatch'
              ? topKBatch(q, m, 3, options)[0]!
              : topKBatchAsync(q, m, 3, options).then((r) => r[0]!));
        expect(Array.from(result.indices), `${tier} ${fn}`).toEqual([6, 13, 20]);
        expect(m.length, `${tier} ${fn}`).toBe(dim * rows);
      }
      expect(calls, tier).toBe(0);
    }
  });
});

describe('odd arguments get the README errors on every tier', () => {
  const proxy = new Proxy(new Int8Array(4), {});
  const swapped = Object.setPrototypeOf(new Int8Array([1, 2, 3, 4]), Float32Array.prototype) as Int8Array;
  const detachedFilter = new Uint8Array(3);
  detach(detachedFilter);
  const q = new Int8Array(4);
  const m = new Int8Array(4 * 20);
  const cases: [string, () => unknown, Error][] = [
    ['a filter on a detached buffer', () => topK(q, m, 3, { filter: detachedFilter }), new TypeError('topK: options.filter is a view on a detached ArrayBuffer')],
    ['a Proxy around a typed array', () => dot(proxy as Int8Array, q), new TypeError('dot: expected a to be an Int8Array or Float32Array, received a Proxy')],
    ['a Proxy as the matrix', () => topK(q, proxy as Int8Array, 1), new TypeError('topK: expected matrix to be an Int8Array like query, received a Proxy')],
    ['a Proxy as out', () => dots(q, m, new Proxy(new Int32Array(20), {}) as Int32Array), new TypeError('dots: expected out to be an Int32Array, received a Proxy')],
    ['a Proxy as the filter', () => topK(q, m, 3, { filter: new Proxy(new Uint8Array(3), {}) as Uint8Array }),
      new TypeError('topK: expected options.filter to be a Uint8Array bitset (one bit per row), received a Proxy')],
    ['an Int8Array with a Float32Array prototype, with a real Float32Array', () => (dot as (a: unknown, b: unknown) => number)(swapped, new Float32Array(4)),
      new TypeError('dot: expected b to be an Int8Array like a, received Float32Array(4)')],
    ['a filter for one row', () => topK(q, q, 1, { filter: new Uint8Array(2) }),
      new RangeError('topK: expected options.filter to have 1 byte (one bit per row for 1 row), received length 2')],
  ];
  for (const tier of tiers) {
    for (const [name, call, error] of cases) {
      it(`${name} (${tier})`, () => {
        useKernel(tier);
        const thrown = caught(call);
        expect(thrown).toEqual(error);
        expect((thrown as Error).constructor).toBe(error.constructor);
      });
    }
    it(`an Int8Array with a swapped prototype is still an Int8Array (${tier})`, () => {
      useKernel(tier);
      expect(dot(swapped, new Int8Array([1, 1, 1, 1]))).toBe(10);
      expect(Array.from(topK(swapped, new Int8Array([0, 0, 0, 1, 0, 0, 0, 2]), 1).indices)).toEqual([1]);
    });
  }

  it('an int8 matrix of 2^32 rows is a RangeError on every tier', () => {
    const big = new Int8Array(2 ** 32); // untouched pages: no memory is committed
    const one = new Int8Array(1);
    for (const tier of tiers) {
      useKernel(tier);
      for (const [fn, call] of [
        ['topK', () => topK(one, big, 1)],
        ['topKBatch', () => topKBatch(one, big, 1, { dim: 1 })],
      ] as const) {
        expect(caught(call), `${tier} ${fn}`).toEqual(
          new RangeError(`${fn}: expected a matrix of at most 4294967295 rows (a Uint32Array indexes them), received 4294967296 rows`),
        );
      }
    }
  });
});

describe('the Hamming searches hold the same line', () => {
  const { hamming, hammings, topKHamming, topKHammingAsync, topKHammingBatch, topKHammingBatchAsync } = simdot;
  const n = 24; // bytes per row
  const rows = 300;
  const bitsOf = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (((i + seed) * 2654435761) >>> 23) & 255);

  it('a worker terminated inside topKHamming or topKHammingBatch does not abort the process', () => {
    const r = child(`
      const { Worker } = require('node:worker_threads');
      const source = \`
        const { parentPort } = require('node:worker_threads');
        const s = require(${entry});
        s.useKernel('scalar');
        const m = new Uint8Array(192 * 100000).fill(0x5a), q = m.slice(0, 192);
        parentPort.postMessage('running');
        for (;;) { s.topKHamming(q, m, 10, { threads: 2 }); s.topKHammingBatch(m.subarray(0, 576), m, 10, { dim: 1536, threads: 2 }); }\`;
      (async () => {
        for (let round = 0; round < 8; round++) {
          const w = new Worker(source, { eval: true });
          await new Promise((resolve) => w.once('message', () => setTimeout(resolve, round * 3)));
          await w.terminate();
        }
        console.log('survived');
      })();`);
    expect({ status: r.status, signal: r.signal, stdout: r.stdout }, r.stderr).toEqual({ status: 0, signal: null, stdout: 'survived' });
  });

  it('a resizable matrix is refused by the async searches even with resizable redefined on ArrayBuffer.prototype', async () => {
    const original = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable')!;
    const q = bitsOf(n, 1);
    for (const tier of tiers) {
      useKernel(tier);
      for (const fn of ['topKHammingAsync', 'topKHammingBatchAsync'] as const) {
        const buffer = new ArrayBuffer(n * rows, { maxByteLength: n * rows });
        const m = new Uint8Array(buffer);
        m.set(bitsOf(n * rows, 2));
        Object.defineProperty(ArrayBuffer.prototype, 'resizable', { get: () => false, configurable: true });
        try {
          const search = fn === 'topKHammingAsync' ? topKHammingAsync(q, m, 5) : topKHammingBatchAsync(q, m, 5, { dim: 8 * n });
          buffer.resize(0);
          await expect(search, `${tier} ${fn}`).rejects.toEqual(
            new TypeError(
              `${fn}: expected matrix to be a view on a fixed-length ArrayBuffer or a SharedArrayBuffer, received a view on a ` +
                'resizable ArrayBuffer, which could shrink while the search reads it (topK takes it)',
            ),
          );
        } finally {
          Object.defineProperty(ArrayBuffer.prototype, 'resizable', original);
        }
      }
    }
  });

  it('subclasses with lying getters are read as the memory they cover, and a filter getter that detaches never runs', async () => {
    class Short extends Uint8Array {
      override get length() {
        return 2;
      }
      override get byteLength() {
        return 2;
      }
    }
    const m = bitsOf(n * rows, 3);
    const q = m.slice(5 * n, 6 * n);
    for (const tier of tiers) {
      useKernel(tier);
      expect(hamming(new Short([255, 255, 255, 255]), new Uint8Array(4)), tier).toBe(32);
      expect(Array.from(hammings(new Short([1, 1]), new Uint8Array([1, 1, 0, 0, 3, 1])))).toEqual([0, 2, 1]);
      expect(Array.from(topKHamming(q, m, 1).indices), tier).toEqual([5]);
      let calls = 0;
      for (const fn of ['topKHamming', 'topKHammingAsync', 'topKHammingBatch', 'topKHammingBatchAsync'] as const) {
        const matrix = m.slice();
        class Trap extends Uint8Array {
          override get length() {
            calls++;
            detach(matrix);
            return 1;
          }
        }
        const filter = new Trap(Math.ceil(rows / 8)).fill(255);
        const options = { filter, dim: 8 * n };
        const result = await (fn === 'topKHamming'
          ? topKHamming(q, matrix, 1, options)
          : fn === 'topKHammingAsync'
            ? topKHammingAsync(q, matrix, 1, options)
            : fn === 'topKHammingBatch'
              ? topKHammingBatch(q, matrix, 1, options)[0]!
              : topKHammingBatchAsync(q, matrix, 1, options).then((r) => r[0]!));
        expect(Array.from(result.indices), `${tier} ${fn}`).toEqual([5]);
        expect(matrix.length, `${tier} ${fn}`).toBe(n * rows);
      }
      expect(calls, tier).toBe(0);
      // A detached view is a TypeError, never a search of nothing.
      const gone = m.slice();
      detach(gone);
      expect(caught(() => topKHamming(q, gone, 1)), tier).toBeInstanceOf(TypeError);
      expect(caught(() => hamming(gone, gone)), tier).toBeInstanceOf(TypeError);
    }
  });
});
