#!/usr/bin/env node
// Writes src/tiers.ts from native/tiers.def and native/ops.def, the one list of kernel tiers and
// operations, so the TypeScript names can never drift from the native ones. Run by `npm run
// build`; with --check it only verifies that src/tiers.ts is up to date (exit status 1 if not).
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const read = (file) => readFileSync(new URL(file, root), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');

const tiers = [...read('native/tiers.def').matchAll(/^SIMDOT_TIER\((\w+),\s*(\w+),/gm)].map((m) => ({ name: m[1], arch: m[2] }));
const ops = [...read('native/ops.def').matchAll(/^SIMDOT_OP\((\w+)\)/gm)].map((m) => m[1]);
if (tiers.length === 0 || ops.length === 0) throw new Error('gen-tiers: no SIMDOT_TIER or SIMDOT_OP entries found');

// Node's names for the architectures of tiers.def.
const NODE_ARCH = { x86_64: 'x64', aarch64: 'arm64' };
const list = (names) => `[${names.map((n) => `'${n}'`).join(', ')}]`;
const portable = tiers.filter((t) => t.arch === 'any').map((t) => t.name);
const ladders = Object.entries(NODE_ARCH).map(
  ([arch, node]) => `  ${node}: ${list([...tiers.filter((t) => t.arch === arch).map((t) => t.name), ...portable, 'js'])},`,
);

const text = `// Written by scripts/gen-tiers.mjs from native/tiers.def and native/ops.def: edit those.

/** Kernel tiers, best first within each architecture; \`js\` is the pure-TypeScript fallback and runs everywhere. */
export const TIERS = ${list([...tiers.map((t) => t.name), 'js'])} as const;
export type Tier = (typeof TIERS)[number];

/** Each architecture's ladder, best first (process.arch names); any other architecture has ${list([...portable, 'js'])}. */
export const LADDERS: Readonly<Record<string, readonly Tier[]>> = {
${ladders.join('\n')}
};
export const PORTABLE_LADDER: readonly Tier[] = ${list([...portable, 'js'])};

/** Kernel operations as info().kernels names them; dotsq_* score several queries per row read. */
export const OPERATIONS = ${list(ops)} as const;
export type Operation = (typeof OPERATIONS)[number];
`;

const file = new URL('src/tiers.ts', root);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current !== text) {
    console.error('gen-tiers: src/tiers.ts is out of date with native/tiers.def or native/ops.def: run node scripts/gen-tiers.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
}
