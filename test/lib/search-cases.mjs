// Top-k cases for one process under qemu-user (test/qemu/run-under-qemu.mjs), where vitest cannot
// run (it forks): topK, topKBatch with 1..9 queries and topKAsync, with and without filters, on
// int8 and float32, each against a reference ranked from the same tier's dots(). Sizes are small
// enough for an emulated CPU.
//
// searchCases() returns [{ name, run(simdot) }] where run resolves to null when the searches agree
// with the reference, else a message describing the first disagreement.
import { rng } from './conformance.mjs';

/** Rows ranked as topK ranks them: higher score first, NaN below every number, then lower index. */
function reference(scores, k, filter) {
  const rows = [];
  for (let i = 0; i < scores.length; i++) if (!filter || (filter[i >> 3] >> (i & 7)) & 1) rows.push(i);
  rows.sort((a, b) => {
    const [sa, sb] = [scores[a], scores[b]];
    const [na, nb] = [Number.isNaN(sa), Number.isNaN(sb)];
    if (na !== nb) return na ? 1 : -1;
    if (!na && sa !== sb) return sb - sa;
    return a - b;
  });
  return rows.slice(0, k);
}

function same(result, scores, want) {
  if (result.indices.length !== want.length) return `${result.indices.length} results, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const r = result.indices[i];
    const s = result.scores[i];
    if (r !== want[i]) return `result ${i} is row ${r}, expected row ${want[i]}`;
    if (!(Object.is(s, scores[r]) || (s === 0 && scores[r] === 0) || (Number.isNaN(s) && Number.isNaN(scores[r])))) {
      return `result ${i} (row ${r}) scores ${s}, dots() gave ${scores[r]}`;
    }
  }
  return null;
}

function filters(rows, r) {
  const make = (p) => {
    const f = new Uint8Array(Math.ceil(rows / 8));
    for (let i = 0; i < rows; i++) if (p(i)) f[i >> 3] |= 1 << (i & 7);
    return f;
  };
  return [
    ['no filter', undefined],
    ['none eligible', make(() => false)],
    ['the last row', make((i) => i === rows - 1)],
    ['random 10%', make(() => r() < 0.1)],
    ['random 60%', make(() => r() < 0.6)],
  ];
}

export function searchCases() {
  const cases = [];
  for (const [type, Type] of [['int8', Int8Array], ['float32', Float32Array]]) {
    for (const dim of [7, 64, 129, 384]) {
      cases.push({
        name: `${type} dim ${dim}: topK, topKBatch of 1..9 queries and topKAsync, filtered and not, 1 and 3 threads`,
        run: async (simdot) => {
          const r = rng(dim * (type === 'int8' ? 1 : 2));
          const value = type === 'int8' ? () => Math.floor(r() * 256) - 128 : () => Math.round((r() * 2 - 1) * 64) / 8;
          const rows = 1000 + dim;
          const matrix = Type.from({ length: rows * dim }, value);
          // Equal rows make ties, which must rank the lower index first.
          matrix.copyWithin(5 * dim, 2 * dim, 3 * dim);
          const queries = Type.from({ length: 9 * dim }, value);
          const query = (j) => queries.subarray(j * dim, (j + 1) * dim);
          const scores = Array.from({ length: 9 }, (_, j) => simdot.dots(query(j), matrix));
          for (const [fname, filter] of filters(rows, r)) {
            for (const k of [1, 10, rows + 3]) {
              for (const threads of [1, 3]) {
                const label = `${fname}, k ${k}, ${threads} thread(s)`;
                const options = { filter, threads };
                for (let j = 0; j < 9; j++) {
                  const problem = same(simdot.topK(query(j), matrix, k, options), scores[j], reference(scores[j], k, filter));
                  if (problem) return `topK query ${j}, ${label}: ${problem}`;
                }
                // Every batch size (1..9 queries: one and two groups of the batch kernels) once
                // per filter; the other k and thread counts with all 9.
                for (let nq = k === 10 && threads === 3 ? 1 : 9; nq <= 9; nq++) {
                  const batch = simdot.topKBatch(queries.subarray(0, nq * dim), matrix, k, { dim, ...options });
                  for (let j = 0; j < nq; j++) {
                    const problem = same(batch[j], scores[j], reference(scores[j], k, filter));
                    if (problem) return `topKBatch of ${nq}, query ${j}, ${label}: ${problem}`;
                  }
                }
                const problem = same(await simdot.topKAsync(query(0), matrix, k, options), scores[0], reference(scores[0], k, filter));
                if (problem) return `topKAsync, ${label}: ${problem}`;
              }
            }
          }
          return null;
        },
      });
    }
  }
  return cases;
}
