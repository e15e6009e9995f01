// simdot: exact similarity search over int8 and float32 embeddings.
import * as fallback from './fallback.js';
import { loadBinding, type Binding } from './native.js';
import {
  byteLengthOf,
  describe,
  MAX_I8_DIM,
  MAX_QUERIES,
  MAX_RESULTS,
  out as checkOut,
  pinMatrix,
  positiveInteger,
  readOptions,
  rows,
  sameType,
  SEARCH_OPTIONS,
  bits as bitVector,
  checkDistances,
  MAX_BIT_BYTES,
  searchOptions,
  searchRows,
  type SearchOptionsChecked,
  vector,
  type Arg,
  type Vector,
} from './validate.js';

import { LADDERS, OPERATIONS, PORTABLE_LADDER, TIERS, type Operation, type Tier } from './tiers.js';

export { OPERATIONS, TIERS, type Operation, type Tier };
export { type Vector } from './validate.js';

/** This architecture's ladder, best first: the tiers a cap can choose among here. */
const LADDER = LADDERS[process.arch] ?? PORTABLE_LADDER;

export interface Info {
  /** The tier that runs now. */
  kernel: Tier;
  /** Per operation, the tier of the kernel that runs it. */
  kernels: Record<Operation, Tier>;
  /** The tiers this CPU and binary support, best first; always ends with `js`. */
  supported: Tier[];
  /** Whether the native binary is loaded (it may still be capped to `js` by useKernel). */
  native: boolean;
  /** The file the native binary was loaded from. */
  binding?: string;
  /** Why no native binary is in use, when none is. */
  loadError?: string;
  /** The cap that was asked for, by SIMDOT_KERNEL or useKernel. */
  requested?: Tier;
  /**
   * With the native binary: int8 searches over a matrix of at most this many bytes (half of
   * the CPU's L3 cache) expect it to stay in cache between calls and prefetch farther ahead.
   * The results are the same either way. 0 when the CPU does not report its L3 size.
   */
  cacheResidentBytes?: number;
  /**
   * With the native binary: the CPU features its detection found usable (CPUID and the
   * OS-enabled register state on x86-64, HWCAP or sysctl on aarch64), as native/features.def
   * names them: 'avx2', 'fma', 'avx512f', ..., 'asimd', 'dotprod', 'i8mm'.
   */
  features?: string[];
}

function parseTier(where: string, value: string): Tier {
  const tier = value.trim().toLowerCase();
  if (!(TIERS as readonly string[]).includes(tier)) {
    throw new RangeError(`${where}: expected one of ${TIERS.join(', ')}, received ${describe(value)}`);
  }
  return tier as Tier;
}

// SIMDOT_KERNEL caps the tier for the whole process; like GODEBUG=cpu.x=off it only takes
// features away. `js` does not even load the binary.
const envValue = process.env['SIMDOT_KERNEL'];
const envCap: Tier | undefined = envValue ? parseTier('simdot: SIMDOT_KERNEL', envValue) : undefined;

let binding: Binding | undefined;
let bindingPath: string | undefined;
let loadError: string | undefined;
if (envCap === 'js') {
  loadError = 'SIMDOT_KERNEL=js: the native binary was not loaded';
} else {
  const loaded = loadBinding();
  if ('binding' in loaded) {
    binding = loaded.binding;
    bindingPath = loaded.path;
  } else {
    loadError = loaded.error;
  }
}

/** The native binding while a native tier is active; undefined while the `js` tier runs. */
let active: Binding | undefined;
let requested: Tier | undefined = envCap;

/**
 * The rank of a cap in this architecture's ladder. A tier of another architecture's ladder caps
 * nothing here: one SIMDOT_KERNEL may serve a mixed fleet, where `avx2` keeps the x86-64
 * machines off AVX-512 and lets the arm64 ones run their best.
 */
function rankHere(cap: Tier): number {
  return Math.max(0, LADDER.indexOf(cap));
}

function applyCap(cap: Tier): Tier {
  const effective = LADDER[Math.max(rankHere(cap), envCap ? rankHere(envCap) : 0)]!;
  if (!binding || effective === 'js') {
    active = undefined;
    return 'js';
  }
  active = binding;
  return binding.setCap(effective) as Tier;
}
applyCap(LADDER[0]!);

/**
 * Caps the kernel tier at run time (tests, benchmarks): the best supported tier at or below
 * `tier` in this architecture's ladder runs from now on; a tier of another architecture caps
 * nothing here. SIMDOT_KERNEL, if set, stays the upper limit. Returns the tier that now runs.
 */
export function useKernel(tier: Tier): Tier {
  if (typeof tier !== 'string') {
    throw new TypeError(`useKernel: expected tier to be a string (one of ${TIERS.join(', ')}), received ${describe(tier)}`);
  }
  const cap = parseTier('useKernel: tier', tier);
  requested = cap;
  return applyCap(cap);
}

export function info(): Info {
  // active is either the binding or undefined (the js tier).
  const native = binding?.info();
  const result: Info = active && native
    ? { kernel: native.kernel as Tier, kernels: native.kernels as Record<Operation, Tier>, supported: [], native: true }
    : {
        kernel: 'js',
        kernels: Object.fromEntries(OPERATIONS.map((op) => [op, 'js'])) as Record<Operation, Tier>,
        supported: [],
        native: binding !== undefined,
      };
  result.supported = [...((native?.supported ?? []) as Tier[]), 'js'];
  if (native !== undefined) {
    result.cacheResidentBytes = native.cacheResidentBytes;
    result.features = native.features;
  }
  if (bindingPath !== undefined) result.binding = bindingPath;
  if (loadError !== undefined) result.loadError = loadError;
  if (requested !== undefined) result.requested = requested;
  return result;
}

/**
 * The dot product of two vectors of the same type and length. Int8Array: the exact integer sum,
 * for any length. Float32Array: a float32 result within (n + 1) * 2^-23 * sum |a_i * b_i| +
 * (n + 1) * 2^-149 of the exact sum for any finite inputs, ±Infinity where that sum rounds past
 * the float32 range.
 */
export function dot(a: Int8Array, b: Int8Array): number;
export function dot(a: Float32Array, b: Float32Array): number;
export function dot(a: Vector, b: Vector): number {
  const x = vector('dot', 'a', a);
  const y = sameType('dot', 'b', b, x, 'a');
  if (x.length !== y.length) {
    throw new RangeError(`dot: expected a and b to have the same length, received a.length ${x.length} and b.length ${y.length}`);
  }
  if (x.int8) {
    if (active) return active.dotI8(x.view as Int8Array, y.view as Int8Array);
    return fallback.dotI8(x.view as Int8Array, 0, y.view as Int8Array, 0, x.length);
  }
  if (active) return active.dotF32(x.view as Float32Array, y.view as Float32Array);
  return Math.fround(fallback.dotF32(x.view as Float32Array, 0, y.view as Float32Array, 0, x.length));
}

/**
 * One score per row: the dot product of `query` with each row of the row-major `matrix` (rows
 * of query.length elements). Int8Array scores are exact Int32 values; Float32Array scores are
 * float32 with the bound of dot(). `out`, if given, must have exactly one element per row; it is
 * filled and returned.
 */
export function dots(query: Int8Array, matrix: Int8Array, out?: Int32Array): Int32Array;
export function dots(query: Float32Array, matrix: Float32Array, out?: Float32Array): Float32Array;
export function dots(query: Vector, matrix: Vector, out?: Int32Array | Float32Array): Int32Array | Float32Array {
  const q = vector('dots', 'query', query);
  const m = sameType('dots', 'matrix', matrix, q, 'query');
  const nrows = rows('dots', q, m);
  if (q.int8) {
    const o = out === undefined ? new Int32Array(nrows) : checkOut<Int32Array>('dots', out, true, nrows, [q, m]);
    if (active) active.dotsI8(q.view as Int8Array, m.view as Int8Array, o);
    else fallback.dotsI8(q.view as Int8Array, m.view as Int8Array, q.length, nrows, o);
    return o;
  }
  const o = out === undefined ? new Float32Array(nrows) : checkOut<Float32Array>('dots', out, false, nrows, [q, m]);
  if (active) active.dotsF32(q.view as Float32Array, m.view as Float32Array, o);
  else fallback.dotsF32(q.view as Float32Array, m.view as Float32Array, q.length, nrows, o);
  return o;
}

/** The k best rows of a search, best first. */
export interface TopKResult<S extends Int32Array | Float32Array | Float64Array = Int32Array | Float32Array | Float64Array> {
  /** Row indices into the matrix. */
  indices: Uint32Array;
  /**
   * Their scores: the dot products as dots() computes them, or, with an affine score (rowFactor,
   * rowOffset, queryFactor), those values as a Float64Array.
   */
  scores: S;
}

export interface TopKOptions {
  /**
   * The row length, if you want it checked: it must equal the query's length (a matrix of other
   * rows whose length happens to divide by the query's is otherwise searched as rows of the
   * query's length).
   */
  dim?: number;
  /**
   * Threads (shards) for this search, 1 to 1024. Default: chosen from the work size, 1 for small
   * searches. The result never depends on it.
   */
  threads?: number;
  /**
   * Only rows whose bit is set are eligible: bit `i & 7` of byte `i >> 3` for row i; exactly
   * ceil(rows / 8) bytes. Rows left out are not read at all.
   */
  filter?: Uint8Array;
}

export interface TopKBatchOptions extends TopKOptions {
  /** The row length, shared by every query and every matrix row. */
  dim: number;
}

/**
 * Rank rows by an affine function of their dot product with the query, computed in double
 * precision in native code: `queryFactor * rowFactor[i] * dot + rowOffset[i]` (a missing option
 * counts as 1, 1 or 0). One mechanism serves per-row scales (int8 rows quantized with a scale each:
 * rowFactor = the scales) and squared L2 distance (|q - x|^2 = |q|^2 + |x|^2 - 2 q.x: rank by
 * queryFactor 2, rowOffset -|x|^2, exact for int8 rows with integer norms). Scores come back as
 * a Float64Array of those values; ties still rank the lower index first.
 */
export interface AffineScore {
  /** One factor per row (rows of the matrix). */
  rowFactor?: Float32Array | Float64Array;
  /** One offset per row. */
  rowOffset?: Float32Array | Float64Array;
  /** The query's factor: a number, or one per query (a Float64Array) for a batch. */
  queryFactor?: number | Float64Array;
}

/** Search options that include an affine score: at least one of its three options. */
export type AffineOptions = AffineScore & ({ rowFactor: Float32Array | Float64Array } | { rowOffset: Float32Array | Float64Array } | { queryFactor: number | Float64Array });

type Search = {
  fn: string;
  /** Bit vectors ranked by Hamming distance (the topKHamming family), else a dot-product search. */
  bits?: true;
  q: Arg | Arg<Uint8Array>;
  m: Arg | Arg<Uint8Array>;
  dim: number;
  nq: number;
  nrows: number;
  k: number;
} & SearchOptionsChecked;

function checkSearch(fn: string, query: unknown, matrix: unknown, k: unknown, options: unknown): Search {
  options = readOptions(fn, options, ['dim', ...SEARCH_OPTIONS]);
  const q = vector(fn, 'query', query);
  const m = sameType(fn, 'matrix', matrix, q, 'query');
  const nrows = rows(fn, q, m);
  // An optional dim: with rows of another length, a matrix whose length happens to divide by the
  // query's would otherwise be searched as rows of the wrong length.
  const dim = (options as { dim?: unknown } | undefined)?.dim;
  if (dim !== undefined) {
    const d = positiveInteger(fn, 'options.dim', dim, 2 ** 32 - 1);
    if (d !== q.length) throw new RangeError(`${fn}: expected options.dim to be the query length ${q.length}, received ${d}`);
  }
  searchRows(fn, nrows);
  const kk = positiveInteger(fn, 'k', k);
  return { fn, q, m, dim: q.length, nq: 1, nrows, k: kk, ...searchOptions(fn, options, nrows, 1) };
}

function checkBatch(fn: string, queries: unknown, matrix: unknown, k: unknown, options: unknown): Search {
  options = readOptions(fn, options, ['dim', ...SEARCH_OPTIONS]);
  const q = vector(fn, 'queries', queries);
  const m = sameType(fn, 'matrix', matrix, q, 'queries');
  const kk = positiveInteger(fn, 'k', k);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${fn}: expected options to be an object with dim, received ${describe(options)}`);
  }
  const dim = positiveInteger(fn, 'options.dim', (options as { dim?: unknown }).dim, q.int8 ? MAX_I8_DIM : 2 ** 32 - 1);
  if (q.length % dim !== 0) throw new RangeError(`${fn}: queries length ${q.length} is not a multiple of dim ${dim}`);
  if (m.length % dim !== 0) throw new RangeError(`${fn}: matrix length ${m.length} is not a multiple of dim ${dim}`);
  const nrows = m.length / dim;
  const nq = q.length / dim;
  searchRows(fn, nrows);
  const checked = searchOptions(fn, options, nrows, nq, true);
  if (nq > MAX_QUERIES) {
    throw new RangeError(`${fn}: ${nq} queries exceed the limit of ${MAX_QUERIES} per call; split the batch`);
  }
  if (nq * Math.min(kk, nrows) > MAX_RESULTS) {
    throw new RangeError(`${fn}: ${nq} queries x min(k, rows) ${Math.min(kk, nrows)} results exceed the limit of ${MAX_RESULTS}`);
  }
  return { fn, q, m, dim, nq, nrows, k: kk, ...checked };
}

function searchJs(s: Search): TopKResult[] {
  const results: TopKResult[] = [];
  for (let j = 0; j < s.nq; j++) {
    if (s.bits) {
      results.push(fallback.topKHamming(s.q.view as Uint8Array, j * s.dim, s.m.view as Uint8Array, s.dim, s.nrows, s.k, s.filter) as never);
    } else {
      results.push(fallback.topK(s.q.view as Vector, j * s.dim, s.m.view as Vector, s.dim, s.nrows, s.k, s.filter, affineOf(s, j)));
    }
  }
  return results;
}

/** The native search, its out-of-memory error restated for the caller. */
function searchNative(binding: Binding, s: Search): TopKResult[] {
  try {
    return binding.search(s.q.view, s.m.view, s.dim, s.k, s.threads, s.filter, s.rowFactor, s.rowOffset, s.queryFactor);
  } catch (err) {
    throw restate(s, err);
  }
}

/** The affine score of query j for the js tier, or undefined without one. */
function affineOf(s: Search, j: number): fallback.Affine | undefined {
  if (!s.rowFactor && !s.rowOffset && !s.queryFactor) return undefined;
  return { factor: s.rowFactor, offset: s.rowOffset, queryFactor: s.queryFactor ? s.queryFactor[j]! : 1 };
}

function restate(s: Search, err: unknown): unknown {
  if (!(err instanceof RangeError) || (err as { code?: unknown }).code !== 'ERR_SIMDOT_OUT_OF_MEMORY') return err;
  const hits = Math.min(s.k, s.nrows);
  return new RangeError(
    `${s.fn}: not enough memory for ${s.nq === 1 ? '' : `${s.nq} queries x `}${hits} results (k ${s.k}, ${s.nrows} rows); ask for a smaller k`,
  );
}

/**
 * The k rows of `matrix` (row-major, rows of query.length) with the highest dot product with
 * `query`, best first; equal scores rank the lower row index first and a NaN score never ranks
 * above a number. Returns min(k, eligible rows) results. One call into native code however many
 * rows: rows are scored in cache-sized blocks by the active kernels, on `options.threads` shards.
 */
export function topK(query: Vector, matrix: Vector, k: number, options: TopKOptions & AffineOptions): TopKResult<Float64Array>;
export function topK(query: Int8Array, matrix: Int8Array, k: number, options?: TopKOptions & AffineScore): TopKResult<Int32Array>;
export function topK(query: Float32Array, matrix: Float32Array, k: number, options?: TopKOptions & AffineScore): TopKResult<Float32Array>;
export function topK(query: Vector, matrix: Vector, k: number, options?: TopKOptions): TopKResult {
  const s = checkSearch('topK', query, matrix, k, options);
  if (!active) return searchJs(s)[0]!;
  return searchNative(active, s)[0]!;
}

/**
 * topK computed off the event loop (on a worker thread), with identical results. Invalid
 * arguments reject the promise with the error topK would throw. The query and the filter are
 * copied when the call is made. The matrix is read in place, and is referenced until the promise
 * settles: it may not be on a resizable ArrayBuffer (a TypeError), and if its buffer is
 * transferred before the promise settles, the promise rejects with a TypeError; the receiver of
 * a buffer transferred meanwhile must keep it until then.
 */
export function topKAsync(query: Vector, matrix: Vector, k: number, options: TopKOptions & AffineOptions): Promise<TopKResult<Float64Array>>;
export function topKAsync(query: Int8Array, matrix: Int8Array, k: number, options?: TopKOptions & AffineScore): Promise<TopKResult<Int32Array>>;
export function topKAsync(query: Float32Array, matrix: Float32Array, k: number, options?: TopKOptions & AffineScore): Promise<TopKResult<Float32Array>>;
export async function topKAsync(query: Vector, matrix: Vector, k: number, options?: TopKOptions): Promise<TopKResult> {
  return (await searchAsync(checkSearch('topKAsync', query, matrix, k, options)))[0]!;
}

/** The searches of topKAsync and topKBatchAsync, checked: off the event loop where native. */
async function searchAsync(s: Search): Promise<TopKResult[]> {
  pinMatrix(s.fn, 'matrix', s.m.view as ArrayBufferView);
  // The per-row factors and offsets are read in place too.
  if (s.rowFactor) pinMatrix(s.fn, 'options.rowFactor', s.rowFactor);
  if (s.rowOffset) pinMatrix(s.fn, 'options.rowOffset', s.rowOffset);
  if (!active) return searchJs(s);
  const bytes = byteLengthOf(s.m.view);
  let results: TopKResult[];
  try {
    results = await active.searchAsync(s.q.view, s.m.view, s.dim, s.k, s.threads, s.filter, s.rowFactor, s.rowOffset, s.queryFactor);
  } catch (err) {
    throw restate(s, err);
  }
  // The matrix is neither resizable nor transferable (pinMatrix), but Node.js 20 still lets a
  // web stream's BYOB read detach it: a view reports 0 bytes then, and the search read memory
  // that had moved on.
  if (bytes !== 0 && byteLengthOf(s.m.view) === 0) {
    throw new TypeError(`${s.fn}: matrix was detached (its ArrayBuffer transferred) before the search ended`);
  }
  return results;
}

/**
 * Several searches over one matrix in one call: `queries` holds Q queries of `options.dim`
 * elements, row-major; the result has one entry per query, each exactly what topK gives. Each
 * block of rows is read from memory once and scored against up to 8 queries held in registers,
 * so a batch costs far less than Q separate searches.
 */
export function topKBatch(queries: Vector, matrix: Vector, k: number, options: TopKBatchOptions & AffineOptions): TopKResult<Float64Array>[];
export function topKBatch(queries: Int8Array, matrix: Int8Array, k: number, options: TopKBatchOptions & AffineScore): TopKResult<Int32Array>[];
export function topKBatch(queries: Float32Array, matrix: Float32Array, k: number, options: TopKBatchOptions & AffineScore): TopKResult<Float32Array>[];
export function topKBatch(queries: Vector, matrix: Vector, k: number, options: TopKBatchOptions): TopKResult[] {
  const s = checkBatch('topKBatch', queries, matrix, k, options);
  if (s.nq === 0) return [];
  if (!active) return searchJs(s);
  return searchNative(active, s);
}

/**
 * topKBatch computed off the event loop (on a worker thread), with identical results, as
 * topKAsync is to topK: invalid arguments reject the promise, the queries and the filter are
 * copied when the call is made, and the matrix is read in place under the same rules.
 */
export function topKBatchAsync(queries: Vector, matrix: Vector, k: number, options: TopKBatchOptions & AffineOptions): Promise<TopKResult<Float64Array>[]>;
export function topKBatchAsync(queries: Int8Array, matrix: Int8Array, k: number, options: TopKBatchOptions & AffineScore): Promise<TopKResult<Int32Array>[]>;
export function topKBatchAsync(queries: Float32Array, matrix: Float32Array, k: number, options: TopKBatchOptions & AffineScore): Promise<TopKResult<Float32Array>[]>;
export async function topKBatchAsync(queries: Vector, matrix: Vector, k: number, options: TopKBatchOptions): Promise<TopKResult[]> {
  const s = checkBatch('topKBatchAsync', queries, matrix, k, options);
  if (s.nq === 0) return [];
  return searchAsync(s);
}

// --- binary embeddings: bit vectors and Hamming distance -----------------------------------------

/** The k rows nearest a bit-vector query: smallest Hamming distance first. */
export interface HammingResult {
  /** Row indices into the matrix. */
  indices: Uint32Array;
  /**
   * Their Hamming distances (bits that differ from the query's), smallest first. Named apart
   * from topK's scores, which rank highest first (mergeTopK merges scores, not distances).
   */
  distances: Uint32Array;
}

/** The native and js searches' { indices, scores } as a HammingResult. */
function hammingResult(r: unknown): HammingResult {
  const { indices, scores } = r as { indices: Uint32Array; scores: Uint32Array };
  return { indices, distances: scores };
}

export interface TopKHammingOptions {
  /** Bytes per row, if you want it checked: it must equal the query's length. */
  dim?: number;
  /** Threads (shards) for this search, 1 to 1024; the result never depends on it. */
  threads?: number;
  /** Only rows whose bit is set are eligible: bit `i & 7` of byte `i >> 3`, ceil(rows / 8) bytes. */
  filter?: Uint8Array;
}

export interface TopKHammingBatchOptions extends TopKHammingOptions {
  /**
   * Dimensions (bits) per vector, as given to binarize: every query and every matrix row is
   * ceil(dim / 8) bytes.
   */
  dim: number;
}

const HAMMING_OPTIONS = ['dim', 'threads', 'filter'] as const;

function checkHamming(fn: string, query: unknown, matrix: unknown, k: unknown, options: unknown, batch: boolean): Search {
  options = readOptions(fn, options, HAMMING_OPTIONS);
  const name = batch ? 'queries' : 'query';
  const q = bitVector(fn, name, query);
  const m = bitVector(fn, 'matrix', matrix, name);
  const kk = positiveInteger(fn, 'k', k);
  if (batch && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError(`${fn}: expected options to be an object with dim, received ${describe(options)}`);
  }
  const given = (options as { dim?: unknown } | undefined)?.dim;
  // options.dim counts dimensions (bits), as binarize does, so that a user's dim means the same
  // everywhere; the rows are ceil(dim / 8) bytes.
  let dim = q.length;
  if (batch || given !== undefined) {
    const d = positiveInteger(fn, 'options.dim', given, MAX_BIT_BYTES * 8);
    const bytes = Math.ceil(d / 8);
    if (!batch && bytes !== q.length) {
      throw new RangeError(`${fn}: expected options.dim to give rows of the query length ${q.length} bytes (dim ${8 * q.length - 7} to ${8 * q.length} bits), received ${d}`);
    }
    dim = bytes;
  }
  if (dim === 0) throw new RangeError(`${fn}: expected a non-empty query (its length is the row length in bytes), received ${describe(q.view)}`);
  if (dim > MAX_BIT_BYTES) throw new RangeError(`${fn}: expected rows of at most ${MAX_BIT_BYTES} bytes, received ${dim}`);
  const bitsDim = (options as { dim?: number } | undefined)?.dim ?? 8 * dim;
  if (q.length % dim !== 0) throw new RangeError(`${fn}: queries length ${q.length} is not a multiple of ${dim} bytes (dim ${bitsDim} bits)`);
  if (m.length % dim !== 0) throw new RangeError(`${fn}: matrix length ${m.length} is not a multiple of ${dim} bytes (dim ${bitsDim} bits)`);
  const nrows = m.length / dim;
  const nq = q.length / dim;
  searchRows(fn, nrows);
  if (nq > MAX_QUERIES) throw new RangeError(`${fn}: ${nq} queries exceed the limit of ${MAX_QUERIES} per call; split the batch`);
  if (nq * Math.min(kk, nrows) > MAX_RESULTS) {
    throw new RangeError(`${fn}: ${nq} queries x min(k, rows) ${Math.min(kk, nrows)} results exceed the limit of ${MAX_RESULTS}`);
  }
  return { fn, bits: true, q, m, dim, nq, nrows, k: kk, ...searchOptions(fn, options, nrows, nq, batch) };
}

/** The Hamming distance of two bit vectors of the same length in bytes: the bits that differ. */
export function hamming(a: Uint8Array, b: Uint8Array): number {
  const x = bitVector('hamming', 'a', a);
  const y = bitVector('hamming', 'b', b, 'a');
  if (x.length !== y.length) {
    throw new RangeError(`hamming: expected a and b to have the same length, received a.length ${x.length} and b.length ${y.length}`);
  }
  if (active) return active.hamming(x.view, y.view);
  return fallback.hamming(x.view, 0, y.view, 0, x.length);
}

/**
 * The Hamming distance of `query` to each row of `matrix` (row-major, rows of query.length bytes).
 * `out`, if given, must be a Uint32Array with one element per row; it is filled and returned.
 */
export function hammings(query: Uint8Array, matrix: Uint8Array, out?: Uint32Array): Uint32Array {
  const fn = 'hammings';
  const q = bitVector(fn, 'query', query);
  const m = bitVector(fn, 'matrix', matrix, 'query');
  if (q.length === 0) throw new RangeError(`${fn}: expected a non-empty query (its length is the row length in bytes), received ${describe(q.view)}`);
  if (q.length > MAX_BIT_BYTES) throw new RangeError(`${fn}: expected a query of at most ${MAX_BIT_BYTES} bytes, received ${q.length}`);
  if (m.length % q.length !== 0) throw new RangeError(`${fn}: matrix length ${m.length} is not a multiple of the query length ${q.length} bytes`);
  const nrows = m.length / q.length;
  let o: Uint32Array;
  if (out === undefined) {
    o = new Uint32Array(nrows);
  } else {
    o = checkDistances(fn, out, nrows, [q, m]);
  }
  if (active) active.hammings(q.view, m.view, o);
  else fallback.hammings(q.view, m.view, q.length, nrows, o);
  return o;
}

/**
 * The k rows of `matrix` nearest `query` by Hamming distance, smallest first; equal distances rank
 * the lower row first. Returns min(k, eligible rows) results; one native call however many rows.
 * The bit vectors are positional and the filter an option, so the two Uint8Arrays never mix up.
 */
export function topKHamming(query: Uint8Array, matrix: Uint8Array, k: number, options?: TopKHammingOptions): HammingResult {
  const s = checkHamming('topKHamming', query, matrix, k, options, false);
  return hammingResult((active ? searchNative(active, s) : searchJs(s))[0]);
}

/** topKHamming off the event loop, with identical results, under topKAsync's rules for its arrays. */
export async function topKHammingAsync(query: Uint8Array, matrix: Uint8Array, k: number, options?: TopKHammingOptions): Promise<HammingResult> {
  return hammingResult((await searchAsync(checkHamming('topKHammingAsync', query, matrix, k, options, false)))[0]);
}

/** Several topKHamming searches in one pass over the rows: `queries` holds Q queries of ceil(options.dim / 8) bytes. */
export function topKHammingBatch(queries: Uint8Array, matrix: Uint8Array, k: number, options: TopKHammingBatchOptions): HammingResult[] {
  const s = checkHamming('topKHammingBatch', queries, matrix, k, options, true);
  if (s.nq === 0) return [];
  return (active ? searchNative(active, s) : searchJs(s)).map(hammingResult);
}

/** topKHammingBatch off the event loop, with identical results. */
export async function topKHammingBatchAsync(queries: Uint8Array, matrix: Uint8Array, k: number, options: TopKHammingBatchOptions): Promise<HammingResult[]> {
  const s = checkHamming('topKHammingBatchAsync', queries, matrix, k, options, true);
  if (s.nq === 0) return [];
  return (await searchAsync(s)).map(hammingResult);
}

export { binarize, dequantize, normalize, quantize, type QuantizeOptions, type Quantized } from './quantize.js';
export {
  Index,
  type IndexMemoryUsage,
  type IndexOptions,
  type IndexSearchOptions,
  type IndexSearchResult,
  type Metric,
  type Precision,
  type SharedChunk,
  type SharedIndex,
} from './vector-index.js';
export { type IndexLoadOptions } from './vector-index.js';
export { openStore, writeStore, StoreReader, type ElementType, type FileError, type StoreArray, type StoreArrayInfo } from './store.js';
export { type ElementArray, type ElementArrays, type FileErrorCode, type Into } from './file-io.js';
export { openNpy, readNpy, writeNpy, type NpyArray, type NpyDtype, type NpyReader } from './npy.js';
export { mergeTopK, type MergeTopKOptions } from './merge.js';
