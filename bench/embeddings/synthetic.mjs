// Synthetic embeddings that are clustered the way real ones are, not uniform noise: seeded,
// streamable, and each row a function of (seed, dim, row index) only, so a 100k sample is the
// first 100k rows of the 1M set, chunks can be generated in any order or in parallel, and the
// same call gives the same bytes on every machine.
//
//   import { synthetic, syntheticChunks } from './synthetic.mjs';
//   const x = synthetic(100_000, 1536, 1);               // Float32Array, rows x dim, unit rows
//   for (const { start, count, data } of syntheticChunks(1_000_000, 1536, 1)) { ... }
//
//   node bench/embeddings/synthetic.mjs --rows 1000000 --dim 1536 --seed 1 --out /tmp/x.f32
//
// The model (defaults in DEFAULTS; see README.md for why). Every row is
//
//   x = normalize( a·m  +  b·g[group(c)]  +  e·u[c]  +  t[c]·( sum_j l_j z_j p[c,j]  +  n·w ) )
//
//   m          one shared direction (real embeddings are far from centred: the median cosine
//              of random pairs of MiniLM rows here is 0.49, GloVe's mean vector is a third of a
//              row's norm), with a few dimensions that carry a larger offset (like MiniLM's
//              largest mean components), so that a few dimensions hold many rows' largest
//              component, as in both real sets;
//   g[group]   one of `groups` broad topics;
//   u[c]       the row's cluster c among `clusters`, each in one group, with Zipf-like sizes
//              (weight of cluster i proportional to (i+1)^-zipf), so there are big and tiny
//              clusters as in real corpora;
//   p[c,j]     `rank` directions for the spread inside cluster c (drawn from a shared pool):
//              most of a cluster's variation lies in a few directions, as real embeddings have
//              a low intrinsic dimension (MiniLM here: 10 principal components hold 45% of the
//              variance, 50 hold 79%); z_j ~ N(0,1) and l_j^2 falls off as 1/j;
//   w          isotropic noise, the rest of the variance;
//   t[c]       the cluster's own spread, log-normal: tight and loose clusters.
//
// All directions are Gaussian with per-dimension scales that are themselves log-normal
// (anisotropy: real embeddings have dimensions of different variance). a^2, b^2, e^2, the
// sum of l_j^2 and n^2 are the shares of a row's squared norm before normalization (`weights`).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Rng, hash32 } from './lib.mjs';

export const DEFAULTS = Object.freeze({
  clusters: 4096,
  groups: 64,
  zipf: 0.5,
  rank: 16,
  pool: 1024,
  /** Shares of the squared norm: shared direction, group, cluster, in-cluster spread, noise. */
  weights: Object.freeze({ shared: 0.3, group: 0.15, cluster: 0.2, spread: 0.2, noise: 0.15 }),
  /** Log-normal sigma of the per-cluster spread factor t[c]. */
  spreadSigma: 0.35,
  /** Log-normal sigma of the per-dimension scales. */
  anisotropy: 0.13,
  /** Outlier dimensions of the shared direction and their offset, in units of 1/sqrt(dim). */
  outlierDims: 2,
  outlierOffset: 2.3,
});

/** The fixed part of the model (directions, clusters), built once per (dim, seed, options). */
export function createModel(dim, seed = 1, options = {}) {
  const o = { ...DEFAULTS, ...options, weights: { ...DEFAULTS.weights, ...(options.weights ?? {}) } };
  if (!Number.isInteger(dim) || dim < 2) throw new RangeError(`synthetic: dim ${dim} must be an integer >= 2`);
  const rng = new Rng(hash32(seed, dim, 0x5eed));
  const inv = 1 / Math.sqrt(dim);
  // Per-dimension scales, RMS 1.
  const scale = new Float64Array(dim);
  let ss = 0;
  for (let j = 0; j < dim; j++) { scale[j] = Math.exp(o.anisotropy * rng.normal()); ss += scale[j] ** 2; }
  for (let j = 0; j < dim; j++) scale[j] /= Math.sqrt(ss / dim);
  // A random direction of about unit norm with those scales.
  const direction = (out, off) => {
    for (let j = 0; j < dim; j++) out[off + j] = scale[j] * rng.normal() * inv;
  };
  const shared = new Float64Array(dim);
  direction(shared, 0);
  for (let i = 0; i < o.outlierDims; i++) {
    const d = rng.int(dim);
    shared[d] = (rng.float() < 0.5 ? -1 : 1) * (o.outlierOffset / Math.sqrt(o.weights.shared)) * inv;
  }
  let sn = 0;
  for (let j = 0; j < dim; j++) sn += shared[j] ** 2;
  for (let j = 0; j < dim; j++) shared[j] /= Math.sqrt(sn);
  const groups = new Float32Array(o.groups * dim);
  for (let g = 0; g < o.groups; g++) direction(groups, g * dim);
  const centers = new Float32Array(o.clusters * dim);
  const groupOf = new Int32Array(o.clusters);
  const spreadOf = new Float64Array(o.clusters);
  const poolOf = new Int32Array(o.clusters * o.rank);
  for (let c = 0; c < o.clusters; c++) {
    direction(centers, c * dim);
    groupOf[c] = rng.int(o.groups);
    spreadOf[c] = Math.exp(o.spreadSigma * rng.normal());
    for (let j = 0; j < o.rank; j++) poolOf[c * o.rank + j] = rng.int(o.pool);
  }
  const pool = new Float32Array(o.pool * dim);
  for (let p = 0; p < o.pool; p++) direction(pool, p * dim);
  // Zipf-like cluster sizes: cumulative weights for sampling a row's cluster.
  const cdf = new Float64Array(o.clusters);
  let acc = 0;
  for (let c = 0; c < o.clusters; c++) { acc += (c + 1) ** -o.zipf; cdf[c] = acc; }
  for (let c = 0; c < o.clusters; c++) cdf[c] /= acc;
  // In-cluster spread coefficients l_j: l_j^2 proportional to 1/j, summing to the spread weight.
  const lambda = new Float64Array(o.rank);
  let h = 0;
  for (let j = 1; j <= o.rank; j++) h += 1 / j;
  for (let j = 0; j < o.rank; j++) lambda[j] = Math.sqrt((o.weights.spread * (1 / (j + 1))) / h);
  const coef = {
    shared: Math.sqrt(o.weights.shared),
    group: Math.sqrt(o.weights.group),
    cluster: Math.sqrt(o.weights.cluster),
    noise: Math.sqrt(o.weights.noise),
  };
  // Each cluster's fixed part a*m + b*g[group] + e*u[c], kept instead of the centers.
  const base = centers;
  for (let c = 0; c < o.clusters; c++) {
    const g = groupOf[c] * dim;
    for (let j = 0; j < dim; j++) {
      base[c * dim + j] = coef.shared * shared[j] + coef.group * groups[g + j] + coef.cluster * centers[c * dim + j];
    }
  }
  return { dim, seed, options: o, shared, groups, base, groupOf, spreadOf, poolOf, pool, cdf, lambda, scale, coef };
}

/** The cluster of each row (for checks): Int32Array of `count` rows from `start`. */
export function clustersOf(model, start, count) {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = pickCluster(model, new Rng(hash32(model.seed, start + i, 0x70a5)));
  return out;
}

function pickCluster(model, rng) {
  const u = rng.float();
  const cdf = model.cdf;
  let lo = 0, hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Writes rows [start, start + count) into out (a Float32Array of count * dim), unit L2 norm each. */
export function fillRows(model, start, count, out = new Float32Array(count * model.dim)) {
  const { dim, base, spreadOf, poolOf, pool, lambda, scale, seed } = model;
  const rank = model.options.rank;
  const noise = model.coef.noise / Math.sqrt(dim);
  const x = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const rng = new Rng(hash32(seed, start + i, 0x70a5));
    const c = pickCluster(model, rng);
    const t = spreadOf[c];
    const u = c * dim;
    for (let j = 0; j < dim; j++) x[j] = base[u + j];
    for (let r = 0; r < rank; r++) {
      const zr = t * lambda[r] * rng.normal();
      const p = poolOf[c * rank + r] * dim;
      for (let j = 0; j < dim; j++) x[j] += zr * pool[p + j];
    }
    const tn = t * noise;
    for (let j = 0; j < dim; j++) x[j] += tn * scale[j] * rng.normal();
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[j] * x[j];
    const k = 1 / Math.sqrt(s);
    const o = i * dim;
    for (let j = 0; j < dim; j++) out[o + j] = x[j] * k;
  }
  return out;
}

/** rows x dim unit-norm rows (row-major Float32Array), seeded: the same bytes on every machine. */
export function synthetic(rows, dim, seed = 1, options = {}) {
  const model = createModel(dim, seed, options);
  return fillRows(model, 0, rows);
}

/**
 * The same rows in chunks of chunkRows (a new Float32Array each, or `reuse` one buffer), for sets
 * that should not sit in memory whole: { start, count, data }.
 */
export function* syntheticChunks(rows, dim, seed = 1, { chunkRows = 4096, reuse = false, ...options } = {}) {
  const model = createModel(dim, seed, options);
  const buf = reuse ? new Float32Array(chunkRows * dim) : undefined;
  for (let start = 0; start < rows; start += chunkRows) {
    const count = Math.min(chunkRows, rows - start);
    const data = fillRows(model, start, count, buf ? buf.subarray(0, count * dim) : undefined);
    yield { start, count, data };
  }
}

/**
 * Rows [start, start + count) of the same set as synthetic(), generated on `threads` worker
 * threads into a Float32Array on a SharedArrayBuffer. Rows are independent, so the bytes do not
 * depend on the thread count or on how the rows are split.
 */
export async function syntheticParallel(rows, dim, seed = 1, { start = 0, threads = defaultThreads(), ...options } = {}) {
  const sab = new SharedArrayBuffer(rows * dim * 4);
  const per = Math.ceil(rows / threads);
  const jobs = [];
  for (let t = 0; t < threads && t * per < rows; t++) {
    const job = { sab, at: t * per, first: start + t * per, count: Math.min(per, rows - t * per), dim, seed, options };
    jobs.push(new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { syntheticJob: job } });
      w.once('message', resolve);
      w.once('error', reject);
    }));
  }
  await Promise.all(jobs);
  return new Float32Array(sab);
}

function defaultThreads() {
  return os.availableParallelism?.() ?? os.cpus().length;
}

if (!isMainThread && workerData?.syntheticJob) {
  const { sab, at, first, count, dim, seed, options } = workerData.syntheticJob;
  const model = createModel(dim, seed, options);
  const all = new Float32Array(sab);
  for (let s = 0; s < count; s += 1024) {
    const n = Math.min(1024, count - s);
    fillRows(model, first + s, n, all.subarray((at + s) * dim, (at + s + n) * dim));
  }
  parentPort.postMessage('done');
}

async function main() {
  const args = process.argv.slice(2);
  const arg = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const rows = Number(arg('rows', '1000000'));
  const dim = Number(arg('dim', '1536'));
  const seed = Number(arg('seed', '1'));
  const threads = Number(arg('threads', String(defaultThreads())));
  const out = arg('out', undefined);
  const t0 = performance.now();
  // In blocks of 65,536 rows (400 MB at dim 1536), each spread over the threads, then written.
  const block = 65536;
  const fd = out ? fs.openSync(out, 'w') : undefined;
  const hash = crypto.createHash('sha256');
  for (let start = 0; start < rows; start += block) {
    const count = Math.min(block, rows - start);
    const data = await syntheticParallel(count, dim, seed, { start, threads });
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (os.endianness() === 'BE') bytes.swap32();
    hash.update(bytes);
    if (fd !== undefined) fs.writeSync(fd, bytes);
    const s = (performance.now() - t0) / 1000;
    process.stderr.write(`\r${start + count} / ${rows} rows, ${s.toFixed(1)} s (${(((start + count) / s) | 0)} rows/s)`);
  }
  process.stderr.write('\n');
  if (fd !== undefined) fs.closeSync(fd);
  console.log(`${rows} x ${dim}, seed ${seed}, ${threads} threads: sha256 ${hash.digest('hex')}${out ? ` -> ${out} (float32 little-endian, row-major)` : ''}`);
}

if (isMainThread && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
