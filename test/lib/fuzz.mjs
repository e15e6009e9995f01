// Random but reproducible calls of the public API (dot, dots, topK, topKAsync, topKBatch,
// topKBatchAsync), checked on every tier against the pure-TypeScript `js` tier and the float64
// sum. Used by test/fuzz.test.ts; plain JavaScript so that node can also run it by itself.
//
// A case is built from (seed, case number) alone, so one failing case can be rebuilt and rerun
// without the cases before it. The rules a tier is held to:
// - int8: every result equals js exactly.
// - float32 scores: within (n + 1) * 2^-23 * sum |a_i * b_i| + (n + 1) * 2^-149 of the float64 sum
//   (the second term covers results in the subnormal range), and NaN / the same infinity wherever
//   js gives NaN / an infinity.
// - topK / topKBatch: the top k of that same tier's dots() scores (higher first, NaN below every
//   number, -0 equal to +0, equal scores by lower index, min(k, eligible rows) results), and the
//   same bits for threads = 1 as for the thread count asked for.
// - topKAsync / topKBatchAsync: the same bits as their sync twins on the same tier.
// - invalid calls: thrown (or rejected) exactly as js does it: same way, same class, same message.
import vm from 'node:vm';
import { rng } from './conformance.mjs';

export const FUNCTIONS = ['dot', 'dots', 'topK', 'topKAsync', 'topKBatch', 'topKBatchAsync'];

const FLT_MAX = 3.4028234663852886e38;
const MAX_I8_DIM = 131071;
const GUARD = 8;
const SENTINEL_I32 = -0x5a5a5a5b;
const SENTINEL_F32 = -1234.5;
/** Elements one case may hold in its matrix, and score in all (queries x matrix), per type. */
const MATRIX_BUDGET = { int8: 1_500_000, float32: 600_000 };
const WORK_BUDGET = { int8: 3_000_000, float32: 1_200_000 };

/** The random stream of one case: a hash of (seed, case number), so cases are independent. */
function caseRng(seed, index) {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return rng((h ^ (h >>> 16)) >>> 0);
}

function tools(r) {
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  return {
    r,
    int,
    chance: (p) => r() < p,
    pick: (list) => list[Math.floor(r() * list.length)],
    /** table: [[weight, value], ...] */
    weighted: (table) => {
      let x = r() * table.reduce((s, [w]) => s + w, 0);
      for (const [w, v] of table) if ((x -= w) < 0) return v;
      return table[table.length - 1][1];
    },
  };
}

// ---- values -------------------------------------------------------------------------------

const INT8_FILLS = [[40, 'uniform'], [7, 'all -128'], [7, 'all 127'], [10, 'extremes'], [22, 'few values'], [8, 'sparse']];
const F32_FILLS = [
  [28, 'uniform'],
  [14, 'wide'],
  [16, 'small integers'],
  [8, 'tiny'],
  [6, 'subnormal'],
  [8, 'huge'],
  [4, '-0'],
  [2, 'special'],
];
const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, FLT_MAX, -FLT_MAX, 2 ** -149, -(2 ** -149), 2 ** -126];

/** The value pattern of one array: its name (for the description) and, for float32, the rate of sprinkled specials. */
function pickFill(t, int8, forced) {
  if (int8) return { name: forced ?? t.weighted(INT8_FILLS), sprinkle: 0 };
  const name = t.weighted(F32_FILLS);
  // NaN, infinities, -0 and the extremes sprinkled over another pattern.
  const sprinkle = t.chance(0.2) ? t.pick([0.001, 0.01, 0.1]) : 0;
  return { name: sprinkle ? `${name}+special ${sprinkle * 100}%` : name, sprinkle };
}

// Values are made in plain arrays, one loop per pattern, and copied into the view: the matrices
// hold millions of elements, and per-element calls through views of every kind are slow.
function int8Values(t, name, n) {
  const a = new Int8Array(n + 32);
  const r = t.r;
  switch (name) {
    case 'uniform':
      for (let i = 0; i < n; i += 4) {
        const u = (r() * 4294967296) | 0;
        a[i] = u;
        a[i + 1] = u >> 8;
        a[i + 2] = u >> 16;
        a[i + 3] = u >> 24;
      }
      break;
    case 'all -128':
      a.fill(-128);
      break;
    case 'all 127':
      a.fill(127);
      break;
    case 'extremes':
      for (let i = 0; i < n; i += 32) {
        const u = (r() * 4294967296) >>> 0;
        for (let b = 0; b < 32; b++) a[i + b] = (u >>> b) & 1 ? 127 : -128;
      }
      break;
    case 'few values': {
      const set = t.pick([[0, 1], [-1, 0, 1], [-128, 0, 127], [t.int(-128, 127)]]);
      for (let i = 0; i < n; i++) a[i] = set[Math.floor(r() * set.length)];
      break;
    }
    case 'sparse':
      for (let i = 0; i < n; i++) a[i] = r() < 0.05 ? Math.floor(r() * 256) - 128 : 0;
      break;
    default:
      throw new Error(`no int8 pattern ${name}`);
  }
  return a.subarray(0, n);
}

function f32Values(t, { name, sprinkle }, n) {
  const a = new Float32Array(n);
  const r = t.r;
  switch (name.replace(/\+.*/, '')) {
    case 'uniform':
      for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
      break;
    case 'wide':
      for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * 2 ** (Math.floor(r() * 81) - 40);
      break;
    case 'small integers': // exact sums: equal scores
      for (let i = 0; i < n; i++) a[i] = Math.floor(r() * 7) - 3;
      break;
    case 'tiny': // normal and subnormal, rounded by the Float32Array store
      for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * 2 ** (Math.floor(r() * 51) - 150);
      break;
    case 'subnormal':
      for (let i = 0; i < n; i++) a[i] = (Math.floor(r() * 2 ** 24) - 2 ** 23) * 2 ** -149;
      break;
    case 'huge': // near 3e38: products and sums leave the float32 range
      for (let i = 0; i < n; i++) a[i] = (r() < 0.5 ? -1 : 1) * Math.min(FLT_MAX, (1 + r()) * 2 ** (118 + Math.floor(r() * 10)));
      break;
    case '-0':
      for (let i = 0; i < n; i++) a[i] = r() < 0.8 ? -0 : Math.floor(r() * 3) - 1;
      break;
    case 'special':
      for (let i = 0; i < n; i++) a[i] = SPECIALS[Math.floor(r() * SPECIALS.length)];
      break;
    default:
      throw new Error(`no float32 pattern ${name}`);
  }
  // Geometric gaps between sprinkled specials: one draw per special, not per element.
  if (sprinkle) {
    for (let i = Math.floor(Math.log(1 - r()) / Math.log(1 - sprinkle)); i < n; i += 1 + Math.floor(Math.log(1 - r()) / Math.log(1 - sprinkle))) {
      a[i] = SPECIALS[Math.floor(r() * SPECIALS.length)];
    }
  }
  return a;
}

function fill(t, view, pattern) {
  view.set(view.BYTES_PER_ELEMENT === 1 ? int8Values(t, pattern.name, view.length) : f32Values(t, pattern, view.length));
}

// ---- memory layout ------------------------------------------------------------------------

const REALM = vm.createContext({});
const realmBuffer = vm.runInContext('(shared, bytes) => shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)', REALM);
const realmView = vm.runInContext('(name, buffer, offset, length) => new globalThis[name](buffer, offset, length)', REALM);

const BUFFER_KINDS = [[62, 'plain'], [12, 'shared'], [5, 'growable shared'], [8, 'resizable'], [8, 'other realm'], [5, 'other realm shared']];

function newBuffer(kind, bytes) {
  switch (kind) {
    case 'plain':
      return new ArrayBuffer(bytes);
    case 'shared':
      return new SharedArrayBuffer(bytes);
    case 'growable shared':
      return new SharedArrayBuffer(bytes, { maxByteLength: 2 * bytes + 64 });
    case 'resizable':
      return new ArrayBuffer(bytes, { maxByteLength: 2 * bytes + 64 });
    case 'other realm':
      return realmBuffer(false, bytes);
    case 'other realm shared':
      return realmBuffer(true, bytes);
  }
  throw new Error(`no buffer kind ${kind}`);
}

function newView(kind, Type, buffer, byteOffset, length) {
  return kind.startsWith('other realm') ? realmView(Type.name, buffer, byteOffset, length) : new Type(buffer, byteOffset, length);
}

/** An element offset: often 0, else odd and even offsets up to a cache line and more. */
function gap(t) {
  return t.chance(0.35) ? 0 : t.int(1, 67);
}

/**
 * Views for requests [{ name, Type, length, fixed }] at random byte offsets, each in a buffer of
 * its own or all in one; `fixed`: not on a resizable ArrayBuffer (the async matrix).
 */
function place(t, requests) {
  const views = {};
  const notes = [];
  if (requests.length > 1 && t.chance(0.2)) {
    let kind = t.weighted(BUFFER_KINDS);
    if (kind === 'resizable' && requests.some((q) => q.fixed)) kind = 'plain';
    let cursor = 0;
    const at = requests.map((q) => {
      const size = q.Type.BYTES_PER_ELEMENT;
      cursor = Math.ceil(cursor / size) * size + size * gap(t);
      const start = cursor;
      cursor += size * q.length;
      return start;
    });
    const buffer = newBuffer(kind, cursor + t.int(0, 64));
    requests.forEach((q, i) => {
      views[q.name] = newView(kind, q.Type, buffer, at[i], q.length);
      notes.push(`${q.name}@${at[i]}`);
    });
    return { views, desc: `one ${kind} buffer: ${notes.join(' ')}` };
  }
  for (const q of requests) {
    let kind = t.weighted(BUFFER_KINDS);
    if (kind === 'resizable' && q.fixed) kind = 'plain';
    const size = q.Type.BYTES_PER_ELEMENT;
    const offset = size * gap(t);
    const buffer = newBuffer(kind, offset + size * (q.length + t.int(0, 16)));
    views[q.name] = newView(kind, q.Type, buffer, offset, q.length);
    notes.push(`${q.name}@${offset}${kind === 'plain' ? '' : ` ${kind}`}`);
  }
  return { views, desc: notes.join(', ') };
}

// ---- valid calls --------------------------------------------------------------------------

function pickDim(t, fn, int8) {
  const x = t.r();
  if (fn === 'dot' && x < 0.04) return 0;
  if (x < 0.45) return t.int(1, 32);
  if (x < 0.8) return t.int(33, 300);
  const ranges = [[240, 272], [1530, 1542], [4090, 4102], [8186, 8198]];
  if (int8) ranges.push([65530, 65542], [65543, 100000], [131060, MAX_I8_DIM]);
  else ranges.push([16380, 16390], [65530, 65542]);
  // dot takes int8 vectors of any length: past MAX_I8_DIM the sum leaves the int32 range.
  if (fn === 'dot' && int8) ranges.push([MAX_I8_DIM + 1, 300007]);
  const [lo, hi] = t.pick(ranges);
  return t.int(lo, hi);
}

function pickRows(t) {
  const x = t.r();
  if (x < 0.07) return 0;
  if (x < 0.15) return 1;
  if (x < 0.45) return t.int(2, 20);
  if (x < 0.8) return t.int(21, 500);
  return t.int(501, 4000);
}

function pickK(t, rows) {
  switch (t.weighted([[20, 'one'], [25, 'small'], [10, 'rows'], [10, 'rows+-1'], [15, 'up to rows+10'], [5, 'half'], [15, 'huge']])) {
    case 'one':
      return 1;
    case 'small':
      return t.int(2, 10);
    case 'rows':
      return Math.max(1, rows);
    case 'rows+-1':
      return Math.max(1, rows + t.pick([-1, 1]));
    case 'up to rows+10':
      return t.int(1, rows + 10);
    case 'half':
      return Math.floor(rows / 2) + 1;
    default:
      return t.pick([2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40, Number.MAX_SAFE_INTEGER]);
  }
}

/** Sets the filter's bits; returns its description. The bits past the last row are padding. */
function fillFilter(t, filter, rows, kind) {
  const set = (i) => (filter[i >> 3] |= 1 << (i & 7));
  filter.fill(0);
  let desc = kind;
  if (kind === 'all') filter.fill(255);
  else if (kind === 'single row' && rows > 0) {
    const row = t.pick([0, rows - 1, t.int(0, rows - 1)]);
    set(row);
    desc = `row ${row} only`;
    if (t.chance(0.5)) for (let i = rows; i < filter.length * 8; i++) set(i);
  } else if (kind === 'random') {
    const p = t.pick([0.01, 0.1, 0.5, 0.9]);
    for (let i = 0; i < filter.length * 8; i++) if (t.r() < p) set(i);
    desc = `random ${p * 100}%`;
  }
  let eligible = 0;
  for (let i = 0; i < rows; i++) eligible += (filter[i >> 3] >> (i & 7)) & 1;
  return `${desc} (${eligible}/${rows} rows)`;
}

function buildValid(t, fn, index) {
  const int8 = t.chance(0.5);
  const type = int8 ? 'int8' : 'float32';
  const Type = int8 ? Int8Array : Float32Array;
  const Score = int8 ? Int32Array : Float32Array;
  const batch = fn.startsWith('topKBatch');
  const search = fn.startsWith('topK');
  const dim = pickDim(t, fn, int8);
  let nq = 1;
  if (batch) {
    const x = t.r();
    nq = x < 0.03 ? 0 : x < 0.18 ? 1 : x < 0.58 ? t.int(2, 8) : t.int(9, 20);
  }
  const rows = fn === 'dot' ? 1 : Math.min(pickRows(t), Math.floor(MATRIX_BUDGET[type] / dim), Math.floor(WORK_BUDGET[type] / (dim * Math.max(nq, 1))));

  // Both extremes against each other: the largest and smallest int8 sums.
  const extremes = int8 && t.chance(0.12);
  const qFill = pickFill(t, int8, extremes ? t.pick(['all -128', 'all 127']) : undefined);
  const mFill = pickFill(t, int8, extremes ? t.pick(['all -128', 'all 127']) : undefined);

  const c = { index, fn, valid: true, int8, dim, rows, nq, Score };
  const parts = [fn, type, `dim=${dim}`];
  if (fn === 'dot') {
    const { views, desc } = place(t, [{ name: 'a', Type, length: dim }, { name: 'b', Type, length: dim }]);
    fill(t, views.a, qFill);
    fill(t, views.b, mFill);
    Object.assign(c, { a: views.a, b: views.b });
    parts.push(`values a=${qFill.name} b=${mFill.name}`, `| ${desc}`);
    c.desc = parts.join(' ');
    return c;
  }
  parts.push(`rows=${rows}`);
  if (batch) parts.push(`nq=${nq}`);

  const requests = [{ name: batch ? 'queries' : 'query', Type, length: nq * dim }, { name: 'matrix', Type, length: rows * dim, fixed: fn.endsWith('Async') }];
  const withOut = fn === 'dots' && t.chance(0.5);
  if (withOut) requests.push({ name: 'out', Type: Score, length: rows + 2 * GUARD });
  const filterKind = search ? t.weighted([[35, 'none'], [3, 'null'], [8, 'all'], [6, 'empty'], [8, 'single row'], [40, 'random']]) : 'none';
  const bufferFilter = filterKind !== 'none' && filterKind !== 'null' && t.chance(0.1);
  if (filterKind !== 'none' && filterKind !== 'null' && !bufferFilter) requests.push({ name: 'filter', Type: Uint8Array, length: Math.ceil(rows / 8) });
  const { views, desc: layout } = place(t, requests);

  let q = views[batch ? 'queries' : 'query'];
  const m = views.matrix;
  fill(t, q, qFill);
  fill(t, m, mFill);
  let values = `values q=${qFill.name} m=${mFill.name}`;
  if (rows >= 2 && t.chance(0.15)) {
    // A few distinct rows repeated: equal scores all over, decided by row index.
    const distinct = t.int(1, 3);
    for (let row = distinct; row < rows; row++) {
      const from = t.int(0, distinct - 1);
      m.copyWithin(row * dim, from * dim, (from + 1) * dim);
    }
    values += ` (${distinct} distinct rows)`;
  }
  if (rows >= 1 && fn === 'topK' && t.chance(0.1)) {
    // A search for the neighbours of a row: the query is a view into the matrix.
    const row = t.int(0, rows - 1);
    q = m.subarray(row * dim, (row + 1) * dim);
    values += ` (query = row ${row})`;
  } else if (rows >= 1 && batch && t.chance(0.2)) {
    for (let j = 0; j < nq; j++) {
      const row = t.int(0, rows - 1);
      q.set(m.subarray(row * dim, (row + 1) * dim), j * dim);
    }
    values += ' (queries = rows)';
  }
  Object.assign(c, { q, m, queries: Array.from({ length: nq }, (_, j) => q.subarray(j * dim, (j + 1) * dim)) });

  if (fn === 'dots') {
    if (withOut) {
      c.outBacking = views.out;
      c.out = views.out.subarray(GUARD, GUARD + rows);
      parts.push('with out');
    }
    parts.push(values, `| ${layout}`);
    c.desc = parts.join(' ');
    return c;
  }

  c.k = pickK(t, rows);
  c.threads = t.chance(0.3) ? undefined : t.int(1, 8);
  let filter;
  let filterDesc = filterKind;
  if (filterKind === 'null') filter = null;
  else if (filterKind !== 'none') {
    // A Node Buffer is a Uint8Array, usually at an odd offset in a pool (here, one of its own).
    const at = t.int(0, 15);
    filter = bufferFilter ? Buffer.from(new ArrayBuffer(at + Math.ceil(rows / 8)), at, Math.ceil(rows / 8)) : views.filter;
    filterDesc = fillFilter(t, filter, rows, filterKind) + (bufferFilter ? ` in a Buffer@${filter.byteOffset}` : '');
  }
  c.filter = filter;
  const options = batch ? { dim } : {};
  if (c.threads !== undefined) options.threads = c.threads;
  if (filterKind !== 'none') options.filter = filter;
  if (t.chance(0.1) && !batch) options.dim = dim; // a single search may state its row length
  c.options = !batch && Object.keys(options).length === 0 && t.chance(0.5) ? undefined : options;
  parts.push(`k=${c.k}`, `threads=${c.threads ?? 'default'}`, `filter=${filterDesc}`, values, `| ${layout}`);
  c.desc = parts.join(' ');
  return c;
}

// ---- invalid calls ------------------------------------------------------------------------

function detached(view) {
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
}

/** Values that are no Int8Array or Float32Array, each [description, make()]. */
function notVectors(n) {
  return [
    ['null', () => null],
    ['undefined', () => undefined],
    ['a string', () => 'abc'],
    ['a number', () => 3],
    ['a bigint', () => 3n],
    ['true', () => true],
    ['an Array', () => Array.from({ length: n }, () => 1)],
    ['an array-like object', () => ({ length: n, 0: 1 })],
    ['a function', () => () => 0],
    ['a symbol', () => Symbol('vector')],
    ['a Uint8Array', () => new Uint8Array(n)],
    ['a Uint8ClampedArray', () => new Uint8ClampedArray(n)],
    ['an Int16Array', () => new Int16Array(n)],
    ['an Int32Array', () => new Int32Array(n)],
    ['a Float64Array', () => new Float64Array(n)],
    ['a BigInt64Array', () => new BigInt64Array(n)],
    ['a DataView', () => new DataView(new ArrayBuffer(n))],
    ['an ArrayBuffer', () => new ArrayBuffer(n)],
    ['a Buffer', () => Buffer.alloc(n)],
  ];
}

const BAD_K = [0, -1, -0, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 1e300, '3', null, undefined, 3n, true, [3], {}];
const BAD_THREADS = [0, -1, 1.5, 1025, 2 ** 31, NaN, Infinity, -Infinity, '2', null, true, 2n, {}, [2]];
const BAD_OPTIONS = [5, 'x', true, null, [], () => ({}), 3n];

function show(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return Object.is(value, -0) ? '-0' : String(value);
}

function buildInvalid(t, fn, index) {
  const int8 = t.chance(0.5);
  const type = int8 ? 'int8' : 'float32';
  const Type = int8 ? Int8Array : Float32Array;
  const Other = int8 ? Float32Array : Int8Array;
  const Score = int8 ? Int32Array : Float32Array;
  const batch = fn.startsWith('topKBatch');
  const isAsync = fn.endsWith('Async');
  const dim = t.int(2, 40);
  const rows = t.int(1, 30);
  const nq = t.int(1, 4);
  const vec = (n) => {
    const v = new Type(n);
    fill(t, v, { name: 'uniform', sprinkle: 0 });
    return v;
  };
  const q = vec(batch ? nq * dim : dim);
  const m = vec(rows * dim);
  const k = t.int(1, 5);
  const bytes = Math.ceil(rows / 8);
  const notVector = (n) => {
    const list = [...notVectors(n), ['the other element type', () => new Other(n)], ['a view on a detached ArrayBuffer', () => detached(new Type(n))]];
    const [what, make] = t.pick(list);
    return { what, value: make() };
  };

  // Each mutation: [what is wrong, the arguments]. `args` may be a function, called afresh for
  // every tier, where a call consumes its arguments.
  const mutations = [];
  const add = (what, args) => mutations.push([what, args]);
  const base = batch ? { dim } : undefined;
  const withOptions = (extra) => (batch ? { dim, ...extra } : extra);
  /** Options whose `key` is a getter (spreading would run it too early). */
  const withGetter = (key, get) => Object.defineProperty(batch ? { dim } : {}, key, { get, enumerable: true });

  if (fn === 'dot') {
    const a = notVector(dim);
    add(`a is ${a.what}`, [a.value, vec(dim)]);
    const b = notVector(dim);
    add(`b is ${b.what}`, [vec(dim), b.value]);
    const d = t.pick([-1, 1, 2, 7, -dim]);
    add(`lengths ${dim} and ${dim + d}`, [vec(dim), vec(dim + d)]);
    add('b missing', [vec(dim)]);
    add('no arguments', []);
  } else {
    const first = notVector(q.length);
    add(`${batch ? 'queries' : 'query'} is ${first.what}`, [first.value, m, k, base]);
    const second = notVector(m.length);
    add(`matrix is ${second.what}`, [q, second.value, k, base]);
    const extra = t.int(1, dim - 1);
    add(`matrix length ${m.length + extra} is not whole rows of ${dim}`, [q, vec(m.length + extra), k, base]);
    if (!batch) {
      add('empty query', [new Type(0), m, k, base]);
      if (int8) {
        const long = MAX_I8_DIM + t.int(1, 50);
        add(`int8 query length ${long} (past ${MAX_I8_DIM})`, [new Int8Array(long), new Int8Array(long * t.int(0, 1)), k, base]);
      }
    }
  }
  if (fn === 'dots') {
    for (const mutation of mutations) mutation[1] = mutation[1].slice(0, 2);
    const outs = [
      ['the other score type', () => new (int8 ? Float32Array : Int32Array)(rows)],
      ['an Int8Array', () => new Int8Array(rows)],
      ['a Uint32Array', () => new Uint32Array(rows)],
      ['a Float64Array', () => new Float64Array(rows)],
      ['an Array', () => new Array(rows).fill(0)],
      ['null', () => null],
      ['a number', () => rows],
    ];
    const [what, make] = t.pick(outs);
    add(`out is ${what}`, [q, m, make()]);
    const len = t.pick([rows - 1, rows + 1, rows + 8, 0].filter((n) => n !== rows));
    add(`out of length ${len} for ${rows} rows`, [q, m, new Score(len)]);
    add('out on a detached ArrayBuffer', [q, m, detached(new Score(rows))]);
    // out over the matrix (or the query): scores would overwrite the inputs as they are read.
    const overQuery = t.chance(0.3);
    const inputLength = overQuery ? dim : rows * dim;
    const size = Type.BYTES_PER_ELEMENT;
    const buffer = new ArrayBuffer(inputLength * size + 4 * (rows + inputLength) + 64);
    const input = new Type(buffer, 4 * t.int(0, 4), inputLength);
    const outAt = 4 * Math.floor((input.byteOffset + t.int(0, input.byteLength - 1)) / 4);
    const out = new Score(buffer, outAt, rows);
    add(`out at byte ${outAt} overlaps the ${overQuery ? 'query' : 'matrix'} at bytes ${input.byteOffset}..${input.byteOffset + input.byteLength}`,
      overQuery ? [input, m, out] : [q, input, out]);
  }
  if (fn.startsWith('topK')) {
    const badK = t.pick(BAD_K);
    add(`k = ${show(badK)}`, [q, m, badK, base]);
    add('k missing', [q, m]);
    const badThreads = t.pick(BAD_THREADS);
    add(`options.threads = ${show(badThreads)}`, [q, m, k, withOptions({ threads: badThreads })]);
    // An option name the search does not know, a typo of one it does.
    add('options.thread (a typo)', [q, m, k, withOptions({ thread: 2 })]);
    if (!batch) add(`options.dim = ${dim + 1}, not the query's length`, [q, m, k, { dim: dim + 1 }]);
    const badFilters = [
      ['an Int8Array', () => new Int8Array(bytes)],
      ['a Uint8ClampedArray', () => new Uint8ClampedArray(bytes)],
      ['a Uint16Array', () => new Uint16Array(bytes)],
      ['an Array', () => new Array(bytes).fill(255)],
      ['a string', () => 'ff'],
      ['a number', () => 255],
      ['a plain object', () => ({})],
      ['true', () => true],
      ['a DataView', () => new DataView(new ArrayBuffer(bytes))],
      ['an ArrayBuffer', () => new ArrayBuffer(bytes)],
    ];
    const [what, make] = t.pick(badFilters);
    add(`options.filter is ${what}`, [q, m, k, withOptions({ filter: make() })]);
    const len = t.pick([bytes - 1, bytes + 1, bytes + 2, 0].filter((n) => n !== bytes));
    add(`options.filter of ${len} bytes for ${rows} rows`, [q, m, k, withOptions({ filter: new Uint8Array(len) })]);
    add('options.filter on a detached ArrayBuffer', [q, m, k, withOptions({ filter: detached(new Uint8Array(bytes)) })]);
    add('an options getter that throws', [q, m, k, withGetter('threads', () => {
      throw new Error('options.threads getter failed');
    })]);
    // A getter runs before the arrays are checked: the detached matrix is what gets reported.
    add('an options getter that detaches the matrix', () => {
      const own = m.slice();
      return [q, own, k, withGetter('filter', () => {
        detached(own);
        return undefined;
      })];
    });
    if (!batch) {
      const badOptions = t.pick(BAD_OPTIONS);
      add(`options = ${show(badOptions)}`, [q, m, k, badOptions]);
    } else {
      const badOptions = t.pick([undefined, ...BAD_OPTIONS]);
      add(`options = ${show(badOptions)}`, [q, m, k, badOptions]);
      const badDim = t.pick([undefined, 0, -dim, 1.5, NaN, Infinity, String(dim), null, true, int8 ? MAX_I8_DIM + 1 : 2 ** 32, 2 ** 53]);
      add(`options.dim = ${show(badDim)}`, [q, m, k, { dim: badDim }]);
      const extra = t.int(1, dim - 1);
      add(`queries length ${q.length + extra} is not whole rows of ${dim}`, [vec(q.length + extra), m, k, { dim }]);
      const many = 2 ** 20 + t.int(1, 3);
      add(`${many} queries`, [new Type(many), new Type(t.int(0, 5)), 1, { dim: 1 }]);
      const results = t.int(129, 200);
      add(`${2 ** 20} queries x ${results} results`, [new Type(2 ** 20), new Type(results), t.int(results, 1000), { dim: 1 }]);
    }
    if (isAsync) {
      const resizable = new Type(new ArrayBuffer(m.byteLength, { maxByteLength: 2 * m.byteLength + 8 }));
      resizable.set(m);
      add('matrix on a resizable ArrayBuffer', [q, resizable, k, base]);
    }
  }
  const [what, args] = t.pick(mutations);
  return {
    index,
    fn,
    valid: false,
    args: typeof args === 'function' ? args : () => args,
    desc: `invalid ${fn} ${type} dim=${dim} rows=${fn === 'dot' ? 1 : rows}${batch ? ` nq=${nq}` : ''}: ${what}`,
  };
}

/** Case `index` of `seed`: about one in six is an invalid call. */
export function buildCase(seed, index) {
  const t = tools(caseRng(seed, index));
  const fn = t.weighted([[15, 'dot'], [20, 'dots'], [20, 'topK'], [12, 'topKAsync'], [18, 'topKBatch'], [15, 'topKBatchAsync']]);
  return t.chance(0.16) ? buildInvalid(t, fn, index) : buildValid(t, fn, index);
}

// ---- checks -------------------------------------------------------------------------------

function f32Bound(n, abs) {
  return (n + 1) * 2 ** -23 * abs + (n + 1) * 2 ** -149;
}

/** Whether a float32 score meets the rule, given js's score and the float64 sum. */
function f32Agrees(got, js, exact, abs, n) {
  if (Number.isNaN(js)) return Number.isNaN(got);
  if (js === Infinity || js === -Infinity) return got === js;
  return Math.abs(got - exact) <= f32Bound(n, abs);
}

/** A note for rows where a product or a partial sum of finite values can leave the float32 range. */
function overflowNote(finite) {
  return finite > FLT_MAX ? ' [float32 overflow: sum |a_i * b_i| over finite products exceeds 3.4e38]' : '';
}

function num(x) {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Scores for every row, checked against js; null or the first disagreement (and how many). */
function checkScores(c, got, ref, j) {
  const js = ref.dots[j];
  let first = -1;
  let bad = 0;
  let overflow = true;
  for (let i = 0; i < js.length; i++) {
    const ok = c.int8 ? got[i] === js[i] : f32Agrees(got[i], js[i], ref.exact[j][i], ref.abs[j][i], c.dim);
    if (!ok) {
      if (first < 0) first = i;
      bad++;
      if (c.int8 || !(ref.finite[j][i] > FLT_MAX)) overflow = false;
    }
  }
  if (first < 0) return null;
  const i = first;
  const detail = c.int8
    ? `${got[i]}, js ${js[i]}`
    : `${num(got[i])}, js ${num(js[i])}, float64 sum ${ref.exact[j][i]}, allowed error ${f32Bound(c.dim, ref.abs[j][i])}${overflowNote(ref.finite[j][i])}`;
  return { message: `row ${i}: ${detail} (${bad} of ${js.length} rows disagree)`, overflow };
}

/** The top k of `scores` by the contract, computed by sorting every eligible row. */
function topKOf(scores, k, filter) {
  const rows = [];
  for (let i = 0; i < scores.length; i++) if (!filter || (filter[i >> 3] >> (i & 7)) & 1) rows.push(i);
  rows.sort((a, b) => {
    const sa = scores[a];
    const sb = scores[b];
    const na = sa !== sa;
    const nb = sb !== sb;
    if (na !== nb) return na ? 1 : -1;
    if (!na && sa !== sb) return sa > sb ? -1 : 1;
    return a - b;
  });
  rows.length = Math.min(k, rows.length);
  return { indices: rows, scores: rows.map((i) => scores[i]) };
}

function sameValueZero(x, y) {
  return x === y || (x !== x && y !== y);
}

function shape(c, result) {
  if (typeof result !== 'object' || result === null) return `returned ${String(result)}`;
  if (!(result.indices instanceof Uint32Array)) return 'indices is not a Uint32Array';
  if (!(result.scores instanceof c.Score)) return `scores is not a ${c.Score.name}`;
  if (result.indices.length !== result.scores.length) return `${result.indices.length} indices but ${result.scores.length} scores`;
  return null;
}

/** got against the top k of the same tier's scores: null, or the first difference. */
function compareTop(c, got, want) {
  const wrong = shape(c, got);
  if (wrong) return wrong;
  const n = Math.max(got.indices.length, want.indices.length);
  for (let i = 0; i < n; i++) {
    if (got.indices[i] !== want.indices[i] || !sameValueZero(got.scores[i], want.scores[i])) {
      return `rank ${i}: row ${got.indices[i]} score ${num(got.scores[i])}, expected row ${want.indices[i]} score ${num(want.scores[i])}` +
        ` (${got.indices.length} results, expected ${want.indices.length})`;
    }
  }
  return null;
}

/** Bit-for-bit equality of two results (Object.is: -0 and NaN as stored). */
function identical(c, x, y) {
  const wrong = shape(c, x) ?? shape(c, y);
  if (wrong) return wrong;
  if (x.indices.length !== y.indices.length) return `${x.indices.length} results against ${y.indices.length}`;
  for (let i = 0; i < x.indices.length; i++) {
    if (x.indices[i] !== y.indices[i] || !Object.is(x.scores[i], y.scores[i])) {
      return `rank ${i}: row ${x.indices[i]} score ${num(x.scores[i])} against row ${y.indices[i]} score ${num(y.scores[i])}`;
    }
  }
  return null;
}

function errorText(e) {
  if (e instanceof Error || (e !== null && typeof e === 'object' && 'message' in e)) return `${e.constructor?.name ?? 'Error'}: ${e.message}`;
  return `a thrown ${typeof e} ${String(e)}`;
}

/** How a call ended: 'throws' / 'rejects' with the error, or 'returns' / 'resolves'. */
async function outcome(call) {
  let value;
  try {
    value = call();
  } catch (e) {
    return { how: 'throws', error: errorText(e) };
  }
  if (!(value instanceof Promise)) return { how: 'returns' };
  try {
    await value;
    return { how: 'resolves' };
  } catch (e) {
    return { how: 'rejects', error: errorText(e) };
  }
}

function outcomeText(o) {
  return o.error ? `${o.how} ${o.error}` : o.how;
}

function withThreads1(options) {
  return { ...(options ?? {}), threads: 1 };
}

/**
 * The float64 sum of query . row (products of float32 values are exact in float64), sum |a_i * b_i|
 * for the bound, and that sum over the finite products only: above FLT_MAX, a product or a partial
 * sum of finite values can leave the float32 range.
 */
function exactDot(query, m, offset, n) {
  let exact = 0;
  let abs = 0;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const p = query[i] * m[offset + i];
    exact += p;
    abs += Math.abs(p);
    if (p - p === 0) finite += Math.abs(p);
  }
  return { exact, abs, finite };
}

/** js's answers and the float64 sums, computed once per case. */
function reference(simdot, c) {
  const ref = { exact: [], abs: [], finite: [], dots: [] };
  const vectors = c.fn === 'dot' ? [[c.a, c.b]] : c.queries.map((query) => [query, c.m]);
  for (const [query, m] of vectors) {
    const exact = new Float64Array(c.rows);
    const abs = new Float64Array(c.rows);
    const finite = new Float64Array(c.rows);
    if (!c.int8) {
      for (let row = 0; row < c.rows; row++) {
        const s = exactDot(query, m, row * c.dim, c.dim);
        exact[row] = s.exact;
        abs[row] = s.abs;
        finite[row] = s.finite;
      }
    }
    ref.exact.push(exact);
    ref.abs.push(abs);
    ref.finite.push(finite);
    ref.dots.push(c.fn === 'dot' ? [simdot.dot(query, m)] : simdot.dots(query, m));
  }
  if (c.fn === 'topK' || c.fn === 'topKAsync') ref.top = [simdot.topK(c.q, c.m, c.k, c.options)];
  if (c.fn === 'topKBatch' || c.fn === 'topKBatchAsync') ref.top = simdot.topKBatch(c.q, c.m, c.k, c.options);
  return ref;
}

/** Runs a valid case on the tier now selected; returns its failures. */
async function checkValid(simdot, c, ref) {
  const failures = [];
  // Whether every disagreement is a score on a row where finite float32 values overflow.
  let overflow = true;
  const fail = (message, flag = false) => {
    failures.push(message);
    overflow &&= flag;
  };
  const scores = (what, got, j) => {
    const bad = checkScores(c, got, ref, j);
    if (bad) fail(`${what} ${bad.message}`, bad.overflow);
  };
  try {
    if (c.fn === 'dot') {
      const got = simdot.dot(c.a, c.b);
      if (typeof got !== 'number') fail(`dot returned ${typeof got}`);
      else scores('dot', [got], 0);
    } else if (c.fn === 'dots') {
      let got;
      if (c.out) {
        const sentinel = c.int8 ? SENTINEL_I32 : SENTINEL_F32;
        c.outBacking.fill(sentinel);
        got = simdot.dots(c.q, c.m, c.out);
        if (got !== c.out) fail('dots did not return the out array it was given');
        for (let i = 0; i < GUARD; i++) {
          if (c.outBacking[i] !== sentinel || c.outBacking[GUARD + c.rows + i] !== sentinel) {
            fail(`dots wrote outside out (guard element ${i})`);
            break;
          }
        }
      } else {
        got = simdot.dots(c.q, c.m);
      }
      // An out from another realm comes back as it went in; a fresh array is of this realm.
      const typed = c.out ? got === c.out : got instanceof c.Score;
      if (!typed || got.length !== c.rows) fail(`dots returned ${got?.constructor?.name}(${got?.length}), expected ${c.Score.name}(${c.rows})`);
      else scores('dots', got, 0);
    } else {
      const batch = c.fn.startsWith('topKBatch');
      const wants = c.queries.map((query, j) => {
        const s = simdot.dots(query, c.m);
        scores(`dots of query ${j}`, s, j);
        return topKOf(s, c.k, c.filter);
      });
      const sync = (options) => (batch ? simdot.topKBatch(c.q, c.m, c.k, options) : [simdot.topK(c.q, c.m, c.k, options)]);
      const name = batch ? 'topKBatch' : 'topK';
      const got = sync(c.options);
      if (!Array.isArray(got) || got.length !== c.nq) {
        fail(`${name} returned ${Array.isArray(got) ? `${got.length} results` : typeof got} for ${c.nq} queries`);
      } else {
        const one = sync(withThreads1(c.options));
        for (let j = 0; j < c.nq; j++) {
          const q = batch ? ` query ${j}` : '';
          const wrong = compareTop(c, got[j], wants[j]);
          if (wrong) fail(`${name}${q} is not the top k of this tier's dots: ${wrong}`);
          const threads = identical(c, got[j], one[j]);
          if (threads) fail(`${name}${q} with threads=${c.threads ?? 'default'} differs from threads=1: ${threads}`);
          if (c.int8) {
            const js = identical(c, got[j], ref.top[j]);
            if (js) fail(`${name}${q} differs from js: ${js}`);
          }
        }
        if (c.fn.endsWith('Async')) {
          const later = batch ? await simdot.topKBatchAsync(c.q, c.m, c.k, c.options) : [await simdot.topKAsync(c.q, c.m, c.k, c.options)];
          if (!Array.isArray(later) || later.length !== c.nq) fail(`${c.fn} resolved to ${later.length} results for ${c.nq} queries`);
          else {
            for (let j = 0; j < c.nq; j++) {
              const wrong = identical(c, later[j], got[j]);
              if (wrong) fail(`${c.fn}${batch ? ` query ${j}` : ''} differs from ${name}: ${wrong}`);
            }
          }
        }
      }
    }
  } catch (e) {
    fail(`threw ${errorText(e)}`);
  }
  return { failures, overflow };
}

/**
 * Runs case `c` on every tier in `tiers` (js included: its search is held to its own dots).
 * Returns one entry per tier that failed: its first messages, and whether every disagreement
 * was a float32 score on a row where a product or a partial sum of finite values can exceed the
 * float32 range.
 */
export async function checkCase(simdot, c, tiers) {
  const result = [];
  const report = (tier, failures, overflow = false) => {
    if (!failures.length) return;
    const more = failures.length > 3 ? `; and ${failures.length - 3} more` : '';
    result.push({ tier, message: failures.slice(0, 3).join('; ') + more, overflow });
  };
  if (simdot.useKernel('js') !== 'js') throw new Error('useKernel(js) did not select the js tier');
  // Invalid calls, and valid ones js failed on: every other tier must end the call as js did.
  const sameEnd = async (args) => {
    const js = await outcome(() => simdot[c.fn](...args()));
    for (const tier of tiers) {
      if (simdot.useKernel(tier) !== tier) {
        report(tier, [`useKernel(${tier}) selected ${simdot.info().kernel}`]);
        continue;
      }
      if (tier === 'js') {
        if (!c.valid && js.how !== 'throws' && js.how !== 'rejects') report(tier, [`accepted an invalid call: ${js.how}`]);
        continue;
      }
      const got = await outcome(() => simdot[c.fn](...args()));
      if (got.how !== js.how || got.error !== js.error) report(tier, [`${c.fn} ${outcomeText(got)}, js ${outcomeText(js)}`]);
    }
  };
  if (!c.valid) {
    await sameEnd(c.args);
    return result;
  }
  let ref;
  try {
    ref = reference(simdot, c);
  } catch (e) {
    report('js', [`threw ${errorText(e)} on a valid call`]);
    const args = c.fn === 'dot' ? [c.a, c.b] : c.fn === 'dots' ? [c.q, c.m, ...(c.out ? [c.out] : [])] : [c.q, c.m, c.k, c.options];
    await sameEnd(() => args);
    return result;
  }
  for (const tier of tiers) {
    if (simdot.useKernel(tier) !== tier) {
      report(tier, [`useKernel(${tier}) selected ${simdot.info().kernel}`]);
      continue;
    }
    const { failures, overflow } = await checkValid(simdot, c, ref);
    report(tier, failures, overflow);
  }
  return result;
}
