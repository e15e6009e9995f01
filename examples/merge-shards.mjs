// Search a matrix part by part and merge the parts' top k into the top k of the whole: here a
// .npy file read a slice at a time, so memory holds one slice, not the file. The same merge
// serves shards of any kind: matrices on other workers or machines, files that together make
// one collection.
//
//   npm run build
//   node examples/merge-shards.mjs
import { mergeTopK, normalize, openNpy, readNpy, topKBatch, writeNpy } from 'simdot';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dim = 128;
const rows = 100_000;
const k = 5;
const sliceRows = 16_384; // 8 MiB of float32 at a time

// A stand-in for your embeddings file (NumPy's np.save writes the same format): 51 MB of float32.
let seed = 3;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
const dir = await mkdtemp(join(tmpdir(), 'simdot-shards-'));
const file = join(dir, 'embeddings.npy');
await writeNpy(file, normalize(Float32Array.from({ length: rows * dim }, random), dim), [rows, dim]);
const queries = normalize(Float32Array.from({ length: 3 * dim }, random), dim);

try {
  // Each slice is searched for every query; only its k best rows per query are kept. Row indices
  // in a slice start at 0, so mergeTopK is told where each slice starts in the whole file.
  const npy = await openNpy(file);
  const slice = new Float32Array(sliceRows * dim);
  const parts = []; // per slice: one result per query
  const offsets = [];
  for (let start = 0; start < rows; start += sliceRows) {
    const count = Math.min(sliceRows, rows - start);
    const part = await npy.readElements(start * dim, count * dim, slice.subarray(0, count * dim));
    parts.push(topKBatch(queries, part, k, { dim }));
    offsets.push(start);
  }
  await npy.close();
  const merged = parts[0].map((_, q) => mergeTopK(parts.map((p) => p[q]), k, { offsets }));

  for (const [q, { indices, scores }] of merged.entries()) {
    console.log(`query ${q}: ${Array.from(indices, (row, i) => `row ${row} (${scores[i].toFixed(3)})`).join(', ')}`);
  }

  // The check: the same as one search over the whole file in memory, ties and order included.
  const { data } = await readNpy(file);
  const whole = topKBatch(queries, data, k, { dim });
  const same = whole.every((r, q) => String(r.indices) === String(merged[q].indices) && String(r.scores) === String(merged[q].scores));
  console.log(`${parts.length} slices of up to ${sliceRows} rows, merged: ${same ? 'same' : 'DIFFERENT'} as one search over all ${rows} rows`);
  if (!same) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
