// Loads the native binary with node-gyp-build: a local build (build/Release) first, then the
// prebuild for this platform, architecture and C library (prebuilds/<platform>-<arch>/). Never
// throws: when no binary fits (or it fails to load), the reason is kept for info().loadError, one
// warning says so at the first import, and the TypeScript kernels run. SIMDOT_KERNEL=js does not
// load the binary at all (index.ts), and so silences the warning.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface NativeInfo {
  kernel: string;
  kernels: Record<string, string>;
  supported: string[];
  cacheResidentBytes: number;
  features: string[];
}

export interface RawResult {
  indices: Uint32Array;
  scores: Int32Array | Float32Array | Float64Array;
}

type RowValues = Float32Array | Float64Array | undefined;

/** The binding's own functions; arguments arrive validated (see validate.ts). */
export interface Binding {
  dotI8(a: Int8Array, b: Int8Array): number;
  dotF32(a: Float32Array, b: Float32Array): number;
  dotsI8(query: Int8Array, matrix: Int8Array, out: Int32Array): void;
  dotsF32(query: Float32Array, matrix: Float32Array, out: Float32Array): void;
  hamming(a: Uint8Array, b: Uint8Array): number;
  hammings(query: Uint8Array, matrix: Uint8Array, out: Uint32Array): void;
  search<T extends Int8Array | Float32Array | Uint8Array>(
    queries: T,
    matrix: T,
    dim: number,
    k: number,
    threads: number,
    filter: Uint8Array | undefined,
    rowFactor?: RowValues,
    rowOffset?: RowValues,
    queryFactor?: Float64Array,
  ): RawResult[];
  searchAsync<T extends Int8Array | Float32Array | Uint8Array>(
    queries: T,
    matrix: T,
    dim: number,
    k: number,
    threads: number,
    filter: Uint8Array | undefined,
    rowFactor?: RowValues,
    rowOffset?: RowValues,
    queryFactor?: Float64Array,
  ): Promise<RawResult[]>;
  info(): NativeInfo;
  setCap(tier: string): string;
}

export type LoadResult = { binding: Binding; path: string } | { error: string };

interface NodeGypBuild {
  (dir: string): unknown;
  resolve(dir: string): string;
}

/** Why the source build at install time failed (written by scripts/install.cjs), if it did. */
function installError(root: string): string | undefined {
  try {
    const first = fs.readFileSync(path.join(root, 'build', 'install-error.txt'), 'utf8').split('\n')[0]?.trim();
    return first || undefined;
  } catch {
    return undefined;
  }
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
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
    const built = installError(root);
    const error =
      `no usable native binary (${message})` +
      (built ? `; the source build at install failed (${built})` : '') +
      '; running the TypeScript kernels';
    process.emitWarning(
      `simdot: ${error}. For the native kernels, run \`npm rebuild simdot\` with a C++ compiler, make and Python 3 ` +
        `installed (prebuilt binaries cover Linux, macOS and Windows on x64 and Linux and macOS on arm64); ` +
        `set SIMDOT_KERNEL=js to choose the TypeScript kernels and silence this warning.`,
      { code: 'SIMDOT_NO_NATIVE' },
    );
    return { error };
  }
}
