// Runs in ONE process under qemu-user (qemu does not follow child processes, so nothing here may
// spawn): loads the built package as the emulated CPU sees it, checks that the dispatcher chose
// the expected tier, and runs the conformance cases on every native tier that CPU supports.
//
//   qemu-x86_64 -cpu Haswell,... node test/qemu/run-under-qemu.mjs avx2
//   qemu-aarch64 -cpu max node test/qemu/run-under-qemu.mjs i8mm --search --package build-arm64
//     (top-k cases too; the package directory holds the arm64 prebuild)
import { createRequire } from 'node:module';
import { conformanceCases } from '../lib/conformance.mjs';
import { expectedKernels } from '../lib/dispatch-table.mjs';
import { searchCases } from '../lib/search-cases.mjs';

const expected = process.argv[2];
const withSearch = process.argv.includes('--search');
// --package DIR: the package to load (DIR/dist/index.js), e.g. one holding the arm64 prebuild.
const packageAt = process.argv.indexOf('--package');
const entry = packageAt > 0 ? `${process.argv[packageAt + 1]}/dist/index.js` : '../../dist/index.js';
const simdot = createRequire(import.meta.url)(entry);
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
    const want = expectedKernels(tier, simdot.info().features ?? [])[c.op];
    report(failure === null && kernel === want, `${tier}: ${c.name}`, failure ?? `ran on ${kernel}, expected ${want}`);
  }
  // The top-k cases where the kernels are not those of the machine running the suite (aarch64):
  // on x86-64 the search code around the kernels is the one the suite tests natively.
  if (withSearch) {
    for (const c of searchCases()) {
      const failure = await c.run(simdot);
      report(failure === null, `${tier}: ${c.name}`, failure);
    }
  }
  console.log(`ran tier ${tier}: ${[...ops].join(', ')}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
