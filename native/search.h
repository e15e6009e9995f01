// search.h - exact top-k search: score rows in cache-sized blocks with the active tier's
// kernels, keep a size-k selection per query and shard, merge the shards deterministically.
#ifndef SIMDOT_SEARCH_H
#define SIMDOT_SEARCH_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dispatch.h"
#include "pool.h"

namespace simdot {

// Row elements: int8 and float32 rank by dot product (higher first); bits (bytes of 8 packed
// bits) by Hamming distance (lower first).
enum class Elem { kI8, kF32, kBits };

// Bytes per element of a row: a bit row's dim counts bytes (8 bits each).
inline size_t ElemSize(Elem elem) { return elem == Elem::kF32 ? 4 : 1; }

// Rows up to this length can never overflow an int32 score: 131071 * (-128 * -128) < 2^31.
constexpr size_t kMaxI8Dim = 131071;

// The exact int8 dot product at any length: kernels are exact up to SIMDOT_I8_MAX_CHUNK
// elements, so longer vectors are summed in chunks, in 64 bits.
int64_t DotI8Long(const KernelSet &k, const int8_t *a, const int8_t *b, size_t n);

// The float32 dot product: the active kernel's sum, or, where that overflowed to a non-finite
// value, the portable kernel's sum in double (see ScoreRows).
float DotF32(const KernelSet &k, const float *a, const float *b, size_t n);

// Scores n rows against nq queries: out[j * n + r] (int32 or float by elem). Splits int8 rows
// longer than the kernels' exact range and adds the parts in 64 bits.
void ScoreRows(const KernelSet &k, Elem elem, const void *queries, size_t nq, const void *rows,
               size_t dim, size_t n, void *out);

// One result: `key` orders scores as integers (float scores mapped so that every NaN sorts below
// -Infinity and -0 equals +0); `raw` is the score's own bits (int32 or float32), or, for an
// affine search, unused: its score is the double DoubleOfKey(key).
struct Hit {
  int64_t key;
  uint32_t index;
  uint32_t raw;
};

// The order of doubles as int64 keys (NaN below every number, -0 equal to +0), and back.
int64_t KeyOfDouble(double value);
double DoubleOfKey(int64_t key);

// A per-row affine score: rows rank by query_factor[j] * factor[i] * dot + offset[i], computed in
// double (exact for int8 dots, integer factors and offsets below 2^53). Each array may be null
// (factor 1, offset 0, query factor 1); factor and offset hold nrows values, float32 or float64.
struct Affine {
  const void *factor = nullptr;
  bool factor_f64 = false;
  const void *offset = nullptr;
  bool offset_f64 = false;
  const double *query_factor = nullptr;  // nq values
};

struct SearchSpec {
  KernelSet kernels;
  Elem elem;
  const void *queries;    // nq rows of dim elements
  size_t nq;
  const void *rows;       // nrows rows of dim elements
  size_t dim;
  size_t nrows;
  size_t k;
  const uint8_t *filter;  // bit (i & 7) of byte (i >> 3) set: row i is eligible; null: all are
  size_t threads;         // shards; 0: chosen from the work size
  bool affine = false;    // rank by the affine score of `affine` (results: DoubleOfKey)
  Affine affine_score;
};

enum class SearchStatus { kOk, kOutOfMemory };

// Fills results[j] with the best min(k, eligible rows) hits of query j, best first: higher
// score first, equal scores by lower index. Identical for any thread count. Returns
// kOutOfMemory, with `results` in an unspecified state, where memory for them ran out.
SearchStatus Search(const SearchSpec &spec, ThreadPool &pool, std::vector<std::vector<Hit>> *results);

// The shard count Search uses for `threads` = 0.
size_t DefaultThreads(const SearchSpec &spec);

}  // namespace simdot

#endif
