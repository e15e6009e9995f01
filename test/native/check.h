/*
 * check.h - the kernel-level conformance check (in the spirit of dav1d's checkasm): every kernel
 * of one tier against the portable scalar kernels, bit-exact for int8 and within the documented
 * bound for float32, with sentinel-guarded output and inputs at every offset.
 *
 * check.c is freestanding C99 (no libc, static buffers only) so the same checks run in the hosted
 * runner (run_hosted.c, on this CPU) and in the bare-metal image that boots under Bochs with an
 * AVX-512 VNNI CPU model (test/bochs/), where no operating system is available.
 */
#ifndef SIMDOT_CHECK_H
#define SIMDOT_CHECK_H

#include "../../native/kernels.h"

typedef struct {
  const char *name; /* tier name, printed with every result */
  simdot_dot_i8_t *dot_i8;
  simdot_dot_f32_t *dot_f32;
  simdot_dots_i8_t *dots_i8;
  simdot_dots_f32_t *dots_f32;
} check_tier;

typedef void check_print_fn(const char *text);

/* Runs every check of one tier; prints one line per failing case and a closing
 * "<tier>: N passed, M failed" line; returns the number of failed cases. */
unsigned check_run(const check_tier *tier, check_print_fn *print, unsigned *passed);

#endif
