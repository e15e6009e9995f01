// Reads the JSON lines the install consumers print (checks.cjs) and holds them to what the
// install test expects. Exit status 1 with one line per problem when anything differs.
// Usage: ... | node expect.mjs --consumers esm,cjs,ts-esm,ts-cjs --arch x64 --native true
//          --kernel avx2 [--binding node_modules/simdot/prebuilds/linux-x64/] [--load-error REGEX]...
import { parseArgs } from 'node:util';

const { values: want } = parseArgs({
  options: {
    consumers: { type: 'string' },
    arch: { type: 'string' },
    native: { type: 'string' },
    kernel: { type: 'string' },
    binding: { type: 'string' },
    'load-error': { type: 'string', multiple: true },
    label: { type: 'string', default: '' },
  },
});

let input = '';
for await (const chunk of process.stdin) input += chunk;
const reports = input.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const problems = [];
const names = reports.map((r) => r.consumer);
if (want.consumers && names.join(',') !== want.consumers) {
  problems.push(`consumers that reported: ${names.join(',') || 'none'}; expected ${want.consumers}`);
}
for (const r of reports) {
  const p = (msg) => problems.push(`${r.consumer}: ${msg}`);
  if (r.failures.length) p(`wrong results: ${r.failures.join('; ')}`);
  if (want.arch && r.arch !== want.arch) p(`process.arch ${r.arch}, expected ${want.arch}`);
  if (want.native && String(r.native) !== want.native) p(`native ${r.native}, expected ${want.native} (loadError: ${r.loadError})`);
  if (want.kernel && r.kernel !== want.kernel) p(`kernel ${r.kernel}, expected ${want.kernel}`);
  if (want.binding !== undefined && !(r.binding ?? '').includes(want.binding)) p(`binding ${r.binding}, expected a path with ${want.binding}`);
  if (want.native === 'true' && r.loadError !== undefined) p(`unexpected loadError ${r.loadError}`);
  for (const re of want['load-error'] ?? []) {
    if (!new RegExp(re).test(r.loadError ?? '')) p(`loadError ${JSON.stringify(r.loadError)} does not match /${re}/`);
  }
}
for (const problem of problems) console.error(`FAIL ${want.label}: ${problem}`);
if (problems.length === 0) {
  const r = reports[0];
  const where = r.binding ? r.binding.replace(/.*node_modules\/simdot\//, '') : r.loadError;
  console.log(`ok ${want.label}: ${names.join(', ')} on ${r.arch}: native ${r.native}, kernel ${r.kernel} (${where})`);
}
process.exit(problems.length ? 1 : 0);
