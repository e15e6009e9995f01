import { tagOf } from './validate.js';

// The pure-TypeScript kernels: what runs when no native binary loads (the `js` tier), with the
// same results as the native kernels: exact integers for int8, and for float32 a sum in double
// precision rounded once to float32, well inside the documented bound.

export function dotI8(a: Int8Array, aOffset: number, b: Int8Array, offset: number, n: number): number {
  // Partial sums stay below 2^53 for any typed-array length, so number arithmetic is exact.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = n - (n & 3);
  for (; i < end4; i += 4) {
    s0 += a[aOffset + i]! * b[offset + i]!;
    s1 += a[aOffset + i + 1]! * b[offset + i + 1]!;
    s2 += a[aOffset + i + 2]! * b[offset + i + 2]!;
    s3 += a[aOffset + i + 3]! * b[offset + i + 3]!;
  }
  for (; i < n; i++) s0 += a[aOffset + i]! * b[offset + i]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * The float64 sum of a[aOffset + i] * b[offset + i]; callers round it to float32. The same loop as dotI8 on
 * purpose: one function fed both array types turns polymorphic in V8 and runs markedly slower.
 */
export function dotF32(a: Float32Array, aOffset: number, b: Float32Array, offset: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = n - (n & 3);
  for (; i < end4; i += 4) {
    s0 += a[aOffset + i]! * b[offset + i]!;
    s1 += a[aOffset + i + 1]! * b[offset + i + 1]!;
    s2 += a[aOffset + i + 2]! * b[offset + i + 2]!;
    s3 += a[aOffset + i + 3]! * b[offset + i + 3]!;
  }
  for (; i < n; i++) s0 += a[aOffset + i]! * b[offset + i]!;
  return s0 + s1 + (s2 + s3);
}

// Lengths arrive checked (validate.ts): nothing here reads a property a subclass could redefine.

export function dotsI8(q: Int8Array, m: Int8Array, dim: number, nrows: number, out: Int32Array): void {
  for (let r = 0; r < nrows; r++) out[r] = dotI8(q, 0, m, r * dim, dim);
}

export function dotsF32(q: Float32Array, m: Float32Array, dim: number, nrows: number, out: Float32Array): void {
  // Storing into a Float32Array rounds to float32.
  for (let r = 0; r < nrows; r++) out[r] = dotF32(q, 0, m, r * dim, dim);
}

/** The ordering of search results: higher score first, NaN below every number, then lower index. */
function better(sa: number, ia: number, sb: number, ib: number): boolean {
  const nanA = sa !== sa;
  const nanB = sb !== sb;
  if (nanA !== nanB) return nanB;
  if (!nanA && sa !== sb) return sa > sb;
  return ia < ib;
}

/**
 * Top-k of one query over the eligible rows, best first; the same results as the native search
 * (same scores: they come from the dots above).
 */
/** An affine score (index.ts, AffineScore) for one query. */
export interface Affine {
  factor: Float32Array | Float64Array | undefined;
  offset: Float32Array | Float64Array | undefined;
  queryFactor: number;
}

export function topK(
  q: Int8Array | Float32Array,
  qOffset: number,
  m: Int8Array | Float32Array,
  dim: number,
  nrows: number,
  k: number,
  filter: Uint8Array | undefined,
  affine?: Affine,
): { indices: Uint32Array; scores: Int32Array | Float32Array | Float64Array } {
  const int8 = tagOf(q) === 'Int8Array';
  const score = new (int8 ? Int32Array : Float32Array)(1);
  // A binary heap with the worst kept hit at the root; rows arrive in index order, so a score
  // equal to the worst one loses the tie.
  const heapScore: number[] = [];
  const heapIndex: number[] = [];
  const worse = (a: number, b: number) => better(heapScore[b]!, heapIndex[b]!, heapScore[a]!, heapIndex[a]!);
  const swap = (a: number, b: number) => {
    [heapScore[a], heapScore[b]] = [heapScore[b]!, heapScore[a]!];
    [heapIndex[a], heapIndex[b]] = [heapIndex[b]!, heapIndex[a]!];
  };
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < heapScore.length && worse(l, w)) w = l;
      if (r < heapScore.length && worse(r, w)) w = r;
      if (w === i) return;
      swap(i, w);
      i = w;
    }
  };
  for (let row = 0; row < nrows; row++) {
    if (filter && ((filter[row >> 3]! >> (row & 7)) & 1) === 0) continue;
    // Rounded exactly as dots rounds it (Int32Array / Float32Array store).
    score[0] = int8
      ? dotI8(q as Int8Array, qOffset, m as Int8Array, row * dim, dim)
      : dotF32(q as Float32Array, qOffset, m as Float32Array, row * dim, dim);
    // The affine score is computed as the native search computes it: (queryFactor * factor) *
    // score + offset, in double, from the score rounded as dots() rounds it.
    const s = affine
      ? affine.queryFactor * (affine.factor ? affine.factor[row]! : 1) * score[0]! + (affine.offset ? affine.offset[row]! : 0)
      : score[0]!;
    if (heapScore.length < k) {
      heapScore.push(s);
      heapIndex.push(row);
      for (let i = heapScore.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!worse(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
    } else if (better(s, row, heapScore[0]!, heapIndex[0]!)) {
      heapScore[0] = s;
      heapIndex[0] = row;
      siftDown(0);
    }
  }
  const order = heapScore.map((_, i) => i).sort((a, b) => (better(heapScore[a]!, heapIndex[a]!, heapScore[b]!, heapIndex[b]!) ? -1 : 1));
  const indices = new Uint32Array(order.length);
  const scores = new (affine ? Float64Array : int8 ? Int32Array : Float32Array)(order.length);
  order.forEach((h, i) => {
    indices[i] = heapIndex[h]!;
    // -0 and +0 are one score (native keys cannot tell them apart): report +0.
    scores[i] = heapScore[h] === 0 ? 0 : heapScore[h]!;
  });
  return { indices, scores };
}

/** Set bits of each byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v; v &= v - 1) n++;
  return n;
});

/** The Hamming distance of a[aOffset, +n) and b[offset, +n): bits that differ. */
export function hamming(a: Uint8Array, aOffset: number, b: Uint8Array, offset: number, n: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) d += POPCOUNT[a[aOffset + i]! ^ b[offset + i]!]!;
  return d;
}

export function hammings(q: Uint8Array, m: Uint8Array, n: number, nrows: number, out: Uint32Array): void {
  for (let r = 0; r < nrows; r++) out[r] = hamming(q, 0, m, r * n, n);
}

/** Top-k by Hamming distance, smallest first, equal distances by lower row; as the native search. */
export function topKHamming(
  q: Uint8Array,
  qOffset: number,
  m: Uint8Array,
  n: number,
  nrows: number,
  k: number,
  filter: Uint8Array | undefined,
): { indices: Uint32Array; scores: Uint32Array } {
  // Distances are small integers: a counting sort over them ranks every eligible row exactly.
  const distances = new Uint32Array(nrows);
  const counts = new Uint32Array(8 * n + 2);
  for (let row = 0; row < nrows; row++) {
    if (filter && ((filter[row >> 3]! >> (row & 7)) & 1) === 0) {
      distances[row] = 8 * n + 1; // not eligible
      continue;
    }
    const d = hamming(q, qOffset, m, row * n, n);
    distances[row] = d;
    counts[d]!++;
  }
  let eligible = 0;
  for (let d = 0; d <= 8 * n; d++) eligible += counts[d]!;
  const size = Math.min(k, eligible);
  // The largest distance that makes the cut, and how many rows at it get in (the lowest ones).
  let cutoff = 0;
  let atCutoff = 0;
  for (let d = 0, taken = 0; d <= 8 * n && taken < size; d++) {
    cutoff = d;
    atCutoff = Math.min(counts[d]!, size - taken);
    taken += counts[d]!;
  }
  const rows: number[] = [];
  let cutoffTaken = 0;
  for (let row = 0; row < nrows && rows.length < size; row++) {
    const d = distances[row]!;
    if (d < cutoff) rows.push(row);
    else if (d === cutoff && cutoffTaken < atCutoff) {
      rows.push(row);
      cutoffTaken++;
    }
  }
  rows.sort((a, b) => distances[a]! - distances[b]! || a - b);
  const indices = Uint32Array.from(rows);
  const scores = Uint32Array.from(rows, (r) => distances[r]!);
  return { indices, scores };
}
