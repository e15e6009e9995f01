// The package as a CommonJS user loads it: through Node's own require, from the built dist/,
// exactly the file that ships.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type Simdot = typeof import('../src/index.js');

const require = createRequire(import.meta.url);
export const simdot = require('../dist/index.js') as Simdot;
// A file path, not a URL's pathname ("/C:/..." on Windows). With forward slashes on Windows
// too, which it accepts: tests paste it into generated source, nested in string and template
// literals, where each backslash would need escaping once per level.
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
export const distDir = process.platform === 'win32' ? dist.replaceAll('\\', '/') : dist;
