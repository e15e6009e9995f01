// Runs in ONE process under qemu-user (qemu does not follow child processes, so nothing here may
// spawn): loads the built package as the emulated CPU sees it, checks that the dispatcher chose
// the expected tier, and runs the conformance cases on every native tier that CPU supports.
//
//   qemu-x86_64 -cpu Haswell,... node test/qemu/run-under-qemu.mjs avx2
import { createRequire } from 'node:module';
import { conformanceCases } from '../lib/conformance.mjs';

const expected = process.argv[2];
const simdot = createRequire(import.meta.url)('../../dist/index.js');
const info = simdot.info();
console.log(`cpu ${process.env.SIMDOT_QEMU_CPU ?? '(native)'}: kernel ${info.kernel}, supported ${info.supported.join(',')}`);

let passed = 0;
let failed = 0;
function report(ok, name, detail) {
  if (ok) passed++;
  else {
    failed++;
    console.log(`FAIL ${name}: ${detail}`);
  }
}

report(info.kernel === expected, 'dispatch', `expected kernel ${expected}, got ${info.kernel}`);
const native = info.supported.filter((t) => t !== 'js');
for (const tier of native) {
  simdot.useKernel(tier);
  const ops = new Set();
  for (const c of conformanceCases()) {
    const kernel = simdot.info().kernels[c.op];
    ops.add(`${c.op}=${kernel}`);
    const failure = c.run(simdot);
    report(failure === null && kernel === tier, `${tier}: ${c.name}`, failure ?? `ran on ${kernel}`);
  }
  console.log(`ran tier ${tier}: ${[...ops].join(', ')}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
