// The checks every install consumer runs on the package it loaded (passed in, however it was
// imported): results against plain-JavaScript sums written here, independent of the package, and
// the same results again on the `js` tier. Prints one JSON line for scripts/test-install.sh.
'use strict';

function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
}

function same(a, b) {
  return a.length === b.length && Array.prototype.every.call(a, (v, i) => Object.is(v, b[i]));
}

function check(simdot) {
  const failures = [];
  const expect = (name, ok) => {
    if (!ok) failures.push(name);
  };
  // Odd sizes, full int8 range; the float32 copies hold small integers, so float sums are exact.
  const dim = 203;
  const rows = 61;
  const next = lcg(20260401);
  const q = Int8Array.from({ length: dim }, () => (next() >>> 24) - 128);
  const m = Int8Array.from({ length: dim * rows }, () => (next() >>> 24) - 128);
  const ref = Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += q[i] * m[r * dim + i];
    return s;
  });
  const order = ref.map((s, i) => [s, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 5);

  const run = () => {
    const big = new Int8Array(200_000).fill(-128);
    expect('dot int8 exact beyond int32', simdot.dot(big, big) === 200_000 * 16384);
    expect('dot int8', simdot.dot(q, m.subarray(dim, 2 * dim)) === ref[1]);
    expect('dot float32', simdot.dot(Float32Array.from(q), Float32Array.from(m.subarray(0, dim))) === ref[0]);
    const di = simdot.dots(q, m);
    expect('dots int8', di instanceof Int32Array && same(di, ref));
    const df = simdot.dots(Float32Array.from(q), Float32Array.from(m));
    expect('dots float32', df instanceof Float32Array && same(df, ref));
    const top = simdot.topK(q, m, 5);
    expect('topK indices', same(top.indices, order.map((o) => o[1])));
    expect('topK scores', same(top.scores, order.map((o) => o[0])));
    let threw;
    try {
      simdot.dots(q, m.subarray(1));
    } catch (err) {
      threw = err;
    }
    expect('RangeError for a ragged matrix', threw instanceof RangeError);
  };

  const info = simdot.info();
  run();
  if (info.kernel !== 'js') {
    simdot.useKernel('js');
    expect('useKernel(js) runs js', simdot.info().kernel === 'js');
    run();
    simdot.useKernel(info.kernel);
    expect('useKernel back to the native tier', simdot.info().kernel === info.kernel);
  }
  return failures;
}

function report(consumer, simdot, extra = {}) {
  const i = simdot.info();
  const line = {
    consumer,
    arch: process.arch,
    native: i.native,
    kernel: i.kernel,
    supported: i.supported,
    binding: i.binding,
    loadError: i.loadError,
    failures: [...check(simdot), ...(extra.failures ?? [])],
  };
  console.log(JSON.stringify(line));
}

module.exports = { report };
