/*
 * aarch64_tuning.h - where the aarch64 kernels switch paths. Plain #defines, so that the .S
 * files (through the C preprocessor) and C alike include it: a conformance check can build its
 * cases on both sides of each switch point from these very numbers.
 *
 * No timing here is measured on arm hardware yet: the numbers bound stack use and cache
 * footprint, and are to be tuned where such a machine is at hand. No value can change a result.
 */
#ifndef SIMDOT_AARCH64_TUNING_H
#define SIMDOT_AARCH64_TUNING_H

/* i8mm dotsq_i8 takes dim from SIMDOT_I8MM_DOTSQ_MIN_DIM to SIMDOT_I8MM_DOTSQ_MAX_DIM bytes and
 * SIMDOT_I8MM_DOTSQ_MIN_NQ..8 queries; it hands every other shape to the neondot kernel. The
 * query copy it keeps on the stack is at most 8 * MAX_DIM bytes (32 KiB). MIN_NQ from counting
 * vector-pipe instructions per 128 bytes of two rows (ZIP + SMMLA against SDOT): 2 queries 16 vs
 * 16, 3 queries 24 vs 24 (a pair is padded), 4 queries 24 vs 32, 8 queries 40 vs 64; below 4
 * the SMMLA loop only adds the copy and the ZIPs. */
#define SIMDOT_I8MM_DOTSQ_MIN_DIM 16
#define SIMDOT_I8MM_DOTSQ_MAX_DIM 4096
#define SIMDOT_I8MM_DOTSQ_MIN_NQ 4

/* neon dotsq_f32 with 5..8 queries scores blocks of max(1, SIMDOT_NEON_DOTSQ_F32_BLOCK / (4 * dim))
 * rows, first for queries 0-3 and then for the rest, so the block is read from L1 the second
 * time: rows of more than 4096 floats make one-row blocks. */
#define SIMDOT_NEON_DOTSQ_F32_BLOCK 16384

/* The neon Hamming kernels (hamming_neon.S) widen the per-byte bit counts of CNT in blocks, and
 * these are the block lengths, in 64-byte steps: bounds that keep every narrow lane exact, not
 * timings (a block boundary costs a few instructions, so they are as long as the lanes allow).
 * A conformance check should try lengths on both sides of n = 64 * each value.
 *   - hamming (and the rows that hammings scores one at a time) adds each step's four counts
 *     into four byte lanes, at most 8 a step each, and the tail (at most one more vector per
 *     accumulator) adds 8 more: 30 * 8 + 8 = 248 <= 255.
 *   - hammings and hammingsq sum a step's four counts into one byte vector (at most 32 a lane)
 *     and add its pairs into halfword lanes (at most 64 a step), the tail adds at most 64 more:
 *     1022 * 64 + 64 = 65472 <= 65535. */
#define SIMDOT_NEON_HAMMING_BYTE_STEPS 30
#define SIMDOT_NEON_HAMMING_HALF_STEPS 1022

#endif
