// Index: an exact in-memory vector index over the public search functions. Float embeddings go
// in; rows are kept as float32, as int8 codes with a scale per row, or as sign bits (binary), on
// SharedArrayBuffers; searches run natively and come back as similarities (or distances) under
// the user's keys.
//
// Layout. Rows live in chunks of at most CHUNK_BYTES of row data, each a growable
// SharedArrayBuffer that grows as rows are added and never moves or shrinks, so a search in
// flight (topKAsync, another worker) always reads valid memory. Beside the rows, per chunk, on
// SharedArrayBuffers too: the keys (float64), a live bitset (a removed row's bit is cleared; rows
// are never moved, so a removal is one bit), and, as the metric and precision need them, the
// row factors (int8: float32, one per row) and the negated squared norms (l2: float64, one per
// row, the offsets of the native affine score as they are).
// Searching is one native call per chunk (a chunk is up to 1 GiB: one or two for a million
// 1536-d rows), merged by score, ties by the lower row.
//
// int8 rows are quantized with a scale per row (the row's largest magnitude maps to 127) and
// stand for f_i c_i with a self-exact factor f_i (selfExactFactor), and are ranked by the affine
// score f_q * f_i * dot(codes) (rowFactor = the row factors, queryFactor = the query's) in native
// code: ranking by the raw integer dot product would weigh rows by their scales. See the README
// for the measurements behind this choice.
//
// Binary rows are one bit per element (x > 0), packed as binarize() packs them, searched by
// Hamming distance to the query's signs; the rescore * k nearest are then scored in float
// against the originals (exact), else the int8 codes (keepInt8), else the row's signs times its
// mean magnitude (the least-squares fit c * sign(x) of x). A Hamming distance is no score in the
// metric's units, so binary candidates are always scored in float.
// index.ts imports this module for its exports; the search functions are looked up on `api`
// when a search runs, long after both modules have loaded.
import * as api from './index.js';
import { code, maxAbsScale, normalizeRow } from './quantize.js';
import { openStore, writeStore, type StoreArray, type StoreReader } from './store.js';
import { bufferOf, byteOffsetOf, describe, lengthOf, positiveInteger, readOptions, tagOf, MAX_THREADS } from './validate.js';

export type Metric = 'cosine' | 'dot' | 'l2';
export type Precision = 'float32' | 'int8' | 'binary';

export interface IndexOptions {
  /** Elements per vector. */
  dim: number;
  /** 'cosine' (vectors are L2-normalized on the way in; the default), 'dot', or 'l2' (squared Euclidean distance). */
  metric?: Metric;
  /**
   * 'int8' (1 byte per element, the default), 'float32' (4 bytes, exact), or 'binary' (1 bit per
   * element, the sign: searched by Hamming distance, the candidates rescored in float).
   */
  precision?: Precision;
  /**
   * int8 and binary: also keep the float32 vectors (4 bytes per element more), so that rescoring
   * is exact. Default false.
   */
  keepOriginals?: boolean;
  /**
   * binary only: also keep int8 codes (1 byte per element more) and rescore against them when no
   * originals are kept. Default false: rescoring then uses the bits as +-1 times a scale per row.
   */
  keepInt8?: boolean;
  /**
   * Rows per storage chunk, a multiple of 64 (default: as many as fit in 1 GiB of row data). A
   * search makes one native call per chunk; smaller chunks only add calls.
   */
  chunkRows?: number;
}

export interface IndexSearchOptions {
  /** Threads for each native search; default chosen from the work size. Results never depend on it. */
  threads?: number;
  /** Only rows with these keys are eligible. */
  filter?: Iterable<number>;
  /**
   * int8: take the `rescore * k` best rows by their int8 scores, score them again in float
   * (against the float32 originals when the index keeps them, else the float query against the
   * int8 rows) and keep the best k. A positive integer, or 0 / false for int8 scores as they are.
   * Default 4. binary: the `rescore * k` rows nearest by Hamming distance are always scored in
   * float (against the originals, else the int8 codes, else the bits as +-1); default 10, and 0 /
   * false means k.
   */
  rescore?: number | false;
}

export interface IndexLoadOptions {
  /**
   * Where the float32 originals of an index saved with keepOriginals go: 'memory' (the default:
   * read in, as they were), 'file' (left in the file: rescoring reads just the candidate rows
   * from it, so the file stays open until close()), or 'none' (not read: rescoring uses the int8
   * rows, and the index no longer keeps originals).
   */
  originals?: 'memory' | 'file' | 'none';
}

export interface IndexSearchResult {
  /** The keys of the best rows, best first. */
  keys: Float64Array;
  /**
   * Their scores in the metric's units: cosine similarity or dot product (higher first), or
   * squared L2 distance (lower first).
   */
  scores: Float64Array;
}

export interface IndexMemoryUsage {
  /** Bytes of row data: int8 codes, float32 vectors, or bits (binary; and its int8 codes with keepInt8). */
  rows: number;
  /** Bytes of per-row scales, norms, keys and live bits. */
  perRow: number;
  /** Bytes of float32 originals (keepOriginals). */
  originals: number;
  /** An estimate of the key -> row map on the JavaScript heap. */
  keyMap: number;
  /** The sum of the above. */
  total: number;
}

/** What share() hands to another thread: shared memory only, nothing copied. */
export interface SharedIndex {
  options: Required<Omit<IndexOptions, 'chunkRows'>>;
  chunkRows: number;
  chunks: SharedChunk[];
}

/** One chunk of a shared index: its SharedArrayBuffers and its row count at share(). */
export interface SharedChunk extends ChunkBuffers {
  rows: number;
}

/** A chunk's memory: growable SharedArrayBuffers, each with one entry per row. */
export interface ChunkBuffers {
  /** The rows searched: int8 codes, float32 values, or packed bits (binary). */
  data: SharedArrayBuffer;
  keys: SharedArrayBuffer;
  live: SharedArrayBuffer;
  /** float32: the factor of a row's int8 codes, the row being about factor * codes (int8, and binary with keepInt8). */
  scale: SharedArrayBuffer | undefined;
  /** float32, binary: the row's mean magnitude, so that the row is about bitScale * (+-1). */
  bitScale: SharedArrayBuffer | undefined;
  /** binary with keepInt8: the int8 codes. */
  codes: SharedArrayBuffer | undefined;
  /** float64, l2: minus the squared norm of the row (the offsets of the affine search). */
  negNorm: SharedArrayBuffer | undefined;
  originals: SharedArrayBuffer | undefined;
}

/** Most row data one chunk holds: below every Node.js version's limit for one SharedArrayBuffer. */
const CHUNK_BYTES = 2 ** 30;
/**
 * A chunk's memory grows in steps of about 1 MiB of rows: a growable SharedArrayBuffer grows in
 * place (its address space is reserved up front), so small steps cost no copies, and an index
 * holds at most one step more than its rows.
 */
const GROW_BYTES = 2 ** 20;
const DEFAULT_RESCORE = 4;
const DEFAULT_BINARY_RESCORE = 10;
/** Rows one index holds: its key -> row map is a JavaScript Map, which holds at most 2^24 entries. */
export const MAX_INDEX_ROWS = 2 ** 24;
const METRICS: readonly Metric[] = ['cosine', 'dot', 'l2'];
const PRECISIONS: readonly Precision[] = ['float32', 'int8', 'binary'];

/**
 * The factor f that a row's int8 codes c are scaled by, x ~ f c: f = x.x / x.c ("self-exact"),
 * so that x . (f c) = x . x. A query near the row then has no error along the row itself, only
 * across it; against f = max|x| / 127 (the code scale) this raised recall@10 after rescoring
 * from 0.984 to 0.988 on GloVe (cosine) and from 0.994 to 0.997 on MiniLM, at no cost (see
 * bench/embeddings/README.md). x.c > 0 for any non-zero row (its largest element codes to
 * +-127); an all-zero row keeps the code scale.
 */
function selfExactFactor(xx: number, xc: number, codeScale: number): number {
  return xc > 0 ? xx / xc : codeScale;
}

/** Bytes of one searched row. */
function rowBytesOf(precision: Precision, dim: number): number {
  return precision === 'int8' ? dim : precision === 'float32' ? 4 * dim : Math.ceil(dim / 8);
}

function growable(bytes: number, max: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes, { maxByteLength: Math.max(bytes, max) });
}

/** Grows `buffer` to hold at least `bytes`: doubling, within its maximum. */
function ensure(buffer: SharedArrayBuffer, bytes: number): void {
  if (buffer.byteLength < bytes) buffer.grow(bytes);
}

class Chunk {
  rows = 0;
  removed = 0;
  // Fixed-length views of the buffers as they are now, made again whenever they grow: V8 reads
  // and writes an element of a length-tracking view of a growable buffer ten times slower.
  codes: Int8Array | undefined;
  floats: Float32Array | undefined;
  bits: Uint8Array | undefined;
  keyView!: Float64Array;
  liveView!: Uint8Array;
  scaleView: Float32Array | undefined;
  bitScaleView: Float32Array | undefined;
  negNormView: Float64Array | undefined;
  originalView: Float32Array | undefined;
  constructor(
    readonly capacity: number,
    readonly precision: Precision,
    readonly b: ChunkBuffers,
  ) {
    this.refresh();
  }

  refresh(): void {
    const view = <T>(make: new (b: SharedArrayBuffer, o: number, n: number) => T, b: SharedArrayBuffer, size: number) =>
      new make(b, 0, Math.floor(b.byteLength / size));
    const b = this.b;
    this.codes = this.precision === 'int8' ? view(Int8Array, b.data, 1) : b.codes && view(Int8Array, b.codes, 1);
    this.floats = this.precision === 'float32' ? view(Float32Array, b.data, 4) : undefined;
    this.bits = this.precision === 'binary' ? view(Uint8Array, b.data, 1) : undefined;
    this.keyView = view(Float64Array, b.keys, 8);
    this.liveView = view(Uint8Array, b.live, 1);
    this.scaleView = b.scale && view(Float32Array, b.scale, 4);
    this.bitScaleView = b.bitScale && view(Float32Array, b.bitScale, 4);
    this.negNormView = b.negNorm && view(Float64Array, b.negNorm, 8);
    this.originalView = b.originals && view(Float32Array, b.originals, 4);
  }

  isLive(at: number): boolean {
    return ((this.liveView[at >> 3]! >> (at & 7)) & 1) === 1;
  }
}

interface Candidate {
  row: number; // global row: chunk * chunkRows + row in the chunk
  score: number; // higher is better (l2: the negated distance)
}

function better(a: Candidate, b: Candidate): number {
  const [na, nb] = [Number.isNaN(a.score), Number.isNaN(b.score)];
  if (na !== nb) return na ? 1 : -1;
  if (!na && a.score !== b.score) return b.score - a.score;
  return a.row - b.row;
}

export class Index {
  readonly dim: number;
  readonly metric: Metric;
  readonly precision: Precision;
  readonly keepOriginals: boolean;
  /** binary: also int8 codes. */
  readonly keepInt8: boolean;
  /** Rows per chunk: a multiple of 64, so each chunk's filter bits start on a whole word. */
  readonly #chunkRows: number;
  readonly #chunks: Chunk[] = [];
  /** A read-only view of another thread's index (fromShared). */
  #view = false;
  #keyToRow: Map<number, number> | undefined;
  #scratch: Float32Array | undefined;
  #nextKey = 0;
  #size = 0;

  constructor(options: IndexOptions) {
    const o = readOptions('Index', options, ['dim', 'metric', 'precision', 'keepOriginals', 'keepInt8', 'chunkRows']) as Record<string, unknown>;
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new TypeError(`Index: expected options to be an object with dim, received ${describe(options)}`);
    }
    this.dim = positiveInteger('Index', 'options.dim', o['dim'], 131071);
    this.metric = choice('options.metric', o['metric'], METRICS, 'cosine');
    this.precision = choice('options.precision', o['precision'], PRECISIONS, 'int8');
    const keep = o['keepOriginals'] ?? false;
    if (typeof keep !== 'boolean') throw new TypeError(`Index: expected options.keepOriginals to be a boolean, received ${describe(keep)}`);
    this.keepOriginals = keep;
    const int8 = o['keepInt8'] ?? false;
    if (typeof int8 !== 'boolean') throw new TypeError(`Index: expected options.keepInt8 to be a boolean, received ${describe(int8)}`);
    if (int8 && this.precision !== 'binary') {
      throw new RangeError(`Index: options.keepInt8 is for precision 'binary' (an ${this.precision} index has its own rows), received true`);
    }
    this.keepInt8 = int8;
    // A chunk's rows are bounded by its largest per-row buffer: the rows searched, and for binary
    // the int8 codes or the originals, sized as an int8 index's (4 GiB of originals at most).
    const rowBytes = Math.max(rowBytesOf(this.precision, this.dim), int8 || keep ? this.dim : 0);
    const most = Math.max(64, Math.min(MAX_INDEX_ROWS, Math.floor(CHUNK_BYTES / rowBytes / 64) * 64));
    const rows = o['chunkRows'];
    if (rows === undefined) {
      this.#chunkRows = most;
    } else {
      this.#chunkRows = positiveInteger('Index', 'options.chunkRows', rows, most);
      if (this.#chunkRows % 64 !== 0) {
        throw new RangeError(`Index: expected options.chunkRows to be a multiple of 64, received ${this.#chunkRows}`);
      }
    }
  }

  /** Live rows (added and not removed). */
  get size(): number {
    // A view's rows are removed by another thread: counted from the shared live bits.
    if (this.#view) this.#recount();
    return this.#size;
  }

  /**
   * Adds rows: `vectors` holds n vectors of dim float32 values; `keys`, if given, n distinct
   * integers not in the index yet (default: 0, 1, 2, ... counting on from the largest key so
   * far). Nothing is added if anything is wrong. Returns the keys of the rows added.
   */
  add(vectors: Float32Array, keys?: ArrayLike<number>): Float64Array {
    this.#writable('add');
    if (this.#originalsFile) {
      throw new TypeError(`Index.add: this index reads its originals from ${this.#originalsFile.path}; load it with originals 'memory' to add rows`);
    }
    const n = this.#vectorCount('add', 'vectors', vectors);
    const length = n * this.dim;
    for (let i = 0; i < length; i++) {
      const x = vectors[i]!;
      if (x - x !== 0) {
        const row = Math.floor(i / this.dim);
        throw new RangeError(`Index.add: expected finite values in vectors, received ${String(x)} in row ${row} at element ${i - row * this.dim}`);
      }
    }
    const map = this.#map();
    if (map.size + n > MAX_INDEX_ROWS) {
      throw new RangeError(`Index.add: ${n} rows would make ${map.size + n}, past the limit of ${MAX_INDEX_ROWS} rows per index; use several indexes`);
    }
    const newKeys = this.#newKeys(n, keys);
    const dim = this.dim;
    // The caller's rows, read through the intrinsic getters (validate.ts): a view of our own.
    const source = new Float32Array(bufferOf(vectors), byteOffsetOf(vectors), length);
    const row = new Float32Array(dim);
    const rowCodes = new Int8Array(dim);
    const bytesPerRow = Math.ceil(dim / 8);
    const rowBits = new Uint8Array(bytesPerRow);
    for (let r = 0; r < n; r++) {
      let chunk = this.#chunks[this.#chunks.length - 1];
      if (!chunk || chunk.rows === chunk.capacity) chunk = this.#newChunk();
      const at = chunk.rows;
      this.#grow(chunk, at + 1);
      row.set(source.subarray(r * dim, (r + 1) * dim));
      if (this.metric === 'cosine') normalizeRow(row, 0, dim);
      chunk.originalView?.set(row, at * dim);
      if (chunk.codes) {
        const scale = maxAbsScale(row, 0, dim);
        const inverse = 1 / scale;
        let xc = 0;
        let xx = 0;
        for (let i = 0; i < dim; i++) {
          // code() of quantize.ts, inline: this loop is most of the time add() takes.
          const x = row[i]!;
          let v = x * inverse;
          v = v > 127 ? 127 : v < -127 ? -127 : v;
          const c = (v + (v < 0 ? -0.5 : 0.5)) | 0; // halves away from zero
          rowCodes[i] = c;
          xc += x * c;
          xx += x * x;
        }
        chunk.codes.set(rowCodes, at * dim);
        chunk.scaleView![at] = selfExactFactor(xx, xc, scale);
        // l2 ranks by 2 q.(f c) - |x|^2 with the row's exact norm: with the self-exact factor a
        // query q = x + d scores |x|^2 + 2 d.x - 2 d.(x - f c), so the error is proportional to
        // d, small for near neighbours, and a stored row is at distance 0 from itself.
        if (chunk.negNormView) chunk.negNormView[at] = -xx;
      }
      if (chunk.floats) {
        chunk.floats.set(row, at * dim);
        if (chunk.negNormView) {
          let sum = 0;
          for (let i = 0; i < dim; i++) sum += row[i]! * row[i]!;
          chunk.negNormView[at] = -sum;
        }
      }
      if (chunk.bits) {
        // The signs, packed as binarize() packs them; and the mean magnitude, so that rescoring
        // against the bits alone scores the row as bitScale * (+-1).
        const base = at * bytesPerRow;
        let magnitude = 0;
        rowBits.fill(0);
        for (let i = 0; i < dim; i++) {
          const v = row[i]!;
          if (v > 0) rowBits[i >> 3] = rowBits[i >> 3]! | (0x80 >> (i & 7));
          magnitude += v < 0 ? -v : v;
        }
        chunk.bits.set(rowBits, base);
        chunk.bitScaleView![at] = magnitude / dim;
      }
      chunk.keyView[at] = newKeys[r]!;
      chunk.liveView[at >> 3] = chunk.liveView[at >> 3]! | (1 << (at & 7));
      map.set(newKeys[r]!, (this.#chunks.length - 1) * this.#chunkRows + at);
      // Counted last: a search that sees the row sees all of it.
      chunk.rows = at + 1;
      this.#size++;
    }
    return newKeys;
  }

  /** Removes the rows with these keys; keys not in the index are ignored. Returns how many were removed. */
  remove(keys: Iterable<number>): number {
    this.#writable('remove');
    const rows = this.#rowsOf('Index.remove', 'keys', keys);
    const map = this.#map();
    let removed = 0;
    for (const [key, global] of rows) {
      const chunk = this.#chunks[Math.floor(global / this.#chunkRows)]!;
      const at = global % this.#chunkRows;
      chunk.liveView[at >> 3] = chunk.liveView[at >> 3]! & ~(1 << (at & 7));
      chunk.removed++;
      map.delete(key);
      removed++;
    }
    this.#size -= removed;
    return removed;
  }

  /** Whether a row with this key is in the index. */
  has(key: number): boolean {
    return this.#map().has(key);
  }

  /** The memory the index holds, in bytes. */
  memoryUsage(): IndexMemoryUsage {
    let rows = 0;
    let perRow = 0;
    let originals = 0;
    for (const { b } of this.#chunks) {
      rows += b.data.byteLength + (b.codes?.byteLength ?? 0);
      perRow += b.keys.byteLength + b.live.byteLength + (b.scale?.byteLength ?? 0) + (b.bitScale?.byteLength ?? 0) + (b.negNorm?.byteLength ?? 0);
      originals += b.originals?.byteLength ?? 0;
    }
    // V8's Map: about 28 bytes per entry with small-integer keys, more for larger keys; an estimate.
    const keyMap = (this.#keyToRow?.size ?? 0) * 28;
    return { rows, perRow, originals, keyMap, total: rows + perRow + originals + keyMap };
  }

  /** The k best rows for `query` (dim float32 values), best first. */
  search(query: Float32Array, k: number, options?: IndexSearchOptions): IndexSearchResult {
    return this.#search('Index.search', query, 1, k, options, false) as IndexSearchResult;
  }

  /** search() off the event loop, with identical results. */
  async searchAsync(query: Float32Array, k: number, options?: IndexSearchOptions): Promise<IndexSearchResult> {
    return (await this.#search('Index.searchAsync', query, 1, k, options, true)) as IndexSearchResult;
  }

  /** One search per query of `queries` (rows of dim float32 values), in one pass over the rows. */
  searchBatch(queries: Float32Array, k: number, options?: IndexSearchOptions): IndexSearchResult[] {
    return this.#search('Index.searchBatch', queries, 0, k, options, false) as IndexSearchResult[];
  }

  /** searchBatch() off the event loop, with identical results. */
  async searchBatchAsync(queries: Float32Array, k: number, options?: IndexSearchOptions): Promise<IndexSearchResult[]> {
    return (await this.#search('Index.searchBatchAsync', queries, 0, k, options, true)) as IndexSearchResult[];
  }

  /**
   * A handle for another thread (postMessage it to a worker, then Index.fromShared there): the
   * same memory, nothing copied. The worker's index is read-only; it sees the rows present when
   * share() was called, and removals made later (they clear a shared bit), not rows added later.
   */
  share(): SharedIndex {
    return {
      options: { dim: this.dim, metric: this.metric, precision: this.precision, keepOriginals: this.keepOriginals, keepInt8: this.keepInt8 },
      chunkRows: this.#chunkRows,
      chunks: this.#chunks.map((c) => ({ rows: c.rows, ...c.b })),
    };
  }

  /** A read-only index over the memory of another thread's index (see share()). */
  static fromShared(shared: SharedIndex): Index {
    if (typeof shared !== 'object' || shared === null || !Array.isArray((shared as SharedIndex).chunks)) {
      throw new TypeError(`Index.fromShared: expected what Index.share() returns, received ${describe(shared)}`);
    }
    const index = new Index({ ...shared.options, chunkRows: shared.chunkRows });
    index.#view = true;
    for (const c of shared.chunks) {
      const { rows, ...buffers } = c;
      const chunk = new Chunk(shared.chunkRows, index.precision, buffers);
      chunk.rows = rows;
      index.#chunks.push(chunk);
    }
    index.#recount();
    return index;
  }

  /**
   * Writes the index to `path` (see README, "The index file"): the live rows only, in order, with
   * their keys, scales, norms and originals, each array checksummed. The file is written under a
   * temporary name and renamed over `path` when complete, so `path` never holds half a file.
   * Rows added or removed while the promise is pending may or may not be in the file.
   */
  async save(path: string): Promise<void> {
    const meta = {
      format: 'simdot-index',
      version: 1,
      dim: this.dim,
      metric: this.metric,
      precision: this.precision,
      keepOriginals: this.keepOriginals,
      keepInt8: this.keepInt8,
      rows: this.size,
      nextKey: this.#nextKey,
    };
    const dim = this.dim;
    const arrays: StoreArray[] = [{ name: 'keys', type: 'float64', chunks: this.#liveRuns((c) => c.keyView, 1) }];
    if (this.precision === 'int8') arrays.push({ name: 'rows', type: 'int8', chunks: this.#liveRuns((c) => c.codes!, dim) });
    if (this.precision === 'float32') arrays.push({ name: 'rows', type: 'float32', chunks: this.#liveRuns((c) => c.floats!, dim) });
    if (this.precision === 'binary') {
      arrays.push({ name: 'rows', type: 'uint8', chunks: this.#liveRuns((c) => c.bits!, Math.ceil(dim / 8)) });
      arrays.push({ name: 'bitScales', type: 'float32', chunks: this.#liveRuns((c) => c.bitScaleView!, 1) });
      if (this.keepInt8) arrays.push({ name: 'codes', type: 'int8', chunks: this.#liveRuns((c) => c.codes!, dim) });
    }
    if (this.precision === 'int8' || this.keepInt8) arrays.push({ name: 'scales', type: 'float32', chunks: this.#liveRuns((c) => c.scaleView!, 1) });
    if (this.#hasNorms()) arrays.push({ name: 'negNorms', type: 'float64', chunks: this.#liveRuns((c) => c.negNormView!, 1) });
    if (this.keepOriginals) {
      if (this.#originalsFile) {
        throw new TypeError(`Index.save: this index reads its originals from ${this.#originalsFile.path}; load it with originals 'memory' to save it again`);
      }
      arrays.push({ name: 'originals', type: 'float32', chunks: this.#liveRuns((c) => c.originalView!, dim) });
    }
    await writeStore(path, meta, arrays);
  }

  /** Reads an index that save() wrote. A truncated or corrupt file is an Error with a code; nothing half-read is returned. */
  static async load(path: string, options?: IndexLoadOptions): Promise<Index> {
    const o = readOptions('Index.load', options, ['originals']) as Record<string, unknown> | undefined;
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`Index.load: expected options to be an object, received ${describe(options)}`);
    }
    const where = choice('options.originals', o?.['originals'], ['memory', 'file', 'none'] as const, 'memory', 'Index.load');
    const reader = await openStore(path);
    let keepOpen = false;
    try {
      const m = reader.meta;
      const corrupt = (what: string) =>
        Object.assign(new Error(`Index.load: ${reader.path} is not an index simdot can read: ${what}`), { code: 'ERR_SIMDOT_CORRUPT_FILE', path: reader.path });
      if (m['format'] !== 'simdot-index') throw corrupt(`its format is ${JSON.stringify(m['format'])}`);
      if (m['version'] !== 1) throw corrupt(`its version is ${JSON.stringify(m['version'])}`);
      const rows = m['rows'];
      if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0 || rows > MAX_INDEX_ROWS) throw corrupt(`rows is ${JSON.stringify(rows)}`);
      let index: Index;
      try {
        index = new Index({
          dim: m['dim'] as number,
          metric: m['metric'] as Metric,
          precision: m['precision'] as Precision,
          keepOriginals: m['keepOriginals'] === true && where !== 'none',
          keepInt8: m['keepInt8'] === true,
        });
      } catch (err) {
        throw corrupt((err as Error).message);
      }
      const dim = index.dim;
      const precision = index.precision;
      const bytes = Math.ceil(dim / 8);
      const expected: [string, string, number][] = [
        ['keys', 'float64', rows],
        precision === 'binary' ? ['rows', 'uint8', rows * bytes] : ['rows', precision, rows * dim],
      ];
      if (precision === 'binary') expected.push(['bitScales', 'float32', rows]);
      if (index.keepInt8) expected.push(['codes', 'int8', rows * dim]);
      if (precision === 'int8' || index.keepInt8) expected.push(['scales', 'float32', rows]);
      if (index.#hasNorms()) expected.push(['negNorms', 'float64', rows]);
      if (m['keepOriginals'] === true) expected.push(['originals', 'float32', rows * dim]);
      for (const [name, type, length] of expected) {
        const info = reader.arrays.get(name);
        if (!info || info.type !== type || info.length !== length) {
          throw corrupt(`array ${name} is ${info ? `${info.type} of ${info.length}` : 'missing'}, expected ${type} of ${length}`);
        }
      }
      // Chunks for every row, then each array streamed into them.
      const originalsInMemory = m['keepOriginals'] === true && where === 'memory';
      for (let left = rows; left > 0; ) {
        const chunk = index.#newChunk(originalsInMemory);
        const n = Math.min(left, chunk.capacity);
        index.#grow(chunk, n);
        chunk.rows = n;
        chunk.liveView.fill(0xff, 0, n >> 3);
        if (n & 7) chunk.liveView[n >> 3] = (1 << (n & 7)) - 1;
        left -= n;
      }
      const into = (view: (c: Chunk) => Int8Array | Uint8Array | Float32Array | Float64Array, per: number) => (start: number, count: number) => {
        const perChunk = index.#chunkRows * per;
        const c = Math.floor(start / perChunk);
        const at = start - c * perChunk;
        const target = view(index.#chunks[c]!);
        return target.subarray(at, at + Math.min(count, perChunk - at)) as never;
      };
      await reader.read('keys', into((c) => c.keyView, 1));
      if (precision === 'binary') {
        await reader.read('rows', into((c) => c.bits!, bytes));
        await reader.read('bitScales', into((c) => c.bitScaleView!, 1));
        if (index.keepInt8) await reader.read('codes', into((c) => c.codes!, dim));
      } else {
        await reader.read('rows', into((c) => (c.codes ?? c.floats)!, dim));
      }
      if (precision === 'int8' || index.keepInt8) await reader.read('scales', into((c) => c.scaleView!, 1));
      if (index.#hasNorms()) await reader.read('negNorms', into((c) => c.negNormView!, 1));
      if (m['keepOriginals'] === true && where === 'memory') await reader.read('originals', into((c) => c.originalView!, dim));
      const map = index.#map();
      if (map.size !== rows) throw corrupt(`its keys are not distinct (${rows - map.size} repeated)`);
      for (const key of map.keys()) if (!Number.isSafeInteger(key)) throw corrupt(`a key is ${key}`);
      const next = m['nextKey'];
      index.#nextKey = typeof next === 'number' && Number.isSafeInteger(next) ? next : 0;
      for (const key of map.keys()) if (key >= index.#nextKey) index.#nextKey = key + 1;
      index.#size = rows;
      if (m['keepOriginals'] === true && where === 'file') {
        index.#originalsFile = reader;
        index.#originalsFileRows = rows;
        keepOpen = true;
      }
      return index;
    } finally {
      if (!keepOpen) await reader.close();
    }
  }

  /** Closes the file an index loaded with originals 'file' reads them from (rescoring then uses the int8 rows). */
  async close(): Promise<void> {
    const file = this.#originalsFile;
    this.#originalsFile = undefined;
    await file?.close();
  }

  // --- internals ------------------------------------------------------------------------------

  /** The originals left in the file by load(path, { originals: 'file' }), for rows [0, #originalsFileRows). */
  #originalsFile: StoreReader | undefined;
  #originalsFileRows = 0;

  /**
   * Views of the live rows of every chunk, `per` elements a row, in order: whole chunks where
   * nothing was removed, else runs of live rows.
   */
  #liveRuns<T extends Int8Array | Uint8Array | Float32Array | Float64Array>(view: (c: Chunk) => T, per: number): T[] {
    const out: T[] = [];
    for (const c of this.#chunks) {
      const v = view(c);
      if (c.removed === 0) {
        if (c.rows > 0) out.push(v.subarray(0, c.rows * per) as T);
        continue;
      }
      for (let i = 0; i < c.rows; ) {
        if (!c.isLive(i)) {
          i++;
          continue;
        }
        let end = i + 1;
        while (end < c.rows && c.isLive(end)) end++;
        out.push(v.subarray(i * per, end * per) as T);
        i = end;
      }
    }
    return out;
  }


  #writable(fn: string): void {
    if (this.#view) {
      throw new TypeError(`Index.${fn}: this index is a read-only view of another thread's index (Index.fromShared)`);
    }
  }

  /** Live rows counted from the live bits (a shared view's removals happen elsewhere). */
  #recount(): void {
    let size = 0;
    for (const c of this.#chunks) {
      let n = 0;
      for (let i = 0; i < c.rows; i++) n += c.isLive(i) ? 1 : 0;
      c.removed = c.rows - n;
      size += n;
    }
    this.#size = size;
  }

  #vectorCount(fn: string, name: string, vectors: unknown): number {
    if (tagOf(vectors) !== 'Float32Array') {
      throw new TypeError(`Index.${fn}: expected ${name} to be a Float32Array, received ${describe(vectors)}`);
    }
    const length = lengthOf(vectors);
    if (length % this.dim !== 0) {
      throw new RangeError(`Index.${fn}: ${name} length ${length} is not a multiple of the index's dim ${this.dim}`);
    }
    return length / this.dim;
  }

  #newKeys(n: number, keys: ArrayLike<number> | undefined): Float64Array {
    const out = new Float64Array(n);
    if (keys === undefined) {
      for (let i = 0; i < n; i++) out[i] = this.#nextKey++;
      return out;
    }
    if (typeof keys !== 'object' || keys === null || typeof (keys as ArrayLike<number>).length !== 'number') {
      throw new TypeError(`Index.add: expected keys to be an array of integers, received ${describe(keys)}`);
    }
    if (keys.length !== n) {
      throw new RangeError(`Index.add: expected ${n} keys (one per vector), received ${keys.length}`);
    }
    const map = this.#map();
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      if (typeof key !== 'number' || !Number.isSafeInteger(key)) {
        throw new RangeError(`Index.add: expected keys to be safe integers, received ${describe(key)} at ${i}`);
      }
      if (map.has(key) || seen.has(key)) throw new RangeError(`Index.add: key ${key} is already in the index`);
      seen.add(key);
      out[i] = key;
    }
    for (const key of out) if (key >= this.#nextKey) this.#nextKey = key + 1;
    return out;
  }

  #map(): Map<number, number> {
    if (this.#keyToRow) return this.#keyToRow;
    const map = new Map<number, number>();
    this.#chunks.forEach((c, ci) => {
      for (let i = 0; i < c.rows; i++) if (c.isLive(i)) map.set(c.keyView[i]!, ci * this.#chunkRows + i);
    });
    this.#keyToRow = map;
    return map;
  }

  /** [key, global row] for each key of `keys` that is in the index (each once). */
  #rowsOf(fn: string, name: string, keys: unknown): [number, number][] {
    if (typeof keys !== 'object' || keys === null || typeof (keys as Iterable<number>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${fn}: expected ${name} to be an iterable of keys (an array, a Set...), received ${describe(keys)}`);
    }
    const map = this.#map();
    const rows = new Map<number, number>();
    for (const key of keys as Iterable<unknown>) {
      if (typeof key !== 'number') throw new TypeError(`${fn}: expected ${name} to hold numbers, received ${describe(key)}`);
      const row = map.get(key);
      if (row !== undefined) rows.set(key, row);
    }
    return [...rows];
  }

  /**
   * Whether rows keep their negated squared norms: l2, beside what the search or the rescoring
   * scores them as (int8 codes, or float32 rows); binary rows without codes work theirs out from
   * bitScale.
   */
  #hasNorms(): boolean {
    return this.metric === 'l2' && (this.precision !== 'binary' || this.keepInt8);
  }

  #newChunk(originals = this.keepOriginals): Chunk {
    const cap = this.#chunkRows;
    const dim = this.dim;
    const int8Codes = this.precision === 'int8' || this.keepInt8;
    const binary = this.precision === 'binary';
    const chunk = new Chunk(cap, this.precision, {
      data: growable(0, cap * rowBytesOf(this.precision, dim)),
      keys: growable(0, cap * 8),
      live: growable(0, cap / 8),
      scale: int8Codes ? growable(0, cap * 4) : undefined,
      bitScale: binary ? growable(0, cap * 4) : undefined,
      codes: binary && this.keepInt8 ? growable(0, cap * dim) : undefined,
      negNorm: this.#hasNorms() ? growable(0, cap * 8) : undefined,
      originals: this.precision !== 'float32' && originals ? growable(0, cap * dim * 4) : undefined,
    });
    this.#chunks.push(chunk);
    return chunk;
  }

  #grow(chunk: Chunk, rows: number): void {
    const b = chunk.b;
    if (b.keys.byteLength >= rows * 8) return;
    const rowBytes = rowBytesOf(this.precision, this.dim);
    const step = Math.max(64, Math.ceil(GROW_BYTES / Math.max(rowBytes, this.dim) / 64) * 64);
    const target = Math.min(chunk.capacity, Math.ceil(rows / step) * step);
    ensure(b.data, target * rowBytes);
    ensure(b.keys, target * 8);
    ensure(b.live, Math.ceil(target / 8));
    if (b.scale) ensure(b.scale, target * 4);
    if (b.bitScale) ensure(b.bitScale, target * 4);
    if (b.codes) ensure(b.codes, target * this.dim);
    if (b.negNorm) ensure(b.negNorm, target * 8);
    if (b.originals) ensure(b.originals, target * this.dim * 4);
    chunk.refresh();
  }

  #search(
    fn: string,
    queries: unknown,
    single: 0 | 1,
    k: unknown,
    options: unknown,
    async: boolean,
  ): IndexSearchResult | IndexSearchResult[] | Promise<IndexSearchResult | IndexSearchResult[]> {
    const plan = this.#plan(fn, queries, single, k, options);
    // Every chunk's call is made now: an async search covers the rows present at this moment,
    // whatever is added while it runs.
    const calls = this.#chunks.map((_, c) => this.#chunkCall(plan, c));
    const candidates: Candidate[][] = plan.queries.map(() => []);
    if (async) {
      return (async () => {
        for (let c = 0; c < calls.length; c++) {
          const call = calls[c];
          if (call) this.#collect(c, await this.#batchAsync()(...call), candidates);
        }
        return this.#finish(plan, candidates);
      })();
    }
    calls.forEach((call, c) => {
      if (call) this.#collect(c, this.#batch()(...call), candidates);
    });
    return this.#finish(plan, candidates);
  }

  /** The search function of this index's rows: binary rows by Hamming distance. */
  #batch(): Batch {
    return (this.precision === 'binary' ? api.topKHammingBatch : api.topKBatch) as unknown as Batch;
  }

  #batchAsync(): BatchAsync {
    return (this.precision === 'binary' ? api.topKHammingBatchAsync : api.topKBatchAsync) as unknown as BatchAsync;
  }

  /** Everything a search needs, checked and prepared before any native call. */
  #plan(fn: string, queries: unknown, single: 0 | 1, k: unknown, options: unknown): Plan {
    const o = readOptions(fn, options, ['threads', 'filter', 'rescore']) as Record<string, unknown> | undefined;
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
      throw new TypeError(`${fn}: expected options to be an object, received ${describe(options)}`);
    }
    const name = single ? 'query' : 'queries';
    const nq = this.#vectorCount(fn.replace('Index.', ''), name, queries);
    if (single && nq !== 1) {
      throw new RangeError(`${fn}: expected query to have length ${this.dim} (the index's dim), received length ${nq * this.dim}`);
    }
    const kk = positiveInteger(fn, 'k', k);
    const threads = o?.['threads'] === undefined ? undefined : positiveInteger(fn, 'options.threads', o['threads'], MAX_THREADS);
    const binary = this.precision === 'binary';
    let rescore = this.precision === 'int8' ? DEFAULT_RESCORE : binary ? DEFAULT_BINARY_RESCORE : 0;
    const r = o?.['rescore'];
    if (r !== undefined) {
      if (r === false) rescore = 0;
      else if (typeof r !== 'number') throw new TypeError(`${fn}: expected options.rescore to be a non-negative integer or false, received ${describe(r)}`);
      else if (!Number.isInteger(r) || r < 0 || r > 1024) throw new RangeError(`${fn}: expected options.rescore to be an integer from 0 to 1024, received ${String(r)}`);
      else rescore = r;
    }
    if (this.precision === 'float32') rescore = 0;
    // Binary rows are always scored in float: a Hamming distance is not in the metric's units.
    if (binary && rescore === 0) rescore = 1;
    const filterKeys = o?.['filter'];
    const filtered = filterKeys !== undefined && filterKeys !== null;
    const eligible = filtered ? this.#rowsOf(fn, 'options.filter', filterKeys).map(([, row]) => row) : undefined;

    const dim = this.dim;
    const prepared: PreparedQuery[] = [];
    for (let j = 0; j < nq; j++) {
      // A copy through the intrinsic getters: the caller's query may change while a search runs.
      const q = new Float32Array(new Float32Array(bufferOf(queries), byteOffsetOf(queries) + j * dim * 4, dim));
      for (let i = 0; i < dim; i++) {
        if (q[i]! - q[i]! !== 0) throw new RangeError(`${fn}: expected finite values in ${name}, received ${String(q[i])} at element ${j * dim + i}`);
      }
      if (this.metric === 'cosine') normalizeRow(q, 0, dim);
      let norm = 0;
      for (let i = 0; i < dim; i++) norm += q[i]! * q[i]!;
      let scale = maxAbsScale(q, 0, dim);
      let codes: Int8Array | undefined;
      if (this.precision === 'int8') {
        codes = new Int8Array(dim);
        const inverse = 1 / scale;
        let qc = 0;
        for (let i = 0; i < dim; i++) {
          codes[i] = code(q[i]!, inverse);
          qc += q[i]! * codes[i]!;
        }
        // as the rows are: for l2 the query's factor weighs its dot products against the rows' norms
        scale = selfExactFactor(norm, qc, scale);
      }
      let bits: Uint8Array | undefined;
      if (binary) {
        bits = new Uint8Array(Math.ceil(dim / 8));
        for (let i = 0; i < dim; i++) if (q[i]! > 0) bits[i >> 3] = bits[i >> 3]! | (0x80 >> (i & 7));
      }
      prepared.push({ q, norm, scale, codes, bits });
    }
    const candidatesK = rescore > 0 ? kk * rescore : kk;
    return { single, k: kk, candidatesK, threads, rescore, eligible, queries: prepared };
  }

  /** The arguments of topKBatch for chunk c, or undefined when it has no eligible row. */
  #chunkCall(plan: Plan, c: number): BatchCall | undefined {
    const chunk = this.#chunks[c]!;
    const rows = chunk.rows;
    if (rows === 0) return undefined;
    const dim = this.dim;
    const nq = plan.queries.length;
    // The eligible rows: the live ones, and of those the filter's.
    let filter: Uint8Array | undefined;
    const live = new Uint8Array(chunk.b.live, 0, Math.ceil(rows / 8));
    if (plan.eligible) {
      filter = new Uint8Array(live.length);
      const first = c * this.#chunkRows;
      for (const row of plan.eligible) {
        const at = row - first;
        if (at >= 0 && at < rows) filter[at >> 3] = filter[at >> 3]! | (1 << (at & 7));
      }
      for (let i = 0; i < filter.length; i++) filter[i] = filter[i]! & live[i]!;
      if (filter.every((b) => b === 0)) return undefined;
    } else if (chunk.removed > 0) {
      filter = live.slice();
    }
    const options: Record<string, unknown> = { dim };
    if (filter) options['filter'] = filter;
    if (plan.threads !== undefined) options['threads'] = plan.threads;
    let queries: Int8Array | Float32Array | Uint8Array;
    if (this.precision === 'binary') {
      const bytes = Math.ceil(dim / 8);
      queries = new Uint8Array(nq * bytes);
      plan.queries.forEach((p, j) => (queries as Uint8Array).set(p.bits!, j * bytes));
      return [queries, new Uint8Array(chunk.b.data, 0, rows * bytes), plan.candidatesK, options];
    }
    if (this.precision === 'int8') {
      queries = new Int8Array(nq * dim);
      plan.queries.forEach((p, j) => (queries as Int8Array).set(p.codes!, j * dim));
      options['rowFactor'] = new Float32Array(chunk.b.scale!, 0, rows);
      options['queryFactor'] = Float64Array.from(plan.queries, (p) => (this.metric === 'l2' ? 2 * p.scale : p.scale));
      const matrix = new Int8Array(chunk.b.data, 0, rows * dim);
      if (this.metric === 'l2') options['rowOffset'] = new Float64Array(chunk.b.negNorm!, 0, rows);
      return [queries, matrix, plan.candidatesK, options];
    }
    queries = new Float32Array(nq * dim);
    plan.queries.forEach((p, j) => (queries as Float32Array).set(p.q, j * dim));
    if (this.metric === 'l2') {
      options['queryFactor'] = new Float64Array(nq).fill(2);
      options['rowOffset'] = new Float64Array(chunk.b.negNorm!, 0, rows);
    }
    return [queries, new Float32Array(chunk.b.data, 0, rows * dim), plan.candidatesK, options];
  }

  #collect(c: number, results: { indices: Uint32Array; scores?: ArrayLike<number>; distances?: Uint32Array }[], into: Candidate[][]): void {
    const first = c * this.#chunkRows;
    results.forEach((r, j) => {
      // Hamming distances rank lowest first; candidates highest first.
      const scores = r.scores ?? r.distances!;
      const sign = r.scores ? 1 : -1;
      for (let i = 0; i < r.indices.length; i++) into[j]!.push({ row: first + r.indices[i]!, score: sign * scores[i]! });
    });
  }

  #finish(plan: Plan, candidates: Candidate[][]): IndexSearchResult | IndexSearchResult[] {
    const results = candidates.map((list, j) => {
      list.sort(better);
      let top = list.slice(0, plan.candidatesK);
      const p = plan.queries[j]!;
      if (plan.rescore > 0) {
        for (const cand of top) cand.score = this.#floatScore(p, cand.row);
        top.sort(better);
      }
      top = top.slice(0, plan.k);
      const keys = new Float64Array(top.length);
      const scores = new Float64Array(top.length);
      top.forEach((cand, i) => {
        const chunk = this.#chunks[Math.floor(cand.row / this.#chunkRows)]!;
        keys[i] = chunk.keyView[cand.row % this.#chunkRows]!;
        // l2 ranks by 2 q.x - |x|^2; the distance is |q|^2 minus that, which rounding can take
        // a little below zero for a query at (or next to) a row.
        scores[i] = this.metric === 'l2' ? Math.max(0, p.norm - cand.score) : cand.score;
      });
      return { keys, scores };
    });
    return plan.single ? results[0]! : results;
  }

  /**
   * The float score of row `global` for the prepared query: against the originals where kept,
   * else the int8 row, else (binary) the row's signs times its bitScale.
   */
  #floatScore(p: PreparedQuery, global: number): number {
    const chunk = this.#chunks[Math.floor(global / this.#chunkRows)]!;
    const at = global % this.#chunkRows;
    const dim = this.dim;
    const base = at * dim;
    let x: Float32Array | undefined;
    let from = 0;
    if (this.#originalsFile && global < this.#originalsFileRows) {
      x = this.#originalsFile.readElementsSync('originals', global * dim, dim, this.#scratch ??= new Float32Array(dim)) as Float32Array;
    } else if (chunk.originalView) {
      x = chunk.originalView;
      from = base;
    }
    let dot = 0;
    if (x) {
      // Exact: the float original, and for l2 its own squared norm.
      let squares = 0;
      for (let i = 0; i < dim; i++) {
        const v = x[from + i]!;
        dot += p.q[i]! * v;
        squares += v * v;
      }
      return this.metric === 'l2' ? 2 * dot - squares : dot;
    }
    const codes = chunk.codes;
    if (codes) {
      // The float query against the int8 row (its norm term from the codes, as stored).
      for (let i = 0; i < dim; i++) dot += p.q[i]! * codes[base + i]!;
      dot *= chunk.scaleView![at]!;
      return this.metric === 'l2' ? 2 * dot + chunk.negNormView![at]! : dot;
    }
    // The float query against bitScale * (+-1): the least-squares fit of the row by its signs.
    const bits = chunk.bits!;
    const from8 = at * Math.ceil(dim / 8);
    for (let i = 0; i < dim; i++) {
      const v = p.q[i]!;
      dot += (bits[from8 + (i >> 3)]! << (i & 7)) & 0x80 ? v : -v;
    }
    const s = chunk.bitScaleView![at]!;
    dot *= s;
    return this.metric === 'l2' ? 2 * dot - s * s * dim : dot;
  }
}

/** One chunk's topKBatch call: queries, rows, k, options (dim, filter, threads, the affine score). */
type BatchCall = [Int8Array | Float32Array | Uint8Array, Int8Array | Float32Array | Uint8Array, number, Record<string, unknown>];
type BatchResult = { indices: Uint32Array; scores: ArrayLike<number> }[];
type Batch = (...call: BatchCall) => BatchResult;
type BatchAsync = (...call: BatchCall) => Promise<BatchResult>;

interface PreparedQuery {
  q: Float32Array; // normalized for cosine
  norm: number; // |q|^2 after normalization
  scale: number; // int8: the query's own scale
  codes: Int8Array | undefined; // int8: its codes
  bits: Uint8Array | undefined; // binary: its signs, packed as the rows are
}

interface Plan {
  single: 0 | 1;
  k: number;
  candidatesK: number;
  threads: number | undefined;
  rescore: number;
  eligible: number[] | undefined;
  queries: PreparedQuery[];
}

function choice<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T, fn = 'Index'): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const kind = typeof value === 'string' ? RangeError : TypeError;
    throw new kind(`${fn}: expected ${name} to be one of ${allowed.map((a) => `'${a}'`).join(', ')}, received ${describe(value)}`);
  }
  return value as T;
}
