/*
 * x86_64_tuning.h - the measured numbers of the x86-64 kernels: the sizes at which a kernel
 * switches loops, and how far ahead its loops prefetch.
 *
 * Plain #defines only, so that the .S files (through the C preprocessor) and C alike include
 * it: the conformance checks (test/native/check.c; test/lib/conformance.mjs reads this file)
 * build their cases on either side of every switch point from these very numbers, so a retuned
 * kernel is still tested where its paths meet.
 *
 * The timings quoted are on Zen 3 unless said otherwise. A prefetch is a hint: no distance can
 * change a result or fault, only the speed.
 */
#ifndef SIMDOT_X86_64_TUNING_H
#define SIMDOT_X86_64_TUNING_H

/* ---- switch points (the checks test on both sides) ------------------------------------------- */

/* avx2 dots_i8 takes rows of SIMDOT_AVX2_DOTS_I8_STREAM_MIN_DIM to ..._MAX_DIM bytes one at a
 * time (the streaming path), when there are at least four; other rows go four at a time.
 *
 * MIN_DIM: shorter rows stay on the four-row loop. Four of them are close to one stream anyway,
 * and the per-row work of the streaming path costs more than it gains (streaming vs the
 * four-row loop, in L2 / from DRAM: dim 128 -25% / +10%; dim 384 -20% / +30%; dim 768 -5% /
 * +65%; dim 1536 even / +50%). Large matrices are the case this library is for, so the switch
 * sits where DRAM gains clearly outweigh the in-cache loss.
 *
 * MAX_DIM: not a timing but a limit of the streaming path, which prepares q on the stack as
 * int16 (two pages for 4096 bytes) and whose even-byte accumulators gain up to 2^23 per 32-byte
 * chunk, exact in int32 for at most 128 chunks: 4096 is the most it can take (dot_avx2.S
 * refuses to assemble with more). */
#define SIMDOT_AVX2_DOTS_I8_STREAM_MIN_DIM 256
#define SIMDOT_AVX2_DOTS_I8_STREAM_MAX_DIM 4096

/* avx512vnni dots_i8 takes rows of at least this many bytes one at a time, when there are at
 * least four (no upper limit: it prepares nothing). The avx2 value, for the same reason: four
 * row cursors reach ~60% of a plain read from DRAM and one stream ~90%. Not yet timed on an
 * AVX-512 CPU. */
#define SIMDOT_AVX512VNNI_DOTS_I8_STREAM_MIN_DIM 256

/* avx2 dotsq_f32 copies the queries to the stack, spread over the L1 sets, when the row stride
 * is a multiple of 256 bytes and nq * (dim * 4 + 64) bytes fit in this: 56 KiB, within the
 * 128 KiB a thread gets by default on musl libc, the smallest default we know of (8 queries of
 * dim 1536 take 48.5 KiB; 3 of dim 4096 take 48.2 KiB, 4 do not fit). */
#define SIMDOT_AVX2_DOTSQ_F32_STAGE_MAX 57344

/* The Hamming kernels' switch points, measured by bench/hamming-tuning.sh on Zen 4 (EPYC, the
 * only AVX2 and AVX512_VPOPCNTDQ machine at hand; figures of three runs). #ifndef so that the
 * script can build the kernels with other values side by side; the addon always takes these.
 *
 * hammings / hammingsq take rows of at least ROWS1_MIN_N bytes one at a time (one forward
 * stream), shorter ones in blocks of rows (4 for one query, 2 or 1 for more), each chunk of a
 * row loaded once for the block's queries. Blocks win in cache and lose from DRAM as rows grow
 * (nr cursors n bytes apart defeat the prefetchers): avx2, one query, in L2 / from DRAM, one at
 * a time against blocks: 128 bytes -22% / even, 192 -18% / +11..17%, 256 -16% / +8%, 512 -7%
 * / x3.3. avx512vnni: 192 bytes -31% / even, 256 -26% / +14%, 512 -13% / x2.2. Large
 * matrices are the case this library is for, so each switch sits where DRAM starts to gain. */
#ifndef SIMDOT_AVX512VNNI_HAMMINGS_ROWS1_MIN_N
#define SIMDOT_AVX512VNNI_HAMMINGS_ROWS1_MIN_N 256
#endif
#ifndef SIMDOT_AVX2_HAMMINGS_ROWS1_MIN_N
#define SIMDOT_AVX2_HAMMINGS_ROWS1_MIN_N 192
#endif

/* avx2 hamming, and hammings one row at a time: Harley-Seal over 512-byte steps from this many
 * bytes (at least 512), in L1 against the nibble lookup alone: 512 bytes -10%, 768 even, 1024
 * +3..5%, 1536 +6..10%, 2048 +12%, 4096 and more +15..17%. */
#ifndef SIMDOT_AVX2_HAMMING_HS_MIN_N
#define SIMDOT_AVX2_HAMMING_HS_MIN_N 1024
#endif

/* ---- prefetch distances, in bytes ahead of a row cursor -------------------------------------- */

/* avx2 dots_i8, four-row loop. VPMOVSXBW + VPMADDWD + VPADDD is four uops per 16 bytes, so the
 * out-of-order window alone keeps too few cache misses in flight for a matrix streamed from
 * DRAM (about 60% of the bandwidth the f32 kernel reaches); prefetching ahead of each row
 * cursor recovers part of that (+20% to +40% from L3 or DRAM) and measured neutral when the rows
 * are already in L1/L2. The loop only serves rows shorter than the streaming path's MIN_DIM,
 * whose four cursors make one stream; for them 2 KiB beat 4 KiB from DRAM (interleaved: dim 64
 * / 128 / 192 / 240 +5% / +10% / +16% / +8%; dim 32 and 96 even; in L3 within the noise). */
#define SIMDOT_AVX2_DOTS_I8_PREFETCH 2048

/* avx2 dots_i8, streaming path, one row cursor: 1-1.5 KiB is best from DRAM (768 B and 3 KiB
 * lose 5-10%), and longer is better for a matrix that is partly in L3 (3 KiB +15% there);
 * 1.5 KiB is as good as any from DRAM and +5% in L3. */
#define SIMDOT_AVX2_DOTS_I8_STREAM_PREFETCH 1536

/* The same for simdot_dots_i8_cached_avx2, which the shim picks for a matrix it expects to
 * find in the L3 cache (repeated searches of a matrix that fits in it): there 6 KiB is ~20%
 * faster than 1.5 KiB (3 KiB ~13%), and from DRAM ~14% slower. */
#define SIMDOT_AVX2_DOTS_I8_STREAM_PREFETCH_CACHED 6144

/* avx2 dotsq_i8, every row cursor of a block. */
#define SIMDOT_AVX2_DOTSQ_I8_PREFETCH 4096

/* avx512vnni dots_i8, streaming path, and dotsq_i8's row cursors: the avx2 values, not yet
 * timed on an AVX-512 CPU. */
#define SIMDOT_AVX512VNNI_DOTS_I8_STREAM_PREFETCH 1536
#define SIMDOT_AVX512VNNI_DOTSQ_I8_PREFETCH 4096

#endif
