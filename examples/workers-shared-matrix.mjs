// One matrix in memory, searched from several worker threads: the matrix lives on a
// SharedArrayBuffer, so every worker reads the same bytes and nothing is copied.
//
//   npm run build
//   node examples/workers-shared-matrix.mjs
//
// topK's `threads` option already spreads one search over the cores inside a single call. Workers
// are for JavaScript that itself runs on several threads (request handlers, a pipeline) and
// searches one copy of the data. The same file runs as the main thread and as each worker.
// (An Index shares its memory the same way: index.share() here, Index.fromShared() there.)
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { mergeTopK, topKBatch } from 'simdot';

if (!isMainThread) {
  // A worker: a view of the shared matrix (no copy), then one batch search per request.
  const { buffer, dim } = workerData;
  const matrix = new Int8Array(buffer);
  parentPort.on('message', ({ id, queries, fromRow, toRow, k }) => {
    const rows = matrix.subarray(fromRow * dim, toRow * dim);
    parentPort.postMessage({ id, results: topKBatch(queries, rows, k, { dim }) });
  });
} else {
  const dim = 384;
  const rows = 200_000;
  const k = 10;

  // 77 MB of int8 embeddings on a SharedArrayBuffer (seeded stand-ins for your data).
  const buffer = new SharedArrayBuffer(rows * dim);
  const matrix = new Int8Array(buffer);
  let seed = 7;
  for (let i = 0; i < matrix.length; i++) matrix[i] = ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 24) - 128;
  const queries = matrix.slice(0, 8 * dim); // 8 queries: copies of the first 8 rows

  // Each worker gets the buffer once, at start. Posting a SharedArrayBuffer shares it.
  const count = Math.max(2, Math.min(4, availableParallelism()));
  const workers = Array.from({ length: count }, () => new Worker(new URL(import.meta.url), { workerData: { buffer, dim } }));
  let nextId = 0;
  const pending = new Map();
  for (const w of workers) {
    w.on('message', ({ id, results }) => {
      pending.get(id)(results);
      pending.delete(id);
    });
  }
  const ask = (worker, job) => new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    worker.postMessage({ id, ...job });
  });

  // 1. Each worker searches a part of the rows for every query; the parts' top k's are merged
  //    into the top k of the whole matrix, with topK's order (ties: the lower row first).
  const starts = workers.map((_, w) => Math.floor((w * rows) / count));
  const parts = await Promise.all(
    workers.map((w, i) => ask(w, { queries, fromRow: starts[i], toRow: i + 1 < count ? starts[i + 1] : rows, k })),
  );
  const merged = parts[0].map((_, q) => mergeTopK(parts.map((p) => p[q]), k, { offsets: starts }));

  // 2. Each worker searches all the rows for some of the queries (more queries per second, not
  //    a faster single query); their results come back in query order.
  const perWorker = Math.ceil(queries.length / dim / count);
  const shares = await Promise.all(
    workers.map((w, i) => ask(w, { queries: queries.subarray(i * perWorker * dim, (i + 1) * perWorker * dim), fromRow: 0, toRow: rows, k })),
  );
  const byQuery = shares.flat();

  // Both equal one search on this thread.
  const expected = topKBatch(queries, matrix, k, { dim });
  const same = (a, b) => a.length === b.length && a.every((r, q) => String(r.indices) === String(b[q].indices) && String(r.scores) === String(b[q].scores));
  console.log(`${rows} rows x ${dim} int8 on a SharedArrayBuffer, ${count} workers, ${expected.length} queries`);
  console.log(`query 0: rows ${Array.from(merged[0].indices).join(', ')}`);
  console.log(`rows split across workers, merged: ${same(merged, expected) ? 'same' : 'DIFFERENT'} as one search`);
  console.log(`queries split across workers: ${same(byQuery, expected) ? 'same' : 'DIFFERENT'} as one search`);
  if (!same(merged, expected) || !same(byQuery, expected)) process.exitCode = 1;
  await Promise.all(workers.map((w) => w.terminate()));
}
