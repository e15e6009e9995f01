// .npy files (src/npy.ts): the exact bytes NumPy writes, read and reproduced; headers of other
// writers and versions; every refusal with its error code; streaming and random access; a file
// past 2 GiB read whole and one past 4 GiB read in part (both sparse: fast, and little disk).
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { npyHeader, openNpy, readNpy, writeNpy } from '../src/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'simdot-npy-'));
// For the large files, where there is one, a directory in memory (Linux's /dev/shm), whose holes
// read without the page cache allocating memory for them: 2 GB read there in a second or two
// rather than several.
let shm: string | undefined;
const bigDir = (): string => {
  try {
    shm ??= mkdtempSync('/dev/shm/simdot-npy-');
  } catch {
    return dir;
  }
  return shm;
};
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (shm) rmSync(shm, { recursive: true, force: true });
});
let n = 0;
const fresh = (): string => join(dir, `a${n++}.npy`);
const withBytes = (bytes: Uint8Array): string => {
  const file = fresh();
  writeFileSync(file, bytes);
  return file;
};

/**
 * A .npy file as NumPy lays it out: magic, version, header length (2 bytes in 1.0, else 4), the
 * dict, `spaces` spaces, a newline, the data. The cases below give the dict, spaces and data of
 * files written by NumPy 2.4 (numpy.save, or numpy.lib.format.write_array for versions 2.0 and
 * 3.0); the spaces are NumPy's room for the first dimension to grow to 21 digits plus the padding
 * to a multiple of 64 bytes.
 */
function npy(major: number, dict: string, spaces: number, data: string): Buffer {
  const text = Buffer.from(dict + ' '.repeat(spaces) + '\n', major === 3 ? 'utf8' : 'latin1');
  const length = Buffer.alloc(major === 1 ? 2 : 4);
  if (major === 1) length.writeUInt16LE(text.length);
  else length.writeUInt32LE(text.length);
  return Buffer.concat([Buffer.from('\x93NUMPY', 'latin1'), Buffer.from([major, 0]), length, text, Buffer.from(data, 'hex')]);
}

const f32 = (...v: number[]): string => Buffer.from(new Float32Array(v).buffer).toString('hex');

const NUMPY: { what: string; bytes: Buffer; data: number[]; shape: number[]; int8: boolean; saves: boolean }[] = [
  {
    what: 'np.save(np.arange(12, dtype=np.float32).reshape(3, 4))',
    bytes: npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 58, f32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)),
    data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], shape: [3, 4], int8: false, saves: true,
  },
  {
    what: 'np.save(np.arange(-5, 5, dtype=np.int8))',
    bytes: npy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (10,), }", 59, 'fbfcfdfeff0001020304'),
    data: [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4], shape: [10], int8: true, saves: true,
  },
  {
    what: 'np.save(np.array(3.5, dtype=np.float32)), 0-d',
    bytes: npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 62, '00006040'),
    data: [3.5], shape: [], int8: false, saves: true,
  },
  {
    what: 'np.save(np.zeros((0, 7), dtype=np.int8)), empty',
    bytes: npy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (0, 7), }", 58, ''),
    data: [], shape: [0, 7], int8: true, saves: true,
  },
  {
    what: 'np.save(np.zeros((7,) + (1,) * 35, dtype=np.int8)): a dict that ends on 64 bytes gets 64 spaces more',
    bytes: npy(1, `{'descr': '|i1', 'fortran_order': False, 'shape': (7, ${Array(35).fill(1).join(', ')}), }`, 84, '00000000000000'),
    data: [0, 0, 0, 0, 0, 0, 0], shape: [7, ...Array<number>(35).fill(1)], int8: true, saves: true,
  },
  {
    what: 'write_array(np.arange(6, dtype=np.float32).reshape(2, 3), version=(2, 0))',
    bytes: npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 56, f32(0, 1, 2, 3, 4, 5)),
    data: [0, 1, 2, 3, 4, 5], shape: [2, 3], int8: false, saves: false,
  },
  {
    what: 'write_array(np.array([-128, 127], dtype=np.int8), version=(3, 0))',
    bytes: npy(3, "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", 58, '807f'),
    data: [-128, 127], shape: [2], int8: true, saves: false,
  },
  // Other writers: NumPy before 1.14 (16-byte alignment, no room to grow), Python 2 (2L), and
  // hand-written headers (double quotes, keys in any order, no trailing comma, 'i1').
  {
    what: 'an old NumPy header, Python 2 integers',
    bytes: npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L), }", 1, f32(1.5, -2)),
    data: [1.5, -2], shape: [2, 1], int8: false, saves: false,
  },
  {
    what: 'a hand-written header',
    bytes: npy(1, '{"shape":(3,),"descr":"i1","fortran_order":False}', 0, '01ff02'),
    data: [1, -1, 2], shape: [3], int8: true, saves: false,
  },
];

describe('the bytes NumPy writes', () => {
  for (const c of NUMPY) {
    it(c.what, async () => {
      const file = withBytes(c.bytes);
      const { data, shape } = await readNpy(file);
      expect(data).toBeInstanceOf(c.int8 ? Int8Array : Float32Array);
      expect([...data]).toEqual(c.data);
      expect(shape).toEqual(c.shape);
      if (c.saves) {
        const out = fresh();
        await writeNpy(out, data, shape);
        expect(readFileSync(out).toString('latin1')).toBe(c.bytes.toString('latin1'));
      }
    });
  }

  it('a header too long for version 1.0 is written as 2.0, and read back', async () => {
    // No float32 or int8 array of NumPy's at most 64 dimensions needs one; 30,000 dimensions do
    // (numpy.lib.format writes this header for them, 46 spaces included, through the same rules).
    const shape = Array<number>(30_000).fill(1);
    const header = npyHeader('|i1', shape);
    expect(header.equals(npy(2, `{'descr': '|i1', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`, 46, ''))).toBe(true);
    expect(header.length).toBe(90_112);
    const { data, shape: got } = await readNpy(withBytes(Buffer.concat([header, Buffer.from([42])])));
    expect([...data]).toEqual([42]);
    expect(got).toEqual(shape);
  });
});

describe('round trips', () => {
  it('float32 and int8 of several shapes, over a file: URL', async () => {
    const cases: [Float32Array | Int8Array, number[]][] = [
      [new Float32Array([NaN, -0, Infinity, -1e-45, 3.4e38]), [5]],
      [Int8Array.from({ length: 24 }, (_, i) => i * 11 - 128), [2, 3, 4]],
      [new Float32Array(0), [3, 0]],
      [new Int8Array([7]), [1, 1, 1]],
      [Float32Array.from({ length: 5_000_001 }, (_, i) => i / 3), [5_000_001]], // more than one 16 MiB piece
    ];
    for (const [data, shape] of cases) {
      const file = fresh();
      await writeNpy(pathToFileURL(file), data, shape);
      const back = await readNpy(file);
      expect(back.shape).toEqual(shape);
      expect(back.data.constructor).toBe(data.constructor);
      expect(Buffer.from(back.data.buffer).equals(Buffer.from(data.buffer))).toBe(true);
    }
  });

  it('a view into a larger buffer writes only its own elements', async () => {
    const file = fresh();
    const whole = Int8Array.from({ length: 10 }, (_, i) => i);
    await writeNpy(file, whole.subarray(3, 7), [2, 2]);
    expect([...(await readNpy(file)).data]).toEqual([3, 4, 5, 6]);
  });

  it('writes under a temporary name, renamed over the old file; none is left behind', async () => {
    const file = fresh();
    await writeNpy(file, new Int8Array([1]), [1]);
    await writeNpy(file, new Int8Array([2, 3]), [2]);
    expect([...(await readNpy(file)).data]).toEqual([2, 3]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('openNpy', () => {
  it('streams into pieces of your choosing and reads elements at random', async () => {
    const file = fresh();
    const data = Float32Array.from({ length: 1000 }, (_, i) => i - 500);
    await writeNpy(file, data, [100, 10]);
    const reader = await openNpy(file);
    expect(reader).toMatchObject({ dtype: 'float32', shape: [100, 10], length: 1000, dataOffset: 128 });
    const pieces: Float32Array[] = [];
    await reader.read((start, count) => {
      expect(start).toBe(pieces.length * 64);
      const p = new Float32Array(new SharedArrayBuffer(4 * Math.min(64, count)));
      pieces.push(p);
      return p;
    });
    expect(pieces.flatMap((p) => [...p])).toEqual([...data]);
    expect([...(await reader.readElements(990, 10))]).toEqual([...data.subarray(990)]);
    const into = new Float32Array(3);
    expect(await reader.readElements(5, 3, into)).toBe(into);
    expect([...into]).toEqual([-495, -494, -493]);
    await expect(reader.readElements(999, 2)).rejects.toThrow(/^NpyReader.readElements: expected count to be an integer from 0 to 1, received 2$/);
    await expect(reader.readElements(0, 2, new Int8Array(2) as never)).rejects.toThrow(TypeError);
    await expect(reader.read(new Float32Array(999))).rejects.toThrow(/^NpyReader.read: expected into to have length 1000, received length 999$/);
    await reader.close();
    await expect(reader.readElements(0, 1)).rejects.toMatchObject({ code: 'ERR_SIMDOT_CLOSED' });
  });
});

async function expectCode(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => expect.fail(`resolved; expected ${code}`),
    (e: unknown) => e as Error & { code?: string; path?: string },
  );
  expect(err.constructor, String(err)).toBe(Error);
  expect(err.code, String(err)).toBe(code);
  expect(err.message).toMatch(/^readNpy: .*\.npy /); // names the function and the file
  expect(err.path).toMatch(/\.npy$/);
  expect(err.message).toMatch(message);
}

describe('refused files', () => {
  const good = NUMPY[0]!.bytes; // 128-byte header, 48 bytes of data
  const header = (dict: string, data = ''): Buffer => npy(1, dict, 64 - ((10 + dict.length + 1) % 64), data);

  it('unsupported: Fortran order, other dtypes and byte orders, other versions', async () => {
    const cases: [Buffer, RegExp][] = [
      [npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }", 59, f32(0, 1, 2, 3, 4, 5)), /Fortran \(column-major\) order; readNpy reads C order/],
      [header("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", '3f800000'), /holds '>f4' \(float32 of the other byte order: this machine is little-endian\); readNpy reads float32 \('<f4'\) and int8 \('\|i1'\) arrays/],
      [header("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", '0000000000000000'), /holds '<f8'; /],
      [header("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", '00'), /holds '\|u1'; /],
      [header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", '00000000'), /holds a structured dtype; /],
      [Buffer.concat([Buffer.from('\x93NUMPY\x04\x00', 'latin1'), good.subarray(8)]), /format version 4.0; readNpy reads 1.0, 2.0 and 3.0/],
      [Buffer.concat([Buffer.from('\x93NUMPY\x01\x01', 'latin1'), good.subarray(8)]), /format version 1.1;/],
    ];
    for (const [bytes, message] of cases) await expectCode(readNpy(withBytes(bytes)), 'ERR_SIMDOT_UNSUPPORTED_FILE', message);
  });

  it('not a .npy file', async () => {
    await expectCode(readNpy(withBytes(Buffer.from('SIMDOT\0\0'))), 'ERR_SIMDOT_UNKNOWN_FORMAT', /is not a \.npy file: it starts with 53 49 4d 44 4f 54, not 93 4e 55 4d 50 59/);
    await expectCode(readNpy(withBytes(Buffer.from('\x93NUMPZ', 'latin1'))), 'ERR_SIMDOT_UNKNOWN_FORMAT', /not a \.npy file/);
  });

  it('truncated anywhere, or with bytes after the data', async () => {
    for (const end of [0, 3, 6, 7, 9, 50, 127, 128, 129, 175]) {
      await expectCode(readNpy(withBytes(good.subarray(0, end))), 'ERR_SIMDOT_CORRUPT_FILE', /is corrupt: truncated/);
    }
    await expectCode(readNpy(withBytes(good.subarray(0, 175))), 'ERR_SIMDOT_CORRUPT_FILE', /its shape \(3, 4\) of float32 needs 48 bytes of data after its 128-byte header, the file has 47/);
    await expectCode(readNpy(withBytes(Buffer.concat([good, good]))), 'ERR_SIMDOT_CORRUPT_FILE', /it has 176 bytes after the 48 bytes of data its shape \(3, 4\) of float32 needs \(a second array saved to the same file\?\)/);
    const v2 = NUMPY[5]!.bytes;
    await expectCode(readNpy(withBytes(v2.subarray(0, 11))), 'ERR_SIMDOT_CORRUPT_FILE', /truncated to 11 bytes, within its header length/);
  });

  it('headers that do not parse or say nothing sensible', async () => {
    const cases: [string, RegExp][] = [
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), ", /not a Python literal \(expected a value at character \d+\)/],
      ["{'descr': '<f4' 'fortran_order': False, 'shape': (3, 4), }", /expected , or \}/],
      ["{'descr': '<f4, 'fortran_order': False, 'shape': (3, 4), }", /not a Python literal/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } x", /unexpected text after the value/],
      ["['descr', '<f4']", /its header is not a dict/],
      ["{'descr': '<f4', 'shape': (3, 4), }", /its header has the keys descr, shape, not descr, fortran_order and shape/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'x': 1}", /has the keys descr, fortran_order, shape, x/],
      ["{'descr': '<f4', 'fortran_order': 0, 'shape': (3, 4), }", /fortran_order is not True or False/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': [3, 4], }", /shape is not a tuple of non-negative integers/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (12), }", /shape is not a tuple/], // (12) is 12, not a tuple
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (-3, -4), }", /shape is not a tuple of non-negative/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4.0), }", /not a Python literal/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", /shape \(99999999999, 99999999999\) is larger than any file/],
      [`{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(40)}3${',)'.repeat(40)}, }`, /nested too deeply/],
    ];
    for (const [dict, message] of cases) await expectCode(readNpy(withBytes(header(dict, f32(...Array(12).fill(0))))), 'ERR_SIMDOT_CORRUPT_FILE', message);
    // Python 2's L suffix only where Python 2 could have written it.
    const v3 = npy(3, "{'descr': '|i1', 'fortran_order': False, 'shape': (2L,), }", 0, '0102');
    await expectCode(readNpy(withBytes(v3)), 'ERR_SIMDOT_CORRUPT_FILE', /an L suffix outside Python 2/);
    const badUtf8 = npy(3, "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", 0, '0102');
    badUtf8[20] = 0xff;
    await expectCode(readNpy(withBytes(badUtf8)), 'ERR_SIMDOT_CORRUPT_FILE', /its header is not UTF-8, as version 3.0 requires/);
    const huge = Buffer.concat([Buffer.from('\x93NUMPY\x02\x00', 'latin1'), Buffer.from([0, 0, 0x20, 0])]); // a 2 MiB header
    await expectCode(readNpy(withBytes(Buffer.concat([huge, Buffer.alloc(2 ** 21)]))), 'ERR_SIMDOT_UNSUPPORTED_FILE', /header of 2097152 bytes/);
  });
});

describe('writeNpy arguments', () => {
  it('TypeError for a wrong kind, RangeError for a wrong value, naming the parameter', async () => {
    const file = fresh();
    const f = new Float32Array(6);
    const cases: [unknown[], typeof TypeError, RegExp][] = [
      [[42, f, [6]], TypeError, /^writeNpy: expected path to be a string or a file: URL, received number 42$/],
      [[file, new Float64Array(6), [6]], TypeError, /^writeNpy: expected data to be an Int8Array or Float32Array, received Float64Array\(6\)$/],
      [[file, [1, 2], [2]], TypeError, /expected data to be an Int8Array or Float32Array, received an Array\(2\)/],
      [[file, f, 6], TypeError, /^writeNpy: expected shape to be an array of non-negative integers, received number 6$/],
      [[file, f, [2, '3']], TypeError, /^writeNpy: expected shape\[1\] to be a non-negative integer, received string "3"$/],
      [[file, f, [-2, -3]], RangeError, /^writeNpy: expected shape\[0\] to be an integer from 0 to 9007199254740991, received -2$/],
      [[file, f, [2.5, 2]], RangeError, /expected shape\[0\] to be an integer/],
      [[file, f, [2, 4]], RangeError, /^writeNpy: expected a shape of data.length 6 elements, received \[2, 4\] \(8 elements\)$/],
      [[file, f, []], RangeError, /expected a shape of data.length 6 elements, received \[\] \(1 elements\)/],
      [[file, f, [6, ...Array(64).fill(1)]], RangeError, /^writeNpy: expected shape to have at most 64 dimensions \(NumPy's limit\), received 65$/],
    ];
    for (const [args, kind, message] of cases) {
      await expect((writeNpy as (...a: unknown[]) => Promise<void>)(...args)).rejects.toSatisfy((e: Error) => {
        expect(e.constructor, e.message).toBe(kind);
        expect(e.message).toMatch(message);
        return true;
      });
    }
  });
});

describe('large files (sparse: only the marked places are written)', () => {
  /** A sparse .npy file of `length` elements, with `marks` written at element positions. */
  async function sparse(descr: string, length: number, size: number, marks: [number, Uint8Array][]): Promise<string> {
    const file = join(bigDir(), `a${n++}.npy`);
    const header = npyHeader(descr, [length]);
    writeFileSync(file, header);
    truncateSync(file, header.length + length * size);
    const handle = await open(file, 'r+');
    for (const [at, bytes] of marks) await handle.write(bytes, 0, bytes.length, header.length + at * size);
    await handle.close();
    return file;
  }

  // Past readFileSync's 2 GiB. (3 GB reads the same way, but first touching every page of so
  // much new memory takes seconds on some machines.)
  it.skipIf(totalmem() < 8 * 2 ** 30)('readNpy reads a 2.15 GB int8 file into one Int8Array (skipped with under 8 GiB of memory)', async () => {
    const length = 2 ** 31 + 2 ** 24 + 1;
    const marks: [number, number][] = [[0, 1], [2 ** 31 - 1, 2], [2 ** 31, 3], [length - 1, 4]];
    const file = await sparse('|i1', length, 1, marks.map(([at, v]) => [at, new Uint8Array([v])]));
    const { data, shape } = await readNpy(file);
    expect(shape).toEqual([length]);
    expect(data.length).toBe(length);
    for (const [at, v] of marks) expect(data[at], `element ${at}`).toBe(v);
    expect(data[2 ** 31 + 1]).toBe(0);
    rmSync(file);
  });

  it('openNpy reads elements past 4 GiB of a 5 GiB float32 file', async () => {
    const length = 1_342_177_280; // 5 GiB of data
    const at = [2 ** 30 + 3, length - 2]; // bytes past 4 GiB
    const file = await sparse('<f4', length, 4, at.map((i, k) => [i, new Uint8Array(new Float32Array([k + 0.5, -k]).buffer)]));
    const reader = await openNpy(file);
    expect(reader.length).toBe(length);
    for (const [k, i] of at.entries()) expect([...(await reader.readElements(i, 2))]).toEqual([k + 0.5, -k]);
    await reader.close();
    rmSync(file);
  });

  // Node.js 20 allows typed arrays of at most 2^32 elements; later versions allow more, and this
  // probe, a 4 GiB allocation never touched, succeeds there.
  const limited = (() => {
    try {
      new Int8Array(2 ** 32 + 1);
      return false;
    } catch {
      return true;
    }
  })();
  it.skipIf(!limited)('readNpy of more elements than one typed array holds says so and points to openNpy (where typed arrays stop at 2^32 elements)', async () => {
    const file = await sparse('|i1', 2 ** 32 + 1, 1, []);
    await expect(readNpy(file)).rejects.toThrow(
      /^readNpy: .*\.npy holds 4294967297 int8 elements \(4294967297 bytes\), more than one typed array can hold here .*; read it in parts with openNpy$/,
    );
    rmSync(file);
  });
});
