#!/usr/bin/env node
// Static ISA audit of the kernels, x86-64 and aarch64: assembles each asm/<arch>/*.S,
// disassembles it, and checks that every instruction of every function belongs to the extensions
// its tier bundles in native/tiers.def (the tier is the file's suffix: dot_avx2.S and
// dotsq_avx2.S -> avx2, dot_neondot.S -> neondot). Emulators such as Bochs'
// Tiger Lake model implement more AVX-512 subsets (DQ, VBMI, ...) than the avx512vnni tier asks
// of a CPU, so a kernel that slipped in, say, a zmm VXORPS (AVX512DQ) would pass there and raise
// #UD on a CPU with only F, BW, VL and VNNI. This catches it before it ships.
//
// A file may call a function of another file (dotsq_<tier>.S calls the bodies of dots in
// dot_<tier>.S); such a call must stay within the tier (its name ends in _<tier>), or the audit
// of the caller's file would not cover what it runs. And binding.gyp's x64 sources must list
// exactly the files audited here, so that the addon links what the checks check.
//
// A kernel may need features beyond its tier's bundle: the third column of its line in
// native/kernels_<arch>.def (e.g. SIMDOT_F(avx512vpopcntdq) for the avx512vnni Hamming kernels,
// which the table then picks only on a CPU that has it). Those features are allowed in that
// kernel, and in a hidden body (a function no table line names) only as far as every kernel
// that reaches it, directly or through other bodies, lists them: a VPOPCNTQ in a dot kernel, or
// in a body a dot kernel calls, still fails.
//
// An instruction this table does not know fails the check: classify it here when a kernel
// starts using it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

// Each tier's features, as native/tiers.def bundles them: what a kernel of that tier may use,
// beyond the base ISA (and, on x86-64, the SSE and AVX that AVX2 implies).
const TIER_DEF = [...readFileSync(join(root, 'native/tiers.def'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '')
  .matchAll(/^SIMDOT_TIER\((\w+),\s*(\w+),\s*(.*)\)\s*$/gm)]
  .map((m) => ({ name: m[1], arch: m[2], features: [...m[3].matchAll(/SIMDOT_F\((\w+)\)/g)].map((f) => f[1]) }));
const tiersOf = (arch, implied) =>
  Object.fromEntries(TIER_DEF.filter((t) => t.arch === arch).map((t) => [t.name, ['base', ...implied, ...t.features]]));
const TIERS = tiersOf('x86_64', ['sse', 'avx']);
const AARCH64_TIERS = tiersOf('aarch64', []);

// The kernels a table names (native/kernels_<arch>.def, with the portable ones), each with the
// features it needs beyond its tier: symbol -> [feature...].
function kernelExtras(defFile) {
  const text = readFileSync(join(root, 'native', defFile), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const extras = new Map();
  for (const m of text.matchAll(/^SIMDOT_KERNEL(_AS)?\((\w+),\s*(\w+),\s*(.*?)(?:,\s*(\w+))?\)\s*$/gm)) {
    const symbol = `simdot_${m[2]}_${m[3]}${m[1] ? `_${m[5]}` : ''}`;
    extras.set(symbol, [...m[4].matchAll(/SIMDOT_F\((\w+)\)/g)].map((f) => f[1]));
  }
  return extras;
}

// General-purpose instructions and the prefixes objdump prints for long NOPs.
const BASE = new Set(
  `mov movl movq movb movw movabs movsbl movsbq movslq movzbl movzwl lea add sub and or orq orb xor test cmp cmpl cmpq cmpb
   inc dec neg not imul shl shr sar rol ror jmp je jne jz jnz jb jae ja jbe jl jle jg jge js jns call ret push pop
   nop nopl nopw xchg data16 cs sete setne setb setae seta setbe setl setg cmove cmovne cmovb cmovae cmova cmovbe cmovl cmovge endbr64 bsf tzcnt
   movzbq incl decl incq decq xorb xorl xorq addl addq subl subq andl andq shll shrl shlq shrq`
    .split(/\s+/),
);
const SSE = new Set(['prefetcht0', 'prefetcht1', 'prefetcht2', 'prefetchnta']);

// Instructions with a VEX form (AVX, or AVX2 for 256-bit integer ops) and, where one exists, an
// EVEX form and the AVX-512 subset it needs. int256: the 256-bit VEX form is AVX2.
const VEX = {
  vmovups: { evex: 'avx512f' }, vmovaps: { evex: 'avx512f' }, vmovdqu: {}, vmovdqa: {},
  vaddps: { evex: 'avx512f' }, vaddss: { evex: 'avx512f' }, vmulps: { evex: 'avx512f' },
  vhaddps: {}, vmovss: { evex: 'avx512f' }, vmovd: { evex: 'avx512f' }, vmovq: { evex: 'avx512f' },
  vmovlps: { evex: 'avx512f' }, vmovhps: { evex: 'avx512f' }, vmovhlps: { evex: 'avx512f' },
  vmovshdup: { evex: 'avx512f' }, vextractps: { evex: 'avx512f' }, vextractf128: {}, vinsertf128: {},
  vbroadcastss: { evex: 'avx512f' }, vmaskmovps: {}, vzeroupper: {}, vzeroall: {},
  // The floating-point logic ops need AVX512DQ in EVEX form: the classic trap.
  vxorps: { evex: 'avx512dq' }, vandps: { evex: 'avx512dq' }, vorps: { evex: 'avx512dq' }, vandnps: { evex: 'avx512dq' },
  vfmadd231ps: { vex: 'fma', evex: 'avx512f' }, vfmadd213ps: { vex: 'fma', evex: 'avx512f' },
  vfmadd132ps: { vex: 'fma', evex: 'avx512f' }, vfmadd231ss: { vex: 'fma', evex: 'avx512f' },
  vpaddd: { int256: true, evex: 'avx512f' }, vpsubd: { int256: true, evex: 'avx512f' },
  vpaddq: { int256: true, evex: 'avx512f' }, vpshufd: { int256: true, evex: 'avx512f' },
  vpmaddwd: { int256: true, evex: 'avx512bw' }, vpmovsxbw: { int256: true, evex: 'avx512bw' },
  vpmovsxbd: { int256: true, evex: 'avx512f' }, vpaddw: { int256: true, evex: 'avx512bw' },
  vpxor: { int256: true }, vpand: { int256: true }, vpor: { int256: true }, vpandn: { int256: true },
  vphaddd: { int256: true }, vpunpcklqdq: { int256: true, evex: 'avx512f' }, vpunpckhqdq: { int256: true, evex: 'avx512f' },
  vpbroadcastd: { vex: 'avx2', evex: 'avx512f' }, vpbroadcastb: { vex: 'avx2', evex: 'avx512bw' },
  vpbroadcastq: { vex: 'avx2', evex: 'avx512f' }, vextracti128: { vex: 'avx2' }, vinserti128: { vex: 'avx2' },
  vperm2i128: { vex: 'avx2' }, vpermq: { vex: 'avx2', evex: 'avx512f' }, vpmaskmovd: { vex: 'avx2' },
  vpblendd: { vex: 'avx2' }, vpsllq: { int256: true, evex: 'avx512f' }, vpsrlq: { int256: true, evex: 'avx512f' },
  vpsrldq: { int256: true, evex: 'avx512bw' }, vpslldq: { int256: true, evex: 'avx512bw' },
  vpsllw: { int256: true, evex: 'avx512bw' }, vpsraw: { int256: true, evex: 'avx512bw' },
  vpsrad: { int256: true, evex: 'avx512f' }, vpextrd: { evex: 'avx512dq' },
  vpshufb: { int256: true, evex: 'avx512bw' }, vpsadbw: { int256: true, evex: 'avx512bw' },
  vpsrlw: { int256: true, evex: 'avx512bw' },
};
// EVEX-only instructions.
const EVEX = {
  vpxord: 'avx512f', vpxorq: 'avx512f', vpandd: 'avx512f', vpandq: 'avx512f', vpord: 'avx512f', vporq: 'avx512f',
  vpternlogd: 'avx512f', vmovdqu32: 'avx512f', vmovdqu64: 'avx512f', vmovdqa32: 'avx512f', vmovdqa64: 'avx512f',
  vextracti64x4: 'avx512f', vextractf64x4: 'avx512f', vextracti32x4: 'avx512f', vextractf32x4: 'avx512f',
  vinserti64x4: 'avx512f', vshufi64x2: 'avx512f', vshuff64x2: 'avx512f', kmovw: 'avx512f', kandw: 'avx512f',
  kshiftrw: 'avx512f', kortestw: 'avx512f',
  vmovdqu8: 'avx512bw', vmovdqu16: 'avx512bw', kmovq: 'avx512bw', kmovd: 'avx512bw', kshiftrq: 'avx512bw',
  vpdpbusd: 'avx512vnni', vpdpbusds: 'avx512vnni', vpdpwssd: 'avx512vnni',
  // Known to be outside every tier: listed so the failure says which subset they need.
  vextracti32x8: 'avx512dq', vinserti32x8: 'avx512dq', vextracti64x2: 'avx512dq', kmovb: 'avx512dq',
  vpmullq: 'avx512dq', vbroadcasti32x8: 'avx512dq', vfpclassps: 'avx512dq',
  vpermb: 'avx512vbmi', vpermi2b: 'avx512vbmi', vpmultishiftqb: 'avx512vbmi', vpcompressb: 'avx512vbmi2',
  vpexpandb: 'avx512vbmi2', vpopcntb: 'avx512bitalg', vpopcntw: 'avx512bitalg',
  // AVX512_VPOPCNTDQ: in no tier's bundle; a kernel lists it as an extra feature (see the top).
  vpopcntd: 'avx512vpopcntdq', vpopcntq: 'avx512vpopcntdq',
};
// General-purpose instructions of extensions beyond the base ISA: like the EVEX ones above,
// allowed only where a tier or a kernel's table line has the feature.
const GPR_EXT = { popcnt: 'popcnt' };

function evexOperands(ops) {
  return /%zmm|%k[0-7]|\{z\}|%[xy]mm(1[6-9]|2\d|3[01])\b/.test(ops);
}

function classify(mnemonic, ops) {
  if (BASE.has(mnemonic)) return 'base';
  if (SSE.has(mnemonic)) return 'sse';
  if (mnemonic in GPR_EXT) return GPR_EXT[mnemonic];
  if (mnemonic in EVEX) return EVEX[mnemonic];
  const vex = VEX[mnemonic];
  if (!vex) return undefined;
  if (evexOperands(ops)) {
    if (!vex.evex) return undefined;
    // An EVEX instruction on xmm/ymm registers also needs AVX512VL, which every AVX-512 tier has.
    return vex.evex;
  }
  if (vex.vex) return vex.vex;
  return vex.int256 && /%ymm/.test(ops) ? 'avx2' : 'avx';
}

const work = mkdtempSync(join(tmpdir(), 'simdot-isa-'));
let failures = 0;

function fail(message) {
  console.log(message);
  failures++;
}

/**
 * Audits the .S files of one architecture: each listed in binding.gyp's sources for it, each named
 * after its tier, each instruction of each function within what the function may use (classify),
 * and each reference to a function of another file (the relocations objdump -r prints) allowed by
 * `reaches(tier, symbol)`. What a function may use: its tier's features, plus the extra features
 * of its line in `defFile` (native/kernels_<arch>.def), or for a hidden body the extras that every
 * kernel reaching it lists (see the top of this file).
 */
function audit({ dir, gypArch, tiers, gcc, objdump, relocation, classify, decode = (m, o) => [m, o], reaches, defFile }) {
  const files = readdirSync(join(root, 'asm', dir)).filter((f) => f.endsWith('.S')).sort();
  const gyp = [...readFileSync(join(root, 'binding.gyp'), 'utf8').matchAll(new RegExp(`"asm/${dir}/([^"]+\\.S)"`, 'g'))].map((m) => m[1]);
  for (const file of files.filter((f) => !gyp.includes(f))) fail(`FAIL ${file}: not in binding.gyp's ${gypArch} sources, so the addon would not link it`);
  for (const file of gyp.filter((f) => !files.includes(f))) fail(`FAIL binding.gyp: lists asm/${dir}/${file}, which does not exist`);
  const extras = kernelExtras(defFile);
  // Every function of every file: its file, tier, instructions (with the extension each needs)
  // and the simdot_* functions it refers to.
  const functions = new Map();
  for (const file of files) {
    const tier = Object.keys(tiers).find((t) => file.endsWith(`_${t}.S`));
    if (!tier) {
      fail(`FAIL ${file}: no tier in its name (expected *_<tier>.S with tier one of ${Object.keys(tiers).join(', ')})`);
      continue;
    }
    const object = join(work, `${file}.o`);
    execFileSync(gcc, ['-c', '-I', join(root, 'asm/include'), join(root, 'asm', dir, file), '-o', object]);
    const listing = execFileSync(objdump, ['-d', '-r', '--no-show-raw-insn', object], { encoding: 'utf8' });
    let fn = null;
    for (const line of listing.split('\n')) {
      const label = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
      if (label) {
        if (!label[1].startsWith('.L')) {
          fn = { name: label[1], file, tier, insns: [], refs: new Set() };
          functions.set(fn.name, fn);
        }
        continue;
      }
      if (!fn) continue;
      // A relocation names what the instruction above it refers to: a function of another file,
      // or this file's own data.
      const reloc = relocation.exec(line);
      if (reloc) {
        if (reloc[1].startsWith('simdot_')) {
          if (!reaches(tier, reloc[1])) {
            fail(`FAIL ${file} ${fn.name}: refers to ${reloc[1]}, a function outside what the ${tier} tier may run`);
          }
          fn.refs.add(reloc[1]);
        }
        continue;
      }
      const insn = /^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$/.exec(line);
      if (!insn) continue;
      const [mnemonic, ops] = decode(insn[1], insn[2]);
      fn.insns.push({ mnemonic, ops, ext: classify(mnemonic, ops) });
    }
  }
  // The extras each function may use: a table kernel's own; a hidden body's, those all the
  // kernels that reach it have in common (none when no kernel reaches it).
  const allowedExtras = new Map();
  for (const [name, fn] of functions) {
    if (!extras.has(name)) continue;
    const seen = new Set([name]);
    const queue = [name];
    while (queue.length) {
      const f = functions.get(queue.shift());
      for (const ref of f?.refs ?? []) {
        if (seen.has(ref) || extras.has(ref) || !functions.has(ref)) continue;
        seen.add(ref);
        queue.push(ref);
      }
    }
    for (const reached of seen) {
      const mine = extras.get(name);
      const before = allowedExtras.get(reached);
      allowedExtras.set(reached, before === undefined ? mine : before.filter((e) => mine.includes(e)));
    }
  }
  for (const [name, fn] of functions) {
    const extra = allowedExtras.get(name) ?? [];
    const allowed = [...tiers[fn.tier], ...extra];
    const where = extra.length ? `the ${fn.tier} tier and ${name}'s extra features (${extra.join(', ')})` : `the ${fn.tier} tier`;
    const used = new Set();
    for (const { mnemonic, ops, ext } of fn.insns) {
      if (!ext || !allowed.includes(ext)) {
        fail(`FAIL ${fn.file} ${name}: ${mnemonic} ${ops} needs ${ext ?? 'an unclassified extension (add it to scripts/check-isa.mjs)'}, outside ${where}`);
      } else {
        used.add(ext);
      }
    }
    const listed = extras.has(name) ? (extra.length ? ` [table: +${extra.join(', +')}]` : ' [table]') : extra.length ? ` [body: +${extra.join(', +')}]` : '';
    console.log(`${fn.file} ${name}: ${[...used].filter((e) => e !== 'base').sort().join(', ') || 'base'}${listed}`);
  }
}

try {
  audit({
    dir: 'x86_64',
    gypArch: 'x64',
    tiers: TIERS,
    gcc: 'gcc',
    objdump: 'objdump',
    relocation: /^\s+[0-9a-f]+:\s+R_X86_64_\w+\s+([\w.$]+)/,
    classify,
    // An explicit encoding prefix: VEX-encoded VNNI is AVX-VNNI, not part of any tier here.
    decode: (m, o) => (m === '{vex}' || m === '{evex}' ? [`${m} ${o.split(/\s+/)[0]}`, o.split(/\s+/).slice(1).join(' ')] : [m, o]),
    // dotsq_<tier>.S calls the bodies of dot_<tier>.S: the same tier only.
    reaches: (tier, symbol) => symbol.endsWith(`_${tier}`),
    defFile: 'kernels_x86_64.def',
  });
  auditAarch64();
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(failures ? `isa: ${failures} failure(s) above` : 'isa: every kernel instruction is within its tier');
process.exit(failures ? 1 : 0);

// --- aarch64 ---------------------------------------------------------------------------------
// Every aarch64 tier has Advanced SIMD (asimd); dotprod adds SDOT/UDOT and I8MM the 8-bit matrix
// multiplies and mixed-sign dot products. Anything else that is not ARMv8.0 (SVE, FP16, BF16, the
// crypto and atomic extensions...) belongs to no tier. Instructions are listed by name; an
// unknown one fails until it is classified here.
function auditAarch64() {
  for (const tool of ['aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-objdump']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      fail(`FAIL aarch64: ${tool} is not installed (Debian: gcc-aarch64-linux-gnu), so the aarch64 kernels were not audited`);
      return;
    }
  }
  const A64 = new Set(
    `add adds sub subs and ands orr eor bic mov movk movz movn mvn neg cmp cmn tst lsl lsr asr ror ubfx sbfx ubfiz
     madd msub mul udiv sdiv umulh csel csinc csinv csneg cset cinc cneg ccmp ccmn adr adrp b bl br blr ret cbz cbnz
     tbz tbnz ldr ldur ldp str stur stp ldrb ldrh ldrsb ldrsh ldrsw strb strh prfm prfum nop hint bti paciasp autiasp
     sxtw uxtw sxtb sxth uxtb uxth`.split(/\s+/),
  );
  const ASIMD = new Set(
    `ld1 ld1r ld2 ld3 ld4 st1 st2 st3 st4 movi mvni dup ins umov smov ext zip1 zip2 uzp1 uzp2 trn1 trn2 rev64 tbl
     add sub mul mla mls addp addv saddlv uaddlv smull smull2 umull umull2 smlal smlal2 sadalp uadalp saddlp uaddlp
     saddw saddw2 sxtl sxtl2 uxtl uxtl2 xtn xtn2 shl sshr ushr sshll sshll2 ushll ushll2 and orr eor bic bsl bit bif
     not cmeq cmgt cmge cmlt cmle cmhi cmhs abs neg smax smin umax umin fmla fmls fmul fadd fsub faddp fmax fmin
     fabs fneg fcvt scvtf ucvtf fcvtzs fcvtzu fmov cnt`.split(/\s+/),
  );
  const DOTPROD = new Set(['sdot', 'udot']);
  const I8MM = new Set(['smmla', 'ummla', 'usmmla', 'usdot', 'sudot']);
  const CSSC = new Set(['abs', 'cnt', 'ctz', 'smax', 'smin', 'umax', 'umin']);
  audit({
    dir: 'aarch64',
    gypArch: 'arm64',
    // Every aarch64 tier has Advanced SIMD.
    tiers: Object.fromEntries(Object.entries(AARCH64_TIERS).map(([t, exts]) => [t, [...exts, 'asimd']])),
    gcc: 'aarch64-linux-gnu-gcc',
    objdump: 'aarch64-linux-gnu-objdump',
    relocation: /^\s+[0-9a-f]+:\s+R_AARCH64_\w+\s+([\w.$]+)/,
    classify: (mnemonic, ops) => {
      const m = mnemonic.replace(/^b\.(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)$/, 'b');
      if (/\b[zp]\d+\b|\bp\d+\/[zm]/.test(ops)) return 'sve';
      if (DOTPROD.has(m)) return 'dotprod';
      if (I8MM.has(m)) return 'i8mm';
      // Half-precision arithmetic is FP16 (ARMv8.2), in no tier.
      if (/^f/.test(m) && /\.(4|8)h\b|\bh\d+\b/.test(ops)) return 'fp16';
      // CSSC (ARMv8.9) gives CNT, ABS, SMAX and kin forms on general registers: Advanced SIMD
      // names, but no tier has them, and the Hamming kernels' CNT must stay the vector one.
      if (CSSC.has(m) && /^[wx]\d+\b/.test(ops)) return 'cssc';
      if (/\bv\d+\.|\b[qdsbh]\d+\b/.test(ops) && ASIMD.has(m)) return 'asimd';
      if (A64.has(m) || ASIMD.has(m)) return 'base';
      return undefined;
    },
    // The i8mm kernel hands some shapes to the neondot one: a tier may run a kernel whose tier's
    // features are a subset of its own.
    reaches: (tier, symbol) => {
      const target = TIER_DEF.find((t) => symbol.endsWith(`_${t.name}`));
      return target !== undefined && target.features.every((f) => AARCH64_TIERS[tier].includes(f));
    },
    defFile: 'kernels_aarch64.def',
  });
}
