// The store file (src/store.ts): round trips of every element type over several chunks, the
// layout its header comment documents (checked here by a reader written from that comment
// alone), every kind of damage detected with its error code, the temporary file renamed into
// place (also across a killed writer), random access, and a file past 2 GiB.
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32, crc32js, Output, type ElementArray, type ElementType } from '../src/file-io.js';
import { openStore, writeStore, type StoreArray } from '../src/store.js';

const dir = mkdtempSync(join(tmpdir(), 'simdot-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `s${n++}.simdot`);

const TYPES: { type: ElementType; make: (n: number) => ElementArray; value: (i: number) => number }[] = [
  { type: 'int8', make: (k) => new Int8Array(k), value: (i) => ((i * 37) % 256) - 128 },
  { type: 'uint8', make: (k) => new Uint8Array(k), value: (i) => (i * 91) % 256 },
  { type: 'int32', make: (k) => new Int32Array(k), value: (i) => (i * 2654435761) | 0 },
  { type: 'uint32', make: (k) => new Uint32Array(k), value: (i) => (i * 2246822519) >>> 0 },
  { type: 'float32', make: (k) => new Float32Array(k), value: (i) => Math.fround(i / 7 - 1e3) },
  { type: 'float64', make: (k) => new Float64Array(k), value: (i) => i / 3 + 1e-300 },
];

/** `length` elements of a pattern, split into chunks of the given sizes (the last takes the rest), on a SharedArrayBuffer where `shared`. */
function chunked(t: (typeof TYPES)[number], length: number, sizes: number[], shared = false): ArrayBufferView[] {
  const all = t.make(0).constructor as new (b: ArrayBufferLike, o?: number, n?: number) => ElementArray;
  const size = t.make(1).BYTES_PER_ELEMENT;
  const chunks: ArrayBufferView[] = [];
  for (let start = 0, i = 0; start < length || i === 0; i++) {
    const count = Math.min(sizes[i] ?? length - start, length - start);
    // A view a few elements into its buffer: chunks need not start at a buffer's start.
    const buffer = shared ? new SharedArrayBuffer((count + 3) * size) : new ArrayBuffer((count + 3) * size);
    const view = new all(buffer, 2 * size, count);
    for (let j = 0; j < count; j++) view[j] = t.value(start + j);
    chunks.push(view);
    start += count;
  }
  return chunks;
}

function expectPattern(t: (typeof TYPES)[number], data: ArrayLike<number>, start = 0): void {
  for (let i = 0; i < data.length; i++) {
    if (!Object.is(data[i], t.value(start + i))) expect.fail(`${t.type} element ${start + i}: ${data[i]} != ${t.value(start + i)}`);
  }
}

/** A reader written from the format comment at the top of src/store.ts, to hold the writer to it. */
function parseByTheComment(bytes: Buffer) {
  expect(bytes.subarray(0, 8).toString('latin1')).toBe('SIMDOT\0\0');
  const version = bytes.readUInt32LE(8);
  const h = bytes.readUInt32LE(12);
  const fileLength = Number(bytes.readBigUInt64LE(16));
  const m = bytes.readUInt32LE(24);
  const count = bytes.readUInt32LE(28);
  expect(bytes.readUInt32LE(h - 4)).toBe(crc32js(bytes.subarray(0, h - 4)));
  const meta = JSON.parse(bytes.subarray(32, 32 + m).toString('utf8'));
  const arrays = [];
  let at = 32 + m;
  for (let i = 0; i < count; i++) {
    const name = bytes.subarray(at + 24, at + 24 + bytes.readUInt16LE(at + 22)).toString('utf8');
    arrays.push({ name, offset: Number(bytes.readBigUInt64LE(at)), length: Number(bytes.readBigUInt64LE(at + 8)), crc: bytes.readUInt32LE(at + 16), code: bytes[at + 20]!, zero: bytes[at + 21] });
    at += 24 + bytes.readUInt16LE(at + 22);
  }
  expect(at).toBe(h - 4);
  return { version, h, fileLength, meta, arrays };
}

async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<Error> {
  const err = await promise.then(
    () => expect.fail(`resolved; expected ${code}`),
    (e: unknown) => e as Error & { code?: string },
  );
  expect(err, String(err)).toBeInstanceOf(Error);
  expect(err.constructor).toBe(Error);
  expect((err as { code?: string }).code, String(err)).toBe(code);
  if (message) expect(err.message).toMatch(message);
  return err;
}

describe('CRC-32', () => {
  it('the JavaScript fallback equals zlib, whole and in parts', () => {
    expect(crc32js(Buffer.from('123456789'))).toBe(0xcbf43926);
    const data = randomFillSync(new Uint8Array(100_003));
    expect(crc32js(data)).toBe(crc32(data));
    expect(crc32js(data.subarray(50_000), crc32js(data.subarray(0, 50_000)))).toBe(crc32(data));
    expect(crc32js(new Uint8Array(0))).toBe(0);
  });
});

describe('round trips', () => {
  it('every element type over several chunks of odd sizes, plain and shared, read whole, in pieces and in part', async () => {
    const file = fresh();
    const arrays: StoreArray[] = [];
    const lengths = [0, 1, 7, 64, 1000, 65_537];
    for (const t of TYPES) {
      for (const length of lengths) {
        arrays.push({ name: `${t.type}-${length}`, type: t.type, chunks: chunked(t, length, [3, 1, 0, 500, 1], length % 2 === 1) });
      }
      arrays.push({ name: `${t.type}-none`, type: t.type, chunks: [] });
    }
    const meta = { dim: 384, metric: 'cosine', nested: { keys: ['ä', '鍵', '🔑'], n: null, f: 0.1 }, empty: [] };
    await writeStore(file, meta, arrays);

    const bytes = readFileSync(file);
    const parsed = parseByTheComment(bytes);
    expect(parsed.version).toBe(1);
    expect(parsed.fileLength).toBe(bytes.length);
    expect(bytes.length % 64).toBe(0);
    expect(parsed.meta).toEqual(meta);
    let end = parsed.h;
    for (const [i, a] of parsed.arrays.entries()) {
      const t = TYPES.find((x) => x.type === arrays[i]!.type)!;
      const size = t.make(1).BYTES_PER_ELEMENT;
      expect(a.name).toBe(arrays[i]!.name);
      expect(a.code).toBe(TYPES.indexOf(t) + 1);
      expect(a.zero).toBe(0);
      expect(a.offset).toBe(Math.ceil(end / 64) * 64); // the first multiple of 64 after the previous array
      expect(a.crc).toBe(crc32js(bytes.subarray(a.offset, a.offset + a.length * size)));
      expectPattern(t, readLE(bytes, a.offset, a.length, t.type));
      end = a.offset + a.length * size;
    }

    const store = await openStore(file);
    try {
      expect(store.meta).toEqual(meta);
      expect([...store.arrays.keys()]).toEqual(arrays.map((a) => a.name));
      for (const a of arrays) {
        const t = TYPES.find((x) => x.type === a.type)!;
        const { type, length } = store.arrays.get(a.name)!;
        expect(type).toBe(a.type);
        // Whole, into one array.
        const whole = t.make(length);
        await store.read(a.name, whole);
        expectPattern(t, whole);
        // In pieces that end wherever the destination says: here, a new buffer every `step` elements.
        const step = length > 1000 ? 4099 : 5;
        const pieces: ElementArray[] = [];
        await store.read(a.name, (start, count) => {
          expect(start).toBe(pieces.reduce((s, p) => s + p.length, 0));
          const piece = t.make(Math.min(count, step));
          pieces.push(piece);
          return piece;
        });
        pieces.forEach((p, i) => expectPattern(t, p, i * step));
        expect(pieces.reduce((s, p) => s + p.length, 0)).toBe(length);
        // Random access.
        for (const [start, count] of [[0, Math.min(length, 3)], [length, 0], [Math.floor(length / 2), Math.min(2, length - Math.floor(length / 2))]] as const) {
          expectPattern(t, await store.readElements(a.name, start, count), start);
          const into = t.make(count);
          expect(await store.readElements(a.name, start, count, into)).toBe(into);
          expectPattern(t, into, start);
        }
      }
    } finally {
      await store.close();
    }
  });

  it('an array larger than one read (16 MiB) streams into SharedArrayBuffer chunks whose ends fall anywhere', async () => {
    const file = fresh();
    const t = TYPES[4]!; // float32
    const length = 9_000_001; // 36 MB: three reads
    await writeStore(file, {}, [{ name: 'rows', type: 'float32', chunks: chunked(t, length, [4_000_000, 123, 4_999_999], true) }]);
    const store = await openStore(file);
    const per = 1_000_003; // the destination: SharedArrayBuffers of this many elements each
    const dest: Float32Array[] = [];
    const calls: [number, number][] = [];
    await store.read('rows', (start, count) => {
      calls.push([start, count]);
      const c = Math.floor(start / per);
      dest[c] ??= new Float32Array(new SharedArrayBuffer(Math.min(per, length - c * per) * 4));
      const off = start - c * per;
      return dest[c]!.subarray(off, Math.min(off + count, dest[c]!.length));
    });
    await store.close();
    expect(Math.max(...calls.map(([, count]) => count))).toBe(4 * 2 ** 20); // 16 MiB of float32
    dest.forEach((d, c) => expectPattern(t, d, c * per));
    expect(dest.reduce((s, d) => s + d.length, 0)).toBe(length);
  });

  it('accepts a file: URL, and an empty store', async () => {
    const file = fresh();
    await writeStore(pathToFileURL(file), {}, []);
    const store = await openStore(file);
    expect(store.meta).toEqual({});
    expect(store.arrays.size).toBe(0);
    await expect(store.read('x', new Int8Array(0))).rejects.toThrow(/expected name to be one of \(none/);
    await store.close();
    await store.close(); // twice is fine
  });
});

/** The elements of a little-endian array in a buffer. */
function readLE(bytes: Buffer, offset: number, length: number, type: ElementType): number[] {
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const at = offset + i * { int8: 1, uint8: 1, int32: 4, uint32: 4, float32: 4, float64: 8 }[type];
    out.push(
      type === 'uint8' ? bytes.readUInt8(at) : type === 'int32' ? bytes.readInt32LE(at) : type === 'uint32' ? bytes.readUInt32LE(at)
        : type === 'float32' ? bytes.readFloatLE(at) : type === 'float64' ? bytes.readDoubleLE(at) : bytes.readInt8(at),
    );
  }
  return out;
}

describe('damage', () => {
  let good: Buffer;
  let h: number;
  let offsets: Map<string, number>;
  beforeAll(async () => {
    const file = fresh();
    await writeStore(file, { dim: 3, note: 'damage' }, [
      { name: 'rows', type: 'int8', chunks: [new Int8Array([1, 2, 3, 4, 5, 6])] },
      { name: 'vecs', type: 'float32', chunks: [new Float32Array([0.5, 0.25])] },
      { name: 'none', type: 'uint32', chunks: [] },
    ]);
    good = readFileSync(file);
    const parsed = parseByTheComment(good);
    h = parsed.h;
    offsets = new Map(parsed.arrays.map((a) => [a.name, a.offset]));
  });

  const withBytes = (bytes: Uint8Array): string => {
    const file = fresh();
    writeFileSync(file, bytes);
    return file;
  };
  /** The good file with `patch` applied to its header and the header CRC made right again. */
  const patched = (patch: (b: Buffer) => void, fixCrc = true): string => {
    const b = Buffer.from(good);
    patch(b);
    if (fixCrc) b.writeUInt32LE(crc32(b.subarray(0, h - 4)), h - 4);
    return withBytes(b);
  };

  it('a file truncated anywhere', async () => {
    const ends = [0, 1, 5, 8, 12, 20, 31, 32, 40, h - 4, h - 1, h, offsets.get('rows')! + 3, offsets.get('vecs')! + 4, good.length - 1];
    for (const end of ends) {
      const err = await expectCode(openStore(withBytes(good.subarray(0, end))), 'ERR_SIMDOT_CORRUPT_FILE', /is corrupt: truncated/);
      expect((err as { path?: string }).path).toMatch(/\.simdot$/);
    }
  });

  it('a file with bytes appended', async () => {
    await expectCode(openStore(withBytes(Buffer.concat([good, Buffer.alloc(64)]))), 'ERR_SIMDOT_CORRUPT_FILE', /64 more than its header says/);
  });

  it('every single flipped byte of the header', async () => {
    for (let at = 0; at < h; at++) {
      const file = patched((b) => (b[at] ^= 0x20), false);
      const err = await expectCode(openStore(file), at < 8 ? 'ERR_SIMDOT_UNKNOWN_FORMAT' : 'ERR_SIMDOT_CORRUPT_FILE');
      expect(err.message).toContain(file);
    }
  });

  it('a wrong magic says what the file starts with', async () => {
    const npy = Buffer.from("\x93NUMPY\x01\x00v\x00{'descr': '|i1', ", 'latin1');
    await expectCode(openStore(withBytes(npy)), 'ERR_SIMDOT_UNKNOWN_FORMAT', /is not a simdot store file: it starts with 93 4e 55 4d 50 59 01 00/);
    await expectCode(openStore(withBytes(Buffer.from('SIMDOS'))), 'ERR_SIMDOT_UNKNOWN_FORMAT', /starts with 53 49 4d 44 4f 53,/);
  });

  it('an intact header of another version is unsupported, not corrupt', async () => {
    await expectCode(openStore(patched((b) => b.writeUInt32LE(2, 8))), 'ERR_SIMDOT_UNSUPPORTED_FILE', /format version 2; this simdot reads version 1/);
  });

  it('header fields out of range, even under a right CRC', async () => {
    const table = 32 + good.readUInt32LE(24); // the first entry, 'rows'
    const vecs = table + 24 + 4; // the second entry
    const cases: [string, (b: Buffer) => void, RegExp][] = [
      ['file length', (b) => b.writeBigUInt64LE(BigInt(good.length + 64), 16), /truncated: it has \d+ bytes, its header says/],
      ['file length past 2^53', (b) => b.writeBigUInt64LE(2n ** 60n, 16), /past 2\^53/],
      ['metadata length', (b) => b.writeUInt32LE(h, 24), /metadata length \d+ runs past/],
      ['metadata not JSON', (b) => (b[32] = 0x5b), /metadata is not UTF-8 JSON/],
      ['array count', (b) => b.writeUInt32LE(4, 28), /table ends after 3 of 4 arrays/],
      ['fewer arrays than the table holds', (b) => b.writeUInt32LE(2, 28), /bytes are left between its table/],
      ['element type', (b) => (b[table + 20] = 7), /array 0 has an unknown element type \(7\)/],
      ['the zero byte of an entry', (b) => (b[table + 21] = 1), /array 0 has a nonzero byte where a zero belongs/],
      ['offset not a multiple of 64', (b) => b.writeBigUInt64LE(BigInt(offsets.get('rows')! + 1), table), /"rows" \(6 bytes at \d+\) is misplaced/],
      ['array past the end', (b) => b.writeBigUInt64LE(BigInt(good.length), vecs + 8), /"vecs" \(\d+ bytes at \d+\) is misplaced/],
      ['arrays overlapping', (b) => b.writeBigUInt64LE(BigInt(offsets.get('rows')!), vecs), /"vecs" .* is misplaced/],
      ['a name not UTF-8', (b) => (b[table + 24] = 0xff), /name of array 0 is not UTF-8/],
      ['two names alike', (b) => b.write('rows', vecs + 24, 'latin1'), /two arrays are named "rows"/],
    ];
    for (const [what, patch, message] of cases) {
      const err = await expectCode(openStore(patched(patch)), 'ERR_SIMDOT_CORRUPT_FILE', message).catch((e: Error) => {
        throw new Error(`${what}: ${e.message}`);
      });
      expect(err.message, what).toMatch(/^openStore: .*\.simdot is corrupt: /);
    }
  });

  it("a flipped byte in an array's data fails that array's read, names it, and spares the others", async () => {
    const file = patched((b) => (b[offsets.get('vecs')! + 5] ^= 1), false);
    const store = await openStore(file);
    const into = new Float32Array(2);
    const err = await expectCode(store.read('vecs', into), 'ERR_SIMDOT_CORRUPT_FILE');
    expect(err.message).toMatch(new RegExp(`^StoreReader.read: .*${basename(file)} is corrupt: the data of array "vecs" has CRC-32 0x[0-9a-f]{8}, its header says 0x[0-9a-f]{8}; discard what was read$`));
    const rows = new Int8Array(6);
    await store.read('rows', rows);
    expect([...rows]).toEqual([1, 2, 3, 4, 5, 6]);
    // A partial read checks no CRC: it returns the bytes as they are.
    expect((await store.readElements('vecs', 0, 1))[0]).toBe(0.5);
    await store.close();
  });

  it('a file cut short after it was opened', async () => {
    const file = withBytes(good);
    const store = await openStore(file);
    truncateSync(file, offsets.get('rows')! + 2);
    await expectCode(store.read('rows', new Int8Array(6)), 'ERR_SIMDOT_CORRUPT_FILE', /ended early/);
    await expectCode(store.readElements('vecs', 0, 2), 'ERR_SIMDOT_CORRUPT_FILE', /ended early/);
    await store.close();
  });
});

describe('arguments', () => {
  const i8 = new Int8Array(3);
  it('writeStore: TypeError for a wrong kind, RangeError for a wrong value', async () => {
    const file = fresh();
    const cases: [unknown[], typeof TypeError, RegExp][] = [
      [[3, {}, []], TypeError, /^writeStore: expected path to be a string or a file: URL, received number 3$/],
      [['', {}, []], RangeError, /expected path to be a non-empty path/],
      [[file, null, []], TypeError, /^writeStore: expected meta to be an object, received null$/],
      [[file, [1], []], TypeError, /expected meta to be an object, received an Array\(1\)/],
      [[file, { n: 1n }, []], TypeError, /expected meta to be JSON-able, but JSON.stringify threw/],
      [[file, { toJSON: () => 5 }, []], TypeError, /JSON-able as an object, .* turns into 5/],
      [[file, {}, {}], TypeError, /expected arrays to be an array, received an object/],
      [[file, {}, [null]], TypeError, /expected arrays\[0\] to be an object, received null/],
      [[file, {}, [{ name: 5, type: 'int8', chunks: [] }]], TypeError, /expected arrays\[0\].name to be a string, received number 5/],
      [[file, {}, [{ name: '', type: 'int8', chunks: [] }]], RangeError, /arrays\[0\].name to be well-formed Unicode of 1 to 65535 UTF-8 bytes, received string ""/],
      [[file, {}, [{ name: '\ud800', type: 'int8', chunks: [] }]], RangeError, /well-formed Unicode/],
      [[file, {}, [{ name: 'a', type: 'int8', chunks: [] }, { name: 'a', type: 'int8', chunks: [] }]], RangeError, /unique array names, received string "a" twice/],
      [[file, {}, [{ name: 'a', type: 'int16', chunks: [] }]], RangeError, /arrays\[0\].type to be one of int8, uint8, int32, uint32, float32, float64, received string "int16"/],
      [[file, {}, [{ name: 'a', type: 8, chunks: [] }]], TypeError, /arrays\[0\].type to be a string/],
      [[file, {}, [{ name: 'a', type: 'int8', chunks: i8 }]], TypeError, /arrays\[0\].chunks to be an array of typed arrays, received Int8Array\(3\)/],
      [[file, {}, [{ name: 'a', type: 'int8', chunks: [i8, new Uint8Array(2)] }]], TypeError, /^writeStore: expected arrays\[0\].chunks\[1\] to be an Int8Array \(int8\), received Uint8Array\(2\)$/],
      [[file, {}, [{ name: 'a', type: 'float32', chunks: [new DataView(new ArrayBuffer(4))] }]], TypeError, /chunks\[0\] to be a Float32Array \(float32\), received a DataView/],
    ];
    for (const [args, kind, message] of cases) {
      await expect((writeStore as (...a: unknown[]) => Promise<void>)(...args)).rejects.toSatisfy((e: Error) => {
        expect(e.constructor, e.message).toBe(kind);
        expect(e.message).toMatch(message);
        return true;
      });
    }
  });

  it('openStore, read and readElements', async () => {
    await expect(openStore(undefined as never)).rejects.toThrow(TypeError);
    await expect(openStore(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    const file = fresh();
    await writeStore(file, {}, [{ name: 'v', type: 'float32', chunks: [new Float32Array([1, 2, 3])] }]);
    const store = await openStore(file);
    const r = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const cases: [string, unknown[], typeof TypeError, RegExp][] = [
      ['read', [7, new Float32Array(3)], TypeError, /^StoreReader.read: expected name to be a string, received number 7$/],
      ['read', ['w', new Float32Array(3)], RangeError, /^StoreReader.read: expected name to be one of "v", received string "w"$/],
      ['read', ['v', new Int8Array(3)], TypeError, /^StoreReader.read: expected into to be a Float32Array \(float32\), received Int8Array\(3\)$/],
      ['read', ['v', new Float32Array(4)], RangeError, /^StoreReader.read: expected into to have length 3, received length 4$/],
      ['read', ['v', null], TypeError, /expected into to be a Float32Array/],
      ['read', ['v', () => new Float64Array(3)], TypeError, /^StoreReader.read: expected into\(0, 3\) to return a Float32Array, received Float64Array\(3\)$/],
      ['read', ['v', () => new Float32Array(4)], RangeError, /^StoreReader.read: expected into\(0, 3\) to return 1 to 3 elements, received Float32Array\(4\)$/],
      ['read', ['v', () => new Float32Array(0)], RangeError, /to return 1 to 3 elements, received Float32Array\(0\)/],
      ['readElements', ['v', -1, 1], RangeError, /^StoreReader.readElements: expected start to be an integer from 0 to 3, received -1$/],
      ['readElements', ['v', 2, 2], RangeError, /expected count to be an integer from 0 to 1, received 2/],
      ['readElements', ['v', '0', 1], TypeError, /expected start to be a non-negative integer, received string "0"/],
      ['readElements', ['v', 0, 1.5], RangeError, /expected count to be an integer/],
      ['readElements', ['v', 0, 2, new Float32Array(3)], RangeError, /expected into to have length count 2, received Float32Array\(3\)/],
      ['readElements', ['v', 0, 2, new Int32Array(2)], TypeError, /expected into to be a Float32Array \(float32\), received Int32Array\(2\)/],
    ];
    for (const [method, args, kind, message] of cases) {
      await expect(r[method]!.apply(store, args)).rejects.toSatisfy((e: Error) => {
        expect(e.constructor, e.message).toBe(kind);
        expect(e.message).toMatch(message);
        return true;
      });
    }
    await store.close();
    await expectCode(store.read('v', new Float32Array(3)), 'ERR_SIMDOT_CLOSED', /^StoreReader.read: .* was closed$/);
    await expectCode(store.readElements('v', 0, 1), 'ERR_SIMDOT_CLOSED');
  });
});

describe('written under a temporary name, renamed into place', () => {
  const temps = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.tmp'));

  it('replaces a file whole; a reader of the old file goes on reading the old one', async () => {
    const sub = join(dir, 'replace');
    mkdirSync(sub);
    const file = join(sub, 'index.simdot');
    await writeStore(file, { v: 'old' }, [{ name: 'a', type: 'uint8', chunks: [new Uint8Array([1, 2, 3])] }]);
    const old = await openStore(file);
    if (process.platform !== 'win32') {
      // (Windows refuses to rename over a file that is open.)
      await writeStore(file, { v: 'new' }, [{ name: 'a', type: 'uint8', chunks: [new Uint8Array([9])] }]);
      const a = new Uint8Array(3);
      await old.read('a', a);
      expect([...a]).toEqual([1, 2, 3]);
      const now = await openStore(file);
      expect(now.meta).toEqual({ v: 'new' });
      await now.close();
    }
    await old.close();
    expect(readdirSync(sub)).toEqual(['index.simdot']);
  });

  it('a write that fails half-way leaves the old file and no temporary file', async () => {
    const sub = join(dir, 'fail');
    mkdirSync(sub);
    const file = join(sub, 'index.simdot');
    await writeStore(file, { v: 'old' }, []);
    const before = readFileSync(file);
    const first = new Int8Array(20 * 2 ** 20).fill(1); // more than one write
    const second = new Int8Array(10);
    const pending = writeStore(file, { v: 'new' }, [{ name: 'a', type: 'int8', chunks: [first, second] }]);
    structuredClone(second.buffer, { transfer: [second.buffer] }); // gone before its turn comes
    await expect(pending).rejects.toThrow(/detached/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(temps(sub)).toEqual([]);
    await expect(writeStore(join(sub, 'no-such-dir', 'x'), {}, [])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('an array detached or shrunk while it is being written fails the write, not just ends it early', async () => {
    for (const shrink of [false, true]) {
      const buffer = new ArrayBuffer(40 * 2 ** 20, { maxByteLength: 40 * 2 ** 20 }); // three staging blocks
      const data = new Uint8Array(buffer, 0, 40 * 2 ** 20).fill(1);
      // A file that detaches or shrinks the array at its first write, as another part of the program could.
      const handle = {
        write: async (b: Uint8Array) => {
          if (data.length) shrink ? buffer.resize(2 ** 20) : structuredClone(buffer, { transfer: [buffer] });
          return { bytesWritten: b.length };
        },
      } as unknown as FileHandle;
      const out = new Output('writeStore', handle, 0);
      await expect(out.put(data)).rejects.toThrow(/^writeStore: an array was detached or shrunk while it was being written$/);
    }
  });

  it('a writer killed half-way leaves the old file under the name (and its temporary file beside it)', async () => {
    const sub = join(dir, 'kill');
    mkdirSync(sub);
    const file = join(sub, 'index.simdot');
    await writeStore(file, { v: 'old' }, []);
    const lib = join(dir, 'lib');
    mkdirSync(lib);
    transpile(lib);
    // 1 GiB of non-zero data: long enough to be caught in the middle.
    const child = spawn(
      process.execPath,
      ['-e', `const c = new Int8Array(64 * 2 ** 20).fill(7); require(${JSON.stringify(join(lib, 'store.js'))}).writeStore(${JSON.stringify(file)}, { v: 'new' }, [{ name: 'a', type: 'int8', chunks: Array(16).fill(c) }]).then(() => console.log('done'))`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (;;) {
      const temp = temps(sub)[0];
      if (temp && (statSync(join(sub, temp), { throwIfNoEntry: false })?.size ?? 0) > 32 * 2 ** 20) break;
      if (out || child.exitCode !== null) expect.fail(`the writer ended before it could be stopped: ${out}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGKILL');
    await exited;
    expect(temps(sub)).toHaveLength(1);
    const store = await openStore(file);
    expect(store.meta).toEqual({ v: 'old' });
    await store.close();
  });
});

/** src/ as CommonJS for a child process (the test must not depend on a build). */
function transpile(to: string): void {
  const src = fileURLToPath(new URL('../src/', import.meta.url));
  for (const name of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(src, name), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(to, name.replace(/\.ts$/, '.js')), outputText);
  }
}

describe('a file past 2 GiB', () => {
  it('an array of 2.06 GiB over reused chunks, and arrays beyond it', async () => {
    const file = fresh();
    const MiB = 2 ** 20;
    // Reused buffers: a 256 MiB one of zeros, which the writer leaves as holes where the file
    // system has them, and 1 MiB ones with a mark every 4 KiB, at the start, past 2 GiB and at the end.
    const zeros = new Int8Array(256 * MiB);
    const mark = (k: number): Int8Array => {
      const c = new Int8Array(MiB);
      for (let i = 0; i < MiB; i += 4096) c[i] = k + i / 4096;
      return c;
    };
    const chunks = [mark(1), ...Array<Int8Array>(8).fill(zeros), mark(2), mark(3)]; // 2 GiB + 3 MiB
    const big = chunks.reduce((s, c) => s + c.length, 0);
    const expected = (i: number): number => {
      const k = i < MiB ? 1 : i >= big - 2 * MiB ? (i >= big - MiB ? 3 : 2) : 0;
      return k && i % 4096 === 0 ? ((k + (i % MiB) / 4096) << 24) >> 24 : 0;
    };
    const tail = new Float64Array([1.5, -2.5, 3.25]);
    await writeStore(file, { big }, [
      { name: 'big', type: 'int8', chunks },
      { name: 'tail', type: 'float64', chunks: [tail] },
      { name: 'after', type: 'uint32', chunks: [new Uint32Array([0xdeadbeef])] },
    ]);
    const size = (await stat(file)).size;
    expect(size).toBeGreaterThan(2 ** 31 + 3 * MiB);

    // The header, by the format comment: the big array's CRC is that of all its chunks.
    const handle = await open(file, 'r');
    const head = Buffer.alloc(256);
    await handle.read(head, 0, 256, 0);
    await handle.close();
    const parsed = parseByTheComment(head.subarray(0, head.readUInt32LE(12)));
    expect(parsed.fileLength).toBe(size);
    expect(parsed.arrays[0]!.crc).toBe(chunks.reduce((crc, c) => crc32(new Uint8Array(c.buffer, c.byteOffset, c.length), crc), 0));
    expect(parsed.arrays[1]!.offset).toBeGreaterThan(2 ** 31);

    const store = await openStore(file);
    expect(store.arrays.get('big')).toEqual({ type: 'int8', length: big });
    const t = new Float64Array(3);
    await store.read('tail', t); // CRC-checked, at a position past 2 GiB
    expect([...t]).toEqual([...tail]);
    const after = new Uint32Array(1);
    await store.read('after', after);
    expect(after[0]).toBe(0xdeadbeef);
    for (const at of [0, 4096, MiB - 4096, 2 ** 31 - 4096, 2 ** 31, big - 2 * MiB, big - 2 * MiB + 4096 * 77, big - MiB, big - 4096]) {
      expect([...(await store.readElements('big', at, 2))], `element ${at}`).toEqual([expected(at), expected(at + 1)]);
    }
    // The last 64 MiB at once: four reads at positions past 2 GiB.
    const part = await store.readElements('big', big - 64 * MiB, 64 * MiB);
    for (let i = 0; i < part.length; i += 4096) if (part[i] !== expected(big - 64 * MiB + i)) expect.fail(`element ${big - 64 * MiB + i}`);
    await store.close();
    rmSync(file);
  });
});
