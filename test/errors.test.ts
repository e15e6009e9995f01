// Bad input: every mistake gets a TypeError or RangeError that names the function, the parameter,
// what was expected and what was received, and the process carries on.
import { describe, expect, it } from 'vitest';
import { simdot } from './load.js';

const { dot, dots, useKernel } = simdot;

function detached<T extends Int8Array | Float32Array>(view: T): T {
  structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
  return view;
}

type Case = [string, () => unknown, typeof TypeError | typeof RangeError, RegExp];

const i8 = new Int8Array([1, 2, 3]);
const f32 = new Float32Array([1, 2, 3]);

const cases: Case[] = [
  ['dot: wrong typed array', () => dot(new Int16Array(3) as never, new Int16Array(3) as never), TypeError,
    /^dot: expected a to be an Int8Array or Float32Array, received Int16Array\(3\)$/],
  ['dot: Uint8Array is not Int8Array', () => dot(new Uint8Array(3) as never, i8), TypeError, /expected a .*received Uint8Array\(3\)/],
  ['dot: mixed element types', () => dot(i8, f32 as never), TypeError,
    /^dot: expected b to be an Int8Array like a, received Float32Array\(3\)$/],
  ['dot: mixed element types, float first', () => dot(f32, i8 as never), TypeError, /expected b to be a Float32Array like a, received Int8Array\(3\)/],
  ['dot: plain arrays', () => dot([1, 2] as never, [1, 2] as never), TypeError, /expected a .*received an Array\(2\)/],
  ['dot: null', () => dot(null as never, i8), TypeError, /expected a .*received null/],
  ['dot: missing second argument', () => (dot as (a: unknown) => number)(i8), TypeError, /expected b .*received undefined/],
  ['dot: a string', () => dot('abc' as never, i8), TypeError, /received string "abc"/],
  ['dot: mismatched lengths', () => dot(i8, new Int8Array(4)), RangeError,
    /^dot: expected a and b to have the same length, received a.length 3 and b.length 4$/],
  ['dot: detached buffer', () => dot(detached(new Int8Array(4)), new Int8Array(0)), TypeError, /^dot: a is a view on a detached ArrayBuffer$/],
  ['dot: detached second buffer', () => dot(new Float32Array(0), detached(new Float32Array(2))), TypeError, /dot: b is a view on a detached/],
  ['dots: matrix not whole rows', () => dots(new Int8Array(384), new Int8Array(1000)), RangeError,
    /^dots: matrix length 1000 is not a multiple of dim 384$/],
  ['dots: float matrix not whole rows', () => dots(new Float32Array(3), new Float32Array(7)), RangeError, /matrix length 7 is not a multiple of dim 3/],
  ['dots: zero-length query', () => dots(new Int8Array(0), new Int8Array(10)), RangeError,
    /^dots: expected a non-empty query .*received Int8Array\(0\)$/],
  ['dots: matrix of another type', () => dots(i8, f32 as never), TypeError, /^dots: expected matrix to be an Int8Array like query, received Float32Array\(3\)$/],
  ['dots: plain array query', () => dots([1] as never, i8), TypeError, /^dots: expected query .*received an Array\(1\)$/],
  ['dots: out of the wrong type', () => dots(i8, new Int8Array(6), new Float32Array(2) as never), TypeError,
    /^dots: expected out to be an Int32Array, received Float32Array\(2\)$/],
  ['dots: float out of the wrong type', () => dots(f32, new Float32Array(6), new Int32Array(2) as never), TypeError,
    /expected out to be a Float32Array, received Int32Array\(2\)/],
  ['dots: out of the wrong length', () => dots(i8, new Int8Array(6), new Int32Array(3)), RangeError,
    /^dots: expected out to have length 2 \(one score per row\), received length 3$/],
  ['dots: out null', () => dots(i8, new Int8Array(6), null as never), TypeError, /expected out .*received null/],
  ['dots: out overlapping the matrix', () => {
    const buffer = new ArrayBuffer(64);
    return dots(new Float32Array(2), new Float32Array(buffer, 0, 4), new Float32Array(buffer, 8, 2));
  }, RangeError, /out must not share memory/],
  ['dots: detached matrix', () => dots(i8, detached(new Int8Array(6))), TypeError, /dots: matrix is a view on a detached ArrayBuffer/],
  ['dots: int8 rows too long for Int32 scores', () => dots(new Int8Array(131072), new Int8Array(131072)), RangeError,
    /^dots: expected an Int8Array query length of at most 131071 .*received 131072$/],
  ['useKernel: unknown tier', () => useKernel('sse9' as never), RangeError,
    /^useKernel: tier: expected one of avx512vnni, avx2, i8mm, neondot, neon, scalar, js, received string "sse9"$/],
  ['useKernel: not a string', () => useKernel(3 as never), TypeError, /useKernel: expected tier to be a string .*received number 3/],
];

describe('bad input', () => {
  for (const tier of ['native', 'js'] as const) {
    for (const [name, call, ErrorType, message] of cases) {
      it(`${name} (${tier})`, () => {
        useKernel(tier === 'js' ? 'js' : 'avx512vnni');
        let thrown: unknown;
        try {
          call();
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(ErrorType);
        expect((thrown as Error).message).toMatch(message);
      });
    }
  }

  it('leaves the process working', () => {
    useKernel('avx512vnni');
    expect(dot(new Int8Array([-128, 127]), new Int8Array([-128, 127]))).toBe(16384 + 16129);
  });

  it('an int8 query of 131071 with extreme values is still exact', () => {
    const q = new Int8Array(131071).fill(-128);
    expect(Array.from(dots(q, new Int8Array(131071 * 2).fill(-128)))).toEqual([131071 * 16384, 131071 * 16384]);
  });
});

describe('the binding itself', () => {
  // The binding is internal, but nothing reachable from JavaScript may crash the process or read
  // out of bounds, even when the TypeScript checks are bypassed.
  it('rejects bad arguments without crashing', async () => {
    const path = simdot.info().binding;
    expect(path).toBeTypeOf('string');
    const { createRequire } = await import('node:module');
    const binding = createRequire(import.meta.url)(path!);
    const calls: [string, () => unknown][] = [
      ['dotI8 no args', () => binding.dotI8()],
      ['dotI8 float', () => binding.dotI8(f32, f32)],
      ['dotI8 lengths', () => binding.dotI8(i8, new Int8Array(9))],
      ['dotF32 object', () => binding.dotF32({}, f32)],
      ['dotsI8 empty query', () => binding.dotsI8(new Int8Array(0), i8, new Int32Array(0))],
      ['dotsI8 ragged', () => binding.dotsI8(i8, new Int8Array(7), new Int32Array(2))],
      ['dotsI8 out short', () => binding.dotsI8(i8, new Int8Array(9), new Int32Array(2))],
      ['dotsI8 out type', () => binding.dotsI8(i8, new Int8Array(9), new Float32Array(3))],
      ['dotsF32 out long', () => binding.dotsF32(f32, new Float32Array(9), new Float32Array(4))],
      ['setCap bogus', () => binding.setCap('bogus')],
      ['setCap number', () => binding.setCap(1)],
    ];
    for (const [name, call] of calls) {
      expect(call, name).toThrow(/simdot binding/);
    }
  });
});
