// NumPy .npy files of float32 or int8 arrays in C order: read whole into a typed array
// (readNpy), streamed in pieces or a few elements at a time (openNpy), and written as NumPy
// writes them (writeNpy: the same bytes as numpy.save for the same array). Errors as in store.ts:
// a file that is not .npy, damaged, or holds what this module does not read (another dtype,
// Fortran order, a version past 3.0) is an Error with the code ERR_SIMDOT_UNKNOWN_FORMAT,
// ERR_SIMDOT_CORRUPT_FILE or ERR_SIMDOT_UNSUPPORTED_FILE, and `path`.
//
// The format (numpy.lib.format): the magic "\x93NUMPY", a major and a minor version byte, the
// header length (2 bytes little-endian in version 1.0, 4 in 2.0 and 3.0), then the header: a
// Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }, in
// Latin-1 (UTF-8 in 3.0), padded with spaces and a final newline so that the data, which follows
// it, starts on a multiple of 64 (16 in files from NumPy before 1.14). The data is the elements
// in C (row-major) order, product(shape) of them (1 for shape ()).
//
// A typed array holds at most 2^32 elements in Node.js 20 (16 GiB of float32; Node.js 24 allows
// more), and no more than the memory the process can get: readNpy of a larger file rejects with
// a RangeError that says so; openNpy reads any file in parts, into as many arrays as it takes.
import { open, type FileHandle } from 'node:fs/promises';
import {
  bytesOf,
  ELEMENTS,
  fileError,
  filePath,
  index,
  LITTLE_ENDIAN,
  Output,
  readExactly,
  readInto,
  typedArray,
  writeAtomically,
  type FileError,
  type Into,
} from './file-io.js';
import { describe, lengthOf, vector } from './validate.js';

export type NpyDtype = 'float32' | 'int8';
export type NpyArray = Float32Array | Int8Array;

const MAGIC = Buffer.from('\x93NUMPY', 'latin1');
/** NumPy's own limit on dimensions (NPY_MAXDIMS, since NumPy 2.0; 32 before). */
const MAX_DIMS = 64;
/** Far more than the header of any float32 or int8 array needs; bounds what a damaged length makes us read. */
const MAX_HEADER = 2 ** 20;

/** A Python tuple in a header, told apart from a list: NumPy requires the shape to be a tuple. */
class Tuple {
  constructor(readonly items: unknown[]) {}
}

/** Python's repr of a shape tuple: (), (3,), (3, 4). */
function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * The header numpy.save writes for a C-order array of this descr and shape: the keys sorted,
 * values as Python's repr, spare spaces for the first dimension to grow to 21 digits (NumPy
 * 1.23 and later), then spaces and a newline up to a multiple of 64 bytes (always at least one
 * space: a header that would end on a multiple of 64 gets 64 more). Version 1.0 where the header
 * length fits in 2 bytes, else 2.0. @internal
 */
export function npyHeader(descr: string, shape: readonly number[]): Buffer {
  let text = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) text += ' '.repeat(21 - String(shape[0]).length);
  const padding = (prefix: number): number => 64 - ((prefix + text.length + 1) % 64);
  const major = text.length + 1 + padding(10) <= 0xffff ? 1 : 2;
  const prefix = major === 1 ? 10 : 12;
  const pad = padding(prefix);
  const header = Buffer.alloc(prefix + text.length + pad + 1, ' ');
  MAGIC.copy(header);
  header[6] = major;
  header[7] = 0;
  if (major === 1) header.writeUInt16LE(header.length - prefix, 8);
  else header.writeUInt32LE(header.length - prefix, 8);
  header.write(text, prefix, 'latin1');
  header[header.length - 1] = 0x0a;
  return header;
}

/**
 * Writes `data` as a .npy file of the given shape (C order; its product must be data.length):
 * '<f4' for a Float32Array, '|i1' for an Int8Array (the byte order is this machine's, as with
 * NumPy). The file is written under a temporary name and renamed over `path` when complete.
 */
export async function writeNpy(path: string | URL, data: NpyArray, shape: readonly number[]): Promise<void> {
  const fn = 'writeNpy';
  const file = filePath(fn, 'path', path);
  const arg = vector(fn, 'data', data);
  if (!Array.isArray(shape)) throw new TypeError(`${fn}: expected shape to be an array of non-negative integers, received ${describe(shape)}`);
  const dims = [...(shape as unknown[])];
  if (dims.length > MAX_DIMS) throw new RangeError(`${fn}: expected shape to have at most ${MAX_DIMS} dimensions (NumPy's limit), received ${dims.length}`);
  dims.forEach((d, i) => index(fn, `shape[${i}]`, d, Number.MAX_SAFE_INTEGER));
  const elements = (dims as number[]).reduce((p, d) => p * d, 1);
  if (elements !== arg.length) {
    throw new RangeError(`${fn}: expected a shape of data.length ${arg.length} elements, received [${dims.join(', ')}] (${elements} elements)`);
  }
  const header = npyHeader(arg.int8 ? '|i1' : LITTLE_ENDIAN ? '<f4' : '>f4', dims as number[]);
  await writeAtomically(file, async (handle) => {
    const out = new Output(fn, handle, 0);
    await out.put(header);
    await out.put(bytesOf(data, arg.int8 ? 1 : 4, arg.length));
    await out.flush();
    return out.position;
  });
}

/** readNpy reads through its reader under its own name. */
let readAs: (reader: NpyReader, fn: string, into: unknown) => Promise<unknown>;

/** An open .npy file of float32 or int8 data in C order, checked against the file's length. */
export class NpyReader {
  readonly #handle: FileHandle;
  #closed = false;

  /** @internal Use openNpy. */
  constructor(
    readonly path: string,
    handle: FileHandle,
    /** The element type. */
    readonly dtype: NpyDtype,
    /** The shape, as NumPy gives it ([] for a 0-d array, of one element). */
    readonly shape: number[],
    /** The number of elements, the product of the shape. */
    readonly length: number,
    /** The byte offset of the data in the file. */
    readonly dataOffset: number,
  ) {
    this.#handle = handle;
  }

  /**
   * Streams the whole array into `into`: a typed array of the dtype and of `length` elements,
   * or a function called as `into(start, count)` for each piece (at most 16 MiB) that returns a
   * typed array of 1 to `count` elements to receive elements [start, start + its length), as
   * StoreReader.read does.
   */
  async read(into: Into<NpyArray>): Promise<void> {
    await this.#read('NpyReader.read', into);
  }

  #read(fn: string, into: unknown): Promise<unknown> {
    return readInto(fn, this.#handle, this.dtype, this.length, this.dataOffset, into, () => this.#changed(fn), () => this.#check(fn), false);
  }

  static {
    readAs = (reader, fn, into) => reader.#read(fn, into);
  }

  /** Reads elements [start, start + count) into `into` (allocated if not given) and returns it. */
  async readElements(start: number, count: number, into?: NpyArray): Promise<NpyArray> {
    const fn = 'NpyReader.readElements';
    index(fn, 'start', start, this.length);
    index(fn, 'count', count, this.length - start);
    const { size, ctor } = ELEMENTS[this.dtype];
    let out: NpyArray;
    if (into === undefined) {
      out = new ctor(count);
    } else {
      out = typedArray(fn, 'into', into, this.dtype) as NpyArray;
      if (lengthOf(out) !== count) throw new RangeError(`${fn}: expected into to have length count ${count}, received ${describe(out)}`);
    }
    this.#check(fn);
    await readExactly(this.#handle, bytesOf(out, size, count), this.dataOffset + start * size, () => this.#changed(fn));
    return out;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }

  #check(fn: string): void {
    if (this.#closed) throw fileError('ERR_SIMDOT_CLOSED', this.path, `${fn}: ${this.path} was closed`);
  }

  #changed(fn: string): FileError {
    return fileError('ERR_SIMDOT_CORRUPT_FILE', this.path, `${fn}: ${this.path} is corrupt: it ended early (was it truncated after it was opened?)`);
  }
}

/** Opens a .npy file and checks its header and length; read it with the reader's read or readElements. */
export async function openNpy(path: string | URL): Promise<NpyReader> {
  return openAs('openNpy', filePath('openNpy', 'path', path));
}

/**
 * Reads a whole .npy file of float32 ('<f4') or int8 ('|i1') data in C order into a new
 * Float32Array or Int8Array, in pieces (any size the typed array can hold).
 */
export async function readNpy(path: string | URL): Promise<{ data: NpyArray; shape: number[] }> {
  const fn = 'readNpy';
  const reader = await openAs(fn, filePath(fn, 'path', path));
  try {
    const { ctor, size } = ELEMENTS[reader.dtype];
    let data: NpyArray;
    try {
      data = new ctor(reader.length);
    } catch (err) {
      throw new RangeError(
        `${fn}: ${reader.path} holds ${reader.length} ${reader.dtype} elements (${reader.length * size} bytes), more than one ` +
          `typed array can hold here (2^32 elements in Node.js 20) or more memory than the process could get ` +
          `(${(err as Error).message}); read it in parts with openNpy`,
        { cause: err },
      );
    }
    await readAs(reader, fn, data);
    return { data, shape: reader.shape };
  } finally {
    await reader.close();
  }
}

async function openAs(fn: string, file: string): Promise<NpyReader> {
  const handle = await open(file, 'r');
  try {
    const { dtype, shape, length, dataOffset } = await readNpyHeader(fn, file, handle);
    return new NpyReader(file, handle, dtype, shape, length, dataOffset);
  } catch (err) {
    await handle.close();
    throw err;
  }
}

async function readNpyHeader(fn: string, file: string, handle: FileHandle): Promise<{ dtype: NpyDtype; shape: number[]; length: number; dataOffset: number }> {
  const corrupt = (what: string): FileError => fileError('ERR_SIMDOT_CORRUPT_FILE', file, `${fn}: ${file} is corrupt: ${what}`);
  const unsupported = (what: string): FileError => fileError('ERR_SIMDOT_UNSUPPORTED_FILE', file, `${fn}: ${file} ${what}`);
  const size = (await handle.stat()).size;
  const prefix = Buffer.alloc(Math.min(size, 12));
  await readExactly(handle, prefix, 0, () => corrupt('it changed while being read'));
  const start = prefix.subarray(0, 6);
  if (!start.equals(MAGIC.subarray(0, start.length))) {
    const hex = [...start].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw fileError('ERR_SIMDOT_UNKNOWN_FORMAT', file, `${fn}: ${file} is not a .npy file: it starts with ${hex}, not 93 4e 55 4d 50 59 ("\\x93NUMPY")`);
  }
  if (size < 8) throw corrupt(`truncated to ${size} bytes, within its magic and version`);
  const major = prefix[6]!;
  const minor = prefix[7]!;
  if (major < 1 || major > 3 || minor !== 0) throw unsupported(`is a .npy file of format version ${major}.${minor}; ${fn} reads 1.0, 2.0 and 3.0`);
  const prefixLength = major === 1 ? 10 : 12;
  if (size < prefixLength) throw corrupt(`truncated to ${size} bytes, within its header length`);
  const headerLength = major === 1 ? prefix.readUInt16LE(8) : prefix.readUInt32LE(8);
  const dataOffset = prefixLength + headerLength;
  if (dataOffset > size) throw corrupt(`truncated: its header length is ${headerLength} bytes, the file has ${size - prefixLength} after the header length`);
  if (headerLength > MAX_HEADER) throw unsupported(`has a header of ${headerLength} bytes; ${fn} reads headers of up to ${MAX_HEADER} bytes, many times what a float32 or int8 array needs`);
  const raw = Buffer.alloc(headerLength);
  await readExactly(handle, raw, prefixLength, () => corrupt('it changed while being read'));
  let text: string;
  try {
    text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(raw) : raw.toString('latin1');
  } catch {
    throw corrupt('its header is not UTF-8, as version 3.0 requires');
  }

  let dict: unknown;
  try {
    dict = parsePython(text, major < 3);
  } catch (err) {
    throw corrupt(`its header is not a Python literal (${(err as Error).message}): ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (!(dict instanceof Map)) throw corrupt(`its header is not a dict: ${JSON.stringify(text.slice(0, 200))}`);
  const keys = [...dict.keys()].map(String).sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    throw corrupt(`its header has the keys ${keys.join(', ')}, not descr, fortran_order and shape`);
  }
  const descr: unknown = dict.get('descr');
  const fortran: unknown = dict.get('fortran_order');
  const shapeValue: unknown = dict.get('shape');
  if (typeof fortran !== 'boolean') throw corrupt(`its fortran_order is not True or False`);
  if (!(shapeValue instanceof Tuple) || !shapeValue.items.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw corrupt(`its shape is not a tuple of non-negative integers`);
  }
  const shape = shapeValue.items as number[];

  const dtype = dtypeOf(descr);
  if (dtype === undefined) {
    const what = typeof descr === 'string' ? `'${descr}'` : 'a structured dtype';
    const order = typeof descr === 'string' && /^[<>]f4$/.test(descr) ? ` (float32 of the other byte order: this machine is ${LITTLE_ENDIAN ? 'little' : 'big'}-endian)` : '';
    throw unsupported(`holds ${what}${order}; ${fn} reads float32 ('${LITTLE_ENDIAN ? '<' : '>'}f4') and int8 ('|i1') arrays`);
  }
  if (fortran) {
    throw unsupported(`holds its data in Fortran (column-major) order; ${fn} reads C order (save numpy.ascontiguousarray(a) instead)`);
  }
  const size1 = ELEMENTS[dtype].size;
  let length = 1;
  for (const d of shape) {
    length *= d;
    if (length * size1 > Number.MAX_SAFE_INTEGER) throw corrupt(`its shape ${shapeRepr(shape)} is larger than any file`);
  }
  const dataBytes = size - dataOffset;
  const need = length * size1;
  if (dataBytes < need) {
    throw corrupt(`truncated: its shape ${shapeRepr(shape)} of ${dtype} needs ${need} bytes of data after its ${dataOffset}-byte header, the file has ${dataBytes}`);
  }
  if (dataBytes > need) {
    throw corrupt(`it has ${dataBytes - need} bytes after the ${need} bytes of data its shape ${shapeRepr(shape)} of ${dtype} needs (a second array saved to the same file?)`);
  }
  return { dtype, shape, length, dataOffset };
}

/** The descr spellings of the two element types: NumPy writes '<f4' and '|i1'; other writers 'i1' and the like. */
function dtypeOf(descr: unknown): NpyDtype | undefined {
  if (typeof descr !== 'string') return undefined;
  if (/^[|<>=]?i1$/.test(descr)) return 'int8';
  if (descr === 'f4' || descr === '=f4' || descr === (LITTLE_ENDIAN ? '<f4' : '>f4')) return 'float32';
  return undefined;
}

/**
 * The subset of Python literals that .npy headers use: dicts, tuples, lists, strings, integers
 * (with Python 2's L suffix in versions 1.0 and 2.0), True, False and None. Throws a SyntaxError.
 */
function parsePython(text: string, python2: boolean): unknown {
  let i = 0;
  const space = /[ \t\r\n\f\v]*/y;
  const token = (re: RegExp): string | undefined => {
    space.lastIndex = i;
    space.exec(text);
    re.lastIndex = space.lastIndex;
    const m = re.exec(text);
    if (!m) return undefined;
    i = re.lastIndex;
    return m[0];
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at character ${i}`);
  };
  const value = (depth: number): unknown => {
    if (depth > 32) fail('nested too deeply');
    const t = token(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[-+]?\d+[lL]?|True|False|None|[{([]/y) ?? fail('expected a value');
    if (t === 'True' || t === 'False') return t === 'True';
    if (t === 'None') return null;
    if (t[0] === "'" || t[0] === '"') return t.slice(1, -1).replace(/\\(.)/g, '$1');
    if (/^[-+]?\d/.test(t)) {
      if (/[lL]$/.test(t) && !python2) fail('an L suffix outside Python 2');
      return Number(t.replace(/[lL]$/, ''));
    }
    const close = t === '{' ? '}' : t === '(' ? ')' : ']';
    const items: unknown[] = [];
    const dict = new Map<unknown, unknown>();
    let comma = false;
    while (token(new RegExp(`\\${close}`, 'y')) === undefined) {
      if (items.length + dict.size > 0 && !comma) fail(`expected , or ${close}`);
      const item = value(depth + 1);
      if (t === '{') {
        if (token(/:/y) === undefined) fail('expected :');
        dict.set(item, value(depth + 1));
      } else {
        items.push(item);
      }
      comma = token(/,/y) !== undefined;
    }
    if (t === '{') return dict;
    if (t === '[') return items;
    return items.length === 1 && !comma ? items[0] : new Tuple(items); // (3) is 3, (3,) a tuple
  };
  const result = value(0);
  space.lastIndex = i;
  space.exec(text);
  if (space.lastIndex !== text.length) {
    i = space.lastIndex;
    fail('unexpected text after the value');
  }
  return result;
}
