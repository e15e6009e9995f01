// A TypeScript user (CommonJS output), type-checked against the package's own declarations
// (index.d.ts, through the "require" condition of "exports").
import simdot = require('simdot');

const scores: Int32Array = simdot.dots(new Int8Array([1, -2, 3]), new Int8Array([4, 5, -6]));
const kernel: simdot.Tier = simdot.info().kernel;
const failures: string[] = [];
if (scores[0] !== -24 || !simdot.TIERS.includes(kernel)) failures.push('typed calls');
// @ts-expect-error: dots takes vectors, not numbers
void (() => simdot.dots(1, 2));

const { report } = require('../checks.cjs') as {
  report(consumer: string, simdot: unknown, extra?: { failures: string[] }): void;
};
report('ts-cjs', simdot, { failures });
