// An ES module user: named imports and the default export from the package's "import" entry.
import { createRequire } from 'node:module';
import simdot, { dot, dots, info, topK, useKernel, TIERS } from 'simdot';

const { report } = createRequire(import.meta.url)('./checks.cjs');
const failures = [];
// One instance whichever way the package is loaded: the ESM entry re-exports the CommonJS one.
if (createRequire(import.meta.url)('simdot').dot !== dot) failures.push('ESM and CommonJS entries are one instance');
if (simdot.dots !== dots || !TIERS.includes(info().kernel)) failures.push('default export');
report('esm', { dot, dots, info, topK, useKernel }, { failures });
