// The README's code runs as written: every ```js, ```mjs and ```ts block is run as an ES module
// that imports 'simdot' as a user's code does (through a node_modules/simdot link to this
// checkout, so the package's "exports" and its built dist/ are what the block gets), and must exit
// with 0 and print nothing on stderr. A ts block is first type-checked with the project's
// strictness against the package's published types, then run.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Block {
  lang: 'js' | 'mjs' | 'ts';
  /** The README line of the opening fence. */
  line: number;
  code: string;
}

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const start = i;
    const body: string[] = [];
    // The closing fence is at least as long as the opening one and of the same character.
    for (i++; i < lines.length && !(lines[i]!.trim().startsWith(fence!) && /^[`~]+$/.test(lines[i]!.trim())); i++) {
      body.push(lines[i]!.startsWith(indent!) ? lines[i]!.slice(indent!.length) : lines[i]!);
    }
    const name = lang!.toLowerCase();
    if (name === 'js' || name === 'javascript' || name === 'mjs') blocks.push({ lang: name === 'mjs' ? 'mjs' : 'js', line: start + 1, code: body.join('\n') });
    else if (name === 'ts' || name === 'typescript') blocks.push({ lang: 'ts', line: start + 1, code: body.join('\n') });
  }
  return blocks;
}

interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Ran> {
  // The user's environment, less what a test runner may have put into NODE_OPTIONS.
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

function report(what: string, r: Ran): string {
  return `${what}: exit ${r.status}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

const blocks = codeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));

describe('README.md code blocks', () => {
  let dir = '';
  let compilerOptions: Record<string, unknown> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'simdot-readme-'));
    mkdirSync(join(dir, 'node_modules'));
    // A junction on Windows, where a directory symlink needs extra rights; elsewhere a symlink.
    symlinkSync(root, join(dir, 'node_modules', 'simdot'), 'junction');
    // The project's own compiler options, for a consumer's files: only where the files are and
    // what is emitted differ.
    const project = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    compilerOptions = { ...project.compilerOptions, noEmit: true, typeRoots: [join(root, 'node_modules', '@types')] };
    for (const key of ['rootDir', 'outDir', 'declaration', 'sourceMap']) delete compilerOptions[key];
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has blocks to run', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  for (const block of blocks) {
    it(`README.md:${block.line} (${block.lang})`, async () => {
      const base = join(dir, `line-${block.line}`);
      const file = `${base}.mjs`;
      if (block.lang === 'ts') {
        writeFileSync(`${base}.mts`, block.code);
        writeFileSync(`${base}.tsconfig.json`, JSON.stringify({ compilerOptions, files: [`${base}.mts`] }));
        const tsc = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', `${base}.tsconfig.json`], dir, 120_000);
        expect(tsc.status, report(`tsc on the block at README.md:${block.line}`, tsc)).toBe(0);
        const js = ts.transpileModule(block.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
        writeFileSync(file, js.outputText);
      } else {
        writeFileSync(file, block.code);
      }
      const r = await run(process.execPath, [file], dir, 120_000);
      expect(r.status, report(`the block at README.md:${block.line}`, r)).toBe(0);
      expect(r.stderr, report(`the block at README.md:${block.line}`, r)).toBe('');
    });
  }
});
