// npm run bench: dot and dots for every tier this machine supports and the js tier, next to a
// plain read of the same bytes (the memory-bandwidth reference), all measured in one run.
//
//   node bench/dot.mjs [--dims 1536,384] [--rows 200000] [--quick]
//
// Prints a Markdown table per dimension and the ratios the README quotes. Timings are medians of
// mitata samples; these machines are shared and noisy, so compare ratios within one run.
import { createRequire } from 'node:module';
import os from 'node:os';
import { measure } from 'mitata';

const require = createRequire(import.meta.url);
const simdot = require('../dist/index.js');

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const quick = args.includes('--quick');
const dims = arg('dims', '1536,384').split(',').map(Number);
const bigRows = Number(arg('rows', quick ? '20000' : '200000'));
const smallRows = 1000;

const info = simdot.info();
const tiers = info.supported;
const binding = info.binding ? require(info.binding) : undefined;

let sink = 0;
async function median(fn, slow) {
  const stats = await measure(
    () => {
      sink += typeof fn() === 'number' ? 1 : 0;
    },
    { min_cpu_time: (quick ? 100 : slow ? 600 : 400) * 1e6, min_samples: slow ? 3 : 8, batch_samples: slow ? 1 : undefined },
  );
  return stats.p50; // ns
}

function fill(array, seed) {
  let s = seed >>> 0;
  const int8 = array instanceof Int8Array;
  for (let i = 0; i < array.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    array[i] = int8 ? (s >>> 24) - 128 : (s / 2 ** 32) * 2 - 1;
  }
  return array;
}

const gbps = (bytes, ns) => bytes / ns; // bytes per ns = GB/s
const fmt = (x, digits = 2) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(digits));

console.log(`# simdot bench: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`);
console.log(`tiers: ${tiers.join(', ')}; active by default: ${info.kernel}`);

for (const dim of dims) {
  const results = {};
  for (const [type, Type] of [['int8', Int8Array], ['float32', Float32Array]]) {
    const q = fill(new Type(dim), 1);
    const b = fill(new Type(dim), 2);
    const big = fill(new Type(dim * bigRows), 3);
    const small = big.subarray(0, dim * smallRows);
    const outBig = new (type === 'int8' ? Int32Array : Float32Array)(bigRows);
    const outSmall = outBig.subarray(0, smallRows);
    const bytesSmall = small.byteLength;
    const bytesBig = big.byteLength;

    for (const tier of tiers) {
      simdot.useKernel(tier);
      const dotNs = await median(() => simdot.dot(q, b));
      const smallNs = await median(() => simdot.dots(q, small, outSmall), tier === 'js');
      const bigNs = await median(() => simdot.dots(q, big, outBig), true);
      (results[tier] ??= {})[type] = { dotNs, small: gbps(bytesSmall, smallNs), big: gbps(bytesBig, bigNs) };
    }
    if (binding) {
      const smallBytes = new Uint8Array(small.buffer, small.byteOffset, bytesSmall);
      const bigBytes = new Uint8Array(big.buffer, big.byteOffset, bytesBig);
      const smallNs = await median(() => binding.readBytes(smallBytes));
      const bigNs = await median(() => binding.readBytes(bigBytes), true);
      (results['plain read'] ??= {})[type] = { dotNs: NaN, small: gbps(bytesSmall, smallNs), big: gbps(bytesBig, bigNs) };
    }
  }
  simdot.useKernel('avx512vnni');

  console.log(`\n## dim ${dim} (dots over ${smallRows} rows and ${bigRows} rows; GB/s of rows scanned)\n`);
  console.log('| tier | int8 dot ns | int8 dots 1k GB/s | int8 dots big GB/s | f32 dot ns | f32 dots 1k GB/s | f32 dots big GB/s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [tier, r] of Object.entries(results)) {
    const cell = (t, k) => (Number.isNaN(r[t][k]) ? '' : fmt(r[t][k], k === 'dotNs' ? 1 : 2));
    console.log(`| ${tier} | ${cell('int8', 'dotNs')} | ${cell('int8', 'small')} | ${cell('int8', 'big')} | ${cell('float32', 'dotNs')} | ${cell('float32', 'small')} | ${cell('float32', 'big')} |`);
  }
  const best = tiers[0];
  const ratio = (a, b) => (a && b ? `${fmt(a / b)}x` : 'n/a');
  for (const type of ['int8', 'float32']) {
    const r = (tier) => results[tier]?.[type];
    console.log(
      `\n${type}: ${best} vs avx2 in cache ${ratio(r(best)?.small, r('avx2')?.small)}, ` +
        `vs scalar ${ratio(r(best)?.small, r('scalar')?.small)}, vs js ${ratio(r(best)?.small, r('js')?.small)}; ` +
        `out of cache ${best} reaches ${r('plain read') ? fmt((100 * r(best).big) / r('plain read').big, 0) + '%' : 'n/a'} of the plain read rate`,
    );
  }
}
if (sink < 0) console.log(sink);
