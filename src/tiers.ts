// Written by scripts/gen-tiers.mjs from native/tiers.def and native/ops.def: edit those.

/** Kernel tiers, best first within each architecture; `js` is the pure-TypeScript fallback and runs everywhere. */
export const TIERS = ['avx512vnni', 'avx2', 'i8mm', 'neondot', 'neon', 'scalar', 'js'] as const;
export type Tier = (typeof TIERS)[number];

/** Each architecture's ladder, best first (process.arch names); any other architecture has ['scalar', 'js']. */
export const LADDERS: Readonly<Record<string, readonly Tier[]>> = {
  x64: ['avx512vnni', 'avx2', 'scalar', 'js'],
  arm64: ['i8mm', 'neondot', 'neon', 'scalar', 'js'],
};
export const PORTABLE_LADDER: readonly Tier[] = ['scalar', 'js'];

/** Kernel operations as info().kernels names them; dotsq_* score several queries per row read. */
export const OPERATIONS = ['dot_i8', 'dot_f32', 'dots_i8', 'dots_f32', 'dotsq_i8', 'dotsq_f32', 'hamming', 'hammings', 'hammingsq'] as const;
export type Operation = (typeof OPERATIONS)[number];
