// Argument checks for every public function. Messages name the function and the parameter, say
// what was expected and what was received, in the form
//   dots: matrix length 1000 is not a multiple of dim 384
// A wrong kind of value is a TypeError; a value of the right kind but the wrong size is a
// RangeError.
//
// Every property of a typed array is read through the intrinsic getters of %TypedArray%.prototype,
// captured when this module loads: they read the array's internal slots, as the native layer
// does, so a subclass or an own property with a lying `length`, `byteOffset` or `buffer` getter
// cannot make the checks and the kernels see different arrays, and no caller code runs between a
// check and the call it guards (a getter that detached a checked array once got a search past
// validation).
import { types } from 'node:util';
import { markAsUntransferable } from 'node:worker_threads';

export type Vector = Int8Array | Float32Array;

const call = Function.prototype.call;
const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object;

function intrinsic<T>(target: object, key: PropertyKey): (self: unknown) => T {
  const get = Object.getOwnPropertyDescriptor(target, key)?.get;
  if (typeof get !== 'function') {
    throw new Error(`simdot: this JavaScript engine lacks the ${String(key)} getter of ${String(target)}`);
  }
  // call.bind(get)(x) is get.call(x) with both functions as they were at load.
  return call.bind(get) as (self: unknown) => T;
}

/** 'Int8Array', 'Float32Array', ... for a typed array (whatever its prototype), else undefined. */
export const tagOf = intrinsic<string | undefined>(TypedArrayPrototype, Symbol.toStringTag);
/** The length, byteOffset, byteLength and buffer of a typed array; each throws on anything else. */
export const lengthOf = intrinsic<number>(TypedArrayPrototype, 'length');
export const byteOffsetOf = intrinsic<number>(TypedArrayPrototype, 'byteOffset');
export const byteLengthOf = intrinsic<number>(TypedArrayPrototype, 'byteLength');
export const bufferOf = intrinsic<ArrayBuffer | SharedArrayBuffer>(TypedArrayPrototype, 'buffer');
const resizableOf = intrinsic<boolean>(ArrayBuffer.prototype, 'resizable');

/** A checked vector argument: the view, and its length as the kernels will see it. */
export interface Arg<T extends Vector | Uint8Array = Vector> {
  view: T;
  length: number;
  int8: boolean;
}

/** Bit vectors (binary embeddings): 8 bits per byte, Hamming distances. A row this long or longer could overflow a Uint32 distance sum in the kernels. */
export const MAX_BIT_BYTES = 2 ** 29 - 1;

/** A bit-vector argument: a Uint8Array (a Buffer is one too). */
export function bits(fn: string, name: string, value: unknown, like?: string): Arg<Uint8Array> {
  if (tagOf(value) !== 'Uint8Array') {
    throw new TypeError(
      `${fn}: expected ${name} to be a Uint8Array of packed bits (8 per byte${like ? `, like ${like}` : ''}), received ${describe(value)}`,
    );
  }
  const length = lengthOf(value);
  checkAttached(fn, name, value, length);
  return { view: value as Uint8Array, length, int8: false };
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** The class name of an object for a message, without letting a throwing getter escape. */
function className(value: object): string | undefined {
  try {
    const name: unknown = Object.getPrototypeOf(value)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Describes a value for an error message: `Float32Array(3)`, `an Array(2)`, `null`, `string "x"`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (types.isProxy(value)) return 'a Proxy';
  const tag = tagOf(value);
  if (tag !== undefined) {
    // A subclass keeps its own name; the length is the real one.
    const name = className(value as object) ?? tag;
    return `${name}(${lengthOf(value)})`;
  }
  if (types.isDataView(value)) return 'a DataView';
  if (Array.isArray(value)) return `an Array(${value.length})`;
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}${typeof value === 'bigint' ? 'n' : ''}`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default: {
      const name = className(value as object);
      return name && name !== 'Object' ? `an instance of ${name}` : 'an object';
    }
  }
}

export function isInt8Array(value: unknown): value is Int8Array {
  return tagOf(value) === 'Int8Array';
}

/**
 * A view of length 0 may sit on a buffer that was detached (transferred); say so. A view whose
 * resizable buffer shrank below it reads as empty, which it now is.
 */
function checkAttached(fn: string, name: string, value: unknown, length: number): void {
  if (length !== 0) return;
  try {
    new Uint8Array(bufferOf(value), 0, 0);
  } catch {
    throw new TypeError(`${fn}: ${name} is a view on a detached ArrayBuffer`);
  }
}

/** The first vector argument sets the element type of the call. */
export function vector(fn: string, name: string, value: unknown): Arg {
  const tag = tagOf(value);
  if (tag !== 'Int8Array' && tag !== 'Float32Array') {
    throw new TypeError(`${fn}: expected ${name} to be an Int8Array or Float32Array, received ${describe(value)}`);
  }
  const length = lengthOf(value);
  checkAttached(fn, name, value, length);
  return { view: value as Vector, length, int8: tag === 'Int8Array' };
}

/** Later vector arguments must have the element type of the first. */
export function sameType<T extends Vector>(fn: string, name: string, value: unknown, like: Arg<T>, likeName: string): Arg<T> {
  const expected = like.int8 ? 'Int8Array' : 'Float32Array';
  if (tagOf(value) !== expected) {
    throw new TypeError(`${fn}: expected ${name} to be ${article(expected)} like ${likeName}, received ${describe(value)}`);
  }
  const length = lengthOf(value);
  checkAttached(fn, name, value, length);
  return { view: value as T, length, int8: like.int8 };
}

/** An int8 row longer than this could overflow an Int32Array score: 131071 * 16384 < 2^31. */
export const MAX_I8_DIM = 131071;

/** Search results index rows with a Uint32Array. */
export const MAX_ROWS = 2 ** 32 - 1;

/** Checks the query/matrix pair of a scoring call and returns the number of rows. */
export function rows(fn: string, query: Arg, matrix: Arg, dimName = 'query length'): number {
  const dim = query.length;
  if (dim === 0) {
    throw new RangeError(`${fn}: expected a non-empty query (its length is the row length), received ${describe(query.view)}`);
  }
  if (matrix.length % dim !== 0) {
    throw new RangeError(`${fn}: matrix length ${matrix.length} is not a multiple of dim ${dim}`);
  }
  if (query.int8 && dim > MAX_I8_DIM) {
    throw new RangeError(
      `${fn}: expected an Int8Array ${dimName} of at most ${MAX_I8_DIM} (longer rows can overflow an Int32 score), received ${dim}`,
    );
  }
  return matrix.length / dim;
}

/** A search reports row indices in a Uint32Array: at most MAX_ROWS rows. */
export function searchRows(fn: string, nrows: number): void {
  if (nrows > MAX_ROWS) {
    throw new RangeError(`${fn}: expected a matrix of at most ${MAX_ROWS} rows (a Uint32Array indexes them), received ${nrows} rows`);
  }
}

/** `out` of dots: exactly one score per row, of the score type; never sharing memory with the inputs. */
export function out<T extends Int32Array | Float32Array>(fn: string, value: unknown, int8: boolean, nrows: number, inputs: Arg[]): T {
  const expected = int8 ? 'Int32Array' : 'Float32Array';
  if (tagOf(value) !== expected) throw new TypeError(`${fn}: expected out to be ${article(expected)}, received ${describe(value)}`);
  const length = lengthOf(value);
  checkAttached(fn, 'out', value, length);
  if (length !== nrows) {
    throw new RangeError(`${fn}: expected out to have length ${nrows} (one score per row), received length ${length}`);
  }
  for (const input of inputs) {
    if (bufferOf(input.view) === bufferOf(value) && overlaps(input.view, value)) {
      throw new RangeError(`${fn}: out must not share memory with the query or the matrix`);
    }
  }
  return value as T;
}

/** `out` of hammings: a Uint32Array with one distance per row, not sharing memory with the inputs. */
export function checkDistances(fn: string, value: unknown, nrows: number, inputs: Arg<Uint8Array>[]): Uint32Array {
  if (tagOf(value) !== 'Uint32Array') throw new TypeError(`${fn}: expected out to be a Uint32Array, received ${describe(value)}`);
  const length = lengthOf(value);
  checkAttached(fn, 'out', value, length);
  if (length !== nrows) {
    throw new RangeError(`${fn}: expected out to have length ${nrows} (one distance per row), received length ${length}`);
  }
  for (const input of inputs) {
    if (bufferOf(input.view) === bufferOf(value) && overlaps(input.view, value)) {
      throw new RangeError(`${fn}: out must not share memory with the query or the matrix`);
    }
  }
  return value as Uint32Array;
}

function overlaps(a: unknown, b: unknown): boolean {
  const aStart = byteOffsetOf(a);
  const bStart = byteOffsetOf(b);
  return aStart < bStart + byteLengthOf(b) && bStart < aStart + byteLengthOf(a);
}

/**
 * The matrix of an async search, read by another thread after the call returns: its memory must
 * stay where it is until the search ends. A resizable ArrayBuffer could shrink (resize() releases
 * the memory at once): refused. A growable SharedArrayBuffer only grows, and no shared memory can
 * be detached. A fixed-length ArrayBuffer is kept alive by the search, but could be detached by a
 * transfer whose receiver then drops it, freeing the memory under the search: it is marked
 * untransferable (worker_threads.markAsUntransferable), for good. From then on a transfer of it
 * throws a DataCloneError (Node.js 21 and later, where the mark makes the buffer non-detachable
 * everywhere), or copies it instead of moving it (Node.js 20).
 */
export function pinMatrix(fn: string, name: string, value: ArrayBufferView): void {
  const buffer = bufferOf(value);
  if (types.isSharedArrayBuffer(buffer)) return;
  if (resizableOf(buffer)) {
    throw new TypeError(
      `${fn}: expected ${name} to be a view on a fixed-length ArrayBuffer or a SharedArrayBuffer, received a view on a ` +
        `resizable ArrayBuffer, which could shrink while the search reads it (topK takes it)`,
    );
  }
  markAsUntransferable(buffer);
}

/** k of a search: a positive integer (it may exceed the number of rows). */
export function positiveInteger(fn: string, name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${fn}: expected ${name} to be a positive integer, received ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${fn}: expected ${name} to be an integer from 1 to ${max}, received ${String(value)}`);
  }
  return value;
}

/** Most threads one search may ask for; more shards than cores only add overhead. */
export const MAX_THREADS = 1024;

export type RowValues = Float32Array | Float64Array;

export interface SearchOptionsChecked {
  threads: number; // 0: chosen from the work size
  filter: Uint8Array | undefined;
  /** The affine score, when any of its options is given (else all three undefined). */
  rowFactor: RowValues | undefined;
  rowOffset: RowValues | undefined;
  queryFactor: Float64Array | undefined; // one per query
}

/** The options every search reads; a batch also reads dim. */
export const SEARCH_OPTIONS = ['threads', 'filter', 'rowFactor', 'rowOffset', 'queryFactor'] as const;

function rowValues(fn: string, name: string, value: unknown, nrows: number): RowValues {
  const tag = tagOf(value);
  if (tag !== 'Float32Array' && tag !== 'Float64Array') {
    throw new TypeError(`${fn}: expected ${name} to be a Float32Array or a Float64Array (one value per row), received ${describe(value)}`);
  }
  const length = lengthOf(value);
  checkAttached(fn, name, value, length);
  if (length !== nrows) {
    throw new RangeError(`${fn}: expected ${name} to have length ${nrows} (one value per row), received length ${length}`);
  }
  return value as RowValues;
}

/**
 * The options a function reads, each read once and before any argument is checked: a getter runs
 * the caller's code, which could detach or shrink an array that was already checked. An option
 * name the function does not know is a TypeError naming the nearest one it does (`{ thread: 2 }`
 * was silently ignored, and the search ran on the default thread count).
 */
export function readOptions(fn: string, options: unknown, keys: readonly string[]): unknown {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return options;
  for (const name of Object.keys(options)) {
    if (keys.includes(name)) continue;
    const near = nearest(name, keys);
    throw new TypeError(
      `${fn}: unknown option ${JSON.stringify(name)}` +
        (near ? `; did you mean ${JSON.stringify(near)}?` : `; the options are ${keys.map((k) => JSON.stringify(k)).join(', ')}`),
    );
  }
  const values: Record<string, unknown> = {};
  for (const key of keys) values[key] = (options as Record<string, unknown>)[key];
  return values;
}

/** The candidate closest to `name` by edit distance (case aside), if one is close enough to be a typo. */
function nearest(name: string, candidates: readonly string[]): string | undefined {
  const a = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const b = candidate.toLowerCase();
    // Levenshtein distance, one row at a time.
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) {
        next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      row = next;
    }
    const d = row[b.length]!;
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** The options of topK, topKAsync, topKBatch and topKBatchAsync: threads, filter, the affine score. */
export function searchOptions(fn: string, options: unknown, nrows: number, nq: number, required = false): SearchOptionsChecked {
  const checked: SearchOptionsChecked = { threads: 0, filter: undefined, rowFactor: undefined, rowOffset: undefined, queryFactor: undefined };
  if (options === undefined && !required) return checked;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${fn}: expected options to be an object, received ${describe(options)}`);
  }
  const { threads, filter, rowFactor, rowOffset, queryFactor } = options as Record<string, unknown>;
  if (rowFactor !== undefined && rowFactor !== null) checked.rowFactor = rowValues(fn, 'options.rowFactor', rowFactor, nrows);
  if (rowOffset !== undefined && rowOffset !== null) checked.rowOffset = rowValues(fn, 'options.rowOffset', rowOffset, nrows);
  if (queryFactor !== undefined && queryFactor !== null) {
    if (typeof queryFactor === 'number') {
      if (!Number.isFinite(queryFactor)) {
        throw new RangeError(`${fn}: expected options.queryFactor to be a finite number, received ${String(queryFactor)}`);
      }
      checked.queryFactor = new Float64Array(nq).fill(queryFactor);
    } else if (tagOf(queryFactor) === 'Float64Array') {
      const length = lengthOf(queryFactor);
      checkAttached(fn, 'options.queryFactor', queryFactor, length);
      if (length !== nq) {
        throw new RangeError(`${fn}: expected options.queryFactor to have length ${nq} (one value per query), received length ${length}`);
      }
      // Copied: it is small, and a caller's later change must not reach a search under way.
      checked.queryFactor = new Float64Array(queryFactor as Float64Array);
    } else {
      throw new TypeError(`${fn}: expected options.queryFactor to be a number or a Float64Array (one value per query), received ${describe(queryFactor)}`);
    }
  }
  if (threads !== undefined) checked.threads = positiveInteger(fn, 'options.threads', threads, MAX_THREADS);
  if (filter !== undefined && filter !== null) {
    if (tagOf(filter) !== 'Uint8Array') {
      throw new TypeError(`${fn}: expected options.filter to be a Uint8Array bitset (one bit per row), received ${describe(filter)}`);
    }
    const length = lengthOf(filter);
    checkAttached(fn, 'options.filter', filter, length);
    const bytes = Math.ceil(nrows / 8);
    if (length !== bytes) {
      throw new RangeError(
        `${fn}: expected options.filter to have ${bytes} ${bytes === 1 ? 'byte' : 'bytes'} (one bit per row for ${nrows} ${nrows === 1 ? 'row' : 'rows'}), received length ${length}`,
      );
    }
    checked.filter = filter as Uint8Array;
  }
  return checked;
}

/** A search keeps nq * min(k, rows) hits in memory; refuse what could not be allocated. */
export const MAX_RESULTS = 2 ** 27;

/**
 * A batch returns one object with two typed arrays per query, about 400 bytes of JavaScript heap
 * each: 2^20 queries take some 400 MB, and many more could exhaust the heap, which aborts the
 * process. Larger batches are refused; split them.
 */
export const MAX_QUERIES = 2 ** 20;
