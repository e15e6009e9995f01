// The `simdot` command as a user runs it: the built dist/cli.js in a child process, its output
// and its exit code. The selftest must also fail where a kernel is wrong: a child process runs
// the command's own main() against a copy of the package whose functions are broken on purpose
// on one tier, one way each, and the run must exit 1 naming that tier.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { distDir, simdot } from './load.js';

const cli = join(distDir, 'cli.js');
const root = dirname(distDir.replace(/\/$/, ''));
const info = simdot.info();
const work = mkdtempSync(join(tmpdir(), 'simdot-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The command in a child process; SIMDOT_KERNEL only where a case sets it. */
function run(args: string[], options: { env?: Record<string, string>; cwd?: string; script?: string } = {}): Run {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!options.env || !('SIMDOT_KERNEL' in options.env)) delete env['SIMDOT_KERNEL'];
  const argv = options.script ? ['-e', options.script, '--', ...args] : [cli, ...args];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env, cwd: options.cwd ?? work, timeout: 110_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Every start tag closed by its own end tag, in order, and nothing outside the root: enough of
 * XML to catch a chart that a browser would refuse.
 */
function wellFormed(svg: string): boolean {
  const body = svg.trim();
  if (!body.startsWith('<svg') || !body.endsWith('</svg>')) return false;
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else {
      stack.push(name!);
    }
  }
  // No stray markup characters left once every tag and entity is taken out.
  const text = body.replace(/<[^>]*>/g, '').replace(/&(amp|lt|gt|quot|apos);/g, '');
  return stack.length === 0 && !/[<>&]/.test(text);
}

describe('simdot info', () => {
  it('names the CPU features, the tiers, the tier that runs and why, and the binary', () => {
    const r = run(['info']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`tiers:          ${info.supported.join(', ')}`);
    expect(r.stdout).toMatch(new RegExp(`running: +${info.kernel}: `));
    if (info.native) {
      expect(r.stdout).toContain('SIMDOT_KERNEL is not set');
      expect(r.stdout).toContain(`native binary:  ${info.binding}`);
      expect(r.stdout).toContain(`CPU features:   ${info.features!.join(' ')}`);
    } else {
      expect(r.stdout).toContain(`native binary:  not loaded: ${info.loadError}`);
    }
  });

  it('--json is info() with the reasons', () => {
    const r = run(['info', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ ...info, SIMDOT_KERNEL: null, arch: process.arch, platform: process.platform, node: process.version });
    expect(json.why.kernel).toMatch(info.native ? /best tier/ : /no native binary/);
  });

  it('SIMDOT_KERNEL=scalar: the cap, and that it is the reason', () => {
    const r = run(['info', '--json'], { env: { SIMDOT_KERNEL: 'scalar' } });
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ requested: 'scalar', SIMDOT_KERNEL: 'scalar' });
    if (info.native) {
      expect(json.kernel).toBe('scalar');
      expect(json.why.kernel).toBe('SIMDOT_KERNEL=scalar caps the tier at scalar');
    }
    const text = run(['info'], { env: { SIMDOT_KERNEL: 'scalar' } });
    expect(text.stdout).toContain('SIMDOT_KERNEL:  "scalar"');
    if (info.native) expect(text.stdout).toContain('running:        scalar: SIMDOT_KERNEL=scalar caps the tier at scalar');
  });

  it('SIMDOT_KERNEL=js: no binary loaded, and why', () => {
    const r = run(['info', '--json'], { env: { SIMDOT_KERNEL: 'js' } });
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ kernel: 'js', native: false, supported: ['js'], requested: 'js' });
    expect(json.loadError).toMatch(/SIMDOT_KERNEL=js/);
    expect(json.binding).toBeUndefined();
    const text = run(['info'], { env: { SIMDOT_KERNEL: 'js' } });
    expect(text.stdout).toContain('running:        js: SIMDOT_KERNEL=js chooses the TypeScript kernels');
    expect(text.stdout).toContain('native binary:  not loaded: SIMDOT_KERNEL=js');
    expect(text.stdout).toContain('CPU features:   unknown');
  });

  it('a SIMDOT_KERNEL that names no tier is bad usage', () => {
    const r = run(['info'], { env: { SIMDOT_KERNEL: 'avx1024' } });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('simdot: SIMDOT_KERNEL: expected one of avx512vnni, avx2, i8mm, neondot, neon, scalar, js, received string "avx1024"');
  });
});

describe('simdot selftest', () => {
  it('passes on every supported tier and names each', () => {
    const r = run(['selftest']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    for (const tier of info.supported) expect(r.stdout).toMatch(new RegExp(`^${tier} +passed`, 'm'));
    expect(r.stdout).toContain(`passed: ${info.supported.join(', ')} (`);
    expect(r.stdout).toContain('compared with the reference: dot int8 ');
  });

  it('--json: every tier passed, every group checked', () => {
    const r = run(['selftest', '--json', '--seed', '7']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ passed: true, seed: 7 });
    expect(json.tiers.map((t: { tier: string }) => t.tier)).toEqual(info.supported);
    for (const t of json.tiers) {
      expect(t.status).toBe('passed');
      for (const n of Object.values(t.counts)) expect(n).toBeGreaterThan(100);
    }
  });

  it.skipIf(!info.native)('under SIMDOT_KERNEL=scalar, the tiers above it are skipped, not passed', () => {
    const r = run(['selftest', '--json'], { env: { SIMDOT_KERNEL: 'scalar' } });
    expect(r.status, r.stderr).toBe(0);
    const status = Object.fromEntries(JSON.parse(r.stdout).tiers.map((t: { tier: string; status: string }) => [t.tier, t.status]));
    for (const tier of info.supported) expect(status[tier], tier).toBe(tier === 'scalar' || tier === 'js' ? 'passed' : 'skipped');
  });

  // The package as main() sees it, with one tier broken one way. Only the two best tiers run, to
  // keep each case short; the broken one is the best.
  const tiers = info.supported.slice(0, 2);
  const broken = tiers[0]!;
  const harness = (breakage: string): string => `
    const real = require(${JSON.stringify(join(distDir, 'index.js'))});
    const { main } = require(${JSON.stringify(cli)});
    const on = () => real.info().kernel === ${JSON.stringify(broken)};
    const fake = { ...real, info: () => ({ ...real.info(), supported: ${JSON.stringify(tiers)} }) };
    ${breakage}
    main(process.argv.slice(1), { simdot: fake }).then((code) => { process.exitCode = code; });
  `;
  const bound = (n: number, abs: number): number => (n + 1) * 2 ** -23 * abs + (n + 1) * 2 ** -149;
  const breakages: [string, string, string][] = [
    ['int8 dot off by one at one length', 'dot int8: ', `fake.dot = (a, b) => real.dot(a, b) + (on() && a instanceof Int8Array && a.length === 77 ? 1 : 0);`],
    [
      'float32 dot twice the documented bound away, at one length',
      'dot float32: ',
      `const bound = ${bound.toString()};
       fake.dot = (a, b) => {
         if (!on() || !(a instanceof Float32Array) || a.length !== 300) return real.dot(a, b);
         let exact = 0, abs = 0;
         for (let i = 0; i < a.length; i++) { exact += a[i] * b[i]; abs += Math.abs(a[i] * b[i]); }
         return Number.isFinite(exact) ? exact + 2 * bound(a.length, abs) : exact;
       };`,
    ],
    ['a NaN that does not propagate', 'dot float32: ', `fake.dot = (a, b) => { const r = real.dot(a, b); return on() && Number.isNaN(r) ? 0 : r; };`],
    [
      'dots wrong in one row',
      'dots int8: ',
      `fake.dots = (q, m, out) => { const o = real.dots(q, m, out); if (on() && q.length === 33 && o.length === 5) o[4] += 1; return o; };`,
    ],
    [
      'dots writing past its out array',
      'wrote outside out',
      `fake.dots = (q, m, out) => {
         const o = real.dots(q, m, out);
         if (on() && out && out.byteOffset + out.byteLength < out.buffer.byteLength) new out.constructor(out.buffer, out.byteOffset + out.byteLength, 1)[0] = 1;
         return o;
       };`,
    ],
    [
      'topK with two results swapped',
      'topK: ',
      `fake.topK = (q, m, k, o) => {
         const r = real.topK(q, m, k, o);
         if (on() && r.indices.length > 1 && !o?.filter) [r.indices[0], r.indices[1]] = [r.indices[1], r.indices[0]];
         return r;
       };`,
    ],
    [
      'topKBatch losing the last query of a batch of 9',
      'topKBatch: ',
      `fake.topKBatch = (q, m, k, o) => { const r = real.topKBatch(q, m, k, o); if (on() && r.length === 9) r.pop(); return r; };`,
    ],
    [
      'hammings wrong in one row',
      'hammings: ',
      `fake.hammings = (q, m, out) => { const o = real.hammings(q, m, out); if (on() && q.length === 65 && o.length === 5) o[3] += 1; return o; };`,
    ],
    [
      'topKHamming with two results swapped',
      'topKHamming: ',
      `fake.topKHamming = (q, m, k, o) => {
         const r = real.topKHamming(q, m, k, o);
         if (on() && r.indices.length > 1) [r.indices[0], r.indices[1]] = [r.indices[1], r.indices[0]];
         return r;
       };`,
    ],
    [
      'useKernel claiming a tier that does not run',
      'but info().kernel is',
      `fake.useKernel = (t) => (real.useKernel(${JSON.stringify(tiers.at(-1))}), t);`,
    ],
  ];

  it('the harness itself passes with nothing broken', () => {
    const r = run(['selftest'], { script: harness('') });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    for (const tier of tiers) expect(r.stdout).toMatch(new RegExp(`^${tier} +passed`, 'm'));
  });

  for (const [name, message, breakage] of breakages) {
    // With one tier there is no other tier for useKernel to run in its place.
    it.skipIf(name.startsWith('useKernel') && tiers.length < 2)(`exits 1 on ${name}, naming the tier`, () => {
      const r = run(['selftest'], { script: harness(breakage) });
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^${broken} +FAILED \\(\\d[\\d,]* failures?\\)`, 'm'));
      expect(r.stdout).toContain(message);
      expect(r.stdout).toContain(`FAILED: ${broken} (of `);
      // The tier that was not broken still passes: the failure is where the breakage is.
      if (tiers[1] && name !== 'useKernel claiming a tier that does not run') expect(r.stdout).toMatch(new RegExp(`^${tiers[1]} +passed`, 'm'));
    });
  }
});

describe('simdot bench', () => {
  it('--json: every tier, js and the plain read, with the chart written', () => {
    const svg = join(work, 'bench.svg');
    const r = run(['bench', '--rows', '2000', '--time', '0.05', '--json', '--svg', svg]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.config).toMatchObject({ method: 'topK', type: 'int8', rows: 2000, dim: 1536, bytes: 2000 * 1536, k: 10, threads: 1, rowsSizedToMachine: false });
    const names = report.results.map((x: { name: string }) => x.name);
    expect(names).toEqual([...info.supported, ...(info.native ? ['plain read'] : [])]);
    for (const x of report.results) {
      expect(x.gbps, x.name).toBeGreaterThan(0);
      expect(x.msPerQuery, x.name).toBeGreaterThan(0);
      expect(x.samples, x.name).toBeGreaterThanOrEqual(3);
      if (info.native) expect(x.xPlainRead, x.name).toBeGreaterThan(0);
      expect(x.xJs, x.name).toBeGreaterThan(0);
      // int8 scores are exact, so every tier finds the same rows.
      if (x.kind === 'tier' && x.name !== report.topKReference) expect(x.sameTopK, x.name).toBe(true);
    }
    expect(report.topKReference).toBe(info.supported[0]);
    const chart = readFileSync(svg, 'utf8');
    expect(chart.startsWith('<svg')).toBe(true);
    expect(wellFormed(chart)).toBe(true);
    for (const tier of info.supported) expect(chart).toContain(`>${tier}<`);
    if (info.native) expect(chart).toMatch(/plain read [\d.]+ GB\/s/);
  });

  it('the table, for float32, a batch and 2 threads', () => {
    const svg = join(work, 'batch.svg');
    const r = run(['bench', '--rows', '2000', '--dim', '100', '--type', 'float32', '--batch', '3', '--threads', '2', '--k', '4', '--time', '0.05', '--svg', svg]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('simdot bench: topKBatch of 3 queries (k 4, per query), float32, 2,000 x 100 (800 kB), 2 threads');
    expect(r.stdout).toMatch(/^method +GB\/s +ms per query +x plain read +x js +same top-k$/m);
    for (const tier of info.supported) expect(r.stdout).toMatch(new RegExp(`^${tier} +[\\d.]+ +[\\d.]+ `, 'm'));
    expect(r.stdout).toContain(`chart: ${svg}`);
    expect(wellFormed(readFileSync(svg, 'utf8'))).toBe(true);
  });

  it('times the js tier on the first rows when a search of them all would be slow, and says so', () => {
    const r = run(['bench', '--rows', '100000', '--time', '0.02', '--json', '--svg', join(work, 'sub.svg')]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const js = report.results.find((x: { name: string }) => x.name === 'js');
    expect(js.rowsMeasured).toBeLessThan(100_000);
    expect(report.notes.join('\n')).toContain(`js: timed on the first ${js.rowsMeasured.toLocaleString('en-US')} of the 100,000 rows`);
  });

  it('SIMDOT_KERNEL=js: the js tier alone, and why there is no plain read', () => {
    const r = run(['bench', '--rows', '500', '--time', '0.02', '--svg', join(work, 'js.svg')], { env: { SIMDOT_KERNEL: 'js' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^js +[\d.]+ /m);
    expect(r.stdout).toContain('not measured: plain read: it needs the native binary, which is not loaded');
  });

  it('--peers says so when none is installed', () => {
    // A copy of the package with no bench/ folder, run from a directory without the peers.
    const pkg = join(work, 'pkg');
    cpSync(distDir, join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), readFileSync(join(root, 'package.json')));
    // A junction on Windows, where a directory symlink needs privileges; elsewhere a symlink.
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'junction');
    const r = spawnSync(process.execPath, [join(pkg, 'dist', 'cli.js'), 'bench', '--peers', '--rows', '500', '--time', '0.02', '--svg', 'peers.svg'], {
      encoding: 'utf8',
      cwd: pkg,
      env: { ...process.env, SIMDOT_KERNEL: 'js' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('note: peers: none of usearch, simsimd, hnswlib-node is installed');
    expect(r.stdout).toContain('peer usearch: not installed');
  });
});

describe('usage', () => {
  const cases: [string[], string][] = [
    [['frobnicate'], 'simdot: unknown command "frobnicate"; expected one of info, selftest, bench (simdot --help)'],
    [['--fast'], 'simdot: unknown option --fast; a command comes first (simdot --help)'],
    [['info', '--verbose'], 'simdot info: unknown option --verbose (simdot info --help lists the options)'],
    [['selftest', 'avx2'], 'simdot selftest: unexpected argument "avx2" (it takes options only)'],
    [['bench', '--rows'], 'simdot bench: expected a value after --rows (as in --rows 10 or --rows=10)'],
    [['bench', '--rows', 'many'], 'simdot bench: expected --rows to be an integer from 1 to 4,294,967,295, received "many"'],
    [['bench', '--rows=1.5'], 'simdot bench: expected --rows to be an integer from 1 to 4,294,967,295, received "1.5"'],
    [['bench', '--threads', '0'], 'simdot bench: expected --threads to be an integer from 1 to 1,024, received "0"'],
    [['bench', '--type', 'int4'], 'simdot bench: expected --type to be int8 or float32, received "int4"'],
    [['bench', '--json=yes'], 'simdot bench: --json takes no value'],
    [['bench', '--k', '-3'], 'simdot bench: expected a value after --k, received the option-like "-3" (write --k=-3 if that is the value)'],
    [['bench', '--time', 'soon'], 'simdot bench: expected --time to be a number of seconds above 0 and at most 600, received "soon"'],
    [['bench', '--dim', '131072'], 'simdot bench: expected --dim to be an integer from 1 to 131,071, received "131072"'],
    [['selftest', '--seed', 'x'], 'simdot selftest: expected --seed to be an integer from 0 to 4,294,967,295, received "x"'],
    [['help', 'frobnicate'], 'simdot: unknown command "frobnicate"'],
  ];
  for (const [args, message] of cases) {
    it(`simdot ${args.join(' ')}: exit 2 and a message`, () => {
      const r = run(args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
    });
  }

  it('--help, for the command and for each subcommand', () => {
    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: simdot <command> [options]');
      for (const c of ['info', 'selftest', 'bench']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
    const options: Record<string, string[]> = {
      info: ['--json'],
      selftest: ['--seed <n>', '--json'],
      bench: ['--rows <n>', '--dim <n>', '--type <t>', '--threads <n>', '--batch <n>', '--k <n>', '--time <s>', '--svg <path>', '--peers', '--json'],
    };
    for (const [command, names] of Object.entries(options)) {
      for (const args of [[command, '--help'], [command, '-h'], ['help', command]]) {
        const r = run(args);
        expect(r.status, args.join(' ')).toBe(0);
        expect(r.stdout).toContain(`Usage: simdot ${command}`);
        for (const name of names) expect(r.stdout, `${command} ${name}`).toContain(`  ${name} `);
      }
    }
  });

  it('--version, and the bin entry with its shebang', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(run(['--version']).stdout.trim()).toBe(pkg.version);
    expect(pkg.bin).toEqual({ simdot: 'dist/cli.js' });
    expect(readFileSync(cli, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });
});
