// Bad input for topK, topKAsync, topKBatch and topKBatchAsync: each mistake gets a TypeError or
// RangeError that names the parameter; the async ones reject their promise with the error their
// sync twin throws.
import { describe, expect, it } from 'vitest';
import { simdot } from './load.js';

const { topK, topKAsync, topKBatch, topKBatchAsync, useKernel } = simdot;
const q = new Int8Array(4);
const m = new Int8Array(4 * 20); // 20 rows: a filter has 3 bytes
const f = new Float32Array(4);

type Case = [string, unknown[], typeof TypeError | typeof RangeError, RegExp];

const single: Case[] = [
  ['k of 0', [q, m, 0], RangeError, /^FN: expected k to be an integer from 1 to \d+, received 0$/],
  ['k of -1', [q, m, -1], RangeError, /expected k to be an integer .*received -1$/],
  ['k of 1.5', [q, m, 1.5], RangeError, /expected k .*received 1.5$/],
  ['k of NaN', [q, m, NaN], RangeError, /expected k .*received NaN$/],
  ['k of Infinity', [q, m, Infinity], RangeError, /expected k .*received Infinity$/],
  ["k of '10'", [q, m, '10'], TypeError, /^FN: expected k to be a positive integer, received string "10"$/],
  ['k missing', [q, m], TypeError, /expected k to be a positive integer, received undefined/],
  ['filter of the wrong type', [q, m, 3, { filter: new Int8Array(3) }], TypeError,
    /^FN: expected options.filter to be a Uint8Array bitset \(one bit per row\), received Int8Array\(3\)$/],
  ['filter as an array', [q, m, 3, { filter: [255, 255, 15] }], TypeError, /options.filter .*received an Array\(3\)/],
  ['filter too short', [q, m, 3, { filter: new Uint8Array(2) }], RangeError,
    /^FN: expected options.filter to have 3 bytes \(one bit per row for 20 rows\), received length 2$/],
  ['filter too long', [q, m, 3, { filter: new Uint8Array(4) }], RangeError, /options.filter to have 3 bytes .*received length 4/],
  ['threads of 0', [q, m, 3, { threads: 0 }], RangeError, /^FN: expected options.threads to be an integer from 1 to 1024, received 0$/],
  ['threads of -1', [q, m, 3, { threads: -1 }], RangeError, /options.threads .*received -1/],
  ['threads of 1.5', [q, m, 3, { threads: 1.5 }], RangeError, /options.threads .*received 1.5/],
  ['threads of 2000', [q, m, 3, { threads: 2000 }], RangeError, /options.threads .*received 2000/],
  ["threads of '2'", [q, m, 3, { threads: '2' }], TypeError, /options.threads to be a positive integer, received string "2"/],
  ['options not an object', [q, m, 3, 5], TypeError, /^FN: expected options to be an object, received number 5$/],
  ['matrix not whole rows', [q, new Int8Array(10), 3], RangeError, /^FN: matrix length 10 is not a multiple of dim 4$/],
  ['query and matrix of different types', [q, new Float32Array(8), 3], TypeError, /^FN: expected matrix to be an Int8Array like query, received Float32Array\(8\)$/],
  ['float query, int8 matrix', [f, m, 3], TypeError, /expected matrix to be a Float32Array like query, received Int8Array\(80\)/],
  ['empty query', [new Int8Array(0), m, 3], RangeError, /expected a non-empty query/],
  ['plain array query', [[1, 2, 3, 4], m, 3], TypeError, /^FN: expected query to be an Int8Array or Float32Array, received an Array\(4\)$/],
  ['null matrix', [q, null, 3], TypeError, /expected matrix .*received null/],
  ['rowFactor of the wrong type', [q, m, 3, { rowFactor: new Int32Array(20) }], TypeError,
    /^FN: expected options.rowFactor to be a Float32Array or a Float64Array \(one value per row\), received Int32Array\(20\)$/],
  ['rowOffset of the wrong length', [q, m, 3, { rowOffset: new Float64Array(19) }], RangeError,
    /^FN: expected options.rowOffset to have length 20 \(one value per row\), received length 19$/],
  ['queryFactor NaN', [q, m, 3, { queryFactor: NaN }], RangeError, /^FN: expected options.queryFactor to be a finite number, received NaN$/],
  ['an option name with a typo', [q, m, 3, { thread: 2 }], TypeError, /^FN: unknown option "thread"; did you mean "threads"\?$/],
  ['an option name far from any', [q, m, 3, { metric: 'cosine' }], TypeError,
    /^FN: unknown option "metric"; the options are "dim", "threads", "filter", "rowFactor", "rowOffset", "queryFactor"$/],
  ['dim that is not the query length', [q, m, 3, { dim: 2 }], RangeError, /^FN: expected options.dim to be the query length 4, received 2$/],
  ["queryFactor '2'", [q, m, 3, { queryFactor: '2' }], TypeError,
    /^FN: expected options.queryFactor to be a number or a Float64Array \(one value per query\), received string "2"$/],
];

const batch: Case[] = [
  ['queries not a whole number of rows of dim', [new Int8Array(10), m, 3, { dim: 4 }], RangeError,
    /^topKBatch: queries length 10 is not a multiple of dim 4$/],
  ['dim that does not divide the matrix', [new Int8Array(6), m, 3, { dim: 3 }], RangeError,
    /^topKBatch: matrix length 80 is not a multiple of dim 3$/],
  ['dim missing', [q, m, 3, {}], TypeError, /^topKBatch: expected options.dim to be a positive integer, received undefined$/],
  ['options missing', [q, m, 3], TypeError, /^topKBatch: expected options to be an object with dim, received undefined$/],
  ['dim of 0', [q, m, 3, { dim: 0 }], RangeError, /options.dim to be an integer from 1 to 131071, received 0/],
  ['dim of 2.5', [q, m, 3, { dim: 2.5 }], RangeError, /options.dim .*received 2.5/],
  ['k of 0', [q, m, 0, { dim: 4 }], RangeError, /topKBatch: expected k .*received 0/],
  ["k of '10'", [q, m, '10', { dim: 4 }], TypeError, /topKBatch: expected k to be a positive integer/],
  ['type mix', [f, m, 3, { dim: 4 }], TypeError, /^topKBatch: expected matrix to be a Float32Array like queries, received Int8Array\(80\)$/],
  ['filter of the wrong length', [q, m, 3, { dim: 4, filter: new Uint8Array(1) }], RangeError, /topKBatch: expected options.filter to have 3 bytes/],
  ['threads of 0', [q, m, 3, { dim: 4, threads: 0 }], RangeError, /topKBatch: expected options.threads/],
  ['an option name with a typo', [q, m, 3, { dim: 4, filtre: new Uint8Array(3) }], TypeError, /^topKBatch: unknown option "filtre"; did you mean "filter"\?$/],
  ['queryFactor for another number of queries', [new Int8Array(8), m, 3, { dim: 4, queryFactor: new Float64Array(3) }], RangeError,
    /^topKBatch: expected options.queryFactor to have length 2 \(one value per query\), received length 3$/],
  ['too many queries', [new Int8Array(2 ** 20 + 1), new Int8Array(4), 1, { dim: 1 }], RangeError,
    /^topKBatch: 1048577 queries exceed the limit of 1048576 per call; split the batch$/],
  ['too many results', [new Int8Array(4 * 3000), new Int8Array(4 * 50000), 50000, { dim: 4 }], RangeError,
    /topKBatch: 3000 queries x min\(k, rows\) 50000 results exceed the limit/],
];

function caught(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe.each(['native', 'js'] as const)('search bad input (%s)', (tier) => {
  for (const [name, args, ErrorType, message] of single) {
    it(`topK and topKAsync: ${name}`, async () => {
      useKernel(tier === 'js' ? 'js' : 'avx512vnni');
      const sync = caught(() => (topK as (...a: unknown[]) => unknown)(...args));
      expect(sync).toBeInstanceOf(ErrorType);
      expect((sync as Error).message).toMatch(new RegExp(message.source.replace('FN', 'topK')));
      const promise = (topKAsync as (...a: unknown[]) => Promise<unknown>)(...args);
      expect(promise).toBeInstanceOf(Promise);
      const async = await promise.then(() => undefined, (err: unknown) => err);
      expect(async).toBeInstanceOf(ErrorType);
      expect((async as Error).message).toBe((sync as Error).message.replace(/^topK:/, 'topKAsync:'));
    });
  }
  for (const [name, args, ErrorType, message] of [...single.filter(([n]) => n.startsWith('filter') || n.startsWith('threads')).map(([n, a, e, r]): Case => [n, [a[0], a[1], a[2], { dim: 4, ...(a[3] as object) }], e, new RegExp(r.source.replace('FN', 'topKBatch'))]), ...batch]) {
    it(`topKBatch and topKBatchAsync: ${name}`, async () => {
      useKernel(tier === 'js' ? 'js' : 'avx512vnni');
      const err = caught(() => (topKBatch as (...a: unknown[]) => unknown)(...args));
      expect(err).toBeInstanceOf(ErrorType);
      expect((err as Error).message).toMatch(message);
      const promise = (topKBatchAsync as (...a: unknown[]) => Promise<unknown>)(...args);
      expect(promise).toBeInstanceOf(Promise);
      const async = await promise.then(() => undefined, (e: unknown) => e);
      expect(async).toBeInstanceOf(ErrorType);
      expect((async as Error).message).toBe((err as Error).message.replace(/^topKBatch:/, 'topKBatchAsync:'));
    });
  }
  // Option getters run the caller's code; the options are read before the arrays are checked, so
  // an array a getter detaches or shrinks is reported like any other bad array.
  it('an options getter that detaches or shrinks the matrix: the error names it', async () => {
    useKernel(tier === 'js' ? 'js' : 'avx512vnni');
    const settle = async (fn: string, args: unknown[]) => {
      const f = { topK, topKAsync, topKBatch, topKBatchAsync }[fn] as (...a: unknown[]) => unknown;
      try {
        return await f(...args);
      } catch (err) {
        return err;
      }
    };
    for (const fn of ['topK', 'topKAsync', 'topKBatch', 'topKBatchAsync']) {
      const detached = new Int8Array(80);
      const transfer = { dim: 4, get threads() { structuredClone(detached.buffer, { transfer: [detached.buffer] }); return 1; } };
      expect(await settle(fn, [q, detached, 3, transfer])).toEqual(new TypeError(`${fn}: matrix is a view on a detached ArrayBuffer`));
      const buffer = new ArrayBuffer(80, { maxByteLength: 80 });
      const shrink = { dim: 4, get filter() { buffer.resize(10); return undefined; } };
      expect(await settle(fn, [q, new Int8Array(buffer), 3, shrink])).toEqual(new RangeError(`${fn}: matrix length 10 is not a multiple of dim 4`));
    }
  });
  it('the process carries on', () => {
    useKernel('avx512vnni');
    expect(Array.from(topK(new Int8Array([1]), new Int8Array([3, 1, 2]), 2).indices)).toEqual([0, 2]);
  });
});
