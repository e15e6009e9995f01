// The int8 quantization study behind the Index's default scheme: how well int8 search finds the
// exact float top-10 on real embeddings (GloVe 100-d words, all-MiniLM-L6-v2 384-d document
// chunks) and on the synthetic 1536-d set, for cosine, dot product and squared L2, under several
// ways to choose the int8 scale, alone and followed by rescoring. Everything is seeded.
//
//   npm run build && node bench/embeddings/study.mjs [options]
//
//   --datasets glove100,minilm384,synthetic   which to run (default all three; `noise`, independent
//                        Gaussian rows, is the contrast the synthetic set is not)
//   --queries N          held-out queries for glove100 and synthetic (default 1000)
//   --seed N             seed of the query draw and of the synthetic set (default 1)
//   --synthetic-rows N   rows searched in the synthetic set (default 100000)
//   --synthetic-dim N    its dimension (default 1536)
//   --verify N           queries whose float32 ground truth is checked by a float64 scan of
//                        every row (default 20)
//   --quick              200 queries, 20,000 synthetic rows: a look in about a minute
//   --json FILE          also write every number as JSON
//   --no-fetch           fail instead of fetching a missing data set
//
// See README.md in this folder for the method.
import fs from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { fetchDataset } from './fetch.mjs';
import { DATASETS, TopK, Rng, absPercentile, componentStats, fmt, hash32, loadDataset, loadSimdot, quantiles, rowStats, sample } from './lib.mjs';
import { syntheticParallel } from './synthetic.mjs';

const simdot = loadSimdot();
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const quick = args.includes('--quick');
const DATASET_NAMES = arg('datasets', 'glove100,minilm384,synthetic').split(',');
const NQ = Number(arg('queries', quick ? '200' : '1000'));
const SEED = Number(arg('seed', '1'));
const SYN_ROWS = Number(arg('synthetic-rows', quick ? '20000' : '100000'));
const SYN_DIM = Number(arg('synthetic-dim', '1536'));
const VERIFY = Number(arg('verify', quick ? '5' : '20'));
const JSON_OUT = arg('json', undefined);
const NO_FETCH = args.includes('--no-fetch');

const K = 10;
const RS = [1, 2, 4, 8];
const CMAX = K * RS[RS.length - 1];
const GT_CANDIDATES = 40; // float32 candidates rescored in float64 for the ground truth
const started = performance.now();
const log = (...a) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s]`, ...a);

// ---------------------------------------------------------------------------------------------
// Data: base rows (searched), queries, and for leave-one-out the row each query must not find.

function pickRows(x, dim, idx) {
  const out = new Float32Array(idx.length * dim);
  for (let i = 0; i < idx.length; i++) out.set(x.subarray(idx[i] * dim, (idx[i] + 1) * dim), i * dim);
  return out;
}

/** Held-out split: nq rows drawn (seeded) as queries and removed; the rest, in order, searched. */
function holdOut(x, dim, nq, seed) {
  const rows = x.length / dim;
  const q = sample(rows, nq, new Rng(seed));
  const isQuery = new Uint8Array(rows);
  for (const i of q) isQuery[i] = 1;
  const baseIdx = new Uint32Array(rows - nq);
  for (let i = 0, n = 0; i < rows; i++) if (!isQuery[i]) baseIdx[n++] = i;
  return { base: pickRows(x, dim, baseIdx), queries: pickRows(x, dim, q), queryRows: q };
}

/** synthetic.mjs reduced to independent Gaussian rows: no clusters, shared direction or outliers. */
const NOISE = {
  weights: { shared: 0, group: 0, cluster: 0, spread: 0, noise: 1 },
  spreadSigma: 0, anisotropy: 0, outlierDims: 0,
};

async function prepare(name) {
  if (name === 'synthetic' || name === 'noise') {
    // 'noise': the contrast, independent Gaussian rows (what real embeddings are not).
    const options = name === 'noise' ? NOISE : {};
    // Rows are independent draws of the same model, so the queries are simply the next rows:
    // rows [0, N) are searched and rows [N, N + NQ) are the held-out queries.
    log(`${name}: generating ${SYN_ROWS} + ${NQ} rows x ${SYN_DIM} (seed ${SEED})`);
    const t0 = performance.now();
    const base = await syntheticParallel(SYN_ROWS, SYN_DIM, SEED, options);
    const queries = await syntheticParallel(NQ, SYN_DIM, SEED, { start: SYN_ROWS, ...options });
    const genSeconds = (performance.now() - t0) / 1000;
    return {
      name, dim: SYN_DIM, base, queries, loo: false, all: base, unit: true, genSeconds,
      metrics: ['cos'], // unit rows: dot ranks as cosine does, and squared L2 = 2 - 2 cos
      protocol: `rows 0..${SYN_ROWS - 1} searched, the next ${NQ} rows of the same generator are the queries`,
      title: name === 'noise' ? `uniform noise ${SYN_DIM}-d: independent Gaussian rows, normalized (seed ${SEED})` : `synthetic ${SYN_DIM}-d (synthetic.mjs, seed ${SEED})`,
    };
  }
  if (!DATASETS[name]) throw new Error(`unknown data set ${name}`);
  const d = loadDataset(name);
  if (name === 'minilm384') {
    // 778 rows: every row is a query once, searched against the 777 others.
    return {
      name, dim: d.dim, base: d.data, queries: d.data, loo: true, all: d.data, meta: d.meta,
      metrics: ['cos', 'dot', 'l2'],
      protocol: `leave-one-out: each of the ${d.rows} rows against the ${d.rows - 1} others`,
      title: DATASETS[name].title,
    };
  }
  const split = holdOut(d.data, d.dim, NQ, hash32(SEED, 2));
  return {
    name, dim: d.dim, ...split, loo: false, all: d.data, meta: d.meta,
    metrics: ['cos', 'dot', 'l2'],
    protocol: `${NQ} rows held out as queries (seeded), ${d.rows - NQ} searched`,
    title: DATASETS[name].title,
  };
}

function normalizeRows(x, dim) {
  const y = new Float32Array(x.length);
  for (let r = 0, rows = x.length / dim; r < rows; r++) {
    let s = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) s += x[j] * x[j];
    const k = s > 0 ? 1 / Math.sqrt(s) : 0; // a zero row stays zero
    for (let j = r * dim; j < (r + 1) * dim; j++) y[j] = x[j] * k;
  }
  return y;
}

/** The vectors a metric compares: L2-normalized rows for cosine, the raw rows otherwise. */
function space(ds, metric) {
  if (metric !== 'cos' || ds.unit) return { base: ds.base, queries: ds.queries };
  const base = normalizeRows(ds.base, ds.dim);
  return { base, queries: ds.loo ? base : normalizeRows(ds.queries, ds.dim) };
}

// ---------------------------------------------------------------------------------------------
// Exact scores (float64 over the float32 vectors): higher is better. Squared L2 is negated.

function exactScore(metric, q, qo, x, xo, dim) {
  let s = 0;
  if (metric === 'l2') {
    for (let j = 0; j < dim; j++) { const d = q[qo + j] - x[xo + j]; s += d * d; }
    return -s;
  }
  for (let j = 0; j < dim; j++) s += q[qo + j] * x[xo + j];
  return s;
}

/** Exact top (k) of one query by a float64 scan of every row. */
function bruteForce(metric, sp, dim, qi, k, skip) {
  const rows = sp.base.length / dim;
  const top = new TopK(k);
  for (let r = 0; r < rows; r++) {
    if (r === skip) continue;
    top.push(r, exactScore(metric, sp.queries, qi * dim, sp.base, r * dim, dim));
  }
  return top.result();
}

/**
 * Ground truth: the exact float64 top-11 per query (the 11th for the gap after the 10th).
 * Leave-one-out sets are small: a float64 scan. Otherwise simdot's float32 topKBatch gives 40
 * candidates per query (squared L2 as a dot product over rows extended with -|x|^2/2 and queries
 * with 1), rescored in float64; VERIFY queries are checked against a full float64 scan.
 */
function groundTruth(ds, metric, sp) {
  const dim = ds.dim;
  const nq = sp.queries.length / dim;
  const gt = [];
  const check = { verified: 0, mismatches: 0, float32Differs: 0 };
  if (ds.loo) {
    for (let q = 0; q < nq; q++) gt.push(bruteForce(metric, sp, dim, q, K + 1, q));
    return { gt, check: { ...check, method: 'float64 scan of every row' } };
  }
  let qm = sp.queries, bm = sp.base, d = dim;
  if (metric === 'l2') {
    d = dim + 1;
    bm = new Float32Array((sp.base.length / dim) * d);
    for (let r = 0, rows = sp.base.length / dim; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < dim; j++) { const v = sp.base[r * dim + j]; bm[r * d + j] = v; s += v * v; }
      bm[r * d + dim] = -s / 2;
    }
    qm = new Float32Array(nq * d);
    for (let q = 0; q < nq; q++) {
      qm.set(sp.queries.subarray(q * dim, (q + 1) * dim), q * d);
      qm[q * d + dim] = 1;
    }
  }
  const res = simdot.topKBatch(qm, bm, GT_CANDIDATES, { dim: d });
  for (let q = 0; q < nq; q++) {
    const top = new TopK(K + 1);
    const cand = Array.from(res[q].indices).sort((a, b) => a - b);
    for (const r of cand) top.push(r, exactScore(metric, sp.queries, q * dim, sp.base, r * dim, dim));
    const t = top.result();
    gt.push(t);
    const f32 = new Set(Array.from(res[q].indices.subarray(0, K)));
    if (!Array.from(t.idx.subarray(0, K)).every((i) => f32.has(i))) check.float32Differs++;
  }
  for (let q = 0; q < Math.min(VERIFY, nq); q++) {
    const bf = bruteForce(metric, sp, dim, q, K + 1, -1);
    check.verified++;
    if (bf.idx.some((v, i) => v !== gt[q].idx[i])) check.mismatches++;
  }
  if (check.mismatches) throw new Error(`${ds.name} ${metric}: float32 candidates missed the float64 top-${K + 1} on ${check.mismatches} of ${check.verified} queries`);
  return { gt, check: { ...check, method: `simdot float32 topKBatch, ${GT_CANDIDATES} candidates rescored in float64` } };
}

// ---------------------------------------------------------------------------------------------
// Quantization: symmetric int8, round to nearest (halves away from zero), clip to [-127, 127].
// Scales are stored as float32, as an index would keep them.

function roundHalfAway(v) {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

/** One scale for every row. Returns the share of components clipped. */
function quantizeGlobal(x, s, out) {
  let clipped = 0;
  for (let i = 0; i < x.length; i++) {
    let c = roundHalfAway(x[i] / s);
    if (c > 127) { c = 127; clipped++; } else if (c < -127) { c = -127; clipped++; }
    out[i] = c;
  }
  return clipped / x.length;
}

/** A scale per row: max |x_i| / 127 (0 for a zero row, whose codes are all 0). */
function quantizeRows(x, dim, out, scales) {
  for (let r = 0, rows = x.length / dim; r < rows; r++) {
    let m = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) m = Math.max(m, Math.abs(x[j]));
    const s = Math.fround(m / 127);
    scales[r] = s;
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      const c = s > 0 ? roundHalfAway(x[j] / s) : 0;
      out[j] = c > 127 ? 127 : c < -127 ? -127 : c;
    }
  }
}

function sqNorms(codes, dim) {
  const rows = codes.length / dim;
  const n = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) s += codes[j] * codes[j];
    n[r] = s;
  }
  return n;
}

/**
 * The schemes. Global: the scale from the searched rows' components. Per row: max |x_i| / 127,
 * ranked by the dequantized score (s_q s_i codes_q . codes_i) or, the trap, by the raw integer
 * dot product of the codes.
 */
function schemes(stats) {
  const g = (name, scaleOf, note) => ({ name, kind: 'global', value: scaleOf, note });
  return [
    g('max |x|', stats.maxAbs, 'max'),
    g('p99.99 |x|', stats.p9999, 'clip'),
    g('p99.9 |x|', stats.p999, 'clip'),
    g('6 std', 6 * stats.std, 'clip'),
    g('5 std', 5 * stats.std, 'clip'),
    g('4 std', 4 * stats.std, 'clip'),
    g('3 std', 3 * stats.std, 'clip'),
    { name: 'per row max |x_i|', kind: 'row', raw: false },
    // Squared L2 only: |q|^2 + |x_i|^2 - 2 q.x_i with the exact float norm of the row and the
    // int8 dot product, instead of the distance between the dequantized vectors.
    { name: 'per row, L2 from the float norm', kind: 'row', raw: false, floatNorm: true, metrics: ['l2'] },
    { name: 'per row, ranked by raw int dot (trap)', kind: 'row', raw: true },
  ];
}

/** The int8 form of a scheme: codes, scales, and how its int8 score is formed from the codes' dot. */
function quantizeScheme(sc, metric, sp, dim) {
  const nb = sp.base.length / dim;
  const nq = sp.queries.length / dim;
  const codes = new Int8Array(sp.base.length);
  const qcodes = sp.queries === sp.base ? codes : new Int8Array(sp.queries.length);
  let rowScale, qScale, clipped = 0, scale;
  if (sc.kind === 'global') {
    scale = Math.fround(sc.value / 127);
    clipped = quantizeGlobal(sp.base, scale, codes);
    if (qcodes !== codes) quantizeGlobal(sp.queries, scale, qcodes);
    rowScale = new Float32Array(nb).fill(scale);
    qScale = new Float32Array(nq).fill(scale);
  } else {
    rowScale = new Float32Array(nb);
    quantizeRows(sp.base, dim, codes, rowScale);
    if (qcodes !== codes) {
      qScale = new Float32Array(nq);
      quantizeRows(sp.queries, dim, qcodes, qScale);
    } else qScale = rowScale;
  }
  // int8 score = queryFactor * rowFactor[i] * (codes_q . codes_i) + rowOffset[i] (higher is better).
  let rowFactor = null, rowOffset = null, useQueryFactor = false, floatNorm2 = null;
  if (metric === 'l2') {
    const n = sqNorms(codes, dim);
    rowOffset = new Float64Array(nb);
    if (sc.floatNorm) {
      // s_q s_i c_q.c_i - |x_i|^2 / 2: the int8 dot product, the float row norm
      rowFactor = rowScale;
      useQueryFactor = true;
      floatNorm2 = new Float64Array(nb);
      for (let i = 0; i < nb; i++) {
        let t = 0;
        for (let j = i * dim; j < (i + 1) * dim; j++) t += sp.base[j] * sp.base[j];
        floatNorm2[i] = t;
        rowOffset[i] = -t / 2;
      }
    } else if (sc.kind === 'row' && !sc.raw) {
      // -|s_q c_q - s_i c_i|^2 / 2 up to a per-query constant
      rowFactor = rowScale;
      useQueryFactor = true;
      for (let i = 0; i < nb; i++) rowOffset[i] = -(rowScale[i] * rowScale[i] * n[i]) / 2;
    } else {
      // global scale: -s^2 |c_q - c_i|^2 / 2 up to a constant; the trap: the same on raw codes
      for (let i = 0; i < nb; i++) rowOffset[i] = -n[i] / 2;
    }
  } else if (sc.kind === 'row' && !sc.raw) {
    rowFactor = rowScale; // s_q is the same for every row of a query: ranking needs only s_i
  }
  return { codes, qcodes, rowScale, qScale, clipped, scale, rowFactor, rowOffset, useQueryFactor, floatNorm2 };
}

/**
 * The CMAX best rows of each query by the int8 score. A pure integer dot product goes to simdot
 * topKBatch; a score with per-row factors or offsets is dots() plus a pass in JavaScript.
 */
function int8Candidates(ds, q8, dim) {
  const nq = q8.qcodes.length / dim;
  const nb = q8.codes.length / dim;
  const plain = !q8.rowFactor && !q8.rowOffset && !ds.loo;
  const out = [];
  if (plain) {
    const res = simdot.topKBatch(q8.qcodes, q8.codes, CMAX, { dim });
    for (const r of res) out.push({ idx: Int32Array.from(r.indices), sc: Float64Array.from(r.scores) });
    return { cands: out, path: 'topKBatch' };
  }
  const d = new Int32Array(nb);
  const top = new TopK(CMAX);
  const { rowFactor, rowOffset } = q8;
  for (let q = 0; q < nq; q++) {
    simdot.dots(q8.qcodes.subarray(q * dim, (q + 1) * dim), q8.codes, d);
    const qf = q8.useQueryFactor ? q8.qScale[q] : 1;
    const skip = ds.loo ? q : -1;
    top.reset();
    if (rowFactor && rowOffset) {
      for (let i = 0; i < nb; i++) if (i !== skip) top.push(i, qf * rowFactor[i] * d[i] + rowOffset[i]);
    } else if (rowFactor) {
      for (let i = 0; i < nb; i++) if (i !== skip) top.push(i, rowFactor[i] * d[i]);
    } else if (rowOffset) {
      for (let i = 0; i < nb; i++) if (i !== skip) top.push(i, d[i] + rowOffset[i]);
    } else {
      for (let i = 0; i < nb; i++) if (i !== skip) top.push(i, d[i]);
    }
    out.push(top.result());
  }
  return { cands: out, path: 'dots + JS' };
}

function recallOf(found, gtIdx) {
  let hit = 0;
  for (let i = 0; i < Math.min(K, found.length); i++) {
    for (let j = 0; j < K; j++) if (found[i] === gtIdx[j]) { hit++; break; }
  }
  return hit / K;
}

/** Top-10 of candidate rows under a float64 score(i); ties keep the lower index first. */
function rescoreTop(cands, score) {
  const sorted = Array.from(cands).sort((a, b) => a - b);
  const top = new TopK(K);
  for (const i of sorted) top.push(i, score(i));
  return top.result().idx;
}

function evaluate(ds, metric, sp, gt, q8, cands) {
  const dim = ds.dim;
  const nq = sp.queries.length / dim;
  const r = { int8: 0, int8Sq: 0, deq: RS.map(() => 0), exact: RS.map(() => 0), tiesAt10: 0, perfect: 0 };
  for (let q = 0; q < nq; q++) {
    const c = cands[q];
    const g = gt[q].idx;
    const rec = recallOf(c.idx, g);
    r.int8 += rec;
    r.int8Sq += rec * rec;
    if (rec === 1) r.perfect++;
    if (c.sc.length > K && c.sc[K - 1] === c.sc[K]) r.tiesAt10++;
    const qo = q * dim;
    const deqScore = (i) => {
      const s = q8.rowScale[i];
      let v = 0;
      if (metric === 'l2' && q8.floatNorm2) {
        // |q|^2 + |x_i|^2 - 2 q.(s_i c_i), less the constant |q|^2
        for (let j = 0; j < dim; j++) v += sp.queries[qo + j] * q8.codes[i * dim + j];
        return 2 * s * v - q8.floatNorm2[i];
      }
      if (metric === 'l2') {
        for (let j = 0; j < dim; j++) { const d = sp.queries[qo + j] - s * q8.codes[i * dim + j]; v += d * d; }
        return -v;
      }
      for (let j = 0; j < dim; j++) v += sp.queries[qo + j] * q8.codes[i * dim + j];
      return s * v;
    };
    const exact = (i) => exactScore(metric, sp.queries, qo, sp.base, i * dim, dim);
    RS.forEach((R, k) => {
      const cand = c.idx.subarray(0, R * K);
      r.deq[k] += recallOf(rescoreTop(cand, deqScore), g);
      r.exact[k] += recallOf(rescoreTop(cand, exact), g);
    });
  }
  return {
    int8: r.int8 / nq,
    int8StdErr: Math.sqrt(Math.max(0, r.int8Sq / nq - (r.int8 / nq) ** 2) / nq),
    deq: r.deq.map((v) => v / nq),
    exact: r.exact.map((v) => v / nq),
    tiesAt10: r.tiesAt10 / nq,
    perfectShare: r.perfect / nq,
  };
}

// ---------------------------------------------------------------------------------------------
// Shape of a data set (to compare the synthetic set with the real ones).

function shapeOf(ds, cosGt) {
  const dim = ds.dim;
  const x = ds.unit ? ds.base : normalizeRows(ds.base, dim);
  const c = componentStats(x);
  const rng = new Rng(hash32(SEED, 9));
  const nb = x.length / dim;
  const pairs = [];
  for (let i = 0; i < 20000; i++) {
    const a = rng.int(nb), b = rng.int(nb);
    if (a !== b) pairs.push(exactScore('cos', x, a * dim, x, b * dim, dim));
  }
  const top1 = cosGt.map((t) => t.sc[0]);
  const top10 = cosGt.map((t) => t.sc[K - 1]);
  const gap = cosGt.map((t) => t.sc[K - 1] - t.sc[K]);
  const med = (v) => quantiles(v, [0.5])[0];
  const raw = ds.unit ? c : componentStats(ds.base);
  const { norms, nonFinite, zero } = rowStats(ds.all, dim);
  // Which dimensions hold the rows' largest |component|.
  const argmax = new Float64Array(dim);
  for (let r = 0; r < nb; r++) {
    let best = 0, m = -1;
    for (let j = 0; j < dim; j++) { const a = Math.abs(x[r * dim + j]); if (a > m) { m = a; best = j; } }
    argmax[best]++;
  }
  const rowMaxDims = Array.from(argmax.keys()).sort((a, b) => argmax[b] - argmax[a]).slice(0, 3).map((j) => ({ dim: j, share: argmax[j] / nb }));
  return {
    rowsSearched: nb,
    queries: ds.queries.length / dim,
    nonFiniteRows: nonFinite,
    zeroNormRows: zero,
    normMinMedianMax: quantiles(norms, [0, 0.5, 1]),
    raw: { std: raw.std, maxAbsOverStd: raw.maxAbs / raw.std, excessKurtosis: raw.excessKurtosis },
    normalized: { std: c.std, maxAbsOverStd: c.maxAbs / c.std, p9999OverStd: absPercentile(x, 99.99) / c.std, excessKurtosis: c.excessKurtosis },
    medianPairCos: med(pairs),
    medianTop1Cos: med(top1),
    medianTop10Cos: med(top10),
    medianGap10to11: med(gap),
    // The rounding error of an int8 cosine with one global max-|x| scale s is about
    // s * sqrt(2/12) (query and row each add s^2/12 of variance for unit vectors): the median gap
    // in those units says how hard int8 ranking is.
    gapOverInt8Noise: med(gap) / (Math.sqrt(2 / 12) * (c.maxAbs / 127)),
    rowMaxDims,
  };
}

// ---------------------------------------------------------------------------------------------

async function runDataset(name) {
  if (DATASETS[name] && !NO_FETCH) fetchDataset(name);
  const ds = await prepare(name);
  log(`${name}: ${ds.protocol}`);
  const out = { name, title: ds.title, dim: ds.dim, protocol: ds.protocol, metrics: {}, genSeconds: ds.genSeconds };
  for (const metric of ds.metrics) {
    const sp = space(ds, metric);
    const t0 = performance.now();
    const { gt, check } = groundTruth(ds, metric, sp);
    log(`${name} ${metric}: ground truth in ${((performance.now() - t0) / 1000).toFixed(1)} s (${check.method}; float32 top-10 differed from float64 on ${check.float32Differs ?? 0} queries; ${check.verified} verified by a float64 scan, ${check.mismatches} mismatches)`);
    if (metric === 'cos') out.shape = shapeOf(ds, gt);
    const stats = componentStats(sp.base);
    stats.p999 = absPercentile(sp.base, 99.9);
    stats.p9999 = absPercentile(sp.base, 99.99);
    const distinct = new Set();
    for (const t of gt) for (const i of t.idx.subarray(0, K)) distinct.add(i);
    const m = { groundTruth: check, components: stats, distinctTop10Rows: distinct.size, schemes: [] };
    for (const sc of schemes(stats)) {
      if (sc.metrics && !sc.metrics.includes(metric)) continue;
      const t1 = performance.now();
      const q8 = quantizeScheme(sc, metric, sp, ds.dim);
      const t2 = performance.now();
      const { cands, path } = int8Candidates(ds, q8, ds.dim);
      const t3 = performance.now();
      const ev = evaluate(ds, metric, sp, gt, q8, cands);
      const row = {
        scheme: sc.name, kind: sc.kind, rankedByRawInt: !!sc.raw,
        scaleValue: sc.kind === 'global' ? sc.value : null,
        scale: q8.scale ?? null,
        clippedShare: q8.clipped,
        ...ev,
        searchPath: path,
        searchMsPerQuery: (t3 - t2) / (sp.queries.length / ds.dim),
        quantizeSeconds: (t2 - t1) / 1000,
      };
      m.schemes.push(row);
      log(`${name} ${metric} ${sc.name.padEnd(38)} int8 ${fmt(ev.int8)}  deq@4 ${fmt(ev.deq[2])}  exact@4 ${fmt(ev.exact[2], 4)}  (${path}, ${row.searchMsPerQuery.toFixed(2)} ms/query)`);
    }
    // The two search paths must agree where both apply: topKBatch and dots + JS selection
    // (checked on the first 3 queries).
    if (!ds.loo) {
      const q8 = quantizeScheme(schemes(stats)[0], metric === 'l2' ? 'dot' : metric, sp, ds.dim);
      const few = { ...q8, qcodes: q8.qcodes.subarray(0, 3 * ds.dim) };
      const a = int8Candidates(ds, few, ds.dim).cands;
      const b = int8Candidates(ds, { ...few, rowFactor: new Float32Array(q8.rowScale.length).fill(1) }, ds.dim).cands;
      for (let q = 0; q < 3; q++) {
        if (a[q].idx.some((v, i) => v !== b[q].idx[i])) throw new Error(`${name} ${metric}: topKBatch and dots + JS disagree on query ${q}`);
      }
    }
    out.metrics[metric] = m;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tables.

const METRIC_NAME = { cos: 'cosine', dot: 'dot', l2: 'squared L2' };

function printDataset(r) {
  const lines = [];
  lines.push(`### ${r.title}`, '', `${r.protocol}; dim ${r.dim}.`, '');
  for (const [metric, m] of Object.entries(r.metrics)) {
    lines.push(`**${METRIC_NAME[metric]}** (${m.distinctTop10Rows} distinct rows in the ${r.protocol.startsWith('leave') ? '' : 'queries\' '}exact top-10s; components: std ${m.components.std.toPrecision(3)}, max |x| ${m.components.maxAbs.toPrecision(3)} = ${(m.components.maxAbs / m.components.std).toFixed(1)} std, p99.99 ${(m.components.p9999 / m.components.std).toFixed(2)} std, p99.9 ${(m.components.p999 / m.components.std).toFixed(2)} std)`, '');
    lines.push('| scheme | clipped | int8 only | ties@10 | float q x deq, R=2 | R=4 | R=8 | exact, R=2 | R=4 | R=8 |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of m.schemes) {
      const clip = s.kind === 'global' ? (s.clippedShare === 0 ? '0' : `${(100 * s.clippedShare).toPrecision(2)}%`) : '0';
      lines.push(`| ${s.scheme.replaceAll('|', '\\|')} | ${clip} | ${fmt(s.int8)} | ${(100 * s.tiesAt10).toFixed(1)}% | ${fmt(s.deq[1])} | ${fmt(s.deq[2])} | ${fmt(s.deq[3])} | ${fmt(s.exact[1], 4)} | ${fmt(s.exact[2], 4)} | ${fmt(s.exact[3], 4)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function printShapes(results) {
  const lines = ['### Shape of the data (rows L2-normalized; cosine neighbours of the queries)', ''];
  lines.push('| data set | rows searched | queries | dim | NaN/Inf rows | zero rows | median pair cos | median top-1 cos | median 10th cos | median gap 10th-11th | gap / int8 noise | max/std (raw) | max/std (normalized) | p99.99/std (normalized) | excess kurtosis (normalized) | dims holding most row maxima |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const s = r.shape;
    lines.push(`| ${r.name} | ${s.rowsSearched} | ${s.queries} | ${r.dim} | ${s.nonFiniteRows} | ${s.zeroNormRows} | ${fmt(s.medianPairCos)} | ${fmt(s.medianTop1Cos)} | ${fmt(s.medianTop10Cos)} | ${s.medianGap10to11.toExponential(1)} | ${s.gapOverInt8Noise.toFixed(2)} | ${s.raw.maxAbsOverStd.toFixed(1)} | ${s.normalized.maxAbsOverStd.toFixed(1)} | ${s.normalized.p9999OverStd.toFixed(2)} | ${s.normalized.excessKurtosis.toFixed(2)} | ${s.rowMaxDims.map((d) => `${d.dim} (${(100 * d.share).toFixed(0)}%)`).join(', ')} |`);
  }
  return lines.join('\n') + '\n';
}

function printMemory(results) {
  const lines = ['### Memory per row (bytes)', ''];
  lines.push('| data set | dim | float32 | int8, global scale | int8, per-row scale | + for squared L2 int8 ranking | rescore (i) float q x deq | rescore (ii) exact |');
  lines.push('|---|---:|---:|---:|---:|---:|---|---|');
  for (const r of results) {
    const d = r.dim;
    lines.push(`| ${r.name} | ${d} | ${4 * d} | ${d} (+4 bytes per index) | ${d + 4} (float32 scale) | +4 (the codes' squared norm, or s_i^2 \\|c_i\\|^2) | nothing more | + ${4 * d} (the float32 rows, read only for R x 10 rows per query) |`);
  }
  return lines.join('\n') + '\n';
}

async function main() {
  const info = simdot.info();
  log(`simdot ${info.kernel} (${info.native ? info.binding : 'js'}), ${os.cpus().length} CPUs, node ${process.version}`);
  const results = [];
  for (const name of DATASET_NAMES) results.push(await runDataset(name));
  const md = [
    `## int8 quantization study (seed ${SEED}, ${NQ} queries, k = ${K}; recall@10 against the exact float top-10)`,
    '',
    printShapes(results.filter((r) => r.shape)),
    ...results.map(printDataset),
    printMemory(results),
  ].join('\n');
  console.log(md);
  if (JSON_OUT) {
    fs.writeFileSync(JSON_OUT, JSON.stringify({ seed: SEED, queries: NQ, k: K, rs: RS, simdot: info, node: process.version, seconds: (performance.now() - started) / 1000, results }, null, 1) + '\n');
    log(`wrote ${JSON_OUT}`);
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

// Pieces for other scripts in this folder (index-recall.mjs), which take the same options.
export { K, NQ, SEED, prepare, space, groundTruth, recallOf, log };

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
