// The package as a CommonJS user loads it: through Node's own require, from the built dist/,
// exactly the file that ships.
import { createRequire } from 'node:module';

export type Simdot = typeof import('../src/index.js');

const require = createRequire(import.meta.url);
export const simdot = require('../dist/index.js') as Simdot;
export const distDir = new URL('../dist/', import.meta.url).pathname;
