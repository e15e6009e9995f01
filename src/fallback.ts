// The pure-TypeScript kernels: what runs when no native binary loads (the `js` tier), with the
// same results as the native kernels: exact integers for int8, and for float32 a sum in double
// precision rounded once to float32, well inside the documented bound.

export function dotI8(a: Int8Array, b: Int8Array, offset = 0, n = a.length): number {
  // Partial sums stay below 2^53 for any typed-array length, so number arithmetic is exact.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = n - (n & 3);
  for (; i < end4; i += 4) {
    s0 += a[i]! * b[offset + i]!;
    s1 += a[i + 1]! * b[offset + i + 1]!;
    s2 += a[i + 2]! * b[offset + i + 2]!;
    s3 += a[i + 3]! * b[offset + i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[offset + i]!;
  return s0 + s1 + (s2 + s3);
}

/** The float64 sum of a[i] * b[offset + i]; callers round it to float32. */
export function dotF32(a: Float32Array, b: Float32Array, offset = 0, n = a.length): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = n - (n & 3);
  for (; i < end4; i += 4) {
    s0 += a[i]! * b[offset + i]!;
    s1 += a[i + 1]! * b[offset + i + 1]!;
    s2 += a[i + 2]! * b[offset + i + 2]!;
    s3 += a[i + 3]! * b[offset + i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[offset + i]!;
  return s0 + s1 + (s2 + s3);
}

export function dotsI8(q: Int8Array, m: Int8Array, out: Int32Array): void {
  const dim = q.length;
  for (let r = 0; r < out.length; r++) out[r] = dotI8(q, m, r * dim, dim);
}

export function dotsF32(q: Float32Array, m: Float32Array, out: Float32Array): void {
  const dim = q.length;
  // Storing into a Float32Array rounds to float32.
  for (let r = 0; r < out.length; r++) out[r] = dotF32(q, m, r * dim, dim);
}
