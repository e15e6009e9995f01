// A container file for an index: a JSON metadata object and named typed arrays of any size, each
// array checked by a CRC-32, written in one pass and read back in pieces into memory the caller
// provides (several SharedArrayBuffers, say), or a few elements at a time.
//
// Errors: a wrong kind of argument is a TypeError, a wrong value a RangeError, as everywhere in
// simdot. A bad file is a plain Error with `path` and a `code` (see file-io.ts):
// ERR_SIMDOT_UNKNOWN_FORMAT (not a store file), ERR_SIMDOT_CORRUPT_FILE (truncated, extended, a
// CRC mismatch, fields out of range), ERR_SIMDOT_UNSUPPORTED_FILE (an intact file of a later
// format version). The file system's own errors (ENOENT, EACCES...) pass through as they are.
//
// File format, version 1. All integers are little-endian, unsigned; u64 values are below 2^53.
//
//   offset  size  field
//   0       8     magic: the bytes 53 49 4D 44 4F 54 00 00 ("SIMDOT\0\0")
//   8       4     format version: 1
//   12      4     header length H: bytes [0, H) are the header, from the magic to its CRC
//   16      8     file length in bytes: a multiple of 64
//   24      4     metadata length M
//   28      4     array count N
//   32      M     metadata: a JSON object, UTF-8
//   32 + M  ...   N table entries, one after the other, each 24 + L bytes:
//                   0   8  data offset: a multiple of 64, at or after H
//                   8   8  element count
//                   16  4  CRC-32 of the data bytes
//                   20  1  element type: 1 int8, 2 uint8, 3 int32, 4 uint32, 5 float32, 6 float64
//                   21  1  0
//                   22  2  name length L, at least 1
//                   24  L  name, UTF-8; names are unique
//   H - 4   4     CRC-32 of bytes [0, H - 4)
//
// The data of each array is its elements, little-endian, at its data offset, count * element
// size bytes. The arrays' data lie in table order and do not overlap; the writer places each at
// the first multiple of 64 at or after the end of the previous one (or of the header) and
// zero-fills the gaps and the end of the file up to a multiple of 64. Readers ignore the bytes in
// the gaps, and require the file to be exactly as long as its header says.
// The CRC-32 is that of zlib, gzip and PNG (reflected polynomial 0xEDB88320, initial value and
// final XOR 0xFFFFFFFF). Every later version keeps the magic, the version and H where they are
// and the CRC-32 in the last 4 bytes of the header, so that a reader can tell a damaged file (its
// header CRC fails) from an intact one of a version it does not know.
import { open, type FileHandle } from 'node:fs/promises';
import { readSync } from 'node:fs';
import {
  align64,
  bytesOf,
  crc32,
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
  writeExactly,
  type ElementArray,
  type ElementArrays,
  type ElementType,
  type FileError,
  type Into,
} from './file-io.js';
import { describe, lengthOf } from './validate.js';

export type { ElementArray, ElementArrays, ElementType, FileError, Into };

const MAGIC = Buffer.from('SIMDOT\0\0', 'latin1');
const VERSION = 1;
const FIXED = 32; // the header before the metadata
const ENTRY = 24; // a table entry before its name
const CODES: readonly ElementType[] = ['int8', 'uint8', 'int32', 'uint32', 'float32', 'float64']; // code - 1

/** One named array to write: its element type and its elements, in order, over any number of chunks. */
export interface StoreArray {
  name: string;
  type: ElementType;
  chunks: ArrayBufferView[];
}

export interface StoreArrayInfo {
  type: ElementType;
  /** Number of elements. */
  length: number;
}

interface Entry extends StoreArrayInfo {
  name: string;
  offset: number;
  crc: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The name as UTF-8; a string that UTF-8 cannot carry unchanged (a lone surrogate) is refused. */
function nameBytes(fn: string, where: string, name: unknown): Uint8Array {
  if (typeof name !== 'string') throw new TypeError(`${fn}: expected ${where} to be a string, received ${describe(name)}`);
  const bytes = encoder.encode(name);
  if (bytes.length === 0 || bytes.length > 0xffff || decoder.decode(bytes) !== name) {
    throw new RangeError(`${fn}: expected ${where} to be well-formed Unicode of 1 to 65535 UTF-8 bytes, received ${describe(name)}`);
  }
  return bytes;
}

/**
 * Writes `meta` (any JSON-able object) and `arrays` to `path`: first to a temporary file in the
 * same directory, which is flushed to disk and then renamed over `path`, so that `path` holds
 * either its old content or the whole new file, whatever happens. Each array's chunks are
 * written one after the other as one array; they may be views on any buffers, shared ones
 * included. A chunk must not shrink or be detached while the promise is pending.
 */
export async function writeStore(path: string | URL, meta: object, arrays: readonly StoreArray[]): Promise<void> {
  const fn = 'writeStore';
  const file = filePath(fn, 'path', path);
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new TypeError(`${fn}: expected meta to be an object, received ${describe(meta)}`);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(meta);
  } catch (err) {
    throw new TypeError(`${fn}: expected meta to be JSON-able, but JSON.stringify threw: ${(err as Error).message}`);
  }
  if (json === undefined || !json.startsWith('{')) {
    throw new TypeError(`${fn}: expected meta to be JSON-able as an object, received one that JSON.stringify turns into ${json ?? 'undefined'}`);
  }
  const metaBytes = encoder.encode(json);
  if (!Array.isArray(arrays)) throw new TypeError(`${fn}: expected arrays to be an array, received ${describe(arrays)}`);

  const names = new Set<string>();
  const plan = arrays.map((array: unknown, i) => {
    const where = `arrays[${i}]`;
    if (typeof array !== 'object' || array === null) throw new TypeError(`${fn}: expected ${where} to be an object, received ${describe(array)}`);
    const { name, type, chunks } = array as Record<string, unknown>;
    const nameUtf8 = nameBytes(fn, `${where}.name`, name);
    if (names.has(name as string)) throw new RangeError(`${fn}: expected unique array names, received ${describe(name)} twice`);
    names.add(name as string);
    if (typeof type !== 'string') throw new TypeError(`${fn}: expected ${where}.type to be a string, received ${describe(type)}`);
    if (!(CODES as readonly string[]).includes(type)) {
      throw new RangeError(`${fn}: expected ${where}.type to be one of ${CODES.join(', ')}, received ${describe(type)}`);
    }
    const t = type as ElementType;
    if (!Array.isArray(chunks)) throw new TypeError(`${fn}: expected ${where}.chunks to be an array of typed arrays, received ${describe(chunks)}`);
    // The lengths are taken now: a chunk that shrinks later fails its write rather than changing the layout.
    const parts = chunks.map((chunk: unknown, j) => {
      const view = typedArray(fn, `${where}.chunks[${j}]`, chunk, t);
      return { view, length: lengthOf(view) };
    });
    const length = parts.reduce((sum, p) => sum + p.length, 0);
    return { name: name as string, nameUtf8, type: t, parts, length, offset: 0, crc: 0 };
  });

  const headerLength = FIXED + metaBytes.length + plan.reduce((sum, a) => sum + ENTRY + a.nameUtf8.length, 0) + 4;
  if (headerLength > 0xffffffff) throw new RangeError(`${fn}: the metadata and names take ${headerLength} bytes, more than a header holds (4 GiB)`);
  let end = headerLength;
  for (const a of plan) {
    a.offset = align64(end);
    end = a.offset + a.length * ELEMENTS[a.type].size;
  }
  const fileLength = align64(end);
  if (!LITTLE_ENDIAN && plan.some((a) => ELEMENTS[a.type].size > 1)) {
    throw fileError('ERR_SIMDOT_UNSUPPORTED_FILE', file, `${fn}: store files are little-endian, and this machine is big-endian`);
  }

  await writeAtomically(file, async (handle) => {
    const out = new Output(fn, handle, align64(headerLength));
    for (const a of plan) {
      await out.padTo(a.offset);
      for (const { view, length } of a.parts) a.crc = await out.put(bytesOf(view, ELEMENTS[a.type].size, length), a.crc);
    }
    await out.padTo(fileLength);
    await out.flush();

    const header = Buffer.alloc(headerLength);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(VERSION, 8);
    header.writeUInt32LE(headerLength, 12);
    header.writeBigUInt64LE(BigInt(fileLength), 16);
    header.writeUInt32LE(metaBytes.length, 24);
    header.writeUInt32LE(plan.length, 28);
    header.set(metaBytes, FIXED);
    let at = FIXED + metaBytes.length;
    for (const a of plan) {
      header.writeBigUInt64LE(BigInt(a.offset), at);
      header.writeBigUInt64LE(BigInt(a.length), at + 8);
      header.writeUInt32LE(a.crc, at + 16);
      header.writeUInt8(CODES.indexOf(a.type) + 1, at + 20);
      header.writeUInt16LE(a.nameUtf8.length, at + 22);
      header.set(a.nameUtf8, at + ENTRY);
      at += ENTRY + a.nameUtf8.length;
    }
    header.writeUInt32LE(crc32(header.subarray(0, headerLength - 4)), headerLength - 4);
    await writeExactly(handle, header, 0);
    return fileLength;
  });
}

/**
 * Opens a store file and checks its header: magic, header CRC, version, file length, and that
 * every array lies within the file. The arrays' own CRCs are checked as `read` reads them.
 */
export async function openStore(path: string | URL): Promise<StoreReader> {
  const file = filePath('openStore', 'path', path);
  const handle = await open(file, 'r');
  try {
    return new StoreReader(file, handle, await readHeader(file, handle));
  } catch (err) {
    await handle.close();
    throw err;
  }
}

interface Header {
  meta: Record<string, unknown>;
  entries: Entry[];
}

async function readHeader(file: string, handle: FileHandle): Promise<Header> {
  const corrupt = (what: string): FileError => fileError('ERR_SIMDOT_CORRUPT_FILE', file, `openStore: ${file} is corrupt: ${what}`);
  const size = (await handle.stat()).size;
  const fixed = Buffer.alloc(Math.min(size, FIXED));
  await readExactly(handle, fixed, 0, () => corrupt('it changed while being read'));
  const start = fixed.subarray(0, 8);
  if (!start.equals(MAGIC.subarray(0, start.length))) {
    const hex = [...start].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw fileError('ERR_SIMDOT_UNKNOWN_FORMAT', file, `openStore: ${file} is not a simdot store file: it starts with ${hex}, not 53 49 4d 44 4f 54 00 00 ("SIMDOT\\0\\0")`);
  }
  if (size < FIXED) throw corrupt(`truncated to ${size} bytes, shorter than the ${FIXED}-byte start of a header`);
  const headerLength = fixed.readUInt32LE(12);
  if (headerLength < FIXED + 4) throw corrupt(`its header length ${headerLength} is below the least possible, ${FIXED + 4}`);
  if (headerLength > size) throw corrupt(`truncated: its header length is ${headerLength} bytes, the file has ${size}`);

  const header = Buffer.alloc(headerLength);
  await readExactly(handle, header, 0, () => corrupt('it changed while being read'));
  const stored = header.readUInt32LE(headerLength - 4);
  const actual = crc32(header.subarray(0, headerLength - 4));
  if (stored !== actual) throw corrupt(`the header's CRC-32 is 0x${hex32(actual)}, its last 4 bytes say 0x${hex32(stored)}`);
  const version = header.readUInt32LE(8);
  if (version !== VERSION) {
    throw fileError('ERR_SIMDOT_UNSUPPORTED_FILE', file, `openStore: ${file} is a store of format version ${version}; this simdot reads version ${VERSION}`);
  }
  // From here on the header is as its writer wrote it: a field out of range is a writer's bug, or
  // damage that the CRC happened not to catch.
  const fileLength = u64(header, 16, corrupt);
  if (fileLength !== size) {
    throw corrupt(size < fileLength ? `truncated: it has ${size} bytes, its header says ${fileLength}` : `it has ${size} bytes, ${size - fileLength} more than its header says (${fileLength})`);
  }
  const metaLength = header.readUInt32LE(24);
  const count = header.readUInt32LE(28);
  const tableEnd = headerLength - 4;
  if (FIXED + metaLength > tableEnd) throw corrupt(`its metadata length ${metaLength} runs past the header's end`);
  let meta: unknown;
  try {
    meta = JSON.parse(decoder.decode(header.subarray(FIXED, FIXED + metaLength)));
  } catch (err) {
    throw corrupt(`its metadata is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw corrupt('its metadata is not a JSON object');

  const entries: Entry[] = [];
  const names = new Set<string>();
  let at = FIXED + metaLength;
  let dataEnd = headerLength;
  for (let i = 0; i < count; i++) {
    if (at + ENTRY > tableEnd) throw corrupt(`its table ends after ${i} of ${count} arrays`);
    const offset = u64(header, at, corrupt);
    const length = u64(header, at + 8, corrupt);
    const code = header.readUInt8(at + 20);
    const nameLength = header.readUInt16LE(at + 22);
    const type = CODES[code - 1];
    if (type === undefined) throw corrupt(`array ${i} has an unknown element type (${code})`);
    if (header.readUInt8(at + 21) !== 0) throw corrupt(`array ${i} has a nonzero byte where a zero belongs (table entry byte 21)`);
    if (nameLength === 0 || at + ENTRY + nameLength > tableEnd) throw corrupt(`the name of array ${i} runs past the header's end`);
    let name: string;
    try {
      name = decoder.decode(header.subarray(at + ENTRY, at + ENTRY + nameLength));
    } catch {
      throw corrupt(`the name of array ${i} is not UTF-8`);
    }
    if (names.has(name)) throw corrupt(`two arrays are named ${JSON.stringify(name)}`);
    names.add(name);
    const bytes = length * ELEMENTS[type].size;
    if (offset % 64 !== 0 || offset < dataEnd || offset + bytes > fileLength) {
      throw corrupt(`array ${JSON.stringify(name)} (${bytes} bytes at ${offset}) is misplaced: it must start on a multiple of 64 at or after ${dataEnd} and end by ${fileLength}`);
    }
    dataEnd = offset + bytes;
    entries.push({ name, type, length, offset, crc: header.readUInt32LE(at + 16) });
    at += ENTRY + nameLength;
  }
  if (at !== tableEnd) throw corrupt(`${tableEnd - at} bytes are left between its table and the header's CRC`);
  return { meta: meta as Record<string, unknown>, entries };
}

function u64(buffer: Buffer, at: number, corrupt: (what: string) => Error): number {
  const value = buffer.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`a size or offset in its header, ${value}, is past 2^53`);
  return Number(value);
}

const hex32 = (n: number): string => n.toString(16).padStart(8, '0');

/** An open store file. Its reads may run concurrently; close it when done. */
export class StoreReader {
  /** The metadata object given to writeStore. */
  readonly meta: Record<string, unknown>;
  /** Each array's element type and number of elements, in the file's order. */
  readonly arrays: ReadonlyMap<string, StoreArrayInfo>;
  readonly #handle: FileHandle;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  /** @internal Use openStore. */
  constructor(
    readonly path: string,
    handle: FileHandle,
    header: Header,
  ) {
    this.#handle = handle;
    this.meta = header.meta;
    for (const e of header.entries) this.#entries.set(e.name, e);
    this.arrays = new Map(header.entries.map((e) => [e.name, { type: e.type, length: e.length }]));
  }

  /**
   * Streams array `name` into memory of yours and checks its CRC-32 on the way. `into` is a typed
   * array of the array's type and exact length, or a function called as `into(start, count)` for
   * each piece: it returns a typed array of the array's type with 1 to `count` elements, which
   * receives elements [start, start + its length); the next call starts after them. So a piece
   * can end at the end of one of your buffers, and the next go to another. Pieces are at most 16
   * MiB. On a CRC mismatch the promise rejects with an ERR_SIMDOT_CORRUPT_FILE error after all
   * the elements were written to your memory: discard them.
   */
  async read(name: string, into: Into<ElementArray>): Promise<void> {
    const fn = 'StoreReader.read';
    const e = this.#entry(fn, name);
    this.#check(fn, e);
    const crc = await readInto(fn, this.#handle, e.type, e.length, e.offset, into, () => this.#changed(fn), () => this.#check(fn, e), true);
    if (crc !== e.crc) {
      throw fileError(
        'ERR_SIMDOT_CORRUPT_FILE',
        this.path,
        `${fn}: ${this.path} is corrupt: the data of array ${JSON.stringify(name)} has CRC-32 0x${hex32(crc)}, its header says 0x${hex32(e.crc)}; discard what was read`,
      );
    }
  }

  /**
   * Reads elements [start, start + count) of array `name` into `into` (a typed array of the
   * array's type and length `count`; allocated if not given) and returns it: one positional read
   * (pieces of 16 MiB), for a few rows at a time. A part of an array has no CRC of its own: this
   * does not check one.
   */
  async readElements<T extends ElementType = ElementType>(name: string, start: number, count: number, into?: ElementArrays[T]): Promise<ElementArrays[T]> {
    const fn = 'StoreReader.readElements';
    const e = this.#entry(fn, name);
    index(fn, 'start', start, e.length);
    index(fn, 'count', count, e.length - start);
    const { size, ctor } = ELEMENTS[e.type];
    let out: ElementArray;
    if (into === undefined) {
      out = new ctor(count);
    } else {
      out = typedArray(fn, 'into', into, e.type);
      if (lengthOf(out) !== count) throw new RangeError(`${fn}: expected into to have length count ${count}, received ${describe(out)}`);
    }
    this.#check(fn, e);
    await readExactly(this.#handle, bytesOf(out, size, count), e.offset + start * size, () => this.#changed(fn));
    return out as ElementArrays[T];
  }

  /**
   * readElements, synchronously (positional reads on the open file): for a caller that cannot
   * wait, such as a synchronous search rescoring a few rows whose originals stayed on disk.
   */
  readElementsSync<T extends ElementType = ElementType>(name: string, start: number, count: number, into?: ElementArrays[T]): ElementArrays[T] {
    const fn = 'StoreReader.readElementsSync';
    const e = this.#entry(fn, name);
    index(fn, 'start', start, e.length);
    index(fn, 'count', count, e.length - start);
    const { size, ctor } = ELEMENTS[e.type];
    let out: ElementArray;
    if (into === undefined) {
      out = new ctor(count);
    } else {
      out = typedArray(fn, 'into', into, e.type);
      if (lengthOf(out) !== count) throw new RangeError(`${fn}: expected into to have length count ${count}, received ${describe(out)}`);
    }
    this.#check(fn, e);
    const bytes = bytesOf(out, size, count);
    for (let done = 0; done < bytes.length; ) {
      const n = readSync(this.#handle.fd, bytes, done, bytes.length - done, e.offset + start * size + done);
      if (n === 0) throw this.#changed(fn);
      done += n;
    }
    return out as ElementArrays[T];
  }

  /** Closes the file; later reads reject. Reads still in flight may fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }

  #entry(fn: string, name: unknown): Entry {
    if (typeof name !== 'string') throw new TypeError(`${fn}: expected name to be a string, received ${describe(name)}`);
    const e = this.#entries.get(name);
    if (!e) {
      const known = [...this.#entries.keys()].map((n) => JSON.stringify(n));
      throw new RangeError(`${fn}: expected name to be one of ${known.length ? known.join(', ') : '(none: the store has no arrays)'}, received ${describe(name)}`);
    }
    return e;
  }

  #check(fn: string, e: Entry): void {
    if (this.#closed) throw fileError('ERR_SIMDOT_CLOSED', this.path, `${fn}: ${this.path} was closed`);
    if (!LITTLE_ENDIAN && ELEMENTS[e.type].size > 1) {
      throw fileError('ERR_SIMDOT_UNSUPPORTED_FILE', this.path, `${fn}: store files are little-endian, and this machine is big-endian`);
    }
  }

  #changed(fn: string): FileError {
    return fileError('ERR_SIMDOT_CORRUPT_FILE', this.path, `${fn}: ${this.path} is corrupt: it ended early (was it truncated after it was opened?)`);
  }
}
