// Every kernel, through the JavaScript API and the C++ shim, on memory that ends exactly at, or
// begins exactly after, a PROT_NONE page (test/guard/guard.c): a kernel tail, a shim bound or a
// filter read that strays one byte out of range kills the test process with SIGSEGV, which fails
// the run. The other suites cannot see such a read, because Node's heap is readable on both
// sides of a typed array. Each result is also checked against a plain-JavaScript reference, so
// a kernel that read nothing could not pass. The tiers and operations that ran are printed at
// the end, so a green run on a CPU without AVX-512 is never taken for AVX-512 coverage.
//
// A crash leaves vitest no chance to name the case: SIMDOT_GUARD_TRACE=1 writes each case to
// stderr before it runs.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { f32Agrees, refDotF32, refDotI8, rng } from './lib/conformance.mjs';
import { simdot } from './load.js';

interface GuardAddon {
  guarded(bytes: number, before: boolean): ArrayBuffer;
  address(buffer: ArrayBuffer): bigint;
  peek(buffer: ArrayBuffer, offset: number): number;
  pageSize(): number;
}

type Kind = 'int8' | 'float32';
type Side = 'after' | 'before';
type Vec = Int8Array | Float32Array;
type Scores = Int32Array | Float32Array;
type Ref = { exact: number; abs: number };
type Ranked = { indices: number[]; scores: number[] };
type ViewType<T> = { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

const addonInfo = inject('guardAddon');
const addonPath = 'path' in addonInfo ? addonInfo.path : undefined;
const guard = addonPath === undefined ? undefined : (createRequire(import.meta.url)(addonPath) as GuardAddon);
const trace = process.env['SIMDOT_GUARD_TRACE'] === '1';

// Every length up to 300 covers each kernel's vector width, unroll and tail; the rest sit on
// the block sizes of common embeddings and on the 65536 split of the int8 kernels.
const LENGTHS = [
  ...Array.from({ length: 301 }, (_, n) => n),
  ...[1536, 4096, 65536].flatMap((n) => [n - 2, n - 1, n, n + 1, n + 2]),
];
// Row counts around the row blocks of dots and around the 64-row words of the filter.
const ROWS = [1, 2, 3, 4, 5, 7, 8, 9, 13, 17, 63, 64, 65, 128, 129, 200];
// Query counts around the 8 queries the batch kernels hold in registers.
const QUERIES = [2, 3, 4, 5, 7, 8, 9, 10, 16, 17];
const OPS = ['dot', 'dots', 'topK', 'topK+filter', 'topKBatch', 'topKAsync', 'hamming', 'hammings', 'topKHamming', 'topKHammingBatch', 'topKHammingAsync'] as const;

interface Case {
  n: number;
  rows: number;
  nq: number;
  k: number;
  threads: number;
  a: Vec;
  b: Vec;
  /** rows x n, row-major */
  m: Vec;
  /** nq x n, row-major */
  queries: Vec;
  out: Scores;
  filter: Uint8Array;
  /** The references, exact for int8 (numbers) and float64 sums with their bound for float32. */
  dot: number | Ref;
  rowRefs: (number | Ref)[];
  batchRefs: (number | Ref)[][];
}

interface Fixture {
  cases: Case[];
  /** Every guarded view, for the layout check. */
  views: ArrayBufferView[];
}

function makeFixture(kind: Kind, side: Side): Fixture {
  const g = guard!;
  const views: ArrayBufferView[] = [];
  const before = side === 'before';
  const alloc = <T extends ArrayBufferView>(Type: ViewType<T>, n: number): T => {
    const bpe = Type.BYTES_PER_ELEMENT;
    // V8 gives an empty ArrayBuffer no memory at all (a null pointer); an empty view at the
    // guarded edge of a one-element buffer hands the kernel a pointer right at the guard.
    const v = n > 0 ? new Type(g.guarded(n * bpe, before)) : new Type(g.guarded(bpe, before), before ? 0 : bpe, 0);
    views.push(v);
    return v;
  };
  const r = rng(kind === 'int8' ? 8 : 32);
  const V = (kind === 'int8' ? Int8Array : Float32Array) as ViewType<Vec>;
  const value = kind === 'int8' ? () => Math.floor(r() * 256) - 128 : () => r() * 2 - 1;
  const filled = (n: number) => {
    const v = alloc(V, n);
    for (let i = 0; i < n; i++) v[i] = value();
    return v;
  };
  const ref = (q: Vec, m: Vec, offset: number, n: number): number | Ref =>
    kind === 'int8' ? refDotI8(q as Int8Array, m as Int8Array, offset, n) : refDotF32(q as Float32Array, m as Float32Array, offset, n);

  const cases = LENGTHS.map((n, i): Case => {
    const rows = n <= 300 ? ROWS[i % ROWS.length]! : 1 + (n % 5);
    const nq = rows >= 63 || n > 300 ? 2 + (n % 2) : QUERIES[i % QUERIES.length]!;
    const a = filled(n);
    const b = filled(n);
    const m = filled(n * rows);
    const queries = filled(n * nq);
    const out = alloc((kind === 'int8' ? Int32Array : Float32Array) as ViewType<Scores>, rows);
    const filter = alloc(Uint8Array, Math.ceil(rows / 8));
    // All set (bits past the last row too, which must be ignored), about half, or a few rows
    // with the last one always in.
    const pattern = n % 3;
    for (let j = 0; j < filter.length; j++) filter[j] = pattern === 0 ? 0xff : 0;
    for (let row = 0; pattern !== 0 && row < rows; row++) {
      if (row === rows - 1 || r() < (pattern === 1 ? 0.5 : 0.05)) filter[row >> 3]! |= 1 << (row & 7);
    }
    const rowRefs = Array.from({ length: rows }, (_, row) => ref(a, m, row * n, n));
    const batchRefs = Array.from({ length: nq }, (_, qi) =>
      Array.from({ length: rows }, (_, row) => ref(queries.subarray(qi * n, (qi + 1) * n), m, row * n, n)),
    );
    return { n, rows, nq, k: 1 + (n % (rows + 1)), threads: 1 + (n % 3), a, b, m, queries, out, filter, dot: ref(a, b, 0, n), rowRefs, batchRefs };
  });
  return { cases, views };
}

// --- the guard itself -----------------------------------------------------------------------

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
}

function readMaps(): Mapping[] {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [range, perms] = line.split(' ');
      const [start, end] = range!.split('-');
      return { start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), perms: perms! };
    });
}

function mappingAt(maps: Mapping[], address: bigint): Mapping | undefined {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = maps[mid]!;
    if (address < m.start) hi = mid - 1;
    else if (address >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}

/** What is wrong with a view's placement, or null when it lies flush against a PROT_NONE page. */
function layoutProblem(v: ArrayBufferView, side: Side, page: bigint, maps: Mapping[] | undefined): string | null {
  const start = guard!.address(v.buffer as ArrayBuffer) + BigInt(v.byteOffset);
  const end = start + BigInt(v.byteLength);
  const edge = side === 'after' ? end : start;
  const where = `${v.constructor.name}(${v.byteLength / (v as Int8Array).BYTES_PER_ELEMENT}) at 0x${start.toString(16)}`;
  if (edge % page !== 0n) return `${where}: its ${side === 'after' ? 'end' : 'start'} is not on a page boundary`;
  if (!maps) return null;
  const guardPage = side === 'after' ? end : start - page;
  const g = mappingAt(maps, guardPage);
  if (!g || g.perms.slice(0, 3) !== '---' || g.end < guardPage + page) {
    return `${where}: the page at 0x${guardPage.toString(16)} is ${g ? g.perms : 'unmapped'}, not a PROT_NONE guard`;
  }
  if (v.byteLength > 0) {
    for (const byte of [start, end - 1n]) {
      const d = mappingAt(maps, byte);
      if (!d || d.perms.slice(0, 2) !== 'rw') return `${where}: byte 0x${byte.toString(16)} is ${d ? d.perms : 'unmapped'}`;
    }
  }
  return null;
}

// --- references -------------------------------------------------------------------------------

/** The k best of `scores` among the rows the filter lets in: higher first, ties by lower row. */
function ranked(scores: ArrayLike<number>, k: number, filter?: Uint8Array): Ranked {
  const rows: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!filter || (filter[i >> 3]! >> (i & 7)) & 1) rows.push(i);
  rows.sort((x, y) => scores[y]! - scores[x]! || x - y);
  const top = rows.slice(0, k);
  return { indices: top, scores: top.map((i) => scores[i]!) };
}

function plain(r: { indices: Uint32Array; scores: Scores }): Ranked {
  return { indices: Array.from(r.indices), scores: Array.from(r.scores) };
}

const same = (x: Ranked, y: Ranked) => JSON.stringify(x) === JSON.stringify(y);

// --- the run ----------------------------------------------------------------------------------

const supported = simdot.info().supported;
/** tier -> kernels it reported -> "kind, guard side" -> operations that ran */
const ran = new Map<string, { kernels: string; groups: Map<string, Set<string>> }>();

// A file whose tests are all skipped runs no hooks: the reason is printed while it loads. Where
// the checks must run (.ci/run sets SIMDOT_GUARD_REQUIRED=1), a skip is a failure.
if (!guard) {
  const why = 'skipped' in addonInfo ? addonInfo.skipped : 'no addon';
  console.log(`simdot guard-page checks SKIPPED: ${why}`);
  if (process.env['SIMDOT_GUARD_REQUIRED']) {
    it('guard pages can be set up here (SIMDOT_GUARD_REQUIRED)', () => {
      expect.fail(`the guard-page checks could not run: ${why}`);
    });
  }
}

afterAll(() => {
  if (!guard) return;
  const lines = [...ran].flatMap(([tier, { kernels, groups }]) => [
    `  ${tier} (${kernels}):`,
    ...[...groups].map(([group, ops]) => `    ${group}: ${OPS.filter((op) => ops.has(op)).join(', ')}`),
  ]);
  console.log(
    `simdot guard-page checks ran on this CPU (supported: ${supported.join(', ')}; page ${guard.pageSize()} bytes; ` +
      `lengths 0..300, ${LENGTHS.filter((n) => n > 300).join(' ')}):\n${lines.join('\n')}`,
  );
  simdot.useKernel('avx512vnni');
});

async function runTier(tier: string, kind: Kind, side: Side, fixture: Fixture): Promise<string[]> {
  const { dot, dots, topK, topKAsync, topKBatch } = simdot;
  const failures: string[] = [];
  const fail = (c: Case, op: string, detail: string) => {
    if (failures.length < 20) failures.push(`${tier} ${kind} guard ${side} n=${c.n} rows=${c.rows}: ${op}: ${detail}`);
  };
  const entry = ran.get(tier) ?? { kernels: '', groups: new Map<string, Set<string>>() };
  ran.set(tier, entry);
  const kernels = simdot.info().kernels;
  entry.kernels = Object.entries(kernels).map(([op, t]) => `${op}=${t}`).join(' ');
  const ops = new Set<string>();
  entry.groups.set(`${kind}, guard ${side}`, ops);
  const step = (c: Case, op: string) => {
    ops.add(op);
    if (trace) writeSync(2, `guard: ${tier} ${kind} guard ${side} n=${c.n} rows=${c.rows} queries=${c.nq}: ${op}\n`);
  };
  const agrees = (got: number, want: number | Ref, n: number) =>
    typeof want === 'number' ? got === want : f32Agrees(got, want, n);
  // int8: the reference ranks the exact scores. float32: kernels may round differently from the
  // float64 reference, so the ranking comes from this tier's own dots() (every float32 kernel of
  // a tier sums a row in one order) and each score is held to the documented bound.
  const checkSearch = (c: Case, op: string, got: Ranked, refs: (number | Ref)[], tierScores: ArrayLike<number> | undefined, filter?: Uint8Array) => {
    const exact = refs.map((x) => (typeof x === 'number' ? x : NaN));
    const want = ranked(kind === 'int8' ? exact : tierScores!, c.k, filter);
    if (!same(got, want)) return fail(c, op, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    got.indices.forEach((row, j) => {
      if (!agrees(got.scores[j]!, refs[row]!, c.n)) fail(c, op, `row ${row} score ${got.scores[j]} vs reference ${JSON.stringify(refs[row])}`);
    });
  };

  for (const c of fixture.cases) {
    const [a, b, m, queries] = [c.a, c.b, c.m, c.queries] as Int8Array[];
    step(c, 'dot');
    const d = dot(a!, b!);
    if (!agrees(d, c.dot, c.n)) fail(c, 'dot', `got ${d}, reference ${JSON.stringify(c.dot)}`);
    if (c.n === 0) continue; // searches and dots need a non-empty query

    step(c, 'dots');
    c.out.fill(0x7f7f7f7f);
    const scores = dots(a!, m!, c.out as Int32Array);
    if (scores !== c.out) fail(c, 'dots', 'did not return out');
    c.rowRefs.forEach((want, row) => {
      if (!agrees(scores[row]!, want, c.n)) fail(c, 'dots', `row ${row}: got ${scores[row]}, reference ${JSON.stringify(want)}`);
    });
    const tierScores = Array.from(scores);

    step(c, 'topK');
    checkSearch(c, 'topK', plain(topK(a!, m!, c.k, { threads: c.threads })), c.rowRefs, tierScores);
    step(c, 'topK+filter');
    checkSearch(c, 'topK+filter', plain(topK(a!, m!, c.k, { threads: c.threads, filter: c.filter })), c.rowRefs, tierScores, c.filter);

    step(c, 'topKBatch');
    const batchFilter = c.n % 2 ? c.filter : undefined;
    const batch = topKBatch(queries!, m!, c.k, { dim: c.n, threads: c.threads, ...(batchFilter ? { filter: batchFilter } : {}) });
    if (batch.length !== c.nq) fail(c, 'topKBatch', `${batch.length} results for ${c.nq} queries`);
    batch.forEach((res, qi) => {
      const own = kind === 'int8' ? undefined : Array.from(dots(queries!.subarray(qi * c.n, (qi + 1) * c.n), m!));
      checkSearch(c, `topKBatch query ${qi}`, plain(res), c.batchRefs[qi]!, own, batchFilter);
    });

    step(c, 'topKAsync');
    checkSearch(c, 'topKAsync', plain(await topKAsync(a!, m!, c.k, { threads: c.threads, filter: c.filter })), c.rowRefs, tierScores, c.filter);
  }
  return failures;
}

describe.skipIf(!guard)('guard pages', () => {
  it('a read one byte past the end, or one byte before the start, kills the process', () => {
    // In a child process without any preloaded sanitizer runtime, whose report of the crash
    // would count as a finding; with core dumps off.
    const env = { ...process.env };
    delete env['LD_PRELOAD'];
    const probe = (before: boolean, inside: number, outside: number) => {
      const script =
        `const g = require(${JSON.stringify(addonPath)}); const b = g.guarded(100, ${before});` +
        `new Uint8Array(b).fill(7); process.stdout.write('inside ' + g.peek(b, ${inside}) + '\\n');` +
        `g.peek(b, ${outside}); process.stdout.write('survived\\n');`;
      return spawnSync('sh', ['-c', 'ulimit -c 0; exec "$0" -e "$1"', process.execPath, script], { env, encoding: 'utf8' });
    };
    for (const [before, inside, outside] of [[false, 99, 100], [true, 0, -1]] as const) {
      const child = probe(before, inside, outside);
      const what = `peek(${outside}) on 100 bytes guarded ${before ? 'before' : 'after'}`;
      const detail = `${what}: exit status ${child.status}, signal ${child.signal}${child.stderr ? `, stderr ${child.stderr}` : ''}`;
      expect(child.stdout, detail).toBe('inside 7\n');
      expect(['SIGSEGV', 'SIGBUS'], detail).toContain(child.signal);
    }
  });

  for (const kind of ['int8', 'float32'] as const) {
    for (const side of ['after', 'before'] as const) {
      describe(`${kind} arrays, guard page ${side} the data`, () => {
        let fixture: Fixture | undefined;
        beforeAll(() => {
          fixture = makeFixture(kind, side);
        });
        afterAll(() => {
          fixture = undefined;
        });

        it('every array lies flush against a PROT_NONE page', () => {
          // Checked against the kernel's own view of the address space where there is one, so
          // a guard that silently went missing fails here rather than letting the kernels pass.
          const maps = process.platform === 'linux' ? readMaps() : undefined;
          const page = BigInt(guard!.pageSize());
          const problems = fixture!.views.map((v) => layoutProblem(v, side, page, maps)).filter((p) => p !== null);
          expect(problems.slice(0, 10)).toEqual([]);
          expect(fixture!.views.length).toBe(LENGTHS.length * 6);
        });

        for (const tier of supported) {
          it(`${tier}: dot, dots, topK, topK with a filter, topKBatch, topKAsync`, async () => {
            expect(simdot.useKernel(tier)).toBe(tier);
            // The Hamming kernels may need a feature beyond the tier (AVX512_VPOPCNTDQ, POPCNT);
            // the bit-vector cases below report theirs.
            const own = Object.entries(simdot.info().kernels).filter(([op]) => !op.startsWith('hamming'));
            if (tier !== 'js') expect(new Set(own.map(([, t]) => t))).toEqual(new Set([tier]));
            expect(await runTier(tier, kind, side, fixture!)).toEqual([]);
          });
        }
      });
    }
  }
  // Bit vectors (binary embeddings): hamming, hammings, topKHamming with and without a filter,
  // its batch and its async form, each against a popcount reference.
  for (const side of ['after', 'before'] as const) {
    describe(`bit vectors (Uint8Array), guard page ${side} the data`, () => {
      let views: Uint8Array[] = [];
      const pop = Uint8Array.from({ length: 256 }, (_, i) => {
        let c = 0;
        for (let x = i; x; x &= x - 1) c++;
        return c;
      });
      const dist = (a: Uint8Array, b: Uint8Array, at: number, n: number) => {
        let d = 0;
        for (let i = 0; i < n; i++) d += pop[a[i]! ^ b[at + i]!]!;
        return d;
      };
      const cases = LENGTHS.filter((n) => n <= 300 || n % 4096 < 3).map((n, i) => ({ n, rows: n <= 300 ? ROWS[i % ROWS.length]! : 2, nq: QUERIES[i % QUERIES.length]! }));
      beforeAll(() => {
        const r = rng(16);
        views = [];
        const alloc = (n: number) => {
          const v = n > 0 ? new Uint8Array(guard!.guarded(n, side === 'before')) : new Uint8Array(guard!.guarded(1, side === 'before'), side === 'before' ? 0 : 1, 0);
          for (let i = 0; i < n; i++) v[i] = Math.floor(r() * 256);
          views.push(v);
          return v;
        };
        for (const c of cases) Object.assign(c, { a: alloc(c.n), m: alloc(c.n * c.rows), queries: alloc(c.n * c.nq), filter: alloc(Math.ceil(c.rows / 8)) });
      });
      afterAll(() => {
        views = [];
      });

      for (const tier of supported) {
        it(`${tier}: hamming, hammings, topKHamming with and without a filter, topKHammingBatch, topKHammingAsync`, async () => {
          const { hamming, hammings, topKHamming, topKHammingBatch, topKHammingAsync } = simdot;
          expect(simdot.useKernel(tier)).toBe(tier);
          const page = BigInt(guard!.pageSize());
          const maps = process.platform === 'linux' ? readMaps() : undefined;
          expect(views.map((v) => layoutProblem(v, side, page, maps)).filter((p) => p !== null).slice(0, 5)).toEqual([]);
          const failures: string[] = [];
          const ops = new Set<string>();
          for (const c of cases as (typeof cases[number] & { a: Uint8Array; m: Uint8Array; queries: Uint8Array; filter: Uint8Array })[]) {
            const fail = (op: string, detail: string) => failures.length < 20 && failures.push(`${tier} bits guard ${side} n=${c.n} rows=${c.rows}: ${op}: ${detail}`);
            if (trace) writeSync(2, `guard: ${tier} bits guard ${side} n=${c.n} rows=${c.rows}\n`);
            ops.add('hamming');
            const h = hamming(c.a, c.a.length ? c.m.subarray(0, c.n) : c.m.subarray(0, 0));
            if (h !== dist(c.a, c.m, 0, c.n)) fail('hamming', `got ${h}`);
            if (c.n === 0) continue;
            const d = Array.from({ length: c.rows }, (_, row) => dist(c.a, c.m, row * c.n, c.n));
            ops.add('hammings');
            const got = Array.from(hammings(c.a, c.m));
            if (got.join() !== d.join()) fail('hammings', `got ${got.join()}, want ${d.join()}`);
            const k = 1 + (c.n % (c.rows + 1));
            const rank = (dd: number[], f?: Uint8Array) =>
              [...dd.keys()].filter((row) => !f || (f[row >> 3]! >> (row & 7)) & 1).sort((x, y) => dd[x]! - dd[y]! || x - y).slice(0, k);
            ops.add('topKHamming');
            const t1 = Array.from(topKHamming(c.a, c.m, k, { threads: 1 + (c.n % 3) }).indices);
            if (t1.join() !== rank(d).join()) fail('topKHamming', `got ${t1.join()}`);
            const t2 = Array.from(topKHamming(c.a, c.m, k, { filter: c.filter }).indices);
            if (t2.join() !== rank(d, c.filter).join()) fail('topKHamming+filter', `got ${t2.join()}`);
            ops.add('topKHammingBatch');
            const batch = topKHammingBatch(c.queries, c.m, k, { dim: 8 * c.n, threads: 1 + (c.n % 3) });
            batch.forEach((res, j) => {
              const dj = Array.from({ length: c.rows }, (_, row) => dist(c.queries.subarray(j * c.n, (j + 1) * c.n), c.m, row * c.n, c.n));
              if (Array.from(res.indices).join() !== rank(dj).join()) fail(`topKHammingBatch query ${j}`, `got ${Array.from(res.indices).join()}`);
            });
            ops.add('topKHammingAsync');
            const t3 = Array.from((await topKHammingAsync(c.a, c.m, k, { filter: c.filter })).indices);
            if (t3.join() !== rank(d, c.filter).join()) fail('topKHammingAsync', `got ${t3.join()}`);
          }
          const entry = ran.get(tier) ?? { kernels: '', groups: new Map<string, Set<string>>() };
          ran.set(tier, entry);
          const k = simdot.info().kernels;
          entry.groups.set(`bits (hamming=${k.hamming}, hammingsq=${k.hammingsq}), guard ${side}`, ops);
          expect(failures).toEqual([]);
        });
      }
    });
  }
});
