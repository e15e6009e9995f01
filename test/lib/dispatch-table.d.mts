export const tiers: { name: string; arch: string }[];
export const operations: string[];
export function ladder(arch?: string): string[];
export function kernelTable(arch?: string): { op: string; tier: string; extra: string[] }[];
export function expectedKernels(cap: string, features?: string[], arch?: string): Record<string, string>;
