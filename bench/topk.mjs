// npm run bench:topk: exact top-10 search with simdot next to a plain read of the same bytes (the
// memory-bandwidth reference, 1 and 2 threads) and next to the peers a user would pick today
// (usearch exactSearch, simsimd per row in a JS loop, hnswlib-node BruteforceSearch), all
// measured in one run.
//
//   node --expose-gc bench/topk.mjs [--quick] [--skip js,scalar,simsimd,hnswlib,usearch,filter]
//        [--int8-rows 1000000] [--f32-rows 250000] [--small-rows 10000] [--dim 1536]
//
// Cases: top-10 over 1,000,000 x 1536 int8 (also with filters of several densities), over
// 10,000 x 1536 int8 (in cache) and over 250,000 x 1536 float32. The peers are devDependencies of bench/package.json only: install them
// with `npm install --prefix bench` (or `bash bench/setup.sh`); a peer that is missing or does
// not load is reported and skipped. Prints a Markdown table per case and the ratios issue 3's
// targets name. Timings are medians of mitata samples; this machine is shared and noisy, so
// compare ratios within one run.
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { measure } from 'mitata';

const started = performance.now();
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const simdot = require('../dist/index.js');

// Matrices of 1.5 GB are freed between cases; a real gc makes that prompt (mitata's fallback
// without --expose-gc would allocate 1 GB before every measurement instead).
if (typeof globalThis.gc !== 'function') {
  v8.setFlagsFromString('--expose-gc');
  globalThis.gc = vm.runInNewContext('gc');
}
const gc = globalThis.gc;

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const quick = args.includes('--quick');
const skip = new Set(arg('skip', '').split(',').filter(Boolean));
const dim = Number(arg('dim', '1536'));
const int8Rows = Number(arg('int8-rows', quick ? '100000' : '1000000'));
const f32Rows = Number(arg('f32-rows', quick ? '25000' : '250000'));
const smallRows = Number(arg('small-rows', '10000'));
const K = 10;
const NQ = 8; // queries in a batch

const info = simdot.info();
const best = info.kernel;
const binding = info.binding ? require(info.binding) : undefined;

// ---------------------------------------------------------------------------------------------
// Peers, resolved from bench/node_modules. Each is { mod, version, note } or { error }.

const benchRequire = createRequire(path.join(here, 'package.json'));
function peerVersion(name) {
  try {
    const dir = path.dirname(benchRequire.resolve(name));
    for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
      const file = path.join(d, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
        if (pkg.name === name) return { version: pkg.version, dir: d };
      }
    }
  } catch {}
  return { version: '?', dir: undefined };
}
function loadPeer(name, check) {
  if (skip.has(name.replace(/-node$/, ''))) return { error: 'skipped (--skip)' };
  let mod;
  try {
    mod = benchRequire(name);
  } catch (err) {
    const first = String(err?.message ?? err).split('\n')[0];
    const missing = err?.code === 'MODULE_NOT_FOUND' && first.includes(`'${name}'`);
    return {
      error: missing
        ? `not installed (run: npm install --prefix bench, or bash bench/setup.sh)`
        : `failed to load: ${first} (see bench/README.md: bash bench/setup.sh rebuilds it)`,
    };
  }
  const { version, dir } = peerVersion(name);
  try {
    return { mod, version, note: check ? check(mod, dir) : '' };
  } catch (err) {
    return { error: `loaded but unusable: ${String(err?.message ?? err).split('\n')[0]}` };
  }
}
function nativeOf(dir) {
  return benchRequire('node-gyp-build')(dir);
}
const peers = {
  usearch: loadPeer('usearch', (m, dir) => {
    if (typeof m.exactSearch !== 'function') throw new Error('no exactSearch export');
    try {
      const n = nativeOf(dir);
      return `native ${n.version()}, SIMD available: ${n.hardwareAccelerationAvailable()}`;
    } catch {
      return '';
    }
  }),
  simsimd: loadPeer('simsimd', (m, dir) => {
    // simsimd falls back to JavaScript (with a console warning) when its binary does not load.
    let native = false;
    try {
      native = typeof nativeOf(dir).dot === 'function';
    } catch {}
    if (!native) throw new Error('its native binary did not load: only the JS fallback would run');
    return 'native binary';
  }),
  'hnswlib-node': loadPeer('hnswlib-node', (m) => {
    if (typeof m.BruteforceSearch !== 'function') throw new Error('no BruteforceSearch export');
    return 'native binary (built from source at install)';
  }),
};

// ---------------------------------------------------------------------------------------------
// Measuring

let sink = 0;
/** Median ns per call. `slow`: calls of a second or more, a few samples only. */
async function median(fn, slow = false) {
  gc();
  const stats = await measure(
    () => {
      sink += fn() === undefined ? 0 : 1;
    },
    {
      gc,
      min_cpu_time: (slow ? 0 : quick ? 300 : 1500) * 1e6,
      min_samples: slow ? 2 : quick ? 4 : 8,
      max_samples: slow ? 2 : 1e9,
    },
  );
  return stats.p50;
}

function fmt(x, digits = 2) {
  if (!Number.isFinite(x)) return 'n/a';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(digits);
}
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : 'n/a');
const times = (x) => (Number.isFinite(x) ? `${fmt(x)}x` : 'n/a');
const rowsText = (n) => n.toLocaleString('en-US');
const log = (...a) => console.log(...a);
const progress = (s) => process.stderr.write(`  ... ${s}\n`);

/** Random data: crypto bytes for int8; for float32 the same bytes mapped in place to [-1, 1). */
function randomInt8(n) {
  const a = new Int8Array(n);
  for (let off = 0; off < n; off += 2 ** 28) crypto.randomFillSync(a, off, Math.min(2 ** 28, n - off));
  return a;
}
function randomF32(n) {
  const f = new Float32Array(n);
  const i32 = new Int32Array(f.buffer);
  for (let off = 0; off < n; off += 2 ** 26) crypto.randomFillSync(i32, off, Math.min(2 ** 26, n - off));
  for (let i = 0; i < n; i++) f[i] = (i32[i] >> 8) * 2 ** -23;
  return f;
}

// The 2-thread plain read: two worker_threads, each calling readBytes on one half of a
// SharedArrayBuffer copy of the matrix, started together through Atomics and timed on the main
// thread (which sleeps in Atomics.wait meanwhile, leaving both cores to the workers).
const READER = `
const { workerData, parentPort } = require('node:worker_threads');
const binding = require(workerData.binding);
const bytes = new Uint8Array(workerData.sab, workerData.start, workerData.length);
const ctl = new Int32Array(workerData.ctl);
let gen = 0;
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(ctl, 0, gen);
  gen = Atomics.load(ctl, 0);
  if (gen < 0) break;
  binding.readBytes(bytes);
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
`;
async function parallelReader(bytesView, nthreads) {
  const sab = new SharedArrayBuffer(bytesView.byteLength);
  new Uint8Array(sab).set(bytesView);
  const ctl = new Int32Array(new SharedArrayBuffer(8));
  const chunk = Math.ceil(bytesView.byteLength / nthreads / 64) * 64;
  const workers = [];
  for (let t = 0; t < nthreads; t++) {
    const start = Math.min(t * chunk, bytesView.byteLength);
    const length = Math.min(chunk, bytesView.byteLength - start);
    workers.push(new Worker(READER, { eval: true, workerData: { binding: info.binding, sab, start, length, ctl: ctl.buffer } }));
  }
  await Promise.all(workers.map((w) => new Promise((ok, fail) => (w.once('message', ok), w.once('error', fail)))));
  return {
    read() {
      Atomics.store(ctl, 1, 0);
      Atomics.add(ctl, 0, 1);
      Atomics.notify(ctl, 0);
      for (let done; (done = Atomics.load(ctl, 1)) < nthreads; ) Atomics.wait(ctl, 1, done);
      return 0;
    },
    async close() {
      Atomics.store(ctl, 0, -1);
      Atomics.notify(ctl, 0);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Searches of the peers

/** simsimd: its dot per row in a JS loop, keeping the k best (higher score, then lower index). */
function simsimdTopK(q, m, k) {
  const dot = peers.simsimd.mod.dot;
  const n = m.length / dim;
  const scores = new Float64Array(k);
  const indices = new Int32Array(k);
  let count = 0;
  for (let r = 0; r < n; r++) {
    const s = dot(q, m.subarray(r * dim, r * dim + dim));
    if (count === k && !(s > scores[k - 1])) continue;
    let j = count < k ? count++ : k - 1;
    for (; j > 0 && scores[j - 1] < s; j--) {
      scores[j] = scores[j - 1];
      indices[j] = indices[j - 1];
    }
    scores[j] = s;
    indices[j] = r;
  }
  return { indices: indices.subarray(0, count), scores: scores.subarray(0, count) };
}

/** usearch exactSearch with metric "ip" (distance 1 - dot), as { indices, scores }[] per query. */
function usearchSearch(queries, m, k, threads) {
  // Its binding reads TypedArray.buffer from byte 0 (it ignores byteOffset): pass whole buffers.
  const r = peers.usearch.mod.exactSearch(m, queries, dim, k, 'ip', threads);
  const nq = queries.length / dim;
  const out = [];
  for (let i = 0; i < nq; i++) {
    const keys = r.keys.subarray(i * k, i * k + k);
    const dist = r.distances.subarray(i * k, i * k + k);
    out.push({ indices: Array.from(keys, Number), scores: Array.from(dist, (d) => 1 - d) });
  }
  return out;
}

/**
 * Compares result lists against simdot's, query by query: the number of ranks where the row
 * differs. Details name each differing rank with both rows' exact simdot scores, to tell ties
 * and float32 rounding apart from wrong answers.
 */
function compare(name, refs, gots, q, m) {
  let diff = 0;
  let total = 0;
  const details = [];
  for (let i = 0; i < refs.length; i++) {
    const a = Array.from(refs[i].indices);
    const b = Array.from(gots[i].indices, Number);
    total += a.length;
    for (let r = 0; r < a.length; r++) {
      if (a[r] === b[r]) continue;
      diff++;
      if (details.length < 4) {
        const qi = q.subarray(i * dim, i * dim + dim);
        const score = (row) => (row === undefined ? 'none' : String(simdot.dot(qi, m.subarray(row * dim, row * dim + dim))));
        details.push(`q${i} rank ${r + 1}: simdot row ${a[r]} (${score(a[r])}) vs row ${b[r]} (${score(b[r])})`);
      }
    }
  }
  const line = `${name}: ${diff} of ${total} top-${K} ranks differ from simdot's`;
  return diff ? `${line} (${details.join('; ')}${diff > details.length ? '; ...' : ''})` : line;
}

// ---------------------------------------------------------------------------------------------
// Filters: topK over the same matrix with only some rows eligible.

/** A filter bitset over nrows rows, bit i set when eligible(i). */
function bitset(nrows, eligible) {
  const f = new Uint8Array(Math.ceil(nrows / 8));
  for (let i = 0; i < nrows; i++) if (eligible(i)) f[i >> 3] |= 1 << (i & 7);
  return f;
}

/** The expected top-k of the eligible rows, from every row's score: a scan keeping the best k. */
function filteredReference(scores, filter, k) {
  const best = []; // [score, row], best first; ties by lower row (rows arrive in order)
  for (let i = 0; i < scores.length; i++) {
    if (!((filter[i >> 3] >> (i & 7)) & 1)) continue;
    const v = scores[i];
    if (best.length === k && v <= best[k - 1][0]) continue;
    let at = best.length;
    while (at > 0 && best[at - 1][0] < v) at--;
    best.splice(at, 0, [v, i]);
    if (best.length > k) best.pop();
  }
  return { indices: best.map(([, i]) => i) };
}

async function filterCase(q0, matrix, nrows, unfiltered) {
  const seeded = (seed) => () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const cases = [
    ['every row', () => true],
    ['random 50%', (r) => r() < 0.5],
    ['every other row', (r, i) => (i & 1) === 0],
    ['random 10%', (r) => r() < 0.1],
    ['random 1%', (r) => r() < 0.01],
    ['random 0.1%', (r) => r() < 0.001],
    ['the first 10%, one run', (r, i) => i < nrows / 10],
    ['runs of 64 rows, 10%', (r, i) => (i >> 6) % 10 === 0],
  ];
  const scores = simdot.dots(q0, matrix);
  const rows = [];
  const checks = [];
  for (const [name, rule] of cases) {
    const r = seeded(name.length);
    const filter = bitset(nrows, (i) => rule(r, i));
    progress(`int8: simdot topK ${best}, filter ${name}, 1 thread`);
    const ns = await median(() => simdot.topK(q0, matrix, K, { threads: 1, filter }));
    rows.push({ name, ns });
    checks.push(compare(`filter ${name}`, [filteredReference(scores, filter, K)], [simdot.topK(q0, matrix, K, { threads: 1, filter })], q0, matrix));
  }
  log(`\n## int8 with a filter: top-${K} over ${rowsText(nrows)} x ${dim}, 1 thread\n`);
  log(`Only rows whose filter bit is set are eligible. Each run of eligible rows costs a kernel call and a cache miss, so where runs are short and many the search scores whole blocks and offers only the eligible rows.\n`);
  log('| filter | ms per query | vs topK without a filter |');
  log('|---|---:|---:|');
  log(`| none | ${fmt(unfiltered / 1e6)} | 100% |`);
  for (const { name, ns } of rows) log(`| ${name} | ${fmt(ns / 1e6)} | ${pct(ns / unfiltered)} |`);
  log('');
  log(`result checks (against the best ${K} eligible rows of dots()):`);
  for (const c of checks) log(`- ${c}`);
}

// ---------------------------------------------------------------------------------------------
// One case: a matrix, its queries, every method.

const summary = {};

function printTable(title, rows, readRate) {
  log(`\n## ${title}\n`);
  log('| method | ms per query | GB/s of matrix scanned | vs plain read (same threads) |');
  log('|---|---:|---:|---:|');
  for (const r of rows) {
    if (r.na) {
      log(`| ${r.method} | ${r.na} | | |`);
      continue;
    }
    const rate = r.bytes / r.ns;
    const ref = readRate[r.threads];
    log(`| ${r.method} | ${fmt(r.ns / 1e6)} | ${fmt(rate)} | ${ref ? times(rate / ref) : 'n/a'} |`);
  }
}

async function runCase({ key, type, nrows, matrix, batch, title }) {
  const int8 = type === 'int8';
  const Type = int8 ? Int8Array : Float32Array;
  const bytes = matrix.byteLength;
  const rows = [];
  const checks = [];
  const add = (method, threads, nsPerCall, perCall = 1, extra = {}) => {
    const row = { method, threads, ns: nsPerCall / perCall, bytes, ...extra };
    rows.push(row);
    return row;
  };
  const queries = int8 ? randomInt8(NQ * dim) : randomF32(NQ * dim);
  const q0 = queries.slice(0, dim); // its own buffer: usearch ignores byteOffset
  const readRate = {};

  // Plain reads.
  if (binding) {
    const view = new Uint8Array(matrix.buffer, matrix.byteOffset, bytes);
    progress(`${key}: plain read, 1 thread`);
    const r1 = add('plain read (readBytes), 1 thread', 1, await median(() => binding.readBytes(view)));
    readRate[1] = bytes / r1.ns;
    if (batch) {
      progress(`${key}: plain read, 2 threads`);
      const reader = await parallelReader(view, 2);
      const r2 = add('plain read (readBytes on 2 halves, 2 worker_threads), 2 threads', 2, await median(() => reader.read()));
      readRate[2] = bytes / r2.ns;
      await reader.close();
    }
  } else {
    rows.push({ method: 'plain read', na: `n/a: no native binary (${info.loadError})` });
  }

  // simdot.
  const tiers = info.supported.filter((t) => t !== 'js' && !skip.has(t));
  const ref = simdot.topK(q0, matrix, K, { threads: 1 });
  const r = {};
  progress(`${key}: simdot topK ${best}, 1 thread`);
  r.t1 = add(`simdot topK (${best}), 1 thread`, 1, await median(() => simdot.topK(q0, matrix, K, { threads: 1 })));
  if (batch) {
    progress(`${key}: simdot topK ${best}, 2 threads`);
    r.t2 = add(`simdot topK (${best}), 2 threads`, 2, await median(() => simdot.topK(q0, matrix, K, { threads: 2 })));
    checks.push(compare(`simdot topK 2 threads vs 1 thread`, [ref], [simdot.topK(q0, matrix, K, { threads: 2 })], q0, matrix));
    progress(`${key}: simdot topKBatch ${NQ} queries`);
    r.b1 = add(`simdot topKBatch, ${NQ} queries, 1 thread (per query)`, 1, await median(() => simdot.topKBatch(queries, matrix, K, { dim, threads: 1 })), NQ);
    r.b2 = add(`simdot topKBatch, ${NQ} queries, 2 threads (per query)`, 2, await median(() => simdot.topKBatch(queries, matrix, K, { dim, threads: 2 })), NQ);
  }
  for (const tier of tiers.slice(1)) {
    simdot.useKernel(tier);
    progress(`${key}: simdot topK ${tier}, 1 thread`);
    add(`simdot topK (${tier}), 1 thread`, 1, await median(() => simdot.topK(q0, matrix, K, { threads: 1 })));
    checks.push(compare(`simdot topK ${tier} vs ${best}`, [ref], [simdot.topK(q0, matrix, K, { threads: 1 })], q0, matrix));
  }
  if (batch && !skip.has('js')) {
    simdot.useKernel('js');
    progress(`${key}: simdot topK js (the whole matrix, 2 samples after 1 warm-up call)`);
    add(`simdot topK (js tier), 1 thread [whole matrix, median of 2 runs]`, 1, await median(() => simdot.topK(q0, matrix, K), true));
    checks.push(compare(`simdot topK js vs ${best}`, [ref], [simdot.topK(q0, matrix, K)], q0, matrix));
  }
  simdot.useKernel(best);

  // usearch.
  const us = peers.usearch;
  if (us.mod) {
    progress(`${key}: usearch exactSearch, 1 thread`);
    r.u1 = add(`usearch exactSearch, ip, 1 thread`, 1, await median(() => us.mod.exactSearch(matrix, q0, dim, K, 'ip', 1)));
    checks.push(compare(`usearch exactSearch (1 query)`, [ref], usearchSearch(q0, matrix, K, 1), q0, matrix));
    if (batch) {
      progress(`${key}: usearch exactSearch, 2 threads`);
      r.u2 = add(`usearch exactSearch, ip, 2 threads`, 2, await median(() => us.mod.exactSearch(matrix, q0, dim, K, 'ip', 2)));
      progress(`${key}: usearch exactSearch, ${NQ} queries in one call`);
      r.ub = add(`usearch exactSearch, ${NQ} queries in one call, 1 thread (per query)`, 1, await median(() => us.mod.exactSearch(matrix, queries, dim, K, 'ip', 1)), NQ);
      const refs = simdot.topKBatch(queries, matrix, K, { dim, threads: 1 });
      const singles = Array.from({ length: NQ }, (_, i) => simdot.topK(queries.subarray(i * dim, i * dim + dim), matrix, K, { threads: 1 }));
      checks.push(compare(`simdot topKBatch vs ${NQ} single topK`, singles, refs, queries, matrix));
      checks.push(compare(`usearch exactSearch (${NQ} queries in one call)`, singles, usearchSearch(queries, matrix, K, 1), queries, matrix));
    }
  } else {
    rows.push({ method: 'usearch exactSearch', na: `n/a: ${us.error}` });
  }

  // simsimd.
  if (batch) {
    const ss = peers.simsimd;
    if (ss.mod) {
      progress(`${key}: simsimd dot per row in a JS loop`);
      add(`simsimd dot per row in a JS loop + top-${K}, 1 thread`, 1, await median(() => simsimdTopK(q0, matrix, K)));
      checks.push(compare(`simsimd dot per row`, [ref], [simsimdTopK(q0, matrix, K)], q0, matrix));
    } else {
      rows.push({ method: 'simsimd dot per row', na: `n/a: ${ss.error}` });
    }
  }

  // hnswlib-node: Float32 only; it copies every row into its own index, through a JS Array.
  let hnswBuild;
  if (batch) {
    const hn = peers['hnswlib-node'];
    if (!hn.mod) {
      rows.push({ method: 'hnswlib-node BruteforceSearch', na: `n/a: ${hn.error}` });
    } else if (int8) {
      rows.push({ method: 'hnswlib-node BruteforceSearch', na: 'n/a: no int8 type (float32 only); see the float32 case' });
    } else {
      progress(`${key}: hnswlib-node BruteforceSearch, adding ${rowsText(nrows)} rows`);
      const t0 = performance.now();
      let index = new hn.mod.BruteforceSearch('ip', dim);
      index.initIndex(nrows);
      const row = new Array(dim);
      for (let i = 0; i < nrows; i++) {
        for (let j = 0; j < dim; j++) row[j] = matrix[i * dim + j];
        index.addPoint(row, i);
      }
      hnswBuild = (performance.now() - t0) / 1e3;
      const qa = Array.from(q0);
      progress(`${key}: hnswlib-node BruteforceSearch, searching`);
      add(`hnswlib-node BruteforceSearch, ip, 1 thread`, 1, await median(() => index.searchKnn(qa, K)));
      const got = index.searchKnn(qa, K);
      checks.push(compare(`hnswlib-node BruteforceSearch`, [ref], [{ indices: got.neighbors }], q0, matrix));
      index = undefined;
      gc();
    }
  }

  printTable(title, rows, readRate);
  log('');
  if (hnswBuild !== undefined) log(`hnswlib-node: adding the ${rowsText(nrows)} rows to its index took ${fmt(hnswBuild)} s (not in the table)`);
  if (batch && !skip.has('js')) log(`js tier: the whole matrix, median of 2 runs after 1 warm-up run`);
  log(`result checks (top-${K} rows, rank by rank):`);
  for (const c of checks) log(`- ${c}`);
  if (int8 && batch && !skip.has('filter')) await filterCase(q0, matrix, nrows, r.t1.ns);
  summary[key] = { r, readRate, bytes };
}

// ---------------------------------------------------------------------------------------------

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
log(`# simdot top-k bench: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${quick ? ' (--quick)' : ''}`);
log(`simdot tiers: ${info.supported.join(', ')}; best: ${best}${info.native ? '' : ` (no native binary: ${info.loadError})`}`);
for (const [name, p] of Object.entries(peers)) {
  log(`peer ${name}: ${p.mod ? `${p.version}${p.note ? ` (${p.note})` : ''}` : p.error}`);
}
log(`top-${K} of ${dim}-element rows; batch: ${NQ} queries; ms per query are medians; GB = 1e9 bytes`);
// Other work on this machine skews the timings: the load average says how busy it was.
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(', ');
log(`load average at start (1, 5, 15 min): ${load()}`);

{
  progress(`generating ${rowsText(int8Rows)} x ${dim} int8`);
  let m = randomInt8(int8Rows * dim);
  await runCase({
    key: 'int8',
    type: 'int8',
    nrows: int8Rows,
    matrix: m,
    batch: true,
    title: `int8: top-${K} over ${rowsText(int8Rows)} x ${dim} (${fmt(m.byteLength / 1e9)} GB)`,
  });
  const small = m.slice(0, smallRows * dim);
  m = undefined;
  gc();
  await runCase({
    key: 'small',
    type: 'int8',
    nrows: smallRows,
    matrix: small,
    batch: false,
    title: `int8 in cache: top-${K} over ${rowsText(smallRows)} x ${dim} (${fmt(small.byteLength / 1e6)} MB)`,
  });
}
{
  progress(`generating ${rowsText(f32Rows)} x ${dim} float32`);
  let m = randomF32(f32Rows * dim);
  await runCase({
    key: 'f32',
    type: 'float32',
    nrows: f32Rows,
    matrix: m,
    batch: true,
    title: `float32: top-${K} over ${rowsText(f32Rows)} x ${dim} (${fmt(m.byteLength / 1e9)} GB)`,
  });
  m = undefined;
  gc();
}

// The ratios issue 3's targets name (int8); float32 alongside, for information.
log(`\n## Targets (issue 3)\n`);
const check = (ok) => (ok === undefined ? '' : ok ? ' — met' : ' — NOT met');
for (const key of ['int8', 'f32']) {
  const s = summary[key];
  if (!s) continue;
  const { r, readRate, bytes } = s;
  const rate = (row) => (row ? bytes / row.ns : NaN);
  // A verdict only for int8, the case the targets name, and only where both sides were measured.
  const t = (value, ok) => (key === 'int8' && Number.isFinite(value) ? check(ok) : '');
  const p1 = rate(r.t1) / readRate[1];
  const vsU1 = r.u1 ? r.u1.ns / r.t1.ns : NaN;
  const frac = r.b1 ? r.b1.ns / r.t1.ns : NaN;
  const vsUb = r.ub && r.b1 ? r.ub.ns / r.b1.ns : NaN;
  const p2 = rate(r.t2) / readRate[2];
  log(`${key === 'int8' ? 'int8' : 'float32 (no targets; for information)'}:`);
  log(`- topK, 1 thread: ${pct(p1)} of the 1-thread plain read rate (target >= 85%)${t(p1, p1 >= 0.85)}; ` +
      `speed vs usearch exactSearch with 1 thread ${times(vsU1)} (target > 1x)${t(vsU1, vsU1 > 1)}`);
  log(`- topKBatch of ${NQ}, 1 thread: per query ${fmt(frac, 3)} of the single-query time = 1/${fmt(1 / frac)} (target <= 1/6)${t(frac, frac <= 1 / 6)}; ` +
      `per-query speed vs usearch exactSearch given the same ${NQ} queries in one call ${times(vsUb)} (target >= 4x)${t(vsUb, vsUb >= 4)}`);
  log(`- topK, 2 threads: ${pct(p2)} of the 2-thread plain read rate (target >= 85%)${t(p2, p2 >= 0.85)}`);
}
{
  const s = summary.small;
  const v = s?.r.u1 ? s.r.u1.ns / s.r.t1.ns : NaN;
  log(`int8 in cache (${rowsText(smallRows)} rows): simdot topK speed vs usearch exactSearch, 1 thread each, ${times(v)} (target >= 2x)${Number.isFinite(v) ? check(v >= 2) : ''}`);
}
log(`\ntotal time: ${fmt((performance.now() - started) / 1e3)} s; load average at the end (1, 5, 15 min): ${load()}`);
if (sink < 0) log(sink);
