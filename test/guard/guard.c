/*
 * guard.c - memory for the guard-page suite (test/guard.test.ts), test-only.
 *
 * A typed array from Node's own allocator sits among other readable heap memory, so a kernel
 * that reads a few bytes past the end (or before the start) of its input goes unnoticed. These
 * ArrayBuffers end exactly at a PROT_NONE page, or begin exactly after one, so any such read
 * through simdot's JavaScript API crashes the test process with SIGSEGV.
 */
#define _DEFAULT_SOURCE
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
  void *base;
  size_t size;
} mapping;

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

static void release(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  mapping *m = hint;
  munmap(m->base, m->size);
  free(m);
}

static napi_value fail(napi_env env, const char *message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, message);
  return NULL;
}

static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == want;
}

/* guarded(bytes, before): an external ArrayBuffer of `bytes` bytes whose last byte is the last
 * byte before a PROT_NONE page (before false), or whose first byte is the first byte after one
 * (before true). An empty buffer lies at the guard itself, or right after it. */
static napi_value guarded(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double length;
  bool before;
  if (!get_args(env, info, 2, argv) || napi_get_value_double(env, argv[0], &length) != napi_ok ||
      napi_get_value_bool(env, argv[1], &before) != napi_ok || !(length >= 0 && length <= 0x1p40) ||
      length != (double)(uint64_t)length) {
    return fail(env, "guard: expected guarded(bytes, before) with bytes a non-negative integer");
  }
  const size_t bytes = (size_t)length, page = page_size();
  size_t span = (bytes + page - 1) / page * page;
  if (before && span == 0) span = page;
  const size_t size = span + page;
  uint8_t *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return fail(env, "guard: mmap failed");
  if (mprotect(before ? base : base + span, page, PROT_NONE) != 0) {
    munmap(base, size);
    return fail(env, "guard: mprotect failed");
  }
  mapping *m = malloc(sizeof *m);
  if (!m) {
    munmap(base, size);
    return fail(env, "guard: out of memory");
  }
  m->base = base;
  m->size = size;
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, before ? base + page : base + span - bytes, bytes, release, m,
                                       &buffer) != napi_ok) {
    munmap(base, size);
    free(m);
    return fail(env, "guard: could not create an external ArrayBuffer");
  }
  return buffer;
}

/* address(buffer): where the ArrayBuffer's bytes are, as a bigint (0 for no memory at all), so
 * the suite can find them in /proc/self/maps without taking this file's word for it. */
static napi_value address(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  void *data = NULL;
  size_t bytes;
  if (!get_args(env, info, 1, argv) || napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok) {
    return fail(env, "guard: expected address(arrayBuffer)");
  }
  if (napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)data, &result) != napi_ok) return fail(env, "guard: bigint");
  return result;
}

/* peek(buffer, offset): the byte at `offset` from the start of the buffer, with no bounds check:
 * offset -1 or byteLength must kill the process, which the suite checks in a child process. */
static napi_value peek(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  void *data = NULL;
  size_t bytes;
  int64_t offset;
  if (!get_args(env, info, 2, argv) || napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      napi_get_value_int64(env, argv[1], &offset) != napi_ok) {
    return fail(env, "guard: expected peek(arrayBuffer, offset)");
  }
  const uint8_t value = *((volatile const uint8_t *)data + offset);
  if (napi_create_uint32(env, value, &result) != napi_ok) return fail(env, "guard: number");
  return result;
}

static napi_value page_size_js(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  if (napi_create_uint32(env, (uint32_t)page_size(), &result) != napi_ok) return fail(env, "guard: number");
  return result;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor exports_[] = {
      {"guarded", NULL, guarded, NULL, NULL, NULL, napi_enumerable, NULL},
      {"address", NULL, address, NULL, NULL, NULL, napi_enumerable, NULL},
      {"peek", NULL, peek, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pageSize", NULL, page_size_js, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof exports_ / sizeof exports_[0], exports_) != napi_ok) return NULL;
  return exports;
}
