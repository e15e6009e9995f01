// What info().kernels must say under each cap, worked out from the .def files rather than asked of
// the code under test: per operation, the best tier at or below the cap (in this architecture's
// ladder) that has a kernel for it; a float32 batch kernel of another tier than dots_f32 is not
// used (one summation order per search); a kernel that needs a feature the CPU lacks is passed
// over. Shared by test/kernels.test.ts and the qemu runner.
import { readFileSync } from 'node:fs';

const defs = (file) => readFileSync(new URL(`../../native/${file}`, import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
const DEF_ARCH = { x64: 'x86_64', arm64: 'aarch64' };

/** The tiers of tiers.def: [{ name, arch }], best first within each architecture. */
export const tiers = [...defs('tiers.def').matchAll(/^SIMDOT_TIER\((\w+),\s*(\w+),/gm)].map((m) => ({ name: m[1], arch: m[2] }));
/** The operations of ops.def. */
export const operations = [...defs('ops.def').matchAll(/^SIMDOT_OP\((\w+)\)/gm)].map((m) => m[1]);

/** This architecture's native ladder, best first (scalar last). */
export function ladder(arch = process.arch) {
  return tiers.filter((t) => t.arch === DEF_ARCH[arch] || t.arch === 'any').map((t) => t.name);
}

/**
 * The kernels of this architecture's table and the portable one: [{ op, tier, extra }], extra the
 * features a kernel needs beyond its tier's (features.def names). SIMDOT_KERNEL_AS lines are
 * variants within a tier, listed too.
 */
export function kernelTable(arch = process.arch) {
  const own = DEF_ARCH[arch] ? defs(`kernels_${DEF_ARCH[arch]}.def`) : '';
  return [...(own + defs('kernels_portable.def')).matchAll(/^SIMDOT_KERNEL(?:_AS)?\((\w+),\s*(\w+),(.*)$/gm)].map((m) => ({
    op: m[1],
    tier: m[2],
    extra: [...m[3].matchAll(/SIMDOT_F\((\w+)\)/g)].map((f) => f[1]),
  }));
}

/**
 * info().kernels under the cap `cap` (a tier of this ladder, or js) on a CPU with `features`
 * (info().features): a kernel needing a feature the CPU lacks is passed over.
 */
export function expectedKernels(cap, features = [], arch = process.arch) {
  if (cap === 'js') return Object.fromEntries(operations.map((op) => [op, 'js']));
  const order = ladder(arch);
  const table = kernelTable(arch).filter((k) => k.extra.every((f) => features.includes(f)));
  const below = order.slice(order.indexOf(cap));
  const kernels = Object.fromEntries(operations.map((op) => [op, below.find((t) => table.some((k) => k.op === op && k.tier === t))]));
  if (kernels.dotsq_f32 !== kernels.dots_f32) kernels.dotsq_f32 = kernels.dots_f32;
  return kernels;
}
