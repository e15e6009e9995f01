// From float embeddings to int8: L2 normalization, symmetric int8 quantization and back.
//
// A code c stands for the value c * scale: quantize divides by the scale, rounds to the nearest
// integer (halves away from zero, so x and -x get opposite codes) and clips to -127..127 (-128
// is left out so the range is symmetric and every code has a negation).
import { describe, lengthOf, readOptions, tagOf } from './validate.js';

/** Checks a Float32Array of whole rows of `dim`; returns the row count. */
export function floatRows(fn: string, name: string, vectors: unknown, dim: unknown): number {
  if (tagOf(vectors) !== 'Float32Array') {
    throw new TypeError(`${fn}: expected ${name} to be a Float32Array, received ${describe(vectors)}`);
  }
  if (typeof dim !== 'number') throw new TypeError(`${fn}: expected dim to be a positive integer, received ${describe(dim)}`);
  if (!Number.isInteger(dim) || dim < 1 || dim > 2 ** 32 - 1) {
    throw new RangeError(`${fn}: expected dim to be an integer from 1 to ${2 ** 32 - 1}, received ${String(dim)}`);
  }
  const length = lengthOf(vectors);
  if (length % dim !== 0) throw new RangeError(`${fn}: ${name} length ${length} is not a multiple of dim ${dim}`);
  return length / dim;
}

/** A RangeError for the first element of `v` that is NaN or infinite, naming its row and column. */
export function checkFinite(fn: string, name: string, v: Float32Array, dim: number, length = lengthOf(v)): void {
  for (let i = 0; i < length; i++) {
    const x = v[i]!;
    if (x - x !== 0) {
      const row = Math.floor(i / dim);
      throw new RangeError(`${fn}: expected finite values in ${name}, received ${String(x)} in row ${row} at element ${i - row * dim}`);
    }
  }
}

/**
 * Scales each row of `vectors` (rows of `dim`) to unit L2 length, in place, and returns it. A row
 * of zeros stays zeros. The norm is summed in double.
 */
export function normalize(vectors: Float32Array, dim: number): Float32Array {
  const rows = floatRows('normalize', 'vectors', vectors, dim);
  checkFinite('normalize', 'vectors', vectors, dim);
  for (let r = 0; r < rows; r++) normalizeRow(vectors, r * dim, dim);
  return vectors;
}

/** L2-normalizes v[offset, offset + dim) in place; returns the norm it had. */
export function normalizeRow(v: Float32Array, offset: number, dim: number): number {
  let sum = 0;
  for (let i = offset; i < offset + dim; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) {
    const inverse = 1 / norm;
    for (let i = offset; i < offset + dim; i++) v[i] = v[i]! * inverse;
  }
  return norm;
}

export interface QuantizeOptions {
  /**
   * The value of one code unit (x is about code * scale): reuse the scale of the data a query is
   * searched against. Default: chosen from `vectors` (see quantize).
   */
  scale?: number;
}

export interface Quantized {
  /** One int8 code per value, -127..127. */
  codes: Int8Array;
  /** The value of one code unit: a value is about code * scale. */
  scale: number;
}

/** The code of x / scale: rounded half away from zero, clipped to -127..127. */
export function code(x: number, inverseScale: number): number {
  let v = x * inverseScale;
  v = v > 127 ? 127 : v < -127 ? -127 : v;
  // Truncating v +- 0.5 rounds halves away from zero (exact in double for |v| <= 127).
  return (v + (v < 0 ? -0.5 : 0.5)) | 0;
}

/** The scale that maps the largest magnitude of v[offset, offset + n) to 127 (1 for zeros). */
export function maxAbsScale(v: Float32Array, offset: number, n: number): number {
  let max = 0;
  for (let i = offset; i < offset + n; i++) {
    const a = Math.abs(v[i]!);
    if (a > max) max = a;
  }
  return max > 0 ? max / 127 : 1;
}

/**
 * Symmetric int8 quantization of rows of `dim` float32 values: codes = round(x / scale) clipped to
 * -127..127. The default scale maps the largest magnitude in `vectors` to 127, so nothing is
 * clipped (measured against percentile clipping on real embeddings: see the README); pass
 * `options.scale` to quantize queries with the scale of the rows they are searched against.
 */
export function quantize(vectors: Float32Array, dim: number, options?: QuantizeOptions): Quantized {
  const rows = floatRows('quantize', 'vectors', vectors, dim);
  const length = rows * dim;
  checkFinite('quantize', 'vectors', vectors, dim, length);
  let scale: number;
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`quantize: expected options to be an object, received ${describe(options)}`);
  }
  const given = (readOptions('quantize', options, ['scale']) as QuantizeOptions | undefined)?.scale;
  if (given === undefined) {
    scale = maxAbsScale(vectors, 0, length);
  } else if (typeof given !== 'number') {
    throw new TypeError(`quantize: expected options.scale to be a positive number, received ${describe(given)}`);
  } else if (!(given > 0) || !Number.isFinite(given)) {
    throw new RangeError(`quantize: expected options.scale to be a positive finite number, received ${String(given)}`);
  } else {
    scale = given;
  }
  const codes = new Int8Array(length);
  const inverse = 1 / scale;
  for (let i = 0; i < length; i++) codes[i] = code(vectors[i]!, inverse);
  return { codes, scale };
}

/** The float32 values the codes stand for: code * scale. */
export function dequantize(codes: Int8Array, scale: number): Float32Array {
  if (tagOf(codes) !== 'Int8Array') throw new TypeError(`dequantize: expected codes to be an Int8Array, received ${describe(codes)}`);
  if (typeof scale !== 'number') throw new TypeError(`dequantize: expected scale to be a positive number, received ${describe(scale)}`);
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(`dequantize: expected scale to be a positive finite number, received ${String(scale)}`);
  }
  const length = lengthOf(codes);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = codes[i]! * scale;
  return out;
}

/**
 * One bit per value, the sign (x > 0 is 1; 0, negatives and -0 are 0), packed 8 per byte with the
 * first value in the most significant bit: NumPy's `packbits(x > 0, axis=-1)`, the layout binary
 * embeddings ship in. Each row of `dim` values becomes ceil(dim / 8) bytes, the last padded with
 * zero bits, so every row starts on a byte.
 */
export function binarize(vectors: Float32Array, dim: number): Uint8Array {
  const rows = floatRows('binarize', 'vectors', vectors, dim);
  checkFinite('binarize', 'vectors', vectors, dim);
  const bytes = Math.ceil(dim / 8);
  const out = new Uint8Array(rows * bytes);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dim; i++) {
      if (vectors[r * dim + i]! > 0) out[r * bytes + (i >> 3)] = out[r * bytes + (i >> 3)]! | (0x80 >> (i & 7));
    }
  }
  return out;
}
