// node bench/hamming.mjs: binary embeddings (1 bit per dimension) in one run.
//
//   node bench/hamming.mjs [--rows 1000000] [--bits 1536] [--quick]
//
// 1. In cache: hammings over 4,000 rows of `bits` bits per tier, next to the int8 dots over as
//    many bytes of int8 rows of as many dimensions: GB/s of rows read, and rows per microsecond
//    (a bit row is 8x shorter than an int8 row).
// 2. From DRAM: the Hamming top-10 over `rows` bit rows (192 MB at the default) on one thread,
//    the full distance scan (hammings) and a plain read of the same bytes (readBytes), in
//    three interleaved rounds: the ratio the README quotes; then 2 threads. Beside it the int8 top-10 over the same rows as
//    int8 codes (8x the bytes).
// 3. The batch: topKHammingBatch of 8 and 16 queries vs as many single searches, 1 thread.
//
// Timings are medians of mitata samples; compare ratios within one run.
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import os from 'node:os';
import { measure } from 'mitata';

const require = createRequire(import.meta.url);
const simdot = require('../dist/index.js');
const { hammings, topKHamming, topKHammingBatch, dots, topK, info, useKernel } = simdot;

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const rows = arg('rows', quick ? 100_000 : 1_000_000);
const bits = arg('bits', 1536);
const n = Math.ceil(bits / 8);
const log = (...m) => console.error(`[${(performance.now() / 1000).toFixed(1)}s]`, ...m);

const tiers = info().supported;
const binding = info().binding ? require(info().binding) : undefined;
let sink = 0;
async function median(fn, slow) {
  const stats = await measure(
    () => {
      const r = fn();
      sink += r === undefined ? 0 : 1;
    },
    { min_cpu_time: (quick ? 100 : slow ? 800 : 400) * 1e6, min_samples: slow ? 5 : 8, batch_samples: slow ? 1 : undefined },
  );
  return stats.p50; // ns
}
const randomBytes = (len) => {
  const b = new Uint8Array(len);
  for (let off = 0; off < len; off += 2 ** 16) crypto.randomFillSync(b, off, Math.min(2 ** 16, len - off));
  return b;
};
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

console.log(`# simdot Hamming bench: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`);
console.log(`tiers: ${tiers.join(', ')}; ${bits}-bit rows (${n} bytes), int8 rows of ${bits} bytes`);

// 1. In cache: the same bytes of rows for both (768 KB at 1536 dimensions, in L2 on most
// CPUs), enough rows that the call's fixed cost is small against the scan.
{
  const bytes = 4000 * n;
  const bitRows = bytes / n;
  const int8Rows = Math.max(1, Math.floor(bytes / bits));
  const q = randomBytes(n);
  const m = randomBytes(n * bitRows);
  const outH = new Uint32Array(bitRows);
  const qi = new Int8Array(randomBytes(bits).buffer);
  const mi = new Int8Array(randomBytes(bits * int8Rows).buffer);
  const outI = new Int32Array(int8Rows);
  console.log(`\n## 1. In cache: ${bitRows} bit rows and ${int8Rows} int8 rows, ${(bytes / 1024).toFixed(0)} KiB each\n`);
  console.log('| tier | hammings kernel | hammings GB/s | hammings rows/us | int8 dots GB/s | int8 dots rows/us | rows/us, bits vs int8 |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const tier of tiers) {
    useKernel(tier);
    const h = await median(() => hammings(q, m, outH), tier === 'js');
    const d = await median(() => dots(qi, mi, outI), tier === 'js');
    const hr = bitRows / h;
    const dr = int8Rows / d;
    console.log(`| ${tier} | ${info().kernels.hammings} | ${fmt((n * bitRows) / h)} | ${fmt(hr * 1000)} | ${fmt((bits * int8Rows) / d)} | ${fmt(dr * 1000)} | ${fmt(hr / dr)}x |`);
  }
  useKernel(tiers[0]);
}

// 2. From DRAM.
{
  log(`filling ${rows} x ${n} bytes of bits and ${rows} x ${bits} int8`);
  const m = randomBytes(rows * n);
  const mi = new Int8Array(randomBytes(rows * bits).buffer);
  const q = randomBytes(n);
  const qi = new Int8Array(randomBytes(bits).buffer);
  const out = new Uint32Array(rows);
  const mb = (m.byteLength / 1e6).toFixed(0);
  console.log(`\n## 2. From DRAM: ${rows} rows, ${mb} MB of bits (${info().kernels.hammings} kernels)\n`);
  console.log('| what | threads | ms | GB/s | x plain read |');
  console.log('|---|---:|---:|---:|---:|');
  // Three interleaved rounds, each ratio taken within its round and the median round reported:
  // the machine's read rate drifts by 10% and more from minute to minute.
  const rounds = [];
  for (let round = 0; round < 3; round++) {
    const r = {};
    r.read = binding ? await median(() => binding.readBytes(m), true) : NaN;
    r.scan = await median(() => hammings(q, m, out), true);
    r.top1 = await median(() => topKHamming(q, m, 10, { threads: 1 }), true);
    r.top2 = await median(() => topKHamming(q, m, 10, { threads: 2 }), true);
    rounds.push(r);
  }
  const mid = (f) => rounds.map(f).sort((a, b) => a - b)[1];
  const read = mid((r) => r.read);
  const row = (what, threads, ns, ratio, bytes = m.byteLength) =>
    console.log(`| ${what} | ${threads} | ${fmt(ns / 1e6)} | ${fmt(bytes / ns)} | ${Number.isNaN(ratio) ? 'n/a' : fmt(ratio)} |`);
  row('plain read of the bits (readBytes)', 1, read, 1);
  row('hammings (every distance)', 1, mid((r) => r.scan), mid((r) => r.read / r.scan));
  const top1 = mid((r) => r.top1);
  const top1Ratio = mid((r) => r.read / r.top1);
  row('topKHamming, k = 10', 1, top1, top1Ratio);
  const top2 = mid((r) => r.top2);
  row('topKHamming, k = 10', 2, top2, mid((r) => r.read / r.top2));
  const int8 = await median(() => topK(qi, mi, 10, { threads: 1 }), true);
  row(`int8 topK, k = 10, over ${(mi.byteLength / 1e6).toFixed(0)} MB`, 1, int8, (mi.byteLength / int8) / (m.byteLength / read), mi.byteLength);
  console.log(
    `\nHamming top-10 at ${fmt(top1Ratio)}x the plain read rate on 1 thread (the median of three rounds' ratios); ` +
      `${fmt(int8 / top1)}x faster per query than the int8 top-10 over the same rows (1 thread), ${fmt(top1 / top2)}x from 2 threads`,
  );

  // 3. The batch.
  console.log(`\n## 3. The batch (1 thread, ${rows} rows)\n`);
  console.log('| queries | batch ms per query | single ms per query | gain |');
  console.log('|---:|---:|---:|---:|');
  for (const nq of [8, 16]) {
    const qs = randomBytes(nq * n);
    const batch = await median(() => topKHammingBatch(qs, m, 10, { dim: bits, threads: 1 }), true);
    const single = top1; // one query's time; nq singles take nq times as long
    console.log(`| ${nq} | ${fmt(batch / nq / 1e6)} | ${fmt(single / 1e6)} | ${fmt((single * nq) / batch)}x |`);
  }
}
if (sink < 0) console.log(sink);
