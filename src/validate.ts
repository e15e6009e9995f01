// Argument checks for every public function. Messages name the function and the parameter, say
// what was expected and what was received, in the form
//   dots: matrix length 1000 is not a multiple of dim 384
// A wrong kind of value is a TypeError; a value of the right kind but the wrong size is a
// RangeError.
import { types } from 'node:util';

export type Vector = Int8Array | Float32Array;

/** Describes a value for an error message: `Float32Array(3)`, `an Array(2)`, `null`, `string "x"`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (ArrayBuffer.isView(value)) {
    const name = Object.getPrototypeOf(value)?.constructor?.name ?? 'ArrayBufferView';
    const length = (value as { length?: number }).length;
    return typeof length === 'number' ? `${name}(${length})` : `${name}(${value.byteLength} bytes)`;
  }
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
      const name = Object.getPrototypeOf(value)?.constructor?.name;
      return name && name !== 'Object' ? `an instance of ${name}` : 'an object';
    }
  }
}

/**
 * The element kind of a vector argument. instanceof answers for arrays of this realm in a few
 * nanoseconds; util.types (a call into C++) is asked only about views from another realm (vm
 * contexts), so the common case of a call stays cheap.
 */
function kindOf(value: unknown): 'i8' | 'f32' | undefined {
  if (value instanceof Int8Array) return 'i8';
  if (value instanceof Float32Array) return 'f32';
  if (!ArrayBuffer.isView(value)) return undefined;
  return types.isInt8Array(value) ? 'i8' : types.isFloat32Array(value) ? 'f32' : undefined;
}

export function isInt8Array(value: unknown): value is Int8Array {
  return kindOf(value) === 'i8';
}

export function isFloat32Array(value: unknown): value is Float32Array {
  return kindOf(value) === 'f32';
}

/** A view of length 0 may sit on a buffer that was detached (transferred); say so. */
function checkAttached(fn: string, name: string, value: ArrayBufferView & { length: number }): void {
  if (value.length !== 0) return;
  try {
    new Uint8Array(value.buffer, 0, 0);
  } catch {
    throw new TypeError(`${fn}: ${name} is a view on a detached ArrayBuffer`);
  }
}

/**
 * A view whose memory another thread will read after the call returns: its buffer must not be
 * able to shrink meanwhile. A resizable ArrayBuffer can (resize() releases the memory at once);
 * a growable SharedArrayBuffer only grows, and a fixed-length buffer keeps its memory while
 * referenced.
 */
export function fixedLength(fn: string, name: string, value: ArrayBufferView): void {
  if ((value.buffer as { resizable?: boolean }).resizable === true) {
    throw new TypeError(
      `${fn}: expected ${name} to be a view on a fixed-length ArrayBuffer or a SharedArrayBuffer, received a view on a ` +
        `resizable ArrayBuffer, which could shrink while the search reads it (topK takes it)`,
    );
  }
}

/** The first vector argument sets the element type of the call. */
export function vector(fn: string, name: string, value: unknown): Vector {
  if (!isInt8Array(value) && !isFloat32Array(value)) {
    throw new TypeError(`${fn}: expected ${name} to be an Int8Array or Float32Array, received ${describe(value)}`);
  }
  checkAttached(fn, name, value);
  return value;
}

/** Later vector arguments must have the element type of the first. */
export function sameType<T extends Vector>(fn: string, name: string, value: unknown, like: T, likeName: string): T {
  const ok = isInt8Array(like) ? isInt8Array(value) : isFloat32Array(value);
  if (!ok) {
    const expected = isInt8Array(like) ? 'Int8Array' : 'Float32Array';
    throw new TypeError(`${fn}: expected ${name} to be an ${expected} like ${likeName}, received ${describe(value)}`);
  }
  checkAttached(fn, name, value as T);
  return value as T;
}

/** An int8 row longer than this could overflow an Int32Array score: 131071 * 16384 < 2^31. */
export const MAX_I8_DIM = 131071;

/** Checks the query/matrix pair of a scoring call and returns the number of rows. */
export function rows(fn: string, query: Vector, matrix: Vector, dimName = 'query length'): number {
  const dim = query.length;
  if (dim === 0) {
    throw new RangeError(`${fn}: expected a non-empty query (its length is the row length), received ${describe(query)}`);
  }
  if (matrix.length % dim !== 0) {
    throw new RangeError(`${fn}: matrix length ${matrix.length} is not a multiple of dim ${dim}`);
  }
  if (isInt8Array(query) && dim > MAX_I8_DIM) {
    throw new RangeError(
      `${fn}: expected an Int8Array ${dimName} of at most ${MAX_I8_DIM} (longer rows can overflow an Int32 score), received ${dim}`,
    );
  }
  return matrix.length / dim;
}

/** `out` of dots: exactly one score per row, of the score type; never sharing memory with the inputs. */
export function out<T extends Int32Array | Float32Array>(
  fn: string,
  value: unknown,
  int8: boolean,
  nrows: number,
  inputs: Vector[],
): T {
  const expected = int8 ? 'Int32Array' : 'Float32Array';
  const ok = int8 ? value instanceof Int32Array || types.isInt32Array(value) : isFloat32Array(value);
  if (!ok) throw new TypeError(`${fn}: expected out to be an ${expected}, received ${describe(value)}`);
  const view = value as T;
  if (view.length !== nrows) {
    throw new RangeError(`${fn}: expected out to have length ${nrows} (one score per row), received length ${view.length}`);
  }
  for (const input of inputs) {
    if (input.buffer === view.buffer && overlaps(input, view)) {
      throw new RangeError(`${fn}: out must not share memory with the query or the matrix`);
    }
  }
  return view;
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
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

export interface SearchOptionsChecked {
  threads: number; // 0: chosen from the work size
  filter: Uint8Array | undefined;
}

/**
 * The options a search reads, each read once and before any argument is checked: a getter runs
 * the caller's code, which could detach or shrink an array that was already checked.
 */
export function readOptions(options: unknown, keys: readonly string[]): unknown {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return options;
  const values: Record<string, unknown> = {};
  for (const key of keys) values[key] = (options as Record<string, unknown>)[key];
  return values;
}

/** options.threads and options.filter of topK, topKAsync and topKBatch. */
export function searchOptions(fn: string, options: unknown, nrows: number, required = false): SearchOptionsChecked {
  if (options === undefined && !required) return { threads: 0, filter: undefined };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${fn}: expected options to be an object, received ${describe(options)}`);
  }
  const { threads, filter } = options as { threads?: unknown; filter?: unknown };
  const checked: SearchOptionsChecked = { threads: 0, filter: undefined };
  if (threads !== undefined) checked.threads = positiveInteger(fn, 'options.threads', threads, MAX_THREADS);
  if (filter !== undefined && filter !== null) {
    if (!(filter instanceof Uint8Array || types.isUint8Array(filter))) {
      throw new TypeError(`${fn}: expected options.filter to be a Uint8Array bitset (one bit per row), received ${describe(filter)}`);
    }
    const bytes = Math.ceil(nrows / 8);
    if (filter.length !== bytes) {
      throw new RangeError(
        `${fn}: expected options.filter to have ${bytes} bytes (one bit per row for ${nrows} rows), received length ${filter.length}`,
      );
    }
    checkAttached(fn, 'options.filter', filter);
    checked.filter = filter;
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
