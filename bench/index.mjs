// node bench/index.mjs: the Index on 1,000,000 x 1536 synthetic embeddings (clustered like real
// ones: bench/embeddings/synthetic.mjs), next to an exact float32 topK over the same normalized
// rows, in one run: search time per query (1 thread and the default), the batch, recall@10 of the
// index against the exact float ranking, the time to add the rows, and the memory per vector; the
// same for a binary index (the bits and int8 codes kept: Hamming candidates rescored against the
// codes) next to it.
//
//   node bench/index.mjs [--rows 1000000] [--dim 1536] [--queries 50] [--quick]
//
// The float32 rows (6 GB at the default size) are generated once on worker threads; the index is
// built from them. Peak RSS is about the float32 rows plus the index (7.7 GB by default).
import { createRequire } from 'node:module';
import os from 'node:os';
import { syntheticParallel } from './embeddings/synthetic.mjs';

const require = createRequire(import.meta.url);
const simdot = require('../dist/index.js');
const { Index, topK, topKBatch, info } = simdot;

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const rows = arg('rows', quick ? 100_000 : 1_000_000);
const dim = arg('dim', 1536);
const nq = arg('queries', quick ? 20 : 50);
const log = (...m) => console.error(`[${(performance.now() / 1000).toFixed(1)}s]`, ...m);

log(`simdot ${info().kernel}; ${os.cpus()[0]?.model}, ${os.cpus().length} cpus; ${rows} x ${dim}`);
const data = new Float32Array(await syntheticParallel(rows + nq, dim, 1));
const matrix = data.subarray(0, rows * dim); // unit rows already: cosine = dot product
const queries = data.slice(rows * dim);
const query = (j) => queries.subarray(j * dim, (j + 1) * dim);
log('generated');

let t = performance.now();
const index = new Index({ dim, metric: 'cosine', precision: 'int8' });
for (let r = 0; r < rows; r += 65536) index.add(matrix.subarray(r * dim, Math.min(rows, r + 65536) * dim));
const addSeconds = (performance.now() - t) / 1000;
const memory = index.memoryUsage();
log(`index built in ${addSeconds.toFixed(1)} s`);
t = performance.now();
const binary = new Index({ dim, metric: 'cosine', precision: 'binary', keepInt8: true });
for (let r = 0; r < rows; r += 65536) binary.add(matrix.subarray(r * dim, Math.min(rows, r + 65536) * dim));
const binaryAddSeconds = (performance.now() - t) / 1000;
const binaryMemory = binary.memoryUsage();
log(`binary index built in ${binaryAddSeconds.toFixed(1)} s`);

/** Median milliseconds of `fn` over the queries (after one warm-up call). */
function time(fn) {
  fn(0);
  const ms = [];
  for (let j = 0; j < nq; j++) {
    const s = performance.now();
    fn(j);
    ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  return ms[ms.length >> 1];
}

const exact = [];
const results = {};
for (const threads of [1, undefined]) {
  const label = threads ? '1 thread' : `default threads (${os.cpus().length} cpus)`;
  const options = threads ? { threads } : {};
  const f32 = time((j) => (exact[j] = topK(query(j), matrix, 10, options)));
  const int8 = time((j) => index.search(query(j), 10, options));
  const int8Only = time((j) => index.search(query(j), 10, { ...options, rescore: false }));
  const bin = time((j) => binary.search(query(j), 10, options));
  const binOnly = time((j) => binary.search(query(j), 10, { ...options, rescore: 1 }));
  results[label] = { f32, int8, int8Only, bin, binOnly };
}
// The batch: 8 queries per call, ms per query.
const batchQueries = queries.subarray(0, 8 * dim);
const f32Batch = time(() => topKBatch(batchQueries, matrix, 10, { dim })) / 8;
const int8Batch = time(() => index.searchBatch(batchQueries, 10)) / 8;
const binBatch = time(() => binary.searchBatch(batchQueries, 10)) / 8;

let hits = 0;
let hitsOnly = 0;
let binHits = 0;
let binHitsOnly = 0;
for (let j = 0; j < nq; j++) {
  const want = new Set(exact[j].indices);
  for (const key of index.search(query(j), 10).keys) hits += want.has(key) ? 1 : 0;
  for (const key of index.search(query(j), 10, { rescore: false }).keys) hitsOnly += want.has(key) ? 1 : 0;
  for (const key of binary.search(query(j), 10).keys) binHits += want.has(key) ? 1 : 0;
  for (const key of binary.search(query(j), 10, { rescore: 1 }).keys) binHitsOnly += want.has(key) ? 1 : 0;
}

console.log(`## Index on ${rows.toLocaleString('en')} x ${dim} synthetic embeddings (tier ${info().kernel})\n`);
console.log('| search, ms per query (median) | float32 exact topK | Index int8 + rescore 4 | ratio | Index int8 alone | ratio |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [label, r] of Object.entries(results)) {
  console.log(`| ${label} | ${r.f32.toFixed(2)} | ${r.int8.toFixed(2)} | ${(r.int8 / r.f32).toFixed(2)} | ${r.int8Only.toFixed(2)} | ${(r.int8Only / r.f32).toFixed(2)} |`);
}
console.log(`| batch of 8, default threads | ${f32Batch.toFixed(2)} | ${int8Batch.toFixed(2)} | ${(int8Batch / f32Batch).toFixed(2)} | | |`);
console.log(`\nrecall@10 against the exact float32 ranking, ${nq} held-out queries: ${(hits / (10 * nq)).toFixed(3)} (int8 alone ${(hitsOnly / (10 * nq)).toFixed(3)})`);
console.log(`memory: ${(memory.total / rows).toFixed(0)} bytes per vector = ${(memory.total / rows / dim).toFixed(3)} x dim (rows ${memory.rows}, per-row ${memory.perRow}, key map ~${memory.keyMap}); float32 rows: ${4 * dim} bytes per vector`);
console.log('\n| search, ms per query (median) | float32 exact topK | Index binary + int8 rescore 10 | ratio | binary alone (rescore 1) | ratio |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [label, r] of Object.entries(results)) {
  console.log(`| ${label} | ${r.f32.toFixed(2)} | ${r.bin.toFixed(2)} | ${(r.bin / r.f32).toFixed(2)} | ${r.binOnly.toFixed(2)} | ${(r.binOnly / r.f32).toFixed(2)} |`);
}
console.log(`| batch of 8, default threads | ${f32Batch.toFixed(2)} | ${binBatch.toFixed(2)} | ${(binBatch / f32Batch).toFixed(2)} | | |`);
console.log(`\nbinary recall@10: ${(binHits / (10 * nq)).toFixed(3)} (the Hamming top-10 alone ${(binHitsOnly / (10 * nq)).toFixed(3)})`);
console.log(`binary memory: ${(binaryMemory.total / rows).toFixed(0)} bytes per vector (bits and codes ${binaryMemory.rows}, per-row ${binaryMemory.perRow}, key map ~${binaryMemory.keyMap}); of which int8 codes ${dim} bytes`);
console.log(`add: ${addSeconds.toFixed(1)} s for ${rows.toLocaleString('en')} rows (normalize + quantize in JavaScript), ${((rows * dim * 4) / addSeconds / 1e9).toFixed(2)} GB/s of float32 in`);
