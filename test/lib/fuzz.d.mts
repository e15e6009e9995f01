export type FuzzFunction = 'dot' | 'dots' | 'topK' | 'topKAsync' | 'topKBatch' | 'topKBatchAsync';
export const FUNCTIONS: readonly FuzzFunction[];

export interface FuzzCase {
  index: number;
  fn: FuzzFunction;
  /** false: a call every tier must refuse exactly as the js tier does. */
  valid: boolean;
  /** Function, types, sizes, k, threads, filter, values and memory layout, for the report. */
  desc: string;
}

export interface FuzzFailure {
  tier: string;
  message: string;
  /**
   * Every disagreement was a float32 score on a row whose finite products sum (in magnitude)
   * beyond the float32 range: a product or a partial sum there can overflow.
   */
  overflow: boolean;
}

export function buildCase(seed: number, index: number): FuzzCase;
export function checkCase(simdot: typeof import('../../src/index.js'), c: FuzzCase, tiers: readonly string[]): Promise<FuzzFailure[]>;
