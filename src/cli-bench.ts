// `simdot bench`: top-k search on every tier this machine runs, next to a plain read of the same
// bytes (the memory-bandwidth bound a scan cannot beat) and, when installed, the peers a user
// would otherwise pick. Timings are medians of samples taken here, without a benchmark library,
// so that the command runs from an installed package with no dev dependencies.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as Simdot from './index.js';
import type { Tier } from './tiers.js';

type Api = typeof Simdot;
type Matrix = Int8Array | Float32Array;
type Hits = { indices: ArrayLike<number> }[];

export interface BenchOptions {
  type: 'int8' | 'float32';
  dim: number;
  /** Undefined: sized to the machine (at most a quarter of the free memory, at most 1,000,000). */
  rows: number | undefined;
  threads: number;
  /** 1: topK, one query per call; more: topKBatch of that many queries, timed per query. */
  batch: number;
  k: number;
  /** Time spent on each measurement, in seconds (at least 3 samples). */
  seconds: number;
  svg: string;
  peers: boolean;
}

export interface BenchRow {
  /** The tier, 'plain read', or the peer and its version. */
  name: string;
  kind: 'tier' | 'reference' | 'peer';
  /** Bytes of matrix scanned per second, per query (1e9 bytes). */
  gbps: number;
  /** For the whole matrix; scaled from the rows measured when those were fewer. */
  msPerQuery: number;
  xPlainRead: number | null;
  xJs: number | null;
  /** Rows the timing was taken on (fewer than the matrix for a slow tier). */
  rowsMeasured: number;
  threads: number;
  samples: number;
  /** Whether its top-k rows equal those of the best tier (null: not compared). */
  sameTopK: boolean | null;
}

export interface BenchReport {
  machine: { cpu: string; cores: number; memoryBytes: number; freeMemoryBytes: number; platform: string; arch: string; node: string; loadAverage: number[] };
  simdot: { version: string; kernel: Tier; supported: Tier[]; native: boolean; binding?: string; loadError?: string };
  config: { method: 'topK' | 'topKBatch'; type: 'int8' | 'float32'; rows: number; dim: number; bytes: number; k: number; batch: number; threads: number; secondsPerMeasurement: number; rowsSizedToMachine: boolean };
  results: BenchRow[];
  /** Methods that could not be measured, and why. */
  skipped: { name: string; reason: string }[];
  /** Only with --peers: each peer's version and where it was found, or why it was not used. */
  peers?: Record<string, { version: string; from: string } | { error: string }>;
  /** The tier whose top-k rows the others are compared with (sameTopK). */
  topKReference: Tier | null;
  notes: string[];
  svg: string;
}

export const DEFAULT_ROWS_CAP = 1_000_000;

/** The default row count: at most a quarter of the free memory, at most 1,000,000 rows. */
export function defaultRows(dim: number, type: 'int8' | 'float32'): number {
  const rowBytes = dim * (type === 'int8' ? 1 : 4);
  return Math.max(1, Math.min(DEFAULT_ROWS_CAP, Math.floor(os.freemem() / 4 / rowBytes)));
}

/** One line on stderr, rewritten in place; nothing unless stderr is a terminal. */
export class Progress {
  private last = 0;
  private shown = false;
  constructor(private readonly tty = process.stderr.isTTY === true) {}

  update(text: string, force = false): void {
    if (!this.tty) return;
    const now = performance.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const width = (process.stderr.columns || 80) - 1;
    process.stderr.write(`\r\x1b[2K${text.length > width ? text.slice(0, width - 1) + '…' : text}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

const fmt = (x: number, digits = 2): string =>
  !Number.isFinite(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 0.01 || x === 0 ? x.toFixed(digits) : x.toPrecision(2);
const count = (n: number): string => n.toLocaleString('en-US');
const ratio = (x: number | null): string => (x === null || !Number.isFinite(x) ? '' : `${fmt(x)}x`);
const bytesText = (n: number): string => (n >= 1e9 ? `${fmt(n / 1e9)} GB` : n >= 1e6 ? `${fmt(n / 1e6)} MB` : `${fmt(n / 1e3)} kB`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length & 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const MIN_SAMPLES = 3;
const MAX_SAMPLES = 10_000;

/** Median ms per call, after one warm-up call, over `seconds` (or at least 3 calls). */
function measure(fn: () => unknown, label: string, seconds: number, progress: Progress): { ms: number; samples: number } {
  progress.update(`${label}: warming up`, true);
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < MIN_SAMPLES || (performance.now() - start < seconds * 1000 && times.length < MAX_SAMPLES)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    progress.update(`${label}: ${times.length} sample${times.length === 1 ? '' : 's'}, ${fmt(median(times))} ms each`, times.length === 1);
  }
  return { ms: median(times), samples: times.length };
}

const FILL_CHUNK = 2 ** 26;

/** Random rows on a SharedArrayBuffer, so that reader threads see the very bytes searched. */
function randomMatrix(type: 'int8' | 'float32', n: number, progress: Progress): Matrix {
  const bytes = n * (type === 'int8' ? 1 : 4);
  let sab: SharedArrayBuffer;
  try {
    sab = new SharedArrayBuffer(bytes);
  } catch (err) {
    throw new Error(`could not allocate ${bytesText(bytes)} for the matrix (${firstLine(err)}); use fewer --rows`);
  }
  const u8 = new Uint8Array(sab);
  for (let off = 0; off < bytes; off += FILL_CHUNK) {
    crypto.randomFillSync(u8, off, Math.min(FILL_CHUNK, bytes - off));
    progress.update(`generating ${bytesText(bytes)} of random ${type} rows: ${Math.floor((100 * off) / bytes)}%`);
  }
  if (type === 'int8') return new Int8Array(sab);
  // Random bits as floats in [-1, 1), in place.
  const i32 = new Int32Array(sab);
  const f32 = new Float32Array(sab);
  for (let i = 0; i < n; i++) {
    f32[i] = (i32[i]! >> 8) * 2 ** -23;
    if ((i & 0xffffff) === 0) progress.update(`converting random bits to floats: ${Math.floor((100 * i) / n)}%`);
  }
  return f32;
}

function randomQueries(type: 'int8' | 'float32', n: number): Matrix {
  const q = type === 'int8' ? new Int8Array(n) : new Float32Array(n);
  crypto.randomFillSync(q);
  if (q instanceof Float32Array) {
    const i32 = new Int32Array(q.buffer);
    for (let i = 0; i < n; i++) q[i] = (i32[i]! >> 8) * 2 ** -23;
  }
  return q;
}

// Each reader thread calls readBytes on its slice when the main thread bumps a generation
// counter, so that a multi-threaded read is timed like a multi-threaded search.
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

interface Reader {
  read(): void;
  close(): Promise<void>;
}

async function plainReader(bindingPath: string, matrix: Matrix, threads: number): Promise<Reader> {
  const readBytes = (require(bindingPath) as { readBytes(view: Uint8Array): number }).readBytes;
  const sab = matrix.buffer as SharedArrayBuffer;
  if (threads === 1) {
    const view = new Uint8Array(sab, matrix.byteOffset, matrix.byteLength);
    return { read: () => void readBytes(view), close: async () => {} };
  }
  const ctl = new Int32Array(new SharedArrayBuffer(8));
  const chunk = Math.ceil(matrix.byteLength / threads / 64) * 64;
  const workers: Worker[] = [];
  for (let t = 0; t < threads; t++) {
    const start = Math.min(t * chunk, matrix.byteLength);
    const length = Math.min(chunk, matrix.byteLength - start);
    workers.push(new Worker(READER, { eval: true, workerData: { binding: bindingPath, sab, start, length, ctl: ctl.buffer } }));
  }
  await Promise.all(workers.map((w) => new Promise((ok, fail) => (w.once('message', ok), w.once('error', fail)))));
  return {
    read() {
      Atomics.store(ctl, 1, 0);
      Atomics.add(ctl, 0, 1);
      Atomics.notify(ctl, 0);
      for (let done; (done = Atomics.load(ctl, 1)) < threads; ) Atomics.wait(ctl, 1, done);
    },
    async close() {
      Atomics.store(ctl, 0, -1);
      Atomics.notify(ctl, 0);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Ranks where two result lists differ, over every query. */
function differences(a: Hits, b: Hits): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!.indices;
    const y = b[i]?.indices ?? [];
    for (let r = 0; r < Math.max(x.length, y.length); r++) if (Number(x[r]) !== Number(y[r])) diff++;
  }
  return diff;
}

// ------------------------------------------------------------------------------------------------
// Peers: found from the current directory (a project that installed them) or from simdot's own
// bench/ folder (a clone of the repository, after `npm install --prefix bench`).

interface Peer {
  name: string;
  version: string;
  from: string;
  mod: unknown;
}

const PEERS = ['usearch', 'simsimd', 'hnswlib-node'] as const;

function packageVersion(resolved: string, name: string): string {
  for (let d = path.dirname(resolved); d !== path.dirname(d); d = path.dirname(d)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? '?';
    } catch {
      // no package.json at this level
    }
  }
  return '?';
}

function packageDir(resolved: string, name: string): string | undefined {
  for (let d = path.dirname(resolved); d !== path.dirname(d); d = path.dirname(d)) {
    if (path.basename(d) === name.split('/').pop() && fs.existsSync(path.join(d, 'package.json'))) return d;
  }
  return undefined;
}

function findPeer(name: string): Peer | { error: string } {
  const places = [
    { from: process.cwd(), req: createRequire(path.join(process.cwd(), 'noop.js')) },
    { from: path.join(__dirname, '..', 'bench'), req: createRequire(path.join(__dirname, '..', 'bench', 'package.json')) },
  ];
  for (const { from, req } of places) {
    let resolved: string;
    try {
      resolved = req.resolve(name);
    } catch {
      continue;
    }
    let mod: unknown;
    try {
      mod = req(name);
    } catch (err) {
      return { error: `found in ${from} but failed to load: ${firstLine(err)}` };
    }
    const problem = usable(name, mod, resolved);
    if (problem) return { error: `found in ${from} but ${problem}` };
    return { name, version: packageVersion(resolved, name), from, mod };
  }
  return { error: 'not installed' };
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0]!.trim();
}

function usable(name: string, mod: unknown, resolved: string): string | undefined {
  const m = mod as Record<string, unknown>;
  if (name === 'usearch' && typeof m['exactSearch'] !== 'function') return 'it has no exactSearch';
  if (name === 'hnswlib-node' && typeof m['BruteforceSearch'] !== 'function') return 'it has no BruteforceSearch';
  if (name === 'simsimd') {
    // Without its binary simsimd quietly runs JavaScript instead, which would misreport it.
    const dir = packageDir(resolved, name);
    try {
      const binary = (require('node-gyp-build') as (dir: string) => Record<string, unknown>)(dir ?? '');
      if (typeof binary['dot'] !== 'function') return 'its native binary has no dot';
    } catch {
      return 'its native binary did not load (only its JavaScript fallback would run)';
    }
  }
  return undefined;
}

/** simsimd's dot on each row in a loop, keeping the k best (higher score, then lower index). */
function simsimdTopK(dot: (a: Matrix, b: Matrix) => number, q: Matrix, m: Matrix, dim: number, k: number): { indices: Int32Array } {
  const n = m.length / dim;
  const scores = new Float64Array(k);
  const indices = new Int32Array(k);
  let filled = 0;
  for (let r = 0; r < n; r++) {
    const s = dot(q, m.subarray(r * dim, r * dim + dim));
    if (filled === k && !(s > scores[k - 1]!)) continue;
    let j = filled < k ? filled++ : k - 1;
    for (; j > 0 && scores[j - 1]! < s; j--) {
      scores[j] = scores[j - 1]!;
      indices[j] = indices[j - 1]!;
    }
    scores[j] = s;
    indices[j] = r;
  }
  return { indices: indices.subarray(0, filled) };
}

// ------------------------------------------------------------------------------------------------

export async function bench(simdot: Api, o: BenchOptions, progress = new Progress()): Promise<BenchReport> {
  const info = simdot.info();
  const bytesPer = o.type === 'int8' ? 1 : 4;
  const rows = o.rows ?? defaultRows(o.dim, o.type);
  const bytes = rows * o.dim * bytesPer;
  const method = o.batch === 1 ? 'topK' : 'topKBatch';
  const notes: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const results: BenchRow[] = [];
  const load = os.loadavg();
  const version = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

  const matrix = randomMatrix(o.type, rows * o.dim, progress);
  const queries = randomQueries(o.type, o.batch * o.dim);
  const options = { dim: o.dim, threads: o.threads };
  const search = (m: Matrix): Hits =>
    o.batch === 1
      ? [simdot.topK(queries as Int8Array, m as Int8Array, o.k, { threads: o.threads })]
      : simdot.topKBatch(queries as Int8Array, m as Int8Array, o.k, options);
  const label = (what: string, n = rows): string => `${what}, ${method}${o.batch > 1 ? ` of ${o.batch}` : ''} over ${count(n)} rows`;
  const row = (name: string, kind: BenchRow['kind'], ms: number, samples: number, measured = rows, threads = o.threads, perCall = o.batch): BenchRow => {
    const perQuery = ms / perCall;
    const scaled = (perQuery * rows) / measured;
    return { name, kind, gbps: bytes / (scaled * 1e6), msPerQuery: scaled, xPlainRead: null, xJs: null, rowsMeasured: measured, threads, samples, sameTopK: null };
  };

  // The plain read: the same bytes, on as many threads as the search.
  if (info.binding) {
    const reader = await plainReader(info.binding, matrix, o.threads);
    try {
      const { ms, samples } = measure(() => reader.read(), `plain read of ${bytesText(bytes)}`, o.seconds, progress);
      results.push(row('plain read', 'reference', ms, samples, rows, o.threads, 1));
    } finally {
      await reader.close();
    }
  } else {
    skipped.push({ name: 'plain read', reason: `it needs the native binary, which is not loaded (${info.loadError ?? 'unknown reason'})` });
  }

  // Every native tier this CPU runs, best first, then js.
  let reference: Hits | undefined;
  let referenceTier: Tier | undefined;
  const native = info.supported.filter((t) => t !== 'js');
  try {
    for (const tier of native) {
      const running = simdot.useKernel(tier);
      if (running !== tier) {
        skipped.push({ name: tier, reason: `SIMDOT_KERNEL=${process.env['SIMDOT_KERNEL']?.trim() ?? ''} caps the tier (${running} runs instead)` });
        continue;
      }
      const { ms, samples } = measure(() => search(matrix), label(tier), o.seconds, progress);
      const r = row(tier, 'tier', ms, samples);
      const hits = search(matrix);
      if (reference) r.sameTopK = differences(reference, hits) === 0;
      else [reference, referenceTier] = [hits, tier];
      results.push(r);
    }

    // The js tier, on the first rows only when one search of the whole matrix would take longer
    // than a whole measurement (--time): a probe on about 4 MB of rows gives its rate.
    simdot.useKernel('js');
    const rowBytes = o.dim * bytesPer;
    const probeRows = Math.min(rows, Math.max(1, Math.floor(4e6 / rowBytes)));
    const probe = matrix.subarray(0, probeRows * o.dim);
    search(probe);
    const t0 = performance.now();
    search(probe);
    const estimate = ((performance.now() - t0) * rows) / probeRows;
    const target = (o.seconds * 1000) / 4;
    const jsRows = estimate <= o.seconds * 1000 ? rows : Math.min(rows, Math.max(probeRows, Math.floor((rows * target) / estimate)));
    const sub = matrix.subarray(0, jsRows * o.dim);
    const { ms, samples } = measure(() => search(sub), label('js', jsRows), o.seconds, progress);
    const js = row('js', 'tier', ms, samples, jsRows);
    const hits = search(sub);
    if (referenceTier) {
      simdot.useKernel(referenceTier);
      js.sameTopK = differences(jsRows === rows ? reference! : search(sub), hits) === 0;
    } else if (jsRows === rows) {
      reference = hits;
    }
    results.push(js);
    if (jsRows < rows) {
      notes.push(
        `js: timed on the first ${count(jsRows)} of the ${count(rows)} rows (one search of them all would take about ${fmt(estimate / 1000)} s); its ms per query is scaled to all rows`,
      );
    }
    if (o.threads > 1) notes.push('js: one thread whatever --threads says (the TypeScript kernels run on the calling thread)');
  } finally {
    simdot.useKernel(info.requested ?? info.supported[0]!);
  }

  // Peers.
  let peers: BenchReport['peers'];
  if (o.peers) {
    peers = {};
    const found: Peer[] = [];
    for (const name of PEERS) {
      const p = findPeer(name);
      if ('error' in p) peers[name] = { error: p.error };
      else {
        peers[name] = { version: p.version, from: p.from };
        found.push(p);
      }
    }
    if (found.length === 0) {
      notes.push(
        `peers: none of ${PEERS.join(', ')} is installed here or in simdot's bench/ folder (install them in this directory, e.g. npm install usearch simsimd hnswlib-node, then run simdot bench --peers from it)`,
      );
    }
    for (const p of found) {
      try {
        results.push(...(await runPeer(p, matrix, queries, o, rows, reference, progress, notes, skipped)));
      } catch (err) {
        skipped.push({ name: `${p.name} ${p.version}`, reason: `it failed: ${firstLine(err)}` });
      }
    }
  }

  // The reference goes after the tiers it is a reference for, before the peers.
  const at = results.findIndex((r) => r.kind === 'reference');
  if (at >= 0) results.splice(results.filter((r) => r.kind === 'tier').length, 0, ...results.splice(at, 1));
  const plain = results.find((r) => r.kind === 'reference');
  const js = results.find((r) => r.name === 'js');
  for (const r of results) {
    if (plain) r.xPlainRead = r.gbps / plain.gbps;
    if (js) r.xJs = r.gbps / js.gbps;
  }
  if (results.some((r) => r.sameTopK === false)) {
    notes.push(
      o.type === 'float32'
        ? 'float32 kernels add in different orders, so rows with nearly equal scores may rank differently; `simdot selftest` checks each result against the documented bound'
        : 'int8 scores are exact, so every tier must return the same rows: run `simdot selftest`, and report what it finds',
    );
  }
  if (info.cacheResidentBytes && bytes <= info.cacheResidentBytes) {
    notes.push(`the matrix (${bytesText(bytes)}) fits in half of the L3 cache: these are in-cache speeds, not memory bandwidth`);
  }
  // Other work on the machine takes memory bandwidth and cores from the measurements.
  const cores = os.cpus().length;
  if (process.platform !== 'win32' && load[0]! > cores / 2) {
    notes.push(`the machine was busy (load average ${load[0]!.toFixed(2)} on ${cores} cores at the start): the timings are lower and noisier than on an idle machine`);
  }
  if (o.batch > 1) notes.push(`topKBatch: each row is read once for all ${o.batch} queries, so its GB/s per query may exceed the plain read`);

  const report: BenchReport = {
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
      cores: os.cpus().length,
      memoryBytes: os.totalmem(),
      freeMemoryBytes: os.freemem(),
      platform: process.platform,
      arch: process.arch,
      node: process.version,
      loadAverage: load,
    },
    simdot: { version, kernel: info.kernel, supported: info.supported, native: info.native },
    config: { method, type: o.type, rows, dim: o.dim, bytes, k: o.k, batch: o.batch, threads: o.threads, secondsPerMeasurement: o.seconds, rowsSizedToMachine: o.rows === undefined },
    results,
    skipped,
    topKReference: reference ? (referenceTier ?? 'js') : null,
    notes,
    svg: o.svg,
  };
  if (info.binding) report.simdot.binding = info.binding;
  if (info.loadError) report.simdot.loadError = info.loadError;
  if (peers) report.peers = peers;
  fs.writeFileSync(o.svg, chart(report));
  return report;
}

async function runPeer(
  p: Peer,
  matrix: Matrix,
  queries: Matrix,
  o: BenchOptions,
  rows: number,
  reference: Hits | undefined,
  progress: Progress,
  notes: string[],
  skipped: { name: string; reason: string }[],
): Promise<BenchRow[]> {
  const dim = o.dim;
  const bytes = matrix.byteLength;
  const q0 = queries.slice(0, dim);
  const made = (name: string, ms: number, samples: number, threads: number, perCall: number, hits: Hits): BenchRow => ({
    name,
    kind: 'peer',
    gbps: bytes / ((ms / perCall) * 1e6),
    msPerQuery: ms / perCall,
    xPlainRead: null,
    xJs: null,
    rowsMeasured: rows,
    threads,
    samples,
    sameTopK: reference ? differences(perCall === 1 ? reference.slice(0, 1) : reference, hits) === 0 : null,
  });
  await new Promise((ok) => setImmediate(ok));
  if (p.name === 'usearch') {
    type Exact = (m: Matrix, q: Matrix, dim: number, k: number, metric: string, threads: number) => { keys: BigUint64Array };
    const exactSearch = (p.mod as { exactSearch: Exact }).exactSearch;
    // usearch refuses memory on a SharedArrayBuffer (and ignores byteOffset): it gets a copy.
    progress.update(`usearch: copying the matrix (it does not take SharedArrayBuffer memory)`, true);
    const copy = matrix.slice();
    const hitsOf = (q: Matrix): Hits => {
      const keys = exactSearch(copy, q, dim, o.k, 'ip', o.threads).keys;
      const nq = q.length / dim;
      return Array.from({ length: nq }, (_, i) => ({ indices: Array.from(keys.subarray(i * o.k, (i + 1) * o.k), Number).slice(0, Math.min(o.k, rows)) }));
    };
    const q = o.batch === 1 ? q0 : queries;
    const { ms, samples } = measure(() => hitsOf(q), `usearch ${p.version} exactSearch`, o.seconds, progress);
    return [made(`usearch ${p.version} exactSearch`, ms, samples, o.threads, o.batch, hitsOf(q))];
  }
  if (p.name === 'simsimd') {
    const dot = (p.mod as { dot: (a: Matrix, b: Matrix) => number }).dot;
    const { ms, samples } = measure(() => simsimdTopK(dot, q0, matrix, dim, o.k), `simsimd ${p.version} dot per row`, o.seconds, progress);
    if (o.batch > 1) notes.push('simsimd: one query at a time (it has no batch search)');
    return [made(`simsimd ${p.version} dot per row`, ms, samples, 1, 1, [simsimdTopK(dot, q0, matrix, dim, Math.min(o.k, rows))])];
  }
  // hnswlib-node: float32 only, and it copies every row into its own index first.
  if (o.type !== 'float32') {
    skipped.push({ name: `hnswlib-node ${p.version}`, reason: 'float32 only (run with --type float32)' });
    return [];
  }
  type Brute = new (space: string, dim: number) => {
    initIndex(n: number): void;
    addPoint(v: number[], label: number): void;
    searchKnn(q: number[], k: number): { neighbors: number[] };
  };
  const index = new (p.mod as { BruteforceSearch: Brute }).BruteforceSearch('ip', dim);
  index.initIndex(rows);
  const started = performance.now();
  const v = new Array<number>(dim);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < dim; j++) v[j] = matrix[i * dim + j]!;
    index.addPoint(v, i);
    if ((i & 1023) === 0) progress.update(`hnswlib-node: adding rows to its index, ${count(i)} of ${count(rows)}`);
  }
  notes.push(`hnswlib-node: adding the rows to its index took ${fmt((performance.now() - started) / 1000)} s (not timed in the table)`);
  const qa = Array.from(q0);
  const k = Math.min(o.k, rows);
  const { ms, samples } = measure(() => index.searchKnn(qa, k), `hnswlib-node ${p.version} BruteforceSearch`, o.seconds, progress);
  if (o.batch > 1) notes.push('hnswlib-node: one query at a time (it has no batch search)');
  return [made(`hnswlib-node ${p.version} BruteforceSearch`, ms, samples, 1, 1, [{ indices: index.searchKnn(qa, k).neighbors }])];
}

// ------------------------------------------------------------------------------------------------
// Output

export function describeConfig(r: BenchReport): string {
  const c = r.config;
  const what = c.method === 'topK' ? `topK (k ${c.k})` : `topKBatch of ${c.batch} queries (k ${c.k}, per query)`;
  return `${what}, ${c.type}, ${count(c.rows)} x ${c.dim} (${bytesText(c.bytes)}), ${c.threads} thread${c.threads === 1 ? '' : 's'}`;
}

export function table(r: BenchReport): string {
  const head = ['method', 'GB/s', 'ms per query', 'x plain read', 'x js', 'same top-k'];
  const body = r.results.map((x) => [
    x.name + (x.rowsMeasured < r.config.rows ? ' *' : '') + (x.threads !== r.config.threads ? ` (${x.threads} thread)` : ''),
    fmt(x.gbps),
    fmt(x.msPerQuery, 3),
    ratio(x.xPlainRead),
    ratio(x.xJs),
    x.name === r.topKReference ? '(reference)' : x.sameTopK === null ? '' : x.sameTopK ? 'yes' : 'differs',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

export function text(r: BenchReport): string {
  const out: string[] = [];
  out.push(`simdot bench: ${describeConfig(r)}`);
  out.push(`${r.machine.cpu}, ${r.machine.cores} cores, ${fmt(r.machine.memoryBytes / 2 ** 30, 0)} GiB; Node ${r.machine.node}; simdot ${r.simdot.version}${r.simdot.native ? '' : ' (no native binary)'}`);
  if (r.config.rowsSizedToMachine) out.push(`rows: sized to this machine (a quarter of the free memory, at most ${count(DEFAULT_ROWS_CAP)}); --rows sets them`);
  out.push('');
  out.push(table(r));
  out.push('');
  if (r.results.some((x) => x.rowsMeasured < r.config.rows)) out.push('* timed on a subsample of the rows (see below)');
  for (const s of r.skipped) out.push(`not measured: ${s.name}: ${s.reason}`);
  if (r.peers) {
    for (const [name, p] of Object.entries(r.peers)) out.push(`peer ${name}: ${'error' in p ? p.error : `${p.version} (from ${p.from})`}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push(`GB/s: bytes of matrix scanned per second (1 GB = 1e9 bytes); ms per query: median; "same top-k": the rows ${r.topKReference ?? 'the reference'} returned`);
  out.push(`chart: ${r.svg}`);
  return out.join('\n') + '\n';
}

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A horizontal bar chart of GB/s per method, the plain read drawn as a reference line. */
export function chart(r: BenchReport): string {
  const bars = r.results.filter((x) => x.kind !== 'reference');
  const plain = r.results.find((x) => x.kind === 'reference');
  const title = `simdot bench: ${describeConfig(r)}`;
  const subtitle = `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}. GB/s of rows scanned per query, higher is better`;
  const names = bars.map((b) => b.name + (b.rowsMeasured < r.config.rows ? ' *' : ''));
  // Text widths estimated from character counts: an SVG file cannot measure its own text.
  const left = Math.max(120, ...names.map((n) => n.length * 7.4 + 24));
  const barArea = 440;
  const width = Math.ceil(Math.max(left + barArea + 80, title.length * 9 + 32, subtitle.length * 7 + 32));
  const top = 70;
  const step = 30;
  const bottom = top + bars.length * step;
  const height = bottom + 62;
  const max = Math.max(...bars.map((b) => b.gbps), plain?.gbps ?? 0) * 1.05 || 1;
  const x = (v: number): number => left + (barArea * v) / max;
  const colors = { tier: '#2f6fb3', js: '#9ec5e8', peer: '#9aa5b1' };
  const color = (b: BenchRow): string => (b.kind === 'peer' ? colors.peer : b.name === 'js' ? colors.js : colors.tier);
  // Labels drawn over the reference line keep a white outline, so both stay readable.
  const halo = 'stroke="#ffffff" stroke-width="4" paint-order="stroke"';
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="13">`);
  parts.push(`<title>${xml(title)}</title>`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="16" y="26" font-size="16" font-weight="600">${xml(title)}</text>`);
  parts.push(`<text x="16" y="46" fill="#52606d">${xml(subtitle)}</text>`);
  if (plain) {
    const px = x(plain.gbps).toFixed(1);
    parts.push(`<line x1="${px}" y1="${top - 8}" x2="${px}" y2="${bottom + 4}" stroke="#c53030" stroke-width="2" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${px}" y="${bottom + 20}" text-anchor="middle" fill="#c53030">${xml(`plain read ${fmt(plain.gbps)} GB/s`)}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * step;
    const w = Math.max(1, x(b.gbps) - left);
    parts.push(`<text x="${(left - 10).toFixed(1)}" y="${y + 16}" text-anchor="end">${xml(names[i]!)}</text>`);
    parts.push(`<rect x="${left.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${step - 10}" fill="${color(b)}"/>`);
    parts.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + 16}" ${halo}>${xml(fmt(b.gbps))}</text>`);
  });
  parts.push(`<line x1="${left.toFixed(1)}" y1="${top - 8}" x2="${left.toFixed(1)}" y2="${bottom + 4}" stroke="#52606d"/>`);
  const legend: [string, string][] = [[colors.tier, 'simdot native tier'], [colors.js, 'simdot js tier (TypeScript)']];
  if (bars.some((b) => b.kind === 'peer')) legend.push([colors.peer, 'other library']);
  let lx = 16;
  for (const [c, label] of legend) {
    parts.push(`<rect x="${lx}" y="${height - 27}" width="11" height="11" fill="${c}"/>`);
    parts.push(`<text x="${lx + 16}" y="${height - 17}" font-size="12">${xml(label)}</text>`);
    lx += 16 + label.length * 6.6 + 18;
  }
  if (r.results.some((b) => b.rowsMeasured < r.config.rows)) {
    parts.push(`<text x="${lx}" y="${height - 17}" fill="#52606d" font-size="12">* timed on a subsample of the rows</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
