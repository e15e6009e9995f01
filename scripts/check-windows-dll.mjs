#!/usr/bin/env node
// check-windows-dll.mjs - what the win32-x64 prebuild is, read from the file (mingw-w64
// binutils; no Windows needed):
//   1. it imports from KERNEL32.dll and msvcrt.dll only (libgcc, libstdc++ and winpthreads are
//      linked in: a user needs no MinGW DLL), the Node-API functions delay-loaded from node.exe
//      (scripts/win32-bind-node-api.c binds them to the running executable), and exports only
//      the two Node-API entry points;
//   2. its PE header carries no time stamp (a rebuild gives the same bytes);
//   3. its exception directory (.pdata) has an entry starting at every simdot_* function, the
//      exported kernels and the hidden bodies alike, so Windows can unwind through each (read
//      from the unstripped twin of the file: the stripped one has no symbols). And no other
//      function that pushes, allocates stack or calls lacks one.
// Prints the import list and the .pdata entry of every simdot_* function (its prologue size,
// unwind codes and frame register).
//
// Usage: node scripts/check-windows-dll.mjs prebuilds/win32-x64/simdot.node UNSTRIPPED.node
// Exit status: 0 when all holds, 1 when not, 2 on a usage or tool problem.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const OBJDUMP = 'x86_64-w64-mingw32-objdump';
const NM = 'x86_64-w64-mingw32-nm';
const IMPORTS = ['kernel32.dll', 'msvcrt.dll'];
const DELAY_IMPORTS = ['node.exe'];
const EXPORTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];
// Labels of the MinGW runtime that mark data (constructor and destructor lists), not code.
const DATA_IN_TEXT = ['__CTOR_LIST__', '___CTOR_LIST__', '__DTOR_LIST__', '___DTOR_LIST__'];
// Hand-written runtime functions that come without unwind data in the toolchain itself.
const TOOLCHAIN_WITHOUT_UNWIND = {
  ___chkstk_ms: "libgcc's stack probe for frames over 4 KiB",
};

const [dll, unstripped] = process.argv.slice(2);
if (!dll || !unstripped) {
  console.error('usage: check-windows-dll.mjs DLL UNSTRIPPED_DLL');
  process.exit(2);
}

function tool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 << 20 });
  if (r.error || r.status !== 0) {
    console.error(`check-windows-dll: ${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
    process.exit(2);
  }
  return r.stdout;
}

const problems = [];
const ok = (msg) => console.log(`ok ${msg}`);

// --- imports, exports, time stamp ---------------------------------------------------------------
const pe = tool(OBJDUMP, ['-p', dll]);
const imports = [...pe.matchAll(/^\s*DLL Name: (\S+)/gm)].map((m) => m[1]);
console.log(`imports (objdump -p ${dll}):`);
for (const name of imports) {
  const block = pe.slice(pe.indexOf(`DLL Name: ${name}`)).split(/\n\s*\n/)[0];
  const functions = [...block.matchAll(/^\s+[0-9a-f]+\s+\d+\s+(\S+)$/gm)].map((m) => m[1]);
  console.log(`  ${name}: ${functions.length} functions${functions.length <= 8 ? ` (${functions.join(', ')})` : ''}`);
}
const extra = imports.filter((n) => !IMPORTS.includes(n.toLowerCase()));
if (extra.length) problems.push(`imports DLLs beyond ${IMPORTS.join(', ')}: ${extra.join(', ')}`);
else ok(`imports only ${imports.join(', ')}`);

// Delay imports: binutils leaves the PE's delay-import directory empty and objdump does not
// list them, so they are read from the descriptors (ImgDelayDescr) the unstripped twin names.
function delayImports(file) {
  const data = fs.readFileSync(file);
  const sections = [...tool(OBJDUMP, ['-h', file]).matchAll(/^\s*\d+ \S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/gm)].map((m) => ({
    size: Number.parseInt(m[1], 16),
    vma: BigInt(`0x${m[2]}`),
    off: Number.parseInt(m[3], 16),
  }));
  const base = BigInt(`0x${/^ImageBase\s+([0-9a-f]+)/m.exec(tool(OBJDUMP, ['-p', file]))[1]}`);
  const at = (vma) => {
    const s = sections.find((x) => vma >= x.vma && vma < x.vma + BigInt(x.size));
    return s ? s.off + Number(vma - s.vma) : -1;
  };
  const cstring = (off) => data.subarray(off, data.indexOf(0, off)).toString('latin1');
  const result = [];
  for (const m of tool(NM, [file]).matchAll(/^([0-9a-f]+) \S __DELAY_IMPORT_DESCRIPTOR_\S+$/gm)) {
    const d = at(BigInt(`0x${m[1]}`));
    if (d < 0) continue;
    const name = cstring(at(base + BigInt(data.readUInt32LE(d + 4))));
    const functions = [];
    for (let t = at(base + BigInt(data.readUInt32LE(d + 16))); t >= 0; t += 8) {
      const thunk = data.readBigUInt64LE(t);
      if (thunk === 0n) break;
      functions.push(cstring(at(base + thunk) + 2));
    }
    result.push({ name, functions });
  }
  return result;
}
const delayed = delayImports(unstripped);
for (const { name, functions } of delayed) console.log(`  ${name} (delay-loaded): ${functions.length} functions (${functions.filter((f) => /^napi_|^node_api_/.test(f)).length} of them Node-API)`);
const delayedNames = delayed.map((d) => d.name.toLowerCase());
if (delayedNames.sort().join() !== [...DELAY_IMPORTS].sort().join()) {
  problems.push(`delay-loads ${delayedNames.join(', ') || 'nothing'}; expected ${DELAY_IMPORTS.join(', ')}`);
} else if (!delayed.every((d) => d.functions.every((f) => /^napi_|^node_api_/.test(f)))) {
  problems.push('delay-loads from node.exe something that is not Node-API');
} else {
  ok(`the Node-API functions, and nothing else, are delay-loaded from ${delayed[0].name}`);
}

const exportsBlock = pe.match(/\[Ordinal\/Name Pointer\] Table\n([\s\S]*?)\n\s*\n/);
const exported = exportsBlock ? [...exportsBlock[1].matchAll(/\]\s+(\S+)/g)].map((m) => m[1]) : [];
if (exported.sort().join() !== [...EXPORTS].sort().join()) problems.push(`exports ${exported.join(', ') || 'nothing'}; expected ${EXPORTS.join(', ')}`);
else ok(`exports only ${exported.join(', ')}`);

const bytes = fs.readFileSync(dll);
const peOffset = bytes.readUInt32LE(0x3c);
const stamp = bytes.readUInt32LE(peOffset + 8);
if (stamp !== 0) problems.push(`the PE header has a time stamp (${stamp}): the build is not reproducible`);
else ok('no time stamp in the PE header');

// --- .pdata coverage ------------------------------------------------------------------------------
const full = tool(OBJDUMP, ['-p', unstripped]);
const table = full.match(/The Function Table \(interpreted \.pdata section contents\)\n.*\n([\s\S]*?)\n\s*\n/);
if (!table) {
  problems.push('no exception directory (.pdata) at all');
} else {
  const entries = [...table[1].matchAll(/^\s*[0-9a-f]+:\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/gm)].map((m) => ({
    begin: BigInt(`0x${m[1]}`),
    end: BigInt(`0x${m[2]}`),
    unwind: BigInt(`0x${m[3]}`),
  }));
  const byBegin = new Map(entries.map((e) => [e.begin, e]));
  // The .xdata dump: one record per unwind info, with its codes.
  const xdata = new Map();
  for (const rec of full.split(/\n(?= [0-9a-f]+ \(rva: )/)) {
    const head = /^ ([0-9a-f]+) \(rva: [0-9a-f]+\): ([0-9a-f]+) - ([0-9a-f]+)\n([\s\S]*)/.exec(rec);
    if (head) xdata.set(BigInt(`0x${head[2]}`), head[4].split('\n\n')[0]);
  }
  const symbols = tool(NM, ['-n', unstripped])
    .split('\n')
    .map((l) => /^([0-9a-f]+) ([Tt]) (\S+)$/.exec(l))
    .filter(Boolean)
    .map((m) => ({ addr: BigInt(`0x${m[1]}`), name: m[3] }));
  const ours = symbols.filter((s) => /^simdot_/.test(s.name));
  console.log(`.pdata entries of the ${ours.length} simdot_* functions (objdump -p of the unstripped DLL):`);
  let missing = 0;
  for (const s of ours) {
    const e = byBegin.get(s.addr);
    if (!e) {
      missing++;
      problems.push(`${s.name} (0x${s.addr.toString(16)}) has no .pdata entry starting at it`);
      continue;
    }
    const info = xdata.get(e.begin) ?? '';
    const m = /Nbr codes: (\d+), Prologue size: (0x[0-9a-f]+), Frame offset: 0x[0-9a-f]+, Frame reg: (\S+)/.exec(info);
    const summary = m ? `${m[1]} unwind codes, prologue ${Number(m[2])} bytes, frame register ${m[3]}` : 'unwind info not decoded';
    console.log(`  ${s.name.padEnd(36)} ${e.begin.toString(16)}-${e.end.toString(16)}  ${summary}`);
  }
  if (ours.length === 0) problems.push('no simdot_* symbols in the unstripped DLL');
  else if (missing === 0) ok(`every one of the ${ours.length} simdot_* functions has a .pdata entry`);

  // Any other function without an entry must be a leaf that leaves rsp alone: no push, no call,
  // no stack allocation, nothing else written to rsp.
  const covered = (addr) => entries.some((e) => addr >= e.begin && addr < e.end);
  const uncovered = symbols.filter((s, i) => !covered(s.addr) && symbols[i + 1]?.addr !== s.addr);
  const disassembly = tool(OBJDUMP, ['-d', '--no-show-raw-insn', unstripped]);
  const bodies = new Map();
  for (const block of disassembly.split(/\n\n(?=[0-9a-f]+ <)/)) {
    const head = /^([0-9a-f]+) <([^>]+)>:/.exec(block);
    if (head) bodies.set(BigInt(`0x${head[1]}`), block);
  }
  const offenders = [];
  const known = [];
  for (const s of uncovered) {
    if (DATA_IN_TEXT.includes(s.name)) continue;
    const body = bodies.get(s.addr) ?? '';
    const bad = body.split('\n').find((l) => /\t(push|call|enter)\b|\t(sub|add|and|lea|mov|pop)\w*\s+.*,%rsp$/.test(l));
    if (!bad) continue;
    if (s.name in TOOLCHAIN_WITHOUT_UNWIND) {
      // Acceptable only while none of the addon's own code calls it.
      const callers = [...bodies.values()]
        .filter((b) => b.includes(`<${s.name}>`) && !b.startsWith(`${s.addr.toString(16).padStart(16, '0')} <${s.name}>`))
        .map((b) => /^[0-9a-f]+ <([^>]+)>:/.exec(b)?.[1] ?? '?');
      const ours = callers.filter((c) => /^simdot_|simdot|^_ZN4Napi/.test(c));
      if (ours.length) offenders.push(`${s.name}, called by the addon's ${ours.join(', ')}: ${bad.trim()}`);
      else known.push(`${s.name} (${TOOLCHAIN_WITHOUT_UNWIND[s.name]}; called only by ${callers.join(', ') || 'nothing'})`);
      continue;
    }
    offenders.push(`${s.name}: ${bad.trim()}`);
  }
  if (offenders.length) problems.push(`functions without .pdata that move rsp or call:\n    ${offenders.join('\n    ')}`);
  else ok(`the ${uncovered.length} functions without a .pdata entry leave rsp alone (${entries.length} entries in all)${known.length ? `, but for toolchain code the addon does not call: ${known.join('; ')}` : ''}`);
}

for (const p of problems) console.log(`FAIL ${p}`);
process.exit(problems.length ? 1 : 0);
