// Loads the native binary with node-gyp-build. Never throws: when no binary fits this platform
// (or it fails to load), the reason is kept for info().loadError and the TypeScript kernels run.
import * as path from 'node:path';

export interface NativeInfo {
  kernel: string;
  kernels: Record<string, string>;
  supported: string[];
}

export interface RawResult {
  indices: Uint32Array;
  scores: Int32Array | Float32Array;
}

/** The binding's own functions; arguments arrive validated (see validate.ts). */
export interface Binding {
  dotI8(a: Int8Array, b: Int8Array): number;
  dotF32(a: Float32Array, b: Float32Array): number;
  dotsI8(query: Int8Array, matrix: Int8Array, out: Int32Array): void;
  dotsF32(query: Float32Array, matrix: Float32Array, out: Float32Array): void;
  search<T extends Int8Array | Float32Array>(
    queries: T,
    matrix: T,
    dim: number,
    k: number,
    threads: number,
    filter: Uint8Array | undefined,
  ): RawResult[];
  searchAsync<T extends Int8Array | Float32Array>(
    queries: T,
    matrix: T,
    dim: number,
    k: number,
    threads: number,
    filter: Uint8Array | undefined,
  ): Promise<RawResult[]>;
  info(): NativeInfo;
  setCap(tier: string): string;
}

export type LoadResult = { binding: Binding; path: string } | { error: string };

interface NodeGypBuild {
  (dir: string): unknown;
  resolve(dir: string): string;
}

export function loadBinding(): LoadResult {
  // dist/ and src/ both sit one level below the package root, where binding.gyp, build/ and
  // prebuilds/ live.
  const root = path.join(__dirname, '..');
  try {
    const nodeGypBuild = require('node-gyp-build') as NodeGypBuild;
    const file = nodeGypBuild.resolve(root);
    return { binding: require(file) as Binding, path: file };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { error: `no usable native binary (${message.split('\n')[0]}); running the TypeScript kernels` };
  }
}
