#!/usr/bin/env node
// The `simdot` command (`npx simdot`): what this machine runs and why (info), whether every
// kernel it can run gives the right answers (selftest), and how fast they search next to the
// memory bandwidth (bench). Exit codes: 0 success, 1 a failed check or run, 2 bad usage.
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type * as Simdot from './index.js';
import { bench, defaultRows, Progress, text as benchText, type BenchOptions } from './cli-bench.js';
import { GROUPS, selftest, type TierReport } from './selftest.js';
import { LADDERS, OPERATIONS, PORTABLE_LADDER, TIERS, type Operation, type Tier } from './tiers.js';

type Api = typeof Simdot;

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** The package the commands run against; by default the one beside this file. */
  simdot?: Api;
}

/** Bad usage: a message and exit code 2. */
class UsageError extends Error {}

const OPTIONS = {
  info: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  selftest: {
    seed: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  bench: {
    rows: { type: 'string' },
    dim: { type: 'string' },
    type: { type: 'string' },
    threads: { type: 'string' },
    batch: { type: 'string' },
    k: { type: 'string' },
    time: { type: 'string' },
    svg: { type: 'string' },
    peers: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
} as const;
type Command = keyof typeof OPTIONS;
const COMMANDS = Object.keys(OPTIONS) as Command[];

function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const ENV_NOTE = `Environment:
  SIMDOT_KERNEL=<tier>  caps the tier for the process: the best supported tier at or below it runs
                        (${TIERS.join(', ')})
`;

function help(command?: Command): string {
  switch (command) {
    case 'info':
      return `Usage: simdot info [--json]

What this machine runs, and why: the CPU features simdot's detection found usable, the tiers
supported here, the tier each operation runs (and the SIMDOT_KERNEL cap behind it, if any), and
which native binary was loaded from where, or why none was.

Options:
  --json       print info() and the explanations as JSON
  -h, --help   this help

${ENV_NOTE}`;
    case 'selftest':
      return `Usage: simdot selftest [--seed <n>] [--json]

Runs every tier this CPU supports (and the js tier) against a reference computed in JavaScript:
int8 dot products exact, float32 ones within the documented bound, NaN and infinities as IEEE
arithmetic gives them, at every length 0..300 and long ones, at odd byte offsets, with extreme
values; and topK and topKBatch against a brute-force ranking of each tier's own dots() scores.
Takes a few seconds. Exits 0 when every tier passes, 1 when any fails.

Options:
  --seed <n>   seed for the random inputs (default 1); a failure names inputs the seed remakes
  --json       print the report as JSON
  -h, --help   this help

${ENV_NOTE}`;
    case 'bench':
      return `Usage: simdot bench [options]

Times exact top-k search over random rows on every tier this CPU runs, and the js tier, next to
a plain read of the same bytes: the memory bandwidth that a scan of the rows cannot beat. Prints
a table and writes a bar chart (SVG).

Options:
  --rows <n>      rows in the matrix (default: a quarter of the free memory, at most 1,000,000;
                  ${defaultRowsText()})
  --dim <n>       elements per row (default 1536)
  --type <t>      int8 or float32 (default int8)
  --threads <n>   threads for each search and for the plain read (default 1)
  --batch <n>     queries per call: 1 times topK, more times topKBatch, per query (default 1)
  --k <n>         results per query (default 10)
  --time <s>      seconds spent on each measurement, at least 3 samples (default 1); the js
                  tier is timed on the first rows only where one search of them all takes longer
  --svg <path>    where to write the chart (default ./simdot-bench.svg)
  --peers         also time usearch, simsimd and hnswlib-node, where installed in the current
                  directory (or in simdot's bench/ folder, in a clone of its repository)
  --json          print the results as JSON
  -h, --help      this help

${ENV_NOTE}`;
    default:
      return `Usage: simdot <command> [options]

Exact int8 and float32 similarity search for Node.js: see what this machine runs, check it and
measure it.

Commands:
  info       the CPU features seen, the tiers supported, which one runs and why, the binary loaded
  selftest   every supported tier against a reference; exits 1 if any result is wrong
  bench      top-k search on every tier next to a plain read of the same bytes; table and chart

Options:
  -h, --help      this help (simdot <command> --help: that command's options)
  -v, --version   simdot's version

${ENV_NOTE}`;
  }
}

function defaultRowsText(): string {
  return `here ${defaultRows(1536, 'int8').toLocaleString('en-US')} int8 rows of 1536`;
}

/** parseArgs, with its errors restated for a person at a terminal. */
function parse<C extends Command>(command: C, args: string[]): ReturnType<typeof parseArgs<{ options: (typeof OPTIONS)[C]; args: string[] }>>['values'] {
  try {
    return parseArgs({ args, options: OPTIONS[command], strict: true, allowPositionals: false }).values as never;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const message = e.message ?? String(err);
    const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
    const where = `simdot ${command}`;
    switch (e.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`${where}: unknown option ${option ?? message} (simdot ${command} --help lists the options)`);
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new UsageError(`${where}: unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? message)} (it takes options only)`);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        if (/does not take an argument/.test(message)) throw new UsageError(`${where}: ${option} takes no value`);
        if (/ambiguous/.test(message) && option) {
          const next = args[args.indexOf(option) + 1] ?? '';
          throw new UsageError(`${where}: expected a value after ${option}, received the option-like ${JSON.stringify(next)} (write ${option}=${next} if that is the value)`);
        }
        throw new UsageError(`${where}: expected a value after ${option ?? 'the option'} (as in ${option ?? '--option'} 10 or ${option ?? '--option'}=10)`);
      default:
        throw new UsageError(`${where}: ${message}`);
    }
  }
}

function integer(command: string, name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`simdot ${command}: expected --${name} to be an integer from ${min} to ${max.toLocaleString('en-US')}, received ${JSON.stringify(value)}`);
  }
  return n;
}

/** Loads the package; SIMDOT_KERNEL with a wrong value makes the import throw, which is bad usage. */
function load(io: Io): Api {
  if (io.simdot) return io.simdot;
  try {
    return require('./index.js') as Api;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof RangeError && /SIMDOT_KERNEL/.test(message)) throw new UsageError(message);
    throw err;
  }
}

// ------------------------------------------------------------------------------------------------
// info

const ladder = (): readonly Tier[] => LADDERS[process.arch] ?? PORTABLE_LADDER;

/** Why the running tier is the one it is. */
function whyTier(i: Simdot.Info): string {
  const env = process.env['SIMDOT_KERNEL']?.trim();
  const source = env ? `SIMDOT_KERNEL=${env}` : i.requested ? `useKernel('${i.requested}')` : undefined;
  if (!i.native) {
    return env?.toLowerCase() === 'js' ? 'SIMDOT_KERNEL=js chooses the TypeScript kernels (the native binary is not loaded)' : `no native binary is in use (${i.loadError ?? 'unknown reason'})`;
  }
  if (!source || !i.requested) return 'the best tier this CPU and binary support (SIMDOT_KERNEL is not set)';
  if (!ladder().includes(i.requested)) {
    return `${source} names a tier of another architecture, which caps nothing on ${process.arch}: the best tier runs`;
  }
  if (i.kernel === i.requested) return `${source} caps the tier at ${i.requested}`;
  return `${source} caps the tier at ${i.requested}, which this CPU or binary does not support: the best supported tier below it runs`;
}

/** Why an operation runs a tier below the running one, if it does. */
function whyOperations(i: Simdot.Info): Partial<Record<Operation, string>> {
  const out: Partial<Record<Operation, string>> = {};
  for (const op of OPERATIONS) {
    if (i.kernels[op] !== i.kernel) out[op] = `no ${i.kernel} kernel for ${op} on this CPU: the best kernel below it runs`;
  }
  return out;
}

function bindingKind(file: string): string {
  if (/[\\/]prebuilds[\\/]/.test(file)) return 'a prebuilt binary shipped in the package';
  if (/[\\/]build[\\/]Release[\\/]/.test(file)) return 'built from source on this machine';
  return 'a native binary';
}

function infoCommand(args: string[], io: Io): number {
  const values = parse('info', args);
  if (values.help) return io.stdout(help('info')), 0;
  const simdot = load(io);
  const i = simdot.info();
  const env = process.env['SIMDOT_KERNEL'];
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const operations = whyOperations(i);
  if (values.json) {
    const json = {
      ...i,
      version: version(),
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpu,
      cores: os.cpus().length,
      SIMDOT_KERNEL: env ?? null,
      why: { kernel: whyTier(i), kernels: operations },
      ...(i.binding ? { bindingKind: bindingKind(i.binding) } : {}),
    };
    io.stdout(JSON.stringify(json, null, 2) + '\n');
    return 0;
  }
  const lines: string[] = [];
  const field = (name: string, value: string): void => void lines.push(`${(name + ':').padEnd(16)}${value}`);
  lines.push(`simdot ${version()} on ${process.platform} ${process.arch}, Node ${process.version}`);
  lines.push(`${cpu}, ${os.cpus().length} cores`);
  lines.push('');
  field(
    'CPU features',
    i.features
      ? i.features.join(' ') || 'none of those simdot looks for'
      : i.binding
        ? 'not reported by this native binary (built before simdot reported them)'
        : 'unknown (the detection is part of the native binary, which is not loaded)',
  );
  field('tiers', `${i.supported.join(', ')} (supported here, best first${i.native ? '' : '; the native tiers are known only with the native binary loaded'})`);
  field('running', `${i.kernel}: ${whyTier(i)}`);
  if (Object.keys(operations).length === 0) {
    field('operations', `every operation (${OPERATIONS.join(', ')}) runs ${i.kernel}`);
  } else {
    lines.push('operations:');
    for (const op of OPERATIONS) lines.push(`  ${op.padEnd(10)} ${i.kernels[op].padEnd(11)}${operations[op] ? ` ${operations[op]}` : ''}`);
  }
  field('SIMDOT_KERNEL', env === undefined ? 'not set' : JSON.stringify(env));
  field('native binary', i.binding ? `${i.binding} (${bindingKind(i.binding)})` : `not loaded: ${i.loadError ?? 'unknown reason'}`);
  if (i.cacheResidentBytes !== undefined) {
    field(
      'cache',
      i.cacheResidentBytes > 0
        ? `int8 matrices up to ${(i.cacheResidentBytes / 2 ** 20).toFixed(1)} MiB (half the L3) are searched as cache-resident`
        : 'the CPU does not report its L3 size',
    );
  }
  io.stdout(lines.join('\n') + '\n');
  return 0;
}

// ------------------------------------------------------------------------------------------------
// selftest

function kernelsText(kernels: Record<Operation, Tier>): string {
  const tiers = new Set(Object.values(kernels));
  if (tiers.size === 1) return `every operation on ${[...tiers][0]}`;
  return OPERATIONS.map((op) => `${op}=${kernels[op]}`).join(', ');
}

function tierText(r: TierReport): string {
  const status = r.status === 'failed' ? `FAILED (${r.failures.toLocaleString('en-US')} failure${r.failures === 1 ? '' : 's'})` : r.status;
  const lines = [`${r.tier.padEnd(11)} ${status}  ${(r.ms / 1000).toFixed(1)} s`];
  if (r.reason) lines.push(`  ${r.reason}`);
  if (r.kernels) lines.push(`  kernels: ${kernelsText(r.kernels)}`);
  if (r.status !== 'skipped') {
    const n = (x: number): string => x.toLocaleString('en-US');
    lines.push(`  compared with the reference: ${GROUPS.map((g) => `${g} ${n(r.counts[g])}${r.wrong[g] ? ` (${n(r.wrong[g])} WRONG)` : ''}`).join(', ')}`);
  }
  for (const m of r.messages) lines.push(`  - ${m}`);
  if (r.failures > r.messages.length) lines.push(`  - and ${(r.failures - r.messages.length).toLocaleString('en-US')} more`);
  return lines.join('\n') + '\n';
}

function selftestCommand(args: string[], io: Io): number {
  const values = parse('selftest', args);
  if (values.help) return io.stdout(help('selftest')), 0;
  const seed = integer('selftest', 'seed', values.seed, 1, 0, 2 ** 32 - 1);
  const simdot = load(io);
  const started = performance.now();
  const supported = simdot.info().supported;
  if (!values.json) {
    io.stdout(`simdot selftest: ${supported.length} tier${supported.length === 1 ? '' : 's'} (${supported.join(', ')}) on ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, seed ${seed}\n\n`);
  }
  const report = selftest(simdot, { seed, ...(values.json ? {} : { onTier: (r: TierReport) => io.stdout(tierText(r)) }) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (values.json) {
    io.stdout(JSON.stringify({ ...report, seconds: Number(seconds) }, null, 2) + '\n');
  } else {
    const tested = report.tiers.filter((r) => r.status !== 'skipped').map((r) => r.tier);
    const failed = report.tiers.filter((r) => r.status === 'failed').map((r) => r.tier);
    const skipped = report.tiers.filter((r) => r.status === 'skipped').map((r) => r.tier);
    io.stdout('\n');
    io.stdout(
      failed.length
        ? `FAILED: ${failed.join(', ')} (of ${tested.join(', ')}), ${seconds} s. Please report it, with this output and that of \`simdot info\`.\n`
        : `passed: ${tested.join(', ')}${skipped.length ? `; skipped: ${skipped.join(', ')}` : ''} (${seconds} s)\n`,
    );
  }
  return report.passed ? 0 : 1;
}

// ------------------------------------------------------------------------------------------------
// bench

async function benchCommand(args: string[], io: Io): Promise<number> {
  const values = parse('bench', args);
  if (values.help) return io.stdout(help('bench')), 0;
  const type = values.type ?? 'int8';
  if (type !== 'int8' && type !== 'float32') {
    throw new UsageError(`simdot bench: expected --type to be int8 or float32, received ${JSON.stringify(type)}`);
  }
  // 131071 is the longest int8 row whose scores always fit an Int32.
  const dim = integer('bench', 'dim', values.dim, 1536, 1, type === 'int8' ? 131071 : 2 ** 24);
  const options: BenchOptions = {
    type,
    dim,
    rows: values.rows === undefined ? undefined : integer('bench', 'rows', values.rows, 0, 1, 2 ** 32 - 1),
    threads: integer('bench', 'threads', values.threads, 1, 1, 1024),
    batch: integer('bench', 'batch', values.batch, 1, 1, 4096),
    k: integer('bench', 'k', values.k, 10, 1, 100_000),
    seconds: 1,
    svg: path.resolve(values.svg ?? 'simdot-bench.svg'),
    peers: values.peers ?? false,
  };
  if (values.time !== undefined) {
    const s = /^\s*[\d.]+\s*$/.test(values.time) ? Number(values.time) : NaN;
    if (!(s > 0 && s <= 600)) throw new UsageError(`simdot bench: expected --time to be a number of seconds above 0 and at most 600, received ${JSON.stringify(values.time)}`);
    options.seconds = s;
  }
  const elements = (options.rows ?? 1) * dim;
  const bytes = elements * (type === 'int8' ? 1 : 4);
  if (elements > 2 ** 32 - 1) {
    throw new UsageError(`simdot bench: ${options.rows?.toLocaleString('en-US')} rows of ${dim} make ${elements.toLocaleString('en-US')} elements, more than one typed array holds (2^32 - 1); use fewer --rows`);
  }
  if (bytes > os.totalmem() * 0.8) {
    throw new UsageError(`simdot bench: ${options.rows?.toLocaleString('en-US')} rows of ${dim} ${type} need ${(bytes / 1e9).toFixed(1)} GB, more than this machine can hold (${(os.totalmem() / 1e9).toFixed(1)} GB of memory); use fewer --rows`);
  }
  const svgDir = path.dirname(options.svg);
  if (!fs.existsSync(svgDir)) throw new UsageError(`simdot bench: --svg: the folder ${svgDir} does not exist`);
  const simdot = load(io);
  const progress = new Progress();
  let report;
  try {
    report = await bench(simdot, options, progress);
  } finally {
    progress.clear();
  }
  io.stdout(values.json ? JSON.stringify(report, null, 2) + '\n' : benchText(report));
  return 0;
}

// ------------------------------------------------------------------------------------------------

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: Partial<Io> = {}): Promise<number> {
  const out: Io = {
    stdout: io.stdout ?? ((s) => void process.stdout.write(s)),
    stderr: io.stderr ?? ((s) => void process.stderr.write(s)),
    ...(io.simdot ? { simdot: io.simdot } : {}),
  };
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first === '--help' || first === '-h') return out.stdout(help()), 0;
    if (first === '--version' || first === '-v') return out.stdout(`${version()}\n`), 0;
    if (first === 'help') {
      const topic = rest[0];
      if (topic !== undefined && !(COMMANDS as string[]).includes(topic)) throw new UsageError(unknownCommand(topic));
      return out.stdout(help(topic as Command | undefined)), 0;
    }
    if (first.startsWith('-')) throw new UsageError(`simdot: unknown option ${first}; a command comes first (simdot --help)`);
    switch (first) {
      case 'info':
        return infoCommand(rest, out);
      case 'selftest':
        return selftestCommand(rest, out);
      case 'bench':
        return await benchCommand(rest, out);
      default:
        throw new UsageError(unknownCommand(first));
    }
  } catch (err) {
    if (err instanceof UsageError) {
      out.stderr(`${err.message}\n`);
      return 2;
    }
    out.stderr(`simdot ${first}: ${err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err)}\n`);
    return 1;
  }
}

function unknownCommand(name: string): string {
  return `simdot: unknown command ${JSON.stringify(name)}; expected one of ${COMMANDS.join(', ')} (simdot --help)`;
}

if (require.main === module) {
  // A closed pipe (`simdot info | head -1`) is not an error of the command.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
