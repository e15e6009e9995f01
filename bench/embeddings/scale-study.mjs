// Per-row int8 scales: which way of choosing a row's codes and its float32 factor gives the best
// recall when the Index rescores its int8 candidates with the float query against the
// dequantized rows (no float originals kept). Same data, queries and exact ground truth as
// study.mjs, whose options this script takes.
//
//   npm run build && node bench/embeddings/scale-study.mjs [study.mjs options] [options]
//
//   --datasets glove100,minilm384,synthetic   as in study.mjs (also --queries, --seed,
//                        --synthetic-rows, --synthetic-dim, --verify)
//   --rules a,b,...      which rules to run (default all; the names of RULES below)
//   --cost-rows N        1536-d synthetic rows the per-row cost is timed on (default 20000)
//   --levels L1,L2,...   also the limit of rescoring with finer codes than int8 (|c| <= L,
//                        not storable in int8): how much less rounding error a recall needs
//   --json FILE          also write every number as JSON
//
// What every rule stores is what the Index stores: dim int8 codes and one float32 factor f_i per
// row, and for squared L2 one float32 offset o_i. A row x is quantized with a code scale sigma,
// c_j = round(x_j / sigma) (halves away from zero) clipped to [-127, 127], and stands for f c.
// Queries are quantized by the same rule as the rows.
//
//   int8 ranking:  f_q f_i (c_q . c_i)          (cosine, dot)
//                  2 f_q f_i (c_q . c_i) + o_i   (squared L2, o_i = -|f_i c_i|^2 unless noted)
//   rescoring:     q . (f_i c_i) and 2 q . (f_i c_i) + o_i with the float query q, over the int8
//                  top R x 10; "all rows" ranks every row that way (the limit of rescoring as R
//                  grows, set by the rows' own quantization error alone).
//
// The code scale: (a) sigma = max|x|/127; (b) r max|x|/127 with r in 0.50..1.00 (steps of 0.01)
// minimizing |x - sigma c|^2; (c) min(max|x|, k rms)/127, or the second largest |x_j|/127;
// alternating least squares (sigma <- x.c / c.c, c <- round(x / sigma), from (a)).
// The factor: f = sigma; least squares f = x.c / c.c (x - f c is orthogonal to c); f = |x| / |c|
// (|f c| = |x|); or f = x.x / x.c ("self-exact": x . (f c) = x . x, a query equal to the row scores
// exactly, and a query q = x + d scores q.x - d.e with e = x - f c: no error along the row itself).
// For squared L2 the self-exact rules store o_i = -|x|^2 (the same property: 2 x.(f c) + o = |x|^2).
//
// Two transforms of the space, not per row, are measured too: a seeded random rotation, and
// centring on the searched rows' mean (one float32 vector per index; for cosine and dot the
// query stays as it is and the factor is made self-exact for the uncentred row, (x.r) / (x.c)
// with r = x - mean).
//
// Two ways of spending more on a row are measured as well: outliers (the P largest |x_j| kept
// exactly in float32 beside the codes, which are made with the (P+1)-th largest and clip the
// outliers to +-127: P x (4 + 2) bytes more per row, and the native int8 search sees the clipped
// codes), and noise shaping (each code rounded up or down, greedily, so that the rounding error
// e minimizes e H e, H the second moment or covariance of the rows: the error moved out of the
// directions the queries weigh most; nothing more stored, H only used while quantizing).
//
// Rule a, the Index's first scheme, comes first, and the first table's differences are against
// it, on the same queries; d3 (the self-exact factor) is the Index's scheme now.
// About 30 minutes on 2 cores (rules b, d4 and the noise shaping take most of it), 3 GB peak RSS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { K, NQ, SEED, groundTruth, log, prepare, recallOf, space } from './study.mjs';
import { Rng, TopK, fmt, hash32, loadSimdot } from './lib.mjs';
import { synthetic } from './synthetic.mjs';

const simdot = loadSimdot();
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const NAMES = arg('datasets', 'glove100,minilm384,synthetic').split(',');
const COST_ROWS = Number(arg('cost-rows', '20000'));
const JSON_OUT = arg('json', undefined);
const LEVELS = arg('levels', '').split(',').filter(Boolean).map(Number);
const RS = [1, 2, 4];
const CMAX = K * RS[RS.length - 1];

// ---------------------------------------------------------------------------------------------
// Code scales. Each takes the row x[o, o + d) (max |x| = m > 0) and returns sigma; `ls` also
// returns the codes it converged to through `writeCodes`.

function roundCode(v) {
  const c = v < 0 ? -Math.round(-v) : Math.round(v);
  return c > 127 ? 127 : c < -127 ? -127 : c;
}

/** Writes the codes of scale sigma into codes[o, o + d); returns x . c and c . c. */
const dots2 = { xc: 0, cc: 0 };
function writeCodes(x, o, d, sigma, codes) {
  const inv = 1 / sigma;
  let xc = 0, cc = 0;
  for (let j = o; j < o + d; j++) {
    const v = x[j];
    const c = roundCode(v * inv);
    codes[j] = c;
    xc += v * c; cc += c * c;
  }
  dots2.xc = xc; dots2.cc = cc;
  return dots2;
}

/** sum_j (x_j - sigma c_j)^2 for the codes of scale sigma. */
function sqErrAt(x, o, d, sigma) {
  const inv = 1 / sigma;
  let e = 0;
  for (let j = o; j < o + d; j++) {
    const v = x[j];
    const r = v - sigma * roundCode(v * inv);
    e += r * r;
  }
  return e;
}

const GRID = Array.from({ length: 51 }, (_, i) => 1 - i * 0.01); // r = 1.00, 0.99, ..., 0.50

const SCALES = {
  max: (x, o, d, m) => m / 127,
  mse(x, o, d, m) {
    let best = 1, bestErr = Infinity;
    for (const r of GRID) {
      const e = sqErrAt(x, o, d, (r * m) / 127);
      if (e < bestErr) { bestErr = e; best = r; } // ties: the larger r
    }
    return (best * m) / 127;
  },
  rms4: (x, o, d, m) => Math.min(m, 4 * rms(x, o, d)) / 127,
  rms3: (x, o, d, m) => Math.min(m, 3 * rms(x, o, d)) / 127,
  second(x, o, d, m) {
    let m1 = 0, m2 = 0;
    for (let j = o; j < o + d; j++) {
      const a = Math.abs(x[j]);
      if (a > m1) { m2 = m1; m1 = a; } else if (a > m2) m2 = a;
    }
    return (m2 > 0 ? m2 : m1) / 127;
  },
  // alternating least squares from the max-|x| codes, until the codes stop changing (<= 8 rounds)
  ls(x, o, d, m, codes) {
    let a = writeCodes(x, o, d, m / 127, codes);
    let s = a.xc / a.cc;
    for (let it = 0; it < 8; it++) {
      const xc = a.xc, cc = a.cc;
      a = writeCodes(x, o, d, s, codes);
      s = a.xc / a.cc;
      if (a.xc === xc && a.cc === cc) break;
    }
    return s;
  },
};

function rms(x, o, d) {
  let s = 0;
  for (let j = o; j < o + d; j++) s += x[j] * x[j];
  return Math.sqrt(s / d);
}

// ---------------------------------------------------------------------------------------------
// Rules: a code scale, a factor, and optionally a transform of the space.

const FACTOR_LABEL = { sigma: 'f = sigma', ls: 'f = x.c / c.c', norm: 'f = |x| / |c|', self: 'f = x.x / x.c' };
const SCALE_LABEL = {
  max: 'max|x|/127', mse: 'min sq. error r max|x|/127', rms4: 'min(max|x|, 4 rms)/127', rms3: 'min(max|x|, 3 rms)/127',
  second: '2nd largest |x_j|/127', ls: 'alternating LS',
};
const SHAPE_LABEL = { moment: 'rounding that minimizes e H e, H = the rows\' second moment', cov: 'rounding that minimizes e H e, H = the rows\' covariance' };
const rule = (id, scale, factor, transform, deqOffset = false, outliers = 0, shape = undefined) => ({
  id, scale, factor, transform, deqOffset, outliers, shape,
  label: `${id}. ${transform ? `${transform === 'rotate' ? 'rotated' : 'centred'}; ` : ''}${outliers ? `${outliers} largest |x_j| kept in float32, the rest: ` : ''}${SCALE_LABEL[scale]}, ${shape ? `${SHAPE_LABEL[shape]}, ` : ''}${FACTOR_LABEL[factor]}${deqOffset ? ', L2 offset -|f c|^2' : ''}`,
});
const RULES = Object.fromEntries([
  rule('a', 'max', 'sigma'), // the Index's first scheme
  rule('b', 'mse', 'sigma'),
  rule('c1', 'rms4', 'sigma'),
  rule('c2', 'rms3', 'sigma'),
  rule('c3', 'second', 'sigma'),
  rule('d1', 'max', 'ls'),
  rule('d2', 'max', 'norm'),
  rule('d3', 'max', 'self'), // the Index now
  rule('d4', 'mse', 'self'),
  rule('d5', 'ls', 'ls'),
  rule('d6', 'ls', 'self'),
  rule('d7', 'max', 'self', undefined, true), // d3 with the L2 offset of the dequantized row
  rule('r1', 'max', 'sigma', 'rotate'),
  rule('r2', 'max', 'self', 'rotate'),
  rule('m1', 'max', 'sigma', 'centre'),
  rule('m2', 'max', 'self', 'centre'),
  rule('m3', 'ls', 'self', 'centre'),
  rule('o1', 'max', 'self', undefined, false, 1),
  rule('o2', 'max', 'self', undefined, false, 2),
  rule('o4', 'max', 'self', undefined, false, 4),
  rule('h1', 'max', 'self', undefined, false, 0, 'moment'),
  rule('h2', 'max', 'self', undefined, false, 0, 'cov'),
].map((r) => [r.id, r]));

const RULE_IDS = arg('rules', Object.keys(RULES).join(',')).split(',');
for (const r of RULE_IDS) if (!RULES[r]) throw new Error(`unknown rule ${r} (${Object.keys(RULES).join(', ')})`);

/**
 * Quantizes row x[o, o + d) into codes[o, o + d) by the rule; returns the factor (double). The
 * anchor row a (the vector a query near this row looks like: x itself, or for a centred cosine
 * or dot row the uncentred one) defines the self-exact factor a.x / a.c. An all-zero row gets
 * zero codes and factor 1, as maxAbsScale gives it.
 */
const outlierAt = new Int32Array(64); // quantizeRow: the outliers of the last row (offsets into x)
const isOutlier = (j, n) => { for (let t = 0; t < n; t++) if (outlierAt[t] === j) return true; return false; };
function quantizeRow(rl, x, o, d, codes, a = x) {
  if (rl.outliers) return quantizeRowOutliers(rl, x, o, d, codes, a);
  let m = 0;
  for (let j = o; j < o + d; j++) { const v = Math.abs(x[j]); if (v > m) m = v; }
  if (m === 0) { codes.fill(0, o, o + d); return 1; }
  const sigma = SCALES[rl.scale](x, o, d, m, codes);
  let { xc, cc } = writeCodes(x, o, d, sigma, codes);
  if (rl.shape) ({ xc, cc } = shapeCodes(SHAPE_H, x, o, d, sigma, codes));
  switch (rl.factor) {
    case 'sigma': return sigma;
    case 'ls': return xc / cc;
    case 'norm': { let xx = 0; for (let j = o; j < o + d; j++) xx += x[j] * x[j]; return Math.sqrt(xx / cc); }
    case 'self': {
      if (a === x) { let xx = 0; for (let j = o; j < o + d; j++) xx += x[j] * x[j]; return xx / xc; }
      let ax = 0, ac = 0;
      for (let j = o; j < o + d; j++) { ax += a[j] * x[j]; ac += a[j] * codes[j]; }
      return ac > 0 && ax > 0 ? ax / ac : xc / cc; // a . c <= 0: fall back to least squares
    }
  }
  throw new Error(rl.factor);
}

/**
 * Noise shaping: the codes of scale sigma re-rounded, each to floor or ceil of x_j / sigma within
 * [-127, 127], greedily (the best single change first) to minimize e H e with e = x / sigma - c:
 * the rounding error is pushed out of the directions the queries (whose second moment H
 * estimates) weigh most. SHAPE_H is the d x d matrix (float64, row-major) of the set being run.
 */
let SHAPE_H;
let shapeG = new Float64Array(0);
function shapeCodes(H, x, o, d, sigma, codes) {
  const inv = 1 / sigma;
  if (shapeG.length < d) shapeG = new Float64Array(d);
  const g = shapeG; // g = H e
  g.fill(0, 0, d);
  for (let j = 0; j < d; j++) {
    const e = x[o + j] * inv - codes[o + j];
    if (e === 0) continue;
    for (let i = 0; i < d; i++) g[i] += H[i * d + j] * e;
  }
  for (let iter = 0; iter < 4 * d; iter++) {
    let best = -1, bestDelta = 0, bestStep = 0;
    for (let j = 0; j < d; j++) {
      const t = x[o + j] * inv;
      const c = codes[o + j];
      // the other neighbour of t: c + 1 if c <= t, else c - 1 (codes already at floor/ceil)
      const step = c <= t ? 1 : -1;
      const nc = c + step;
      if (nc > 127 || nc < -127 || Math.abs(t - nc) >= 1) continue;
      // e -> e - step u_j: change = -2 step g_j + H_jj
      const delta = -2 * step * g[j] + H[j * d + j];
      if (delta < bestDelta) { bestDelta = delta; best = j; bestStep = step; }
    }
    if (best < 0) break;
    codes[o + best] += bestStep;
    for (let i = 0; i < d; i++) g[i] -= bestStep * H[i * d + best];
  }
  let xc = 0, cc = 0;
  for (let j = o; j < o + d; j++) { xc += x[j] * codes[j]; cc += codes[j] * codes[j]; }
  dots2.xc = xc; dots2.cc = cc;
  return dots2;
}

function shapeMatrix(base, d, kind) {
  const rows = base.length / d;
  const H = new Float64Array(d * d);
  const mean = new Float64Array(d);
  const row = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    // rows weighed by 1 / |x|^2: queries of every norm count alike
    let xx = 0;
    for (let j = 0; j < d; j++) { row[j] = base[r * d + j]; xx += row[j] * row[j]; }
    if (xx === 0) continue;
    const w = 1 / xx;
    for (let i = 0; i < d; i++) {
      mean[i] += row[i] * Math.sqrt(w);
      const ri = row[i] * w;
      for (let j = 0; j < d; j++) H[i * d + j] += ri * row[j];
    }
  }
  for (let i = 0; i < d * d; i++) H[i] /= rows;
  if (kind === 'cov') for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) H[i * d + j] -= (mean[i] / rows) * (mean[j] / rows);
  return H;
}

/**
 * Rules with outliers: the P largest |x_j| (ties: the lower j) go to outlierAt, the codes are
 * those of sigma = the (P+1)-th largest |x_j| / 127 (so the outliers clip to +-127), and the
 * factor is self-exact over the other coordinates, where the outliers are kept exactly: with
 * x^ = f c + sum_out (x_j - f c_j) e_j, a . x^ = a . x.
 */
function quantizeRowOutliers(rl, x, o, d, codes, a) {
  const P = Math.min(rl.outliers, d - 1);
  for (let t = 0; t < P; t++) {
    let best = -1, bv = -1;
    for (let j = o; j < o + d; j++) {
      const v = Math.abs(x[j]);
      if (v > bv && !isOutlier(j, t)) { bv = v; best = j; }
    }
    outlierAt[t] = best;
  }
  let m = 0;
  for (let j = o; j < o + d; j++) { const v = Math.abs(x[j]); if (v > m && !isOutlier(j, P)) m = v; }
  if (m === 0) { codes.fill(0, o, o + d); return 1; }
  writeCodes(x, o, d, m / 127, codes);
  let ax = 0, ac = 0;
  for (let j = o; j < o + d; j++) {
    if (isOutlier(j, P)) continue;
    ax += a[j] * x[j]; ac += a[j] * codes[j];
  }
  return ac > 0 && ax > 0 ? ax / ac : m / 127;
}

/**
 * Every row quantized: codes, float32 factors, L2 offsets, and error statistics (the squared
 * error relative to the squared norm of the row before any transform, `ref`).
 */
function quantizeAll(rl, x, d, anchor = x, ref = x) {
  const rows = x.length / d;
  const codes = new Int8Array(x.length);
  const factor = new Float32Array(rows);
  const offset = new Float32Array(rows); // squared L2: o_i
  const P = rl.outliers ? Math.min(rl.outliers, d - 1) : 0;
  const outIdx = new Int32Array(rows * P); // offsets into the row
  const outVal = new Float32Array(rows * P); // x_j - f c_j
  let relErr = 0, normErr = 0, clipped = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    factor[r] = quantizeRow(rl, x, o, d, codes, anchor);
    const f = factor[r];
    for (let t = 0; t < P; t++) {
      outIdx[r * P + t] = outlierAt[t] - o;
      outVal[r * P + t] = x[outlierAt[t]] - Math.fround(f * codes[outlierAt[t]]);
    }
    let e = 0, xx = 0, hh = 0, rr = 0;
    for (let j = o; j < o + d; j++) {
      const c = codes[j];
      const v = x[j];
      let h = Math.fround(f * c);
      for (let t = 0; t < P; t++) if (outIdx[r * P + t] === j - o) h += outVal[r * P + t];
      e += (v - h) * (v - h); xx += v * v; hh += h * h; rr += ref[j] * ref[j];
      if ((c === 127 || c === -127) && Math.abs(v) > 127.5 * f && h === Math.fround(f * c)) clipped++;
    }
    offset[r] = rl.factor === 'self' && !rl.deqOffset ? -xx : -hh;
    if (xx > 0) {
      relErr += e / rr;
      normErr += Math.abs(Math.sqrt(hh / xx) - 1);
    }
  }
  return { codes, factor, offset, P, outIdx, outVal, relErr: relErr / rows, normErr: normErr / rows, clipped: clipped / x.length };
}

// ---------------------------------------------------------------------------------------------
// Transforms of the space (one per index, not per row).

const rotations = new Map();
/** The seeded random rotation of R^d: Gram-Schmidt (twice) on the rows of a Gaussian matrix. */
function rotation(d) {
  if (rotations.has(d)) return rotations.get(d);
  const rng = new Rng(hash32(SEED, 77, d));
  const m = new Float64Array(d * d);
  for (let i = 0; i < m.length; i++) m[i] = rng.normal();
  for (let i = 0; i < d; i++) {
    const oi = i * d;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < i; k++) {
        const ok = k * d;
        let t = 0;
        for (let j = 0; j < d; j++) t += m[oi + j] * m[ok + j];
        for (let j = 0; j < d; j++) m[oi + j] -= t * m[ok + j];
      }
    }
    let n = 0;
    for (let j = 0; j < d; j++) n += m[oi + j] * m[oi + j];
    n = 1 / Math.sqrt(n);
    for (let j = 0; j < d; j++) m[oi + j] *= n;
  }
  const r = Float32Array.from(m);
  rotations.set(d, r);
  return r;
}

/** Every row of x rotated, y = R x (simdot's float32 dots). */
function rotateRows(x, d) {
  const R = rotation(d);
  const out = new Float32Array(x.length);
  for (let r = 0, rows = x.length / d; r < rows; r++) simdot.dots(x.subarray(r * d, (r + 1) * d), R, out.subarray(r * d, (r + 1) * d));
  return out;
}

function minus(x, mean, d) {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - mean[i % d];
  return out;
}

/**
 * The vectors a rule quantizes and searches: { base, queries, anchor }. Rotated: rows and queries
 * rotated (dot products and distances unchanged). Centred on the searched rows' mean mu: rows
 * x - mu; queries q - mu for squared L2 (|q - x| = |(q - mu) - (x - mu)|), q itself for cosine and
 * dot (q . x = q . mu + q . (x - mu), and q . mu is the same for every row).
 */
const transformed = new WeakMap();
function transformedSpace(sp, d, metric, transform) {
  if (!transform) return { base: sp.base, queries: sp.queries, anchor: sp.base };
  let cache = transformed.get(sp);
  if (!cache) transformed.set(sp, (cache = {}));
  if (cache[transform]) return cache[transform];
  let out;
  if (transform === 'rotate') {
    const base = rotateRows(sp.base, d);
    out = { base, queries: sp.queries === sp.base ? base : rotateRows(sp.queries, d), anchor: base };
  } else {
    const rows = sp.base.length / d;
    const mean64 = new Float64Array(d);
    for (let i = 0; i < sp.base.length; i++) mean64[i % d] += sp.base[i];
    const mean = Float32Array.from(mean64, (v) => v / rows);
    const base = minus(sp.base, mean, d);
    if (metric === 'l2') out = { base, queries: sp.queries === sp.base ? base : minus(sp.queries, mean, d), anchor: base };
    else out = { base, queries: sp.queries, anchor: sp.base };
  }
  cache[transform] = out;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Search and evaluation.

/** The CMAX best rows per query by the int8 score (topKBatch, or dots + JS for leave-one-out). */
function int8Candidates(ds, metric, qb, qq, d) {
  const nq = qq.factor.length;
  const nb = qb.factor.length;
  const l2 = metric === 'l2';
  const qf = Float64Array.from(qq.factor, (f) => (l2 ? 2 * f : f));
  if (!ds.loo) {
    const opts = { dim: d, rowFactor: qb.factor, queryFactor: qf };
    if (l2) opts.rowOffset = qb.offset;
    return simdot.topKBatch(qq.codes, qb.codes, CMAX, opts).map((r) => Int32Array.from(r.indices));
  }
  const dots = new Int32Array(nb);
  const top = new TopK(CMAX);
  const out = [];
  for (let q = 0; q < nq; q++) {
    simdot.dots(qq.codes.subarray(q * d, (q + 1) * d), qb.codes, dots);
    top.reset();
    for (let i = 0; i < nb; i++) {
      if (i === q) continue;
      top.push(i, qf[q] * qb.factor[i] * dots[i] + (l2 ? qb.offset[i] : 0));
    }
    out.push(top.result().idx);
  }
  return out;
}

/** The float query at qo against row i's int8 codes: q . (f_i c_i), or 2 q . (f_i c_i) + o_i. */
function deqScore(metric, queries, qo, qb, i, d) {
  const c = qb.codes;
  let v = 0;
  for (let j = 0; j < d; j++) v += queries[qo + j] * c[i * d + j];
  v *= qb.factor[i];
  for (let t = i * qb.P; t < (i + 1) * qb.P; t++) v += queries[qo + qb.outIdx[t]] * qb.outVal[t];
  return metric === 'l2' ? 2 * v + qb.offset[i] : v;
}

/** Top 10 of every row by deqScore (float32 dequantized rows through topKBatch). */
function allRowsDeq(ds, metric, s, qb, d) {
  const nb = qb.factor.length;
  const nq = s.queries.length / d;
  if (ds.loo) {
    const out = [];
    const top = new TopK(K);
    for (let q = 0; q < nq; q++) {
      top.reset();
      for (let i = 0; i < nb; i++) if (i !== q) top.push(i, deqScore(metric, s.queries, q * d, qb, i, d));
      out.push(top.result().idx);
    }
    return out;
  }
  const deq = new Float32Array(qb.codes.length);
  for (let i = 0; i < nb; i++) {
    const f = qb.factor[i];
    for (let j = i * d; j < (i + 1) * d; j++) deq[j] = f * qb.codes[j];
    for (let t = i * qb.P; t < (i + 1) * qb.P; t++) deq[i * d + qb.outIdx[t]] += qb.outVal[t];
  }
  const opts = { dim: d };
  if (metric === 'l2') { opts.queryFactor = 2; opts.rowOffset = qb.offset; }
  return simdot.topKBatch(s.queries, deq, K, opts).map((r) => Int32Array.from(r.indices));
}

function rescoreTop(cands, score) {
  const sorted = Array.from(cands).sort((a, b) => a - b);
  const top = new TopK(K);
  for (const i of sorted) top.push(i, score(i));
  return top.result().idx;
}

/** Recall per query: int8 alone, R = 2, R = 4, all rows. */
function evaluate(ds, metric, sp, gt, rl) {
  const d = ds.dim;
  const s = transformedSpace(sp, d, metric, rl.transform);
  if (rl.shape) SHAPE_H = shapeMatrix(s.base, d, rl.shape);
  const t0 = performance.now();
  const qb = quantizeAll(rl, s.base, d, s.anchor, sp.base);
  // a query keeps no outliers: nothing would carry them into the native search
  const qq = s.queries === s.base ? qb : quantizeAll(rl.outliers ? { ...rl, outliers: 0 } : rl, s.queries, d);
  const quantizeSeconds = (performance.now() - t0) / 1000;
  const cands = int8Candidates(ds, metric, qb, qq, d);
  const all = allRowsDeq(ds, metric, s, qb, d);
  const nq = cands.length;
  const per = { int8: new Float64Array(nq), r2: new Float64Array(nq), r4: new Float64Array(nq), all: new Float64Array(nq) };
  for (let q = 0; q < nq; q++) {
    const g = gt[q].idx;
    const score = (i) => deqScore(metric, s.queries, q * d, qb, i, d);
    per.int8[q] = recallOf(cands[q].subarray(0, K), g);
    per.r2[q] = recallOf(rescoreTop(cands[q].subarray(0, 2 * K), score), g);
    per.r4[q] = recallOf(rescoreTop(cands[q].subarray(0, 4 * K), score), g);
    per.all[q] = recallOf(all[q], g);
  }
  return { per, relSqErr: qb.relErr, normErr: qb.normErr, clippedShare: qb.clipped, quantizeSeconds };
}

const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
/** Mean of a - b over queries and its standard error (the same queries, so paired). */
function pairedDiff(a, b) {
  const n = a.length;
  const diff = Array.from(a, (v, i) => v - b[i]);
  const m = mean(diff);
  const v = diff.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
  return { mean: m, se: Math.sqrt(v / n) };
}

/**
 * The reference for finer codes: c = round(x / (max|x| / L)), |c| <= L, factor x.x / x.c and L2
 * offset -|x|^2 (rule d3 with L levels each side instead of 127); every row ranked by the float
 * query against f c. Returns the recall and the mean relative squared error.
 */
function levelsLimit(ds, metric, sp, gt, L) {
  const d = ds.dim;
  const nb = sp.base.length / d;
  const deq = new Float32Array(sp.base.length);
  const offset = new Float64Array(nb);
  const c = new Float64Array(d);
  let rel = 0;
  for (let i = 0; i < nb; i++) {
    const o = i * d;
    let m = 0, xx = 0, xc = 0;
    for (let j = 0; j < d; j++) { const v = sp.base[o + j]; m = Math.max(m, Math.abs(v)); xx += v * v; }
    if (m === 0) continue;
    const inv = L / m;
    for (let j = 0; j < d; j++) {
      const v = sp.base[o + j] * inv;
      c[j] = v < 0 ? -Math.round(-v) : Math.round(v);
      xc += sp.base[o + j] * c[j];
    }
    const f = Math.fround(xx / xc);
    let e = 0;
    for (let j = 0; j < d; j++) { deq[o + j] = f * c[j]; e += (sp.base[o + j] - deq[o + j]) ** 2; }
    rel += e / xx;
    offset[i] = -xx;
  }
  const nq = sp.queries.length / d;
  let recall = 0;
  if (ds.loo) {
    const top = new TopK(K);
    for (let q = 0; q < nq; q++) {
      top.reset();
      for (let i = 0; i < nb; i++) {
        if (i === q) continue;
        let v = 0;
        for (let j = 0; j < d; j++) v += sp.queries[q * d + j] * deq[i * d + j];
        top.push(i, metric === 'l2' ? 2 * v + offset[i] : v);
      }
      recall += recallOf(top.result().idx, gt[q].idx);
    }
  } else {
    const opts = { dim: d };
    if (metric === 'l2') { opts.queryFactor = 2; opts.rowOffset = offset; }
    simdot.topKBatch(sp.queries, deq, K, opts).forEach((r, q) => { recall += recallOf(r.indices, gt[q].idx); });
  }
  return { levels: L, allRows: recall / nq, relSqErr: rel / nb };
}

// ---------------------------------------------------------------------------------------------
// Cost: the time to quantize a row (choose the scale and factor, write the codes), in JS, on
// 1536-d synthetic rows, next to what Index.add costs per row today. Each is timed in a process of
// its own (best of 3), so that no rule runs on code the JIT compiled for another.

function costOf(id) {
  const d = 1536;
  const x = synthetic(COST_ROWS, d, SEED);
  const codes = new Int8Array(x.length);
  const y = new Float32Array(d);
  const time = (f) => {
    let best = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      f();
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return (best / COST_ROWS) * 1e6; // seconds per million rows
  };
  if (id === 'index') {
    const keys = Array.from({ length: COST_ROWS }, (_, i) => i);
    return time(() => new simdot.Index({ dim: d, metric: 'cosine' }).add(x, keys));
  }
  const rl = RULES[id];
  if (rl.shape) {
    // O(d^2) per row: timed on fewer rows, H from the rows timed
    SHAPE_H = shapeMatrix(x, d, rl.shape);
    const n = Math.min(COST_ROWS, 1000);
    return (time(() => { for (let r = 0; r < n; r++) quantizeRow(rl, x, r * d, d, codes); }) * COST_ROWS) / n;
  }
  if (rl.transform === 'centre') {
    // the subtraction of the mean vector (not the mean itself, which is computed once)
    const mu = new Float32Array(d).fill(0.01);
    return time(() => {
      for (let r = 0; r < COST_ROWS; r++) {
        for (let j = 0; j < d; j++) y[j] = x[r * d + j] - mu[j];
        quantizeRow(rl, y, 0, d, codes, x.subarray(r * d, (r + 1) * d));
      }
    });
  }
  if (rl.transform === 'rotate') {
    const R = rotation(d);
    return time(() => {
      for (let r = 0; r < COST_ROWS; r++) {
        simdot.dots(x.subarray(r * d, (r + 1) * d), R, y);
        quantizeRow(rl, y, 0, d, codes);
      }
    });
  }
  return time(() => { for (let r = 0; r < COST_ROWS; r++) quantizeRow(rl, x, r * d, d, codes); });
}

function costs(ids) {
  log(`cost: ${COST_ROWS} synthetic rows x 1536, one process each`);
  const out = {};
  for (const id of [...(typeof simdot.Index === 'function' ? ['index'] : []), ...ids]) {
    const stdout = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--cost-only', id, '--cost-rows', String(COST_ROWS), '--seed', String(SEED)], { encoding: 'utf8' });
    out[id === 'index' ? 'indexAdd' : id] = Number(stdout.trim());
    log(`cost ${id === 'index' ? 'Index.add (int8, cosine)' : id}: ${Number(stdout).toFixed(1)} s per million 1536-d rows`);
  }
  return out;
}

const COST_ONLY = arg('cost-only', undefined);
if (COST_ONLY) {
  console.log(String(costOf(COST_ONLY)));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------

const results = [];
const levelResults = [];
for (const name of NAMES) {
  const ds = await prepare(name);
  log(`${name}: ${ds.protocol}`);
  for (const metric of ds.metrics) {
    const sp = space(ds, metric);
    const { gt } = groundTruth(ds, metric, sp);
    let baseline;
    for (const id of RULE_IDS) {
      const ev = evaluate(ds, metric, sp, gt, RULES[id]);
      baseline ??= ev.per;
      const m = Object.fromEntries(Object.entries(ev.per).map(([k, v]) => [k, mean(v)]));
      const dr4 = pairedDiff(ev.per.r4, baseline.r4);
      const di8 = pairedDiff(ev.per.int8, baseline.int8);
      results.push({ dataset: name, metric, rule: id, ...m, diffR4: dr4, diffInt8: di8, relSqErr: ev.relSqErr, normErr: ev.normErr, clippedShare: ev.clippedShare });
      log(`${name} ${metric} ${id.padEnd(3)} int8 ${fmt(m.int8, 4)} (${di8.mean >= 0 ? '+' : ''}${di8.mean.toFixed(4)} ± ${di8.se.toFixed(4)})  R=2 ${fmt(m.r2, 4)}  R=4 ${fmt(m.r4, 4)} (${dr4.mean >= 0 ? '+' : ''}${dr4.mean.toFixed(4)} ± ${dr4.se.toFixed(4)})  all ${fmt(m.all, 4)}  rel.err ${ev.relSqErr.toExponential(2)}  |norm err| ${ev.normErr.toExponential(2)}  clipped ${(100 * ev.clippedShare).toFixed(3)}%  (${ev.quantizeSeconds.toFixed(1)} s)`);
    }
    for (const L of LEVELS) {
      const r = levelsLimit(ds, metric, sp, gt, L);
      levelResults.push({ dataset: name, metric, ...r });
      log(`${name} ${metric} codes up to ${L}: every row ${fmt(r.allRows, 4)}  rel.err ${r.relSqErr.toExponential(2)}`);
    }
  }
}
const cost = costs(RULE_IDS);

const cols = [];
for (const r of results) if (!cols.some((c) => c.dataset === r.dataset && c.metric === r.metric)) cols.push({ dataset: r.dataset, metric: r.metric });
const head = cols.map((c) => `${c.dataset} ${c.metric}`);
const lines = [`## Per-row int8 rules (seed ${SEED}, ${NQ} queries, k = ${K}; recall@10)`, ''];
const table = (title, value, withCost) => {
  lines.push(title, '', `| rule | ${head.join(' | ')} |${withCost ? ' s per 1M 1536-d rows |' : ''}`, `|---|${cols.map(() => '---:').join('|')}|${withCost ? '---:|' : ''}`);
  for (const id of RULE_IDS) {
    const cells = cols.map((c) => {
      const e = results.find((x) => x.dataset === c.dataset && x.metric === c.metric && x.rule === id);
      return e ? value(e) : '';
    });
    lines.push(`| ${RULES[id].label.replaceAll('|', '\\|')} | ${cells.join(' | ')} |${withCost ? ` ${cost[id].toFixed(1)} |` : ''}`);
  }
  lines.push('');
};
table('int8 alone / R = 4 rescored against the dequantized rows:', (e) => `${fmt(e.int8)} / ${fmt(e.r4)}`, true);
table('R = 4 against rule a, the same queries: mean difference ± standard error:', (e) => `${e.diffR4.mean >= 0 ? '+' : ''}${e.diffR4.mean.toFixed(4)} ± ${e.diffR4.se.toFixed(4)}`);
table('R = 2 / every row ranked against the dequantized rows (the limit of rescoring):', (e) => `${fmt(e.r2)} / ${fmt(e.all)}`);
table('mean |x - f c|^2 / |x|^2 per row (|x| before centring) / mean | |f c| / |x| - 1 |:', (e) => `${e.relSqErr.toExponential(2)} / ${e.normErr.toExponential(1)}`);
if (LEVELS.length) {
  lines.push('Finer codes than int8 (|c| <= L, factor x.x / x.c): every row ranked against the dequantized rows / mean |x - f c|^2 / |x|^2:', '');
  lines.push(`| L | ${head.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
  for (const L of LEVELS) {
    const cells = cols.map((c) => {
      const e = levelResults.find((x) => x.dataset === c.dataset && x.metric === c.metric && x.levels === L);
      return e ? `${fmt(e.allRows)} / ${e.relSqErr.toExponential(2)}` : '';
    });
    lines.push(`| ${L} | ${cells.join(' | ')} |`);
  }
  lines.push('');
}
if (cost.indexAdd) lines.push(`Index.add (int8, cosine) of 1536-d rows, for comparison: ${cost.indexAdd.toFixed(1)} s per million rows.`, '');
console.log(lines.join('\n'));
if (JSON_OUT) {
  fs.writeFileSync(JSON_OUT, JSON.stringify({ seed: SEED, queries: NQ, k: K, rules: Object.fromEntries(RULE_IDS.map((r) => [r, RULES[r].label])), results, levels: levelResults, costSecondsPerMillion1536: cost }, null, 1) + '\n');
  log(`wrote ${JSON_OUT}`);
}
log('done');
