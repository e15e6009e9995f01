// Recall@10 of simdot's Index on the data sets of study.mjs, against the same exact ground truth:
// what a user of the Index gets, next to the schemes the study compares.
//
//   npm run build && node bench/embeddings/index-recall.mjs [study.mjs options]
//
// Per data set and metric: an int8 Index with rescore 0 (int8 scores as they are), 2 and 4 (the
// default), without originals (the float query against the int8 rows) and with keepOriginals
// (exact rescoring), and a float32 Index. Leave-one-out queries (minilm384) exclude their own
// key with the search filter.
//
// Then the binary funnel (precision 'binary', --binary-only for it alone): the Hamming scan for
// rescore * k candidates, rescored with the float query against the bits as +-(mean |x|), the
// int8 codes (keepInt8) or the originals (keepOriginals). Rescore 1 is the Hamming ranking alone
// (recall counts the set of 10, which rescoring k candidates does not change).
import { K, NQ, SEED, groundTruth, log, prepare, recallOf, space } from './study.mjs';
import { fmt, loadSimdot } from './lib.mjs';

const { Index } = loadSimdot();
if (typeof Index !== 'function') throw new Error('this simdot build has no Index: run `npm run build`');

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const NAMES = arg('datasets', 'glove100,minilm384,synthetic').split(',');
const binaryOnly = args.includes('--binary-only');
const METRIC = { cos: 'cosine', dot: 'dot', l2: 'l2' };
const CASES = [
  { label: 'int8, rescore 0', precision: 'int8', keepOriginals: false, rescore: 0 },
  { label: 'int8, rescore 2, no originals', precision: 'int8', keepOriginals: false, rescore: 2 },
  { label: 'int8, rescore 4, no originals (default)', precision: 'int8', keepOriginals: false, rescore: 4 },
  { label: 'int8, rescore 2, keepOriginals', precision: 'int8', keepOriginals: true, rescore: 2 },
  { label: 'int8, rescore 4, keepOriginals', precision: 'int8', keepOriginals: true, rescore: 4 },
  { label: 'float32', precision: 'float32', keepOriginals: false },
];
const BINARY_CASES = [
  { label: 'bits alone (rescore 1)', keep: 'bits', rescore: 1 },
  { label: 'bits, rescore 10', keep: 'bits', rescore: 10 },
  { label: 'bits, rescore 30', keep: 'bits', rescore: 30 },
  { label: 'keepInt8, rescore 4', keep: 'int8', rescore: 4 },
  { label: 'keepInt8, rescore 10 (default)', keep: 'int8', rescore: 10 },
  { label: 'keepInt8, rescore 30', keep: 'int8', rescore: 30 },
  { label: 'keepOriginals, rescore 4', keep: 'originals', rescore: 4 },
  { label: 'keepOriginals, rescore 10', keep: 'originals', rescore: 10 },
  { label: 'keepOriginals, rescore 30', keep: 'originals', rescore: 30 },
].map((c) => ({ ...c, precision: 'binary', keepOriginals: c.keep === 'originals', keepInt8: c.keep === 'int8' }));

const out = [];
for (const [title, cases] of binaryOnly ? [['binary', BINARY_CASES]] : [['int8 and float32', CASES], ['binary', BINARY_CASES]]) {
  const lines = [`## Index recall@10, ${title} (seed ${SEED}, ${NQ} queries; the study's exact ground truth)`, ''];
  lines.push(`| data set | metric | ${cases.map((c) => c.label).join(' | ')} |`);
  lines.push(`|---|---|${cases.map(() => '---:').join('|')}|`);
  for (const name of NAMES) {
    const ds = await prepare(name);
    for (const metric of ds.metrics) lines.push(`| ${name} | ${METRIC[metric]} | ${recallRow(ds, name, metric, cases).join(' | ')} |`);
  }
  out.push(lines.join('\n'));
}
console.log(out.join('\n\n'));

function recallRow(ds, name, metric, cases) {
  const sp = space(ds, metric);
  const { gt } = groundTruth(ds, metric, sp);
  const dim = ds.dim;
  const nb = ds.base.length / dim;
  const nq = ds.queries.length / dim;
  const row = [];
  const built = new Map();
  for (const c of cases) {
    const id = `${c.precision}/${c.keepOriginals}/${c.keepInt8 ?? false}`;
    if (!built.has(id)) {
      // Raw rows in; the Index normalizes them itself for cosine. Key i is row i.
      const index = new Index({ dim, metric: METRIC[metric], precision: c.precision, keepOriginals: c.keepOriginals, ...(c.keepInt8 ? { keepInt8: true } : {}) });
      index.add(ds.base, Array.from({ length: nb }, (_, i) => i));
      built.clear();
      built.set(id, index);
    }
    const index = built.get(id);
    const t0 = performance.now();
    let recall = 0;
    const opts = c.precision === 'float32' ? {} : { rescore: c.rescore === 0 ? false : c.rescore };
    if (ds.loo) {
      const all = Array.from({ length: nb }, (_, i) => i);
      for (let q = 0; q < nq; q++) {
        const filter = all.filter((i) => i !== q);
        const r = index.search(ds.queries.subarray(q * dim, (q + 1) * dim), K, { ...opts, filter });
        recall += recallOf(Array.from(r.keys), gt[q].idx);
      }
    } else {
      const res = index.searchBatch(ds.queries, K, opts);
      res.forEach((r, q) => {
        recall += recallOf(Array.from(r.keys), gt[q].idx);
      });
    }
    recall /= nq;
    log(`${name} ${metric} ${c.label}: ${fmt(recall, 4)} (${((performance.now() - t0) / nq).toFixed(2)} ms/query)`);
    row.push(fmt(recall, 4));
  }
  return row;
}
