// The main job: float embeddings in, nearest neighbours out, and the index saved to a file and
// loaded back. Run it from a clone after `npm run build`:
//
//   node examples/quickstart.mjs
//
// In your own project, `npm install simdot` and the same import works.
import { Index } from 'simdot';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Stand-ins for your model's output: 10,000 vectors of 384 floats, one after another in a single
// Float32Array (row-major), the layout every simdot function takes. Seeded, so each run prints
// the same numbers.
const dim = 384;
const rows = 10_000;
let seed = 42;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
const embeddings = Float32Array.from({ length: rows * dim }, random);

// 'cosine' normalizes every vector on the way in, and 'int8' stores each as one byte per element
// (with a scale per vector): a quarter of the memory of float32. Searches scan the int8 rows with
// the SIMD kernels, then rescore the best candidates in float.
const index = new Index({ dim, metric: 'cosine', precision: 'int8' });

// Your own integer ids, e.g. the primary keys of the documents; without them the keys are 0, 1, 2...
const ids = Float64Array.from({ length: rows }, (_, i) => 1_000_000 + i);
index.add(embeddings, ids);
console.log(`${index.size} vectors, ${(index.memoryUsage().total / 2 ** 20).toFixed(1)} MiB`);

// A query close to the vector with id 1_000_123: that vector should come first.
const query = embeddings.slice(123 * dim, 124 * dim).map((x) => x + 0.1 * random());
const { keys, scores } = index.search(query, 5); // best first
console.log('nearest:', Array.from(keys, (key, i) => `${key} (${scores[i].toFixed(3)})`).join(', '));

// Save, load, and search again: the loaded index answers the same.
const dir = await mkdtemp(join(tmpdir(), 'simdot-quickstart-'));
try {
  const file = join(dir, 'embeddings.simdot');
  await index.save(file);
  const loaded = await Index.load(file);
  const again = loaded.search(query, 5);
  const same = again.keys.every((key, i) => key === keys[i]) && again.scores.every((s, i) => s === scores[i]);
  console.log(`loaded ${loaded.size} vectors from ${file}: ${same ? 'same results' : 'DIFFERENT results'}`);
  if (!same) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
