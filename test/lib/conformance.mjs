// Conformance cases for dot, dots and the Hamming kernels, shared by the vitest suite (every tier this machine
// supports) and by test/qemu/run-under-qemu.mjs (one process under qemu-user, other CPUs).
// Plain JavaScript so that node runs it without a build step.
//
// Each case is { op, name, run(simdot) } (op: the kernel it exercises, as in info().kernels) where run returns null when the kernel agrees with the
// reference, else a message describing the first disagreement.
import { readFileSync } from 'node:fs';

/** The x86-64 kernels' numbers (asm/include/x86_64_tuning.h, which the kernels include), so
 * that the cases around the sizes where a kernel switches loops move with the kernels. */
export const X86_TUNING = Object.fromEntries(
  [...readFileSync(new URL('../../asm/include/x86_64_tuning.h', import.meta.url), 'utf8').matchAll(/^#define (SIMDOT_\w+) (\d+)$/gm)]
    .map((m) => [m[1], Number(m[2])]),
);

/** Deterministic PRNG (mulberry32), so a failure names inputs that can be regenerated. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** int8 reference: a number sum of int8 products is exact (|sum| <= 16384 n < 2^53). */
export function refDotI8(a, b, offset = 0, n = a.length) {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[offset + i];
  return s;
}

/** float32 reference: products of two float32 are exact in float64; returns the float64 sum and
 * sum |a_i * b_i| for the bound. */
export function refDotF32(a, b, offset = 0, n = a.length) {
  let s = 0;
  let abs = 0;
  for (let i = 0; i < n; i++) {
    const p = a[i] * b[offset + i];
    s += p;
    abs += Math.abs(p);
  }
  return { exact: s, abs };
}

/**
 * The documented float32 bound: |got - exact| <= (n + 1) * 2^-23 * sum |a_i * b_i| + (n + 1) * 2^-149.
 * The absolute term covers products and sums below the normal range, where float32 keeps fewer
 * bits and each rounding may be off by up to half of 2^-149 whatever the relative term says.
 */
export function f32Bound(n, abs) {
  return (n + 1) * 2 ** -23 * abs + (n + 1) * 2 ** -149;
}

export function f32Agrees(got, ref, n) {
  if (Number.isNaN(ref.exact)) return Number.isNaN(got);
  if (!Number.isFinite(ref.exact)) return got === ref.exact;
  // An exact sum that rounds past FLT_MAX is the infinity of its sign.
  const rounded = Math.fround(ref.exact);
  if (!Number.isFinite(rounded) && got === rounded) return true;
  return Math.abs(got - ref.exact) <= f32Bound(n, ref.abs);
}

// Value patterns: random, the extremes and their mixes that overflow int16 or bias tricks.
const I8_PATTERNS = {
  random: (r) => () => Math.floor(r() * 256) - 128,
  allMin: () => () => -128,
  allMax: () => () => 127,
  alternating: () => {
    let i = 0;
    return () => (i++ & 1 ? 127 : -128);
  },
};
const F32_PATTERNS = {
  random: (r) => () => r() * 2 - 1,
  mixed: (r) => () => (r() * 2 - 1) * 2 ** Math.floor(r() * 40 - 20),
  // Products below the normal range (2^-126), down to where they round to 0 or to 2^-149.
  subnormal: (r) => () => (r() * 2 - 1) * 2 ** Math.floor(r() * 20 - 85),
  // Products near FLT_MAX whose float32 partial sums overflow though the exact sum does not: the
  // tiers must still agree (within the bound, as the sum in double gives).
  huge: (r) => () => (r() < 0.5 ? -1 : 1) * (1 + r()) * 2 ** 62,
};

/** A typed array of length n whose first element sits `offset` elements into its buffer. */
export function view(Type, n, offset, fill) {
  const buffer = new ArrayBuffer((n + offset + 1) * Type.BYTES_PER_ELEMENT);
  const v = new Type(buffer, offset * Type.BYTES_PER_ELEMENT, n);
  for (let i = 0; i < n; i++) v[i] = fill();
  return v;
}

/** A pattern for b that pairs with a: for the extremes, a = -128 with b = 127 and vice versa. */
function partner(name, r) {
  if (name === 'allMin') return () => 127;
  if (name === 'allMax') return () => -128;
  return I8_PATTERNS[name](r);
}

function checkDotI8(simdot, a, b, label) {
  const got = simdot.dot(a, b);
  const want = refDotI8(a, b);
  return got === want ? null : `${label}: dot = ${got}, expected ${want}`;
}

function checkDotF32(simdot, a, b, label) {
  const got = simdot.dot(a, b);
  const ref = refDotF32(a, b);
  return f32Agrees(got, ref, a.length)
    ? null
    : `${label}: dot = ${got}, expected ${ref.exact} within ${f32Bound(a.length, ref.abs)}`;
}

const SHORT = Array.from({ length: 301 }, (_, i) => i);
const LONG_I8 = [511, 512, 513, 1023, 1024, 1025, 1536, 4095, 4096, 4097, 65535, 65536, 65537, 131073, 300007];
const LONG_F32 = [511, 512, 513, 1023, 1024, 1025, 1536, 4095, 4096, 4097, 65535, 65536, 65537, 131073];
const OFFSET_LENGTHS = [1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 300, 1537];
const I8_OFFSETS = [1, 3, 5, 7, 13, 31, 63];
const F32_OFFSETS = [1, 3, 5, 7, 13];
export const DOTS_DIMS = [...Array.from({ length: 17 }, (_, i) => i + 1), 63, 64, 65, 127, 128, 129, 384, 768, 1536, 1537];
const GUARD = 8;
const SENTINEL_I32 = -0x5a5a5a5b;
const SENTINEL_F32 = -1234.5;

/**
 * dots with `out` as a window in a larger array filled with sentinels, so a write before or past
 * the window is seen.
 */
function checkDots(simdot, q, m, int8, label) {
  const nrows = m.length / q.length;
  const OutType = int8 ? Int32Array : Float32Array;
  const sentinel = int8 ? SENTINEL_I32 : SENTINEL_F32;
  const backing = new OutType(nrows + 2 * GUARD).fill(sentinel);
  const out = backing.subarray(GUARD, GUARD + nrows);
  const returned = simdot.dots(q, m, out);
  if (returned !== out) return `${label}: dots did not return the out array it was given`;
  for (let i = 0; i < GUARD; i++) {
    if (backing[i] !== sentinel || backing[GUARD + nrows + i] !== sentinel) {
      return `${label}: dots wrote outside out (guard element ${i})`;
    }
  }
  const fresh = simdot.dots(q, m);
  for (let r = 0; r < nrows; r++) {
    if (int8) {
      const want = refDotI8(q, m, r * q.length, q.length);
      if (out[r] !== want || fresh[r] !== want) return `${label}: row ${r} = ${out[r]}/${fresh[r]}, expected ${want}`;
    } else {
      const ref = refDotF32(q, m, r * q.length, q.length);
      if (!f32Agrees(out[r], ref, q.length) || !f32Agrees(fresh[r], ref, q.length)) {
        return `${label}: row ${r} = ${out[r]}/${fresh[r]}, expected ${ref.exact} within ${f32Bound(q.length, ref.abs)}`;
      }
    }
  }
  return null;
}

function firstFailure(checks) {
  for (const check of checks) {
    const failure = check();
    if (failure) return failure;
  }
  return null;
}

/** All cases. `scale` < 1 trims the dots row counts for slow emulated runs. */
export function conformanceCases() {
  const cases = [];
  for (const [name, pattern] of Object.entries(I8_PATTERNS)) {
    cases.push({
      op: 'dot_i8',
      name: `dot int8 ${name}, every length 0..300`,
      run: (simdot) => {
        const r = rng(1);
        return firstFailure(
          SHORT.map((n) => () => checkDotI8(simdot, view(Int8Array, n, 0, pattern(r)), view(Int8Array, n, 0, partner(name, r)), `n=${n}`)),
        );
      },
    });
    cases.push({
      op: 'dot_i8',
      name: `dot int8 ${name}, long lengths to 300007`,
      run: (simdot) => {
        const r = rng(2);
        return firstFailure(
          LONG_I8.map((n) => () => checkDotI8(simdot, view(Int8Array, n, 0, pattern(r)), view(Int8Array, n, 0, partner(name, r)), `n=${n}`)),
        );
      },
    });
    cases.push({
      op: 'dot_i8',
      name: `dot int8 ${name}, odd byte offsets`,
      run: (simdot) => {
        const r = rng(3);
        const checks = [];
        for (const n of OFFSET_LENGTHS) {
          for (const oa of I8_OFFSETS) {
            const ob = I8_OFFSETS[(oa * 3) % I8_OFFSETS.length];
            checks.push(() => checkDotI8(simdot, view(Int8Array, n, oa, pattern(r)), view(Int8Array, n, ob, partner(name, r)), `n=${n} offsets ${oa}/${ob}`));
          }
        }
        return firstFailure(checks);
      },
    });
  }
  for (const [name, pattern] of Object.entries(F32_PATTERNS)) {
    cases.push({
      op: 'dot_f32',
      name: `dot float32 ${name}, every length 0..300 and long lengths`,
      run: (simdot) => {
        const r = rng(4);
        return firstFailure(
          [...SHORT, ...LONG_F32].map((n) => () => checkDotF32(simdot, view(Float32Array, n, 0, pattern(r)), view(Float32Array, n, 0, pattern(r)), `n=${n}`)),
        );
      },
    });
    cases.push({
      op: 'dot_f32',
      name: `dot float32 ${name}, unaligned offsets`,
      run: (simdot) => {
        const r = rng(5);
        const checks = [];
        for (const n of OFFSET_LENGTHS) {
          for (const oa of F32_OFFSETS) {
            const ob = F32_OFFSETS[(oa * 2) % F32_OFFSETS.length];
            checks.push(() => checkDotF32(simdot, view(Float32Array, n, oa, pattern(r)), view(Float32Array, n, ob, pattern(r)), `n=${n} offsets ${oa}/${ob}`));
          }
        }
        return firstFailure(checks);
      },
    });
  }
  cases.push({
    op: 'dot_f32',
    name: 'dot float32 NaN and infinities propagate',
    run: (simdot) => {
      const checks = [];
      for (const n of [1, 8, 17, 64, 100]) {
        for (const [value, at] of [[NaN, 0], [Infinity, n - 1], [-Infinity, n >> 1]]) {
          const a = new Float32Array(n).fill(0.5);
          const b = new Float32Array(n).fill(2);
          a[at] = value;
          checks.push(() => checkDotF32(simdot, a, b, `n=${n} ${value} at ${at}`));
        }
        const a = new Float32Array(n).fill(1);
        a[0] = Infinity;
        const b = new Float32Array(n).fill(1);
        b[0] = 0;
        checks.push(() => checkDotF32(simdot, a, b, `n=${n} Infinity * 0`));
      }
      return firstFailure(checks);
    },
  });

  for (const int8 of [true, false]) {
    const type = int8 ? 'int8' : 'float32';
    const Type = int8 ? Int8Array : Float32Array;
    const patterns = int8
      ? { random: I8_PATTERNS.random, allMin: I8_PATTERNS.allMin }
      : { random: F32_PATTERNS.random, subnormal: F32_PATTERNS.subnormal, huge: F32_PATTERNS.huge };
    for (const [name, pattern] of Object.entries(patterns)) {
      cases.push({
        op: int8 ? 'dots_i8' : 'dots_f32',
        name: `dots ${type} ${name}, 1..50 rows x dims 1-17, 63-65, 127-129, 384, 768, 1536, 1537`,
        run: (simdot) => {
          const r = rng(6);
          const checks = [];
          for (const dim of DOTS_DIMS) {
            for (let nrows = 1; nrows <= 50; nrows++) {
              checks.push(() => {
                const q = view(Type, dim, 0, pattern(r));
                const m = view(Type, dim * nrows, 0, int8 && name === 'allMin' ? () => -128 : pattern(r));
                return checkDots(simdot, q, m, int8, `dim=${dim} rows=${nrows}`);
              });
            }
          }
          return firstFailure(checks);
        },
      });
    }
    cases.push({
      op: int8 ? 'dots_i8' : 'dots_f32',
      name: `dots ${type}, query and matrix at unaligned offsets`,
      run: (simdot) => {
        const r = rng(7);
        const offsets = int8 ? I8_OFFSETS : F32_OFFSETS;
        const checks = [];
        for (const dim of [1, 15, 16, 17, 63, 64, 65, 384, 1537]) {
          for (const oq of offsets) {
            const om = offsets[(oq * 5) % offsets.length];
            const fill = int8 ? I8_PATTERNS.random(r) : F32_PATTERNS.random(r);
            checks.push(() => checkDots(simdot, view(Type, dim, oq, fill), view(Type, dim * 13, om, fill), int8, `dim=${dim} offsets ${oq}/${om}`));
          }
        }
        return firstFailure(checks);
      },
    });
    cases.push({
      op: int8 ? 'dots_i8' : 'dots_f32',
      name: `dots ${type}, an empty matrix gives no scores`,
      run: (simdot) => {
        const scores = simdot.dots(new Type(5), new Type(0));
        return scores.length === 0 && scores instanceof (int8 ? Int32Array : Float32Array) ? null : `got ${scores}`;
      },
    });
  }
  const {
    SIMDOT_AVX2_DOTS_I8_STREAM_MIN_DIM: min,
    SIMDOT_AVX2_DOTS_I8_STREAM_MAX_DIM: max,
    SIMDOT_AVX512VNNI_DOTS_I8_STREAM_MIN_DIM: vnniMin,
  } = X86_TUNING;
  if (![min, max, vnniMin].every(Number.isInteger)) throw new Error('x86_64_tuning.h: a dots_i8 switch point is missing');
  cases.push({
    op: 'dots_i8',
    name: `dots int8, dims around ${[...new Set([min, max, vnniMin])].join(', ')} (where the x86 kernels switch loops) x 1..9 rows, odd offsets`,
    run: (simdot) => {
      const r = rng(9);
      const checks = [];
      const dims = [min - 16, min - 1, min, min + 1, min + 15, min + 16, max - 32, max - 16, max - 1, max, max + 1, max + 15, max + 17, 2 * max + 1];
      for (const dim of new Set([...dims, vnniMin - 1, vnniMin, vnniMin + 1])) {
        for (let nrows = 1; nrows <= 9; nrows++) {
          for (const fill of [I8_PATTERNS.random(r), () => -128]) {
            checks.push(() => checkDots(simdot, view(Int8Array, dim, 3, fill), view(Int8Array, dim * nrows, 5, fill), true, `dim=${dim} rows=${nrows}`));
          }
        }
      }
      return firstFailure(checks);
    },
  });
  cases.push({
    op: 'dots_i8',
    name: 'dots int8, rows longer than 65536 are exact (split in the shim)',
    run: (simdot) => {
      const r = rng(8);
      const checks = [];
      for (const [dim, fill] of [[65537, I8_PATTERNS.random(r)], [100000, I8_PATTERNS.random(r)], [131071, () => -128]]) {
        checks.push(() => checkDots(simdot, view(Int8Array, dim, 1, fill), view(Int8Array, dim * 3, 3, fill), true, `dim=${dim}`));
      }
      return firstFailure(checks);
    },
  });
  cases.push(...hammingCases());
  return cases;
}

// --- bit vectors: hamming, hammings, and hammingsq through topKHammingBatch ---------------------

const POP8 = Uint8Array.from({ length: 256 }, (_, i) => {
  let c = 0;
  for (let x = i; x; x &= x - 1) c++;
  return c;
});

/** The Hamming distance of a to the n bytes of b from `offset`. */
export function refHamming(a, b, offset = 0, n = a.length) {
  let d = 0;
  for (let i = 0; i < n; i++) d += POP8[a[i] ^ b[offset + i]];
  return d;
}

const BIT_PATTERNS = {
  random: (r) => [() => Math.floor(r() * 256), () => Math.floor(r() * 256)],
  'all bits differ': () => [() => 255, () => 0],
  'all ones': () => [() => 255, () => 255],
  alternating: () => [() => 0xaa, () => 0x55],
};

function hammingCases() {
  const cases = [];
  const lengths = [...SHORT, ...LONG_I8];
  for (const [name, pattern] of Object.entries(BIT_PATTERNS)) {
    cases.push({
      op: 'hamming',
      name: `hamming, ${name} bytes, every length 0..300 and long ones up to 300007, odd offsets`,
      run: (simdot) => {
        const r = rng(21);
        const [fa, fb] = pattern(r);
        const checks = lengths.map((n) => () => {
          const a = view(Uint8Array, n, n % 7, fa);
          const b = view(Uint8Array, n, (n * 3) % 5 + 1, fb);
          const got = simdot.hamming(a, b);
          const want = refHamming(a, b);
          return got === want ? null : `n=${n}: hamming = ${got}, expected ${want}`;
        });
        return firstFailure(checks);
      },
    });
  }
  const {
    SIMDOT_AVX2_HAMMING_HS_MIN_N: hs,
    SIMDOT_AVX2_HAMMINGS_ROWS1_MIN_N: rows1,
    SIMDOT_AVX512VNNI_HAMMINGS_ROWS1_MIN_N: vnniRows1,
  } = X86_TUNING;
  if (![hs, rows1, vnniRows1].every(Number.isInteger)) throw new Error('x86_64_tuning.h: a Hamming switch point is missing');
  const switches = [hs, rows1, vnniRows1].flatMap((n) => [n - 33, n - 1, n, n + 1, n + 31, n + 513]);
  cases.push({
    op: 'hammings',
    name: `hammings, rows of ${DOTS_DIMS.length} lengths and around ${[...new Set([hs, rows1, vnniRows1])].join(', ')} bytes x 1..9 rows, odd offsets, out guarded`,
    run: (simdot) => {
      const r = rng(22);
      const checks = [];
      for (const n of new Set([...DOTS_DIMS, ...switches])) {
        for (let nrows = 1; nrows <= 9; nrows++) {
          checks.push(() => {
            const fill = () => Math.floor(r() * 256);
            const q = view(Uint8Array, n, 3, fill);
            const m = view(Uint8Array, n * nrows, 5, fill);
            const backing = new Uint32Array(nrows + 2 * GUARD).fill(0xa5a5a5a5);
            const out = backing.subarray(GUARD, GUARD + nrows);
            if (simdot.hammings(q, m, out) !== out) return `n=${n}: hammings did not return its out`;
            for (let i = 0; i < GUARD; i++) {
              if (backing[i] !== 0xa5a5a5a5 || backing[GUARD + nrows + i] !== 0xa5a5a5a5) return `n=${n} rows=${nrows}: hammings wrote outside out`;
            }
            for (let row = 0; row < nrows; row++) {
              const want = refHamming(q, m, row * n, n);
              if (out[row] !== want) return `n=${n} rows=${nrows}: row ${row} = ${out[row]}, expected ${want}`;
            }
            return null;
          });
        }
      }
      return firstFailure(checks);
    },
  });
  cases.push({
    op: 'hammingsq',
    name: 'topKHammingBatch (the multi-query kernel), 1..9 queries, rows of 1..600 bytes, every distance ranked',
    run: (simdot) => {
      const r = rng(23);
      const checks = [];
      for (const n of [1, 7, 31, 32, 33, 64, 100, 192, 256, 257, 600]) {
        for (const nq of [1, 2, 3, 4, 5, 8, 9]) {
          checks.push(() => {
            const nrows = 23;
            const fill = () => (r() < 0.5 ? 0 : Math.floor(r() * 256)); // ties, so the order is checked too
            const queries = view(Uint8Array, n * nq, 1, fill);
            const m = view(Uint8Array, n * nrows, 3, fill);
            const results = simdot.topKHammingBatch(queries, m, nrows, { dim: 8 * n, threads: 1 });
            for (let j = 0; j < nq; j++) {
              const q = queries.subarray(j * n, (j + 1) * n);
              const d = Array.from({ length: nrows }, (_, row) => refHamming(q, m, row * n, n));
              const order = [...d.keys()].sort((a, b) => d[a] - d[b] || a - b);
              const got = results[j];
              for (let i = 0; i < nrows; i++) {
                if (got.indices[i] !== order[i] || got.distances[i] !== d[order[i]]) {
                  return `n=${n} nq=${nq} query ${j}: rank ${i} is row ${got.indices[i]} at ${got.distances[i]}, expected row ${order[i]} at ${d[order[i]]}`;
                }
              }
            }
            return null;
          });
        }
      }
      return firstFailure(checks);
    },
  });
  return cases;
}
