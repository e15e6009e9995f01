// mergeTopK: one top-k out of the top-k results of several parts of a matrix (shards searched on
// worker threads or in other processes, an .npy file searched part by part), equal to what one
// topK over the whole matrix returns. The global top k of the whole lies within the parts' top
// k's, since every part is ranked by the same total order; merging them by that order is all it
// takes, and that order (ties, NaN, -0) is the part that is easy to get wrong by hand.
import type { TopKResult } from './index.js';
import { describe, lengthOf, MAX_ROWS, positiveInteger, readOptions, tagOf } from './validate.js';

type Scores = Int32Array | Float32Array | Float64Array;

// The intrinsic constructors: a part's own `scores.constructor` could be anything.
const SCORES = { Int32Array, Float32Array, Float64Array } as const;

/** The options of mergeTopK. */
export interface MergeTopKOptions {
  /**
   * The global index of each part's first row, one per part, in the order of `parts`: a part's
   * row indices are shifted by it. Default: 0 for every part, for parts whose indices are global
   * already.
   */
  offsets?: ArrayLike<number>;
}

/** Higher score first, NaN below every number, then the lower index: topK's order. */
function better(sa: number, ia: number, sb: number, ib: number): boolean {
  const nanA = sa !== sa;
  const nanB = sb !== sb;
  if (nanA !== nanB) return nanB;
  if (!nanA && sa !== sb) return sa > sb;
  return ia < ib;
}

/**
 * Merges the results of topK (or topKAsync, or one query's result of a batch) over several
 * parts of one matrix, no row in two parts, into the k best rows of them all, best first:
 * exactly what topK over the whole matrix returns, in the same order and types (equal
 * scores rank the lower global index first, a NaN score never ranks above a number, `-0` ties
 * with `0`). Each part's indices are shifted by its offset in `options.offsets`.
 *
 * Every part must come from a search of the same kind: all Int32Array scores, all Float32Array
 * or all Float64Array (affine scores), each in topK's order. A part out of that order, a row that
 * appears twice (overlapping offsets), or a global index past 2^32 - 2 (a search covers at most
 * 2^32 - 1 rows) is a RangeError. Returns min(k, the parts' results together) rows.
 *
 * @example
 * ```js
 * // The same result as topK(query, matrix, 10), from two halves searched separately.
 * const half = Math.floor(matrix.length / dim / 2) * dim;
 * const top = mergeTopK([topK(query, matrix.subarray(0, half), 10), topK(query, matrix.subarray(half), 10)], 10, {
 *   offsets: [0, half / dim],
 * });
 * ```
 */
export function mergeTopK<S extends Int32Array | Float32Array | Float64Array>(parts: readonly TopKResult<S>[], k: number, options?: MergeTopKOptions): TopKResult<S> {
  const fn = 'mergeTopK';
  const o = readOptions(fn, options, ['offsets']);
  if (o !== undefined && (typeof o !== 'object' || o === null || Array.isArray(o))) {
    throw new TypeError(`${fn}: expected options to be an object, received ${describe(options)}`);
  }
  if (!Array.isArray(parts)) {
    throw new TypeError(`${fn}: expected parts to be an Array of topK results, received ${describe(parts)}`);
  }
  const count = parts.length;
  if (count === 0) throw new RangeError(`${fn}: expected parts to hold at least one topK result, received an empty Array`);
  const kk = positiveInteger(fn, 'k', k);
  const offsets = readOffsets(fn, (o as { offsets?: unknown } | undefined)?.offsets, count);

  // Each part read once, through the intrinsic getters: a getter of the caller's runs no more
  // than once, and nothing it does later changes what is merged.
  const indices: Uint32Array[] = [];
  const scores: Scores[] = [];
  let kind: keyof typeof SCORES | undefined;
  for (let p = 0; p < count; p++) {
    const part: unknown = parts[p];
    const name = `parts[${p}]`;
    if (typeof part !== 'object' || part === null) {
      throw new TypeError(`${fn}: expected ${name} to be a topK result { indices, scores }, received ${describe(part)}`);
    }
    const { indices: idx, scores: sc } = part as { indices: unknown; scores: unknown };
    if (tagOf(idx) !== 'Uint32Array') {
      throw new TypeError(`${fn}: expected ${name}.indices to be a Uint32Array, received ${describe(idx)}`);
    }
    const tag = tagOf(sc);
    if (tag !== 'Int32Array' && tag !== 'Float32Array' && tag !== 'Float64Array') {
      throw new TypeError(`${fn}: expected ${name}.scores to be an Int32Array, a Float32Array or a Float64Array, received ${describe(sc)}`);
    }
    if (kind === undefined) kind = tag;
    else if (tag !== kind) {
      throw new TypeError(`${fn}: expected ${name}.scores to be a ${kind} like parts[0].scores, received ${describe(sc)}`);
    }
    const n = lengthOf(idx);
    if (lengthOf(sc) !== n) {
      throw new RangeError(`${fn}: expected ${name}.scores to have the length of its indices, ${n}, received length ${lengthOf(sc)}`);
    }
    // Copies: the merge then reads memory that no other thread or callback can change.
    const ownIndices = new Uint32Array(n);
    ownIndices.set(idx as Uint32Array);
    const ownScores = new SCORES[tag](n);
    ownScores.set(sc as Scores);
    for (let i = 1; i < n; i++) {
      if (!better(ownScores[i - 1]!, ownIndices[i - 1]!, ownScores[i]!, ownIndices[i]!)) {
        throw new RangeError(
          `${fn}: ${name} is not in topK's order at position ${i} (row ${ownIndices[i]}, score ${ownScores[i]} after row ${ownIndices[i - 1]}, score ${ownScores[i - 1]})`,
        );
      }
    }
    const last = offsets[p]! + maxOf(ownIndices);
    if (n > 0 && last > MAX_ROWS - 1) {
      throw new RangeError(`${fn}: ${name} with offset ${offsets[p]} reaches row ${last}, past 2^32 - 2 (a search covers at most 2^32 - 1 rows)`);
    }
    indices.push(ownIndices);
    scores.push(ownScores);
  }

  checkDistinct(fn, indices, offsets);

  // Every part is in order, so the best remaining row is always at the head of one of them.
  const heads = new Array<number>(count).fill(0);
  const total = indices.reduce((sum, idx) => sum + idx.length, 0);
  const m = Math.min(kk, total);
  const outIndices = new Uint32Array(m);
  const outScores = new SCORES[kind!](m);
  for (let r = 0; r < m; r++) {
    let best = -1;
    let bestScore = 0;
    let bestIndex = 0;
    for (let p = 0; p < count; p++) {
      const h = heads[p]!;
      if (h === indices[p]!.length) continue;
      const s = scores[p]![h]!;
      const i = offsets[p]! + indices[p]![h]!;
      if (best < 0 || better(s, i, bestScore, bestIndex)) [best, bestScore, bestIndex] = [p, s, i];
    }
    outIndices[r] = bestIndex;
    outScores[r] = scores[best]![heads[best]!]!;
    heads[best]!++;
  }
  return { indices: outIndices, scores: outScores as S };
}

function maxOf(idx: Uint32Array): number {
  let max = 0;
  for (let i = 0; i < idx.length; i++) if (idx[i]! > max) max = idx[i]!;
  return max;
}

/**
 * A row in two parts would be merged twice, and the whole matrix has it once: wrong offsets, or
 * parts that overlap. Sorted rather than hashed, so the check has no limit on the row count.
 */
function checkDistinct(fn: string, indices: Uint32Array[], offsets: number[]): void {
  const all = new Float64Array(indices.reduce((sum, idx) => sum + idx.length, 0));
  let at = 0;
  for (let p = 0; p < indices.length; p++) {
    for (const i of indices[p]!) all[at++] = offsets[p]! + i;
  }
  all.sort();
  for (let i = 1; i < all.length; i++) {
    if (all[i] === all[i - 1]) {
      const row = all[i]!;
      const where = indices.flatMap((idx, p) => (idx.includes(row - offsets[p]!) && row >= offsets[p]! ? [`parts[${p}]`] : []));
      throw new RangeError(`${fn}: row ${row} appears twice (in ${where.join(' and ')}): the parts must hold distinct rows (are the offsets right?)`);
    }
  }
}

function readOffsets(fn: string, value: unknown, count: number): number[] {
  if (value === undefined) return new Array<number>(count).fill(0);
  const typed = tagOf(value) !== undefined;
  if (!typed && !Array.isArray(value)) {
    throw new TypeError(`${fn}: expected options.offsets to be an Array or a typed array of row offsets, one per part, received ${describe(value)}`);
  }
  const length = typed ? lengthOf(value) : (value as unknown[]).length;
  if (length !== count) {
    throw new RangeError(`${fn}: expected options.offsets to have one offset per part, ${count}, received length ${length}`);
  }
  const offsets: number[] = [];
  for (let p = 0; p < count; p++) {
    const x = (value as ArrayLike<unknown>)[p];
    if (typeof x !== 'number') {
      throw new TypeError(`${fn}: expected options.offsets[${p}] to be a row offset (an integer from 0), received ${describe(x)}`);
    }
    if (!Number.isSafeInteger(x) || x < 0) {
      throw new RangeError(`${fn}: expected options.offsets[${p}] to be an integer from 0, received ${String(x)}`);
    }
    offsets.push(x);
  }
  return offsets;
}
