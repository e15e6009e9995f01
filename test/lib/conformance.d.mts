import type { Operation } from '../../src/index.js';

export interface ConformanceCase {
  op: Operation;
  name: string;
  run(simdot: typeof import('../../src/index.js')): string | null;
}
export function conformanceCases(): ConformanceCase[];
export function rng(seed: number): () => number;
export function refDotI8(a: Int8Array, b: Int8Array, offset?: number, n?: number): number;
export function refDotF32(a: Float32Array, b: Float32Array, offset?: number, n?: number): { exact: number; abs: number };
export function f32Bound(n: number, abs: number): number;
export function f32Agrees(got: number, ref: { exact: number; abs: number }, n: number): boolean;
export function view<T extends Int8Array | Float32Array>(Type: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }, n: number, offset: number, fill: () => number): T;
export const DOTS_DIMS: number[];
