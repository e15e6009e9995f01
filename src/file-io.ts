// File input and output shared by the store (store.ts) and .npy (npy.ts) modules: arrays of any
// size streamed in pieces of CHUNK_BYTES with positional reads and writes, so that no Buffer or
// string ever holds a whole file and files past 2 GiB (or 4 GiB) need nothing special; files
// written under a temporary name and renamed into place; the errors that describe a bad file.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { bufferOf, byteOffsetOf, describe, lengthOf, tagOf } from './validate.js';

/** Bytes per read, write and CRC step: large enough for full disk speed, small enough to stage. */
export const CHUNK_BYTES = 16 * 2 ** 20;

export const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The codes of the errors that describe a file rather than an argument (plain Errors, like fs's
 * own errors; each also has `path`):
 * - ERR_SIMDOT_UNKNOWN_FORMAT: the file does not start as the format does (wrong magic): another
 *   kind of file was given.
 * - ERR_SIMDOT_CORRUPT_FILE: it starts as the format does but its bytes disagree with themselves:
 *   truncated, extended, a checksum mismatch, a header that does not parse or is out of range.
 * - ERR_SIMDOT_UNSUPPORTED_FILE: an intact file that this version cannot read: a newer format
 *   version, an element type or layout it does not read, a byte order other than this machine's.
 */
export type FileErrorCode = 'ERR_SIMDOT_UNKNOWN_FORMAT' | 'ERR_SIMDOT_CORRUPT_FILE' | 'ERR_SIMDOT_UNSUPPORTED_FILE';

export interface FileError extends Error {
  code: FileErrorCode | 'ERR_SIMDOT_CLOSED';
  path: string;
}

export function fileError(code: FileError['code'], path: string, message: string): FileError {
  return Object.assign(new Error(message), { code, path });
}

export type ElementType = 'int8' | 'uint8' | 'int32' | 'uint32' | 'float32' | 'float64';

export interface ElementArrays {
  int8: Int8Array;
  uint8: Uint8Array;
  int32: Int32Array;
  uint32: Uint32Array;
  float32: Float32Array;
  float64: Float64Array;
}

export type ElementArray = ElementArrays[ElementType];

interface Element<T> {
  size: number;
  tag: string;
  ctor: { new (length: number): T; new (buffer: ArrayBufferLike, byteOffset: number, length: number): T };
}

export const ELEMENTS: { readonly [T in ElementType]: Element<ElementArrays[T]> } = {
  int8: { size: 1, tag: 'Int8Array', ctor: Int8Array },
  uint8: { size: 1, tag: 'Uint8Array', ctor: Uint8Array },
  int32: { size: 4, tag: 'Int32Array', ctor: Int32Array },
  uint32: { size: 4, tag: 'Uint32Array', ctor: Uint32Array },
  float32: { size: 4, tag: 'Float32Array', ctor: Float32Array },
  float64: { size: 8, tag: 'Float64Array', ctor: Float64Array },
};

/** The first `length` elements of a typed array as bytes, as its internal slots say (see validate.ts). */
export function bytesOf(view: unknown, size: number, length: number): Uint8Array {
  return new Uint8Array(bufferOf(view), byteOffsetOf(view), length * size);
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** A typed array of exactly the class of `type`, or a TypeError naming the parameter. */
export function typedArray(fn: string, name: string, value: unknown, type: ElementType): ElementArray {
  const tag = ELEMENTS[type].tag;
  if (tagOf(value) !== tag) throw new TypeError(`${fn}: expected ${name} to be ${article(tag)} (${type}), received ${describe(value)}`);
  return value as ElementArray;
}

/** A path parameter: a non-empty string or a file: URL. */
export function filePath(fn: string, name: string, value: unknown): string {
  if (value instanceof URL) return fileURLToPath(value);
  if (typeof value !== 'string') throw new TypeError(`${fn}: expected ${name} to be a string or a file: URL, received ${describe(value)}`);
  if (value === '') throw new RangeError(`${fn}: expected ${name} to be a non-empty path, received an empty string`);
  return value;
}

/** A count or position: an integer from 0 to max. */
export function index(fn: string, name: string, value: unknown, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: expected ${name} to be a non-negative integer, received ${describe(value)}`);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${fn}: expected ${name} to be an integer from 0 to ${max}, received ${String(value)}`);
  }
  return value;
}

export const align64 = (n: number): number => Math.ceil(n / 64) * 64;

// The CRC-32 of zlib, gzip and PNG (reflected polynomial 0xEDB88320). zlib.crc32 arrived in
// Node.js 20.15 and 22.2; older Node.js 20 releases, which the package also supports, get the
// same function in JavaScript (about 400 MB/s, a tenth of zlib's).
let table: Int32Array | undefined;
export function crc32js(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
export const crc32: (data: Uint8Array, value?: number) => number = typeof native === 'function' ? native : crc32js;

/** Reads exactly bytes.length bytes at position; a file that ends first gets `short()`'s error. */
export async function readExactly(handle: FileHandle, bytes: Uint8Array, position: number, short: () => Error): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const length = Math.min(bytes.length - done, CHUNK_BYTES);
    const { bytesRead } = await handle.read(bytes, done, length, position + done);
    if (bytesRead === 0) throw short();
    done += bytesRead;
  }
}

export async function writeExactly(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.length - done, CHUNK_BYTES), position + done);
    done += bytesWritten;
  }
}

/**
 * Sequential output through one staging block. Copying the caller's arrays into it first means
 * the CRC is taken of exactly the bytes written, even when another thread is writing to a
 * SharedArrayBuffer being saved. A full block of zeros is skipped rather than written, leaving a
 * hole in the file where the file system supports them (the file's length is set at the end):
 * zero-filled arrays then cost no disk space or write time.
 */
export class Output {
  private readonly block = Buffer.allocUnsafe(CHUNK_BYTES);
  private fill = 0;
  private static zeros: Buffer | undefined;

  constructor(
    private readonly fn: string,
    private readonly handle: FileHandle,
    public position: number,
  ) {}

  /** Appends bytes; returns their CRC-32 continued from `crc`. */
  async put(bytes: Uint8Array, crc = 0): Promise<number> {
    const length = bytes.length;
    for (let at = 0; at < length; ) {
      // The caller's buffer detached or shrunk during a flush: a shrunk one would end the copy early, silently.
      if (bytes.length !== length) throw new TypeError(`${this.fn}: an array was detached or shrunk while it was being written`);
      const n = Math.min(length - at, CHUNK_BYTES - this.fill);
      this.block.set(bytes.subarray(at, at + n), this.fill);
      crc = crc32(this.block.subarray(this.fill, this.fill + n), crc);
      this.fill += n;
      at += n;
      if (this.fill === CHUNK_BYTES) await this.flush();
    }
    return crc;
  }

  /** Appends zeros up to the given position. */
  async padTo(position: number): Promise<void> {
    await this.put(new Uint8Array(position - this.position - this.fill));
  }

  async flush(): Promise<void> {
    const data = this.block.subarray(0, this.fill);
    const zeros = (Output.zeros ??= Buffer.alloc(CHUNK_BYTES));
    if (this.fill < CHUNK_BYTES || !data.equals(zeros)) await writeExactly(this.handle, data, this.position);
    this.position += this.fill;
    this.fill = 0;
  }
}

/**
 * Writes a file under a temporary name in the same directory (so the rename stays within one
 * file system), flushes it to disk, and renames it over `path`: a crash or an error leaves either
 * the old file or the new one under `path`, never a part of one. The temporary file is removed
 * on error. `write` writes the whole file and returns its length.
 */
export async function writeAtomically(path: string, write: (handle: FileHandle) => Promise<number>): Promise<void> {
  const dir = dirname(path);
  // Hidden, unique, and within the usual 255-byte limit on a name.
  const temp = join(dir, `.${basename(path).slice(0, 200)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  let closed = false;
  try {
    const length = await write(handle);
    await handle.truncate(length); // a file whose last blocks were holes is still its full length
    await handle.sync();
    await handle.close();
    closed = true;
    await rename(temp, path);
  } catch (err) {
    if (!closed) await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw err;
  }
  // The rename is durable once the directory is flushed too. Windows cannot open a directory,
  // and some file systems refuse to flush one: the file itself is complete either way.
  if (process.platform !== 'win32') {
    try {
      const d = await open(dir, 'r');
      await d.sync().finally(() => d.close());
    } catch {
      // best effort
    }
  }
}

/** Where `read` puts an array: one typed array of the whole length, or a function giving pieces. */
export type Into<T> = T | ((start: number, count: number) => T);

/**
 * Streams `length` elements of `type` from `position` into `into`, in pieces of at most
 * CHUNK_BYTES; returns the CRC-32 of the bytes read (0 without `withCrc`).
 * `into(start, count)` returns where elements [start, start + n) go, for an n from 1 to count of
 * its choosing (its length), so that the destination may be split anywhere, e.g. over several
 * SharedArrayBuffers. `check` runs before each piece (a closed reader throws there).
 */
export async function readInto(
  fn: string,
  handle: FileHandle,
  type: ElementType,
  length: number,
  position: number,
  into: unknown,
  short: () => Error,
  check: () => void,
  withCrc: boolean,
): Promise<number> {
  const { size, tag, ctor } = ELEMENTS[type];
  let piece: (start: number, count: number) => unknown;
  if (typeof into === 'function') {
    piece = into as (start: number, count: number) => unknown;
  } else {
    const whole = typedArray(fn, 'into', into, type);
    const got = lengthOf(whole);
    if (got !== length) throw new RangeError(`${fn}: expected into to have length ${length}, received length ${got}`);
    const buffer = bufferOf(whole);
    const offset = byteOffsetOf(whole);
    piece = (start, count) => new ctor(buffer, offset + start * size, count);
  }
  const most = Math.floor(CHUNK_BYTES / size);
  let crc = 0;
  for (let start = 0; start < length; ) {
    check();
    const count = Math.min(length - start, most);
    const view = piece(start, count);
    if (tagOf(view) !== tag) {
      throw new TypeError(`${fn}: expected into(${start}, ${count}) to return ${article(tag)}, received ${describe(view)}`);
    }
    const n = lengthOf(view);
    if (n < 1 || n > count) {
      throw new RangeError(`${fn}: expected into(${start}, ${count}) to return 1 to ${count} elements, received ${describe(view)}`);
    }
    const bytes = bytesOf(view, size, n);
    await readExactly(handle, bytes, position + start * size, short);
    if (withCrc) crc = crc32(bytes, crc);
    start += n;
  }
  return crc;
}
