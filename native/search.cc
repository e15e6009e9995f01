// search.cc - see search.h.
#include "search.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <thread>

#if defined(_MSC_VER)
#include <intrin.h>
#endif

namespace simdot {

int64_t KeyOfDouble(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  const uint64_t magnitude = bits & 0x7fffffffffffffffu;
  if (magnitude > 0x7ff0000000000000u) return INT64_MIN;  // NaN: below every number
  if (magnitude == 0) return 0;                          // -0 ties with +0
  // As for float32 keys: negative values' magnitudes flipped, so larger magnitudes sort lower.
  return static_cast<int64_t>(bits & 0x8000000000000000u ? bits ^ 0x7fffffffffffffffu : bits);
}

double DoubleOfKey(int64_t key) {
  // The inverse where one exists; INT64_MIN (every NaN) comes back as a NaN, 0 as +0.
  const uint64_t bits = key < 0 ? static_cast<uint64_t>(key) ^ 0x7fffffffffffffffu : static_cast<uint64_t>(key);
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

int64_t DotI8Long(const KernelSet &k, const int8_t *a, const int8_t *b, size_t n) {
  int64_t sum = 0;
  for (size_t off = 0; off < n; off += SIMDOT_I8_MAX_CHUNK) {
    sum += k.dot_i8(a + off, b + off, std::min<size_t>(SIMDOT_I8_MAX_CHUNK, n - off));
  }
  return sum;
}

namespace {

int64_t KeyOf(Elem elem, uint32_t raw) {
  if (elem == Elem::kI8) return static_cast<int32_t>(raw);
  if (elem == Elem::kBits) return -static_cast<int64_t>(raw);  // the smaller distance is better
  const uint32_t magnitude = raw & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return INT64_MIN;  // NaN: below every number
  if (magnitude == 0) return 0;                    // -0 ties with +0
  // Positive floats order like their bits; negative ones in reverse, so flip their magnitude.
  return static_cast<int32_t>(raw & 0x80000000u ? raw ^ 0x7fffffffu : raw);
}

constexpr int64_t kNoKey = INT64_MIN;

// The better hit sorts first: higher key, then lower index.
bool Better(const Hit &a, const Hit &b) {
  return a.key > b.key || (a.key == b.key && a.index < b.index);
}

// Size-k selection for rows that arrive in increasing index order. A heap whose front is the
// worst kept hit; since indices only grow, a new score equal to the worst one loses the tie, so
// the hot test is one integer comparison.
class Selection {
 public:
  explicit Selection(size_t k) : k_(k) {}

  void Reserve(size_t n) { heap_.reserve(std::min(k_, n)); }

  void Offer(int64_t key, uint32_t index, uint32_t raw) {
    if (heap_.size() < k_) {
      heap_.push_back({key, index, raw});
      std::push_heap(heap_.begin(), heap_.end(), Better);
      if (heap_.size() == k_) threshold_ = heap_.front().key;
    } else if (key > threshold_) {
      std::pop_heap(heap_.begin(), heap_.end(), Better);
      heap_.back() = {key, index, raw};
      std::push_heap(heap_.begin(), heap_.end(), Better);
      threshold_ = heap_.front().key;
    }
  }

  bool Full() const { return heap_.size() == k_; }
  int64_t Threshold() const { return threshold_; }
  // The threshold for int8 keys (the scores themselves, int32): a full heap's threshold is one of
  // them; an empty one's, below them all.
  int32_t Threshold32() const { return static_cast<int32_t>(std::max<int64_t>(threshold_, INT32_MIN)); }
  std::vector<Hit> &Hits() { return heap_; }

 private:
  size_t k_;
  int64_t threshold_ = kNoKey;
  std::vector<Hit> heap_;
};

unsigned CountTrailingZeros(uint64_t word) {  // word != 0
#if defined(_MSC_VER)
  unsigned long index;
  _BitScanForward64(&index, word);
  return static_cast<unsigned>(index);
#else
  return static_cast<unsigned>(__builtin_ctzll(word));
#endif
}

// Index of the first row in [i, end) whose filter bit equals `set`, or end.
size_t NextRow(const uint8_t *filter, size_t i, size_t end, bool set) {
  const uint64_t skip = set ? 0 : ~uint64_t{0};
  while (i < end) {
    if ((i & 63) == 0 && i + 64 <= end) {
      uint64_t word;
      std::memcpy(&word, filter + (i >> 3), sizeof word);  // little-endian: bit i & 63
      if (word == skip) {
        i += 64;
        continue;
      }
      return i + CountTrailingZeros(set ? word : ~word);
    }
    if (((filter[i >> 3] >> (i & 7)) & 1) == static_cast<unsigned>(set)) return i;
    i++;
  }
  return end;
}

// Portable on purpose: MSVC's __popcnt64 is the POPCNT instruction, which CPUs the scalar tier
// serves may lack (and ARM64 has no such intrinsic).
unsigned PopCount(uint64_t word) {
  word -= (word >> 1) & 0x5555555555555555u;
  word = (word & 0x3333333333333333u) + ((word >> 2) & 0x3333333333333333u);
  word = (word + (word >> 4)) & 0x0f0f0f0f0f0f0f0fu;
  return static_cast<unsigned>((word * 0x0101010101010101u) >> 56);
}

// The n (1..64) filter bits of rows i, i + 1, ..., as bit 0, 1, ... of a word; reads only the
// bytes that hold them.
uint64_t FilterBits(const uint8_t *filter, size_t i, size_t n) {
  const size_t first = i >> 3, last = (i + n - 1) >> 3;
  uint64_t low = 0, high = 0;  // bytes first..first+7, and the ninth
  for (size_t b = first; b <= last && b < first + 8; b++) low |= uint64_t{filter[b]} << (8 * (b - first));
  if (last == first + 8) high = filter[last];
  const unsigned shift = i & 7;
  uint64_t bits = shift ? (low >> shift) | (high << (64 - shift)) : low;
  return n == 64 ? bits : bits & ((uint64_t{1} << n) - 1);
}

struct FilterCounts {
  size_t eligible = 0;  // rows whose bit is set
  size_t runs = 0;      // maximal runs of such rows
};

FilterCounts CountFilter(const uint8_t *filter, size_t begin, size_t end) {
  FilterCounts c;
  uint64_t before = 0;  // the previous row's bit, as bit 0
  for (size_t i = begin; i < end; i += 64) {
    const size_t n = std::min<size_t>(64, end - i);
    const uint64_t bits = FilterBits(filter, i, n);
    c.eligible += PopCount(bits);
    c.runs += PopCount(bits & ~((bits << 1) | before));  // set bits whose predecessor is clear
    before = (bits >> (n - 1)) & 1;
  }
  return c;
}

// Rows per block: for one query the scores of a block stay in L1; for several, the block of
// rows itself stays in L2 while every group of queries passes over it.
size_t BlockRows(const SearchSpec &spec) {
  if (spec.nq <= SIMDOT_MAX_BATCH) return 1024;
  const size_t row_bytes = spec.dim * ElemSize(spec.elem);
  return std::clamp<size_t>((192 * 1024) / std::max<size_t>(row_bytes, 1), 16, 1024);
}

// Offers the n scores of rows first, first + 1, ... to s. Once s is full almost every row
// loses, so the hot loop keeps the threshold in a register, and for int8 (where the key is the
// score itself) and bit rows (the negated distance) it first tests eight scores at once, which
// the compiler turns into a vector max or min.
void OfferBlock(Elem elem, const uint32_t *raw, size_t n, size_t first, Selection *s) {
  size_t i = 0;
  for (; i < n && !s->Full(); i++) s->Offer(KeyOf(elem, raw[i]), static_cast<uint32_t>(first + i), raw[i]);
  if (elem == Elem::kI8 && s->Full()) {
    const int32_t *key = reinterpret_cast<const int32_t *>(raw);
    int32_t threshold = s->Threshold32();
    for (; i + 8 <= n; i += 8) {
      int32_t best = key[i];
      for (size_t t = 1; t < 8; t++) best = std::max(best, key[i + t]);
      if (best <= threshold) continue;
      for (size_t t = i; t < i + 8; t++) {
        if (key[t] > threshold) {
          s->Offer(key[t], static_cast<uint32_t>(first + t), raw[t]);
          threshold = s->Threshold32();
        }
      }
    }
  }
  if (elem == Elem::kBits && s->Full()) {
    // Hamming keys are negated distances: a row wins when its distance is below the worst kept
    // one. Eight distances tested at once (a vector min) keep the selection out of the way of
    // the scan, as for int8.
    uint32_t bound = static_cast<uint32_t>(-s->Threshold());
    for (; i + 8 <= n; i += 8) {
      uint32_t least = raw[i];
      for (size_t t = 1; t < 8; t++) least = std::min(least, raw[i + t]);
      if (least >= bound) continue;
      for (size_t t = i; t < i + 8; t++) {
        if (raw[t] < bound) {
          s->Offer(KeyOf(elem, raw[t]), static_cast<uint32_t>(first + t), raw[t]);
          bound = static_cast<uint32_t>(-s->Threshold());
        }
      }
    }
  }
  int64_t threshold = s->Threshold();
  for (; i < n; i++) {
    const int64_t key = KeyOf(elem, raw[i]);
    if (key > threshold) {
      s->Offer(key, static_cast<uint32_t>(first + i), raw[i]);
      threshold = s->Threshold();
    }
  }
}

// OfferBlock for the rows whose filter bit is set, of a block that starts at row `first`.
void OfferFiltered(Elem elem, const uint32_t *raw, size_t n, size_t first, const uint8_t *filter,
                   Selection *s) {
  for (size_t i = 0; i < n; i += 64) {
    const size_t m = std::min<size_t>(64, n - i);
    if (elem == Elem::kI8 && s->Full()) {
      // Once full, almost every row loses: if no score of the 64 rows, eligible or not, beats
      // the threshold, skip them (int8 keys are the scores; a vector max).
      const int32_t *key = reinterpret_cast<const int32_t *>(raw + i);
      int32_t best = INT32_MIN;
      for (size_t t = 0; t < m; t++) best = std::max(best, key[t]);
      if (best <= s->Threshold32()) continue;
    }
    uint64_t bits = FilterBits(filter, first + i, m);
    for (; bits; bits &= bits - 1) {
      const size_t t = i + CountTrailingZeros(bits);
      const int64_t key = KeyOf(elem, raw[t]);
      if (!s->Full() || key > s->Threshold()) s->Offer(key, static_cast<uint32_t>(first + t), raw[t]);
    }
  }
}

// The affine scores of the n rows first, first + 1, ... (their filter bits set, when there is a
// filter) offered to s as double keys. Computed as (query_factor * factor[i]) * score + offset[i]
// in that order, unfused (binding.gyp: -ffp-contract=off), as the TypeScript tier computes it.
void OfferAffine(const SearchSpec &spec, size_t query, const uint32_t *raw, size_t n, size_t first,
                 bool filtered, Selection *s) {
  const Affine &a = spec.affine_score;
  const double qf = a.query_factor ? a.query_factor[query] : 1.0;
  auto factor = [&](size_t row) {
    if (!a.factor) return 1.0;
    return a.factor_f64 ? static_cast<const double *>(a.factor)[row]
                        : static_cast<double>(static_cast<const float *>(a.factor)[row]);
  };
  auto offset = [&](size_t row) {
    if (!a.offset) return 0.0;
    return a.offset_f64 ? static_cast<const double *>(a.offset)[row]
                        : static_cast<double>(static_cast<const float *>(a.offset)[row]);
  };
  auto offer = [&](size_t t) {
    const size_t row = first + t;
    double score;
    if (spec.elem == Elem::kI8) {
      score = static_cast<double>(static_cast<int32_t>(raw[t]));
    } else {
      float f;
      std::memcpy(&f, &raw[t], sizeof f);
      score = f;
    }
    const int64_t key = KeyOfDouble(qf * factor(row) * score + offset(row));
    if (!s->Full() || key > s->Threshold()) s->Offer(key, static_cast<uint32_t>(row), 0);
  };
  if (!filtered) {
    for (size_t t = 0; t < n; t++) offer(t);
    return;
  }
  for (size_t i = 0; i < n; i += 64) {
    for (uint64_t bits = FilterBits(spec.filter, first + i, std::min<size_t>(64, n - i)); bits; bits &= bits - 1) {
      offer(i + CountTrailingZeros(bits));
    }
  }
}

// What scoring a run of eligible rows costs beyond streaming its bytes, in bytes of a plain
// stream: a call into the kernel, and cache misses the prefetchers could not see coming. On Zen 3
// a row alone costs about 130 ns more than its share of a scan at 128 bytes, 160 ns at 384 and
// 290 ns at 1536: about what streaming 2 KB plus two such rows takes.
size_t RunCostBytes(size_t row_bytes) { return 2048 + 2 * row_bytes; }

// Scans rows [begin, end) into one Selection per query. Stops early once `failed` is set: another
// shard ran out of memory, and the search will report that whatever this one finds.
void ScanShard(const SearchSpec &spec, size_t begin, size_t end, std::vector<Selection> *sel,
               const std::atomic<bool> &failed) {
  const size_t block = BlockRows(spec);
  const size_t elem_size = ElemSize(spec.elem);
  const KernelSet kernels = ForMatrixBytes(spec.kernels, spec.nrows * spec.dim * elem_size);
  std::unique_ptr<uint32_t[]> scores(new uint32_t[block * spec.nq]);
  for (Selection &s : *sel) s.Reserve(end - begin);
  const size_t row_bytes = spec.dim * elem_size;
  // Scores rows [first, first + n) and offers them, all of them or only the eligible ones.
  auto score = [&](size_t first, size_t n, bool filtered) {
    ScoreRows(kernels, spec.elem, spec.queries, spec.nq,
              static_cast<const char *>(spec.rows) + first * row_bytes, spec.dim, n, scores.get());
    for (size_t j = 0; j < spec.nq; j++) {
      const uint32_t *raw = scores.get() + j * n;
      if (spec.affine) {
        OfferAffine(spec, j, raw, n, first, filtered, &(*sel)[j]);
      } else if (filtered) {
        OfferFiltered(spec.elem, raw, n, first, spec.filter, &(*sel)[j]);
      } else {
        OfferBlock(spec.elem, raw, n, first, &(*sel)[j]);
      }
    }
  };
  size_t r = begin;
  while (r < end && !failed.load(std::memory_order_relaxed)) {
    if (!spec.filter) {
      const size_t stop = std::min(end, r + block);
      score(r, stop - r, false);
      r = stop;
      continue;
    }
    r = NextRow(spec.filter, r, end, true);
    if (r == end) break;
    const size_t stop = std::min(end, r + block);
    // Rows left out are not read, but each run of eligible rows costs a kernel call and a cache
    // miss: where the runs are short and many, scoring the whole block and offering only the
    // eligible rows is cheaper (a random 10% filter over rows of 128 bytes took 1.5 times a full
    // scan run by run).
    const FilterCounts c = CountFilter(spec.filter, r, stop);
    if (c.eligible * row_bytes + c.runs * RunCostBytes(row_bytes) >= (stop - r) * row_bytes) {
      score(r, stop - r, c.eligible < stop - r);
      r = stop;
      continue;
    }
    while (r < stop) {
      const size_t run_end = NextRow(spec.filter, r, stop, false);
      score(r, run_end - r, false);
      r = NextRow(spec.filter, run_end, stop, true);
    }
  }
}

}  // namespace

float DotF32(const KernelSet &k, const float *a, const float *b, size_t n) {
  const float s = k.dot_f32(a, b, n);
  return std::isfinite(s) ? s : simdot_dot_f32_scalar(a, b, n);
}

void ScoreRows(const KernelSet &k, Elem elem, const void *queries, size_t nq, const void *rows,
               size_t dim, size_t n, void *out) {
  if (elem == Elem::kBits) {
    const uint8_t *q = static_cast<const uint8_t *>(queries);
    const uint8_t *m = static_cast<const uint8_t *>(rows);
    uint32_t *o = static_cast<uint32_t *>(out);
    for (size_t j = 0; j < nq; j += SIMDOT_MAX_BATCH) {
      const size_t g = std::min<size_t>(SIMDOT_MAX_BATCH, nq - j);
      if (g == 1) {
        k.hammings(q + j * dim, m, dim, n, o + j * n);
      } else {
        k.hammingsq(q + j * dim, g, m, dim, n, o + j * n);
      }
    }
    return;
  }
  if (elem == Elem::kF32) {
    const float *q = static_cast<const float *>(queries);
    const float *m = static_cast<const float *>(rows);
    float *o = static_cast<float *>(out);
    for (size_t j = 0; j < nq; j += SIMDOT_MAX_BATCH) {
      const size_t g = std::min<size_t>(SIMDOT_MAX_BATCH, nq - j);
      if (g == 1 || !k.dotsq_f32) {
        for (size_t i = 0; i < g; i++) k.dots_f32(q + (j + i) * dim, m, dim, n, o + (j + i) * n);
      } else {
        k.dotsq_f32(q + j * dim, g, m, dim, n, o + j * n);
      }
    }
    // A float32 sum that overflowed on the way (a product or a partial sum past FLT_MAX) is
    // non-finite however small the exact result: such scores are summed again in double, as
    // the scalar and js tiers sum every row, so all tiers agree on them. Data in range never
    // takes this path; the scan over the scores is cheap next to the rows it follows.
    for (size_t j = 0; j < nq; j++) {
      float *s = o + j * n;
      for (size_t r = 0; r < n; r++) {
        if (!std::isfinite(s[r])) s[r] = simdot_dot_f32_scalar(q + j * dim, m + r * dim, dim);
      }
    }
    return;
  }
  const int8_t *q = static_cast<const int8_t *>(queries);
  const int8_t *m = static_cast<const int8_t *>(rows);
  int32_t *o = static_cast<int32_t *>(out);
  if (dim > SIMDOT_I8_MAX_CHUNK) {
    // Rows this long amortise a call per row; the sum fits int32 because dim <= kMaxI8Dim.
    for (size_t j = 0; j < nq; j++) {
      for (size_t r = 0; r < n; r++) {
        o[j * n + r] = static_cast<int32_t>(DotI8Long(k, q + j * dim, m + r * dim, dim));
      }
    }
    return;
  }
  for (size_t j = 0; j < nq; j += SIMDOT_MAX_BATCH) {
    const size_t g = std::min<size_t>(SIMDOT_MAX_BATCH, nq - j);
    if (g == 1 || !k.dotsq_i8) {
      for (size_t i = 0; i < g; i++) k.dots_i8(q + (j + i) * dim, m, dim, n, o + (j + i) * n);
    } else {
      k.dotsq_i8(q + j * dim, g, m, dim, n, o + j * n);
    }
  }
}

size_t DefaultThreads(const SearchSpec &spec) {
  // Waking a pool thread costs tens of microseconds; a shard of 4 MB streams for a few hundred,
  // so smaller searches stay on one thread.
  constexpr size_t kBytesPerThread = 4u << 20;
  const size_t work = spec.nrows * spec.dim * ElemSize(spec.elem) * std::max<size_t>(1, spec.nq / 4);
  // Read once: glibc answers hardware_concurrency() by opening and parsing a file in /sys, which
  // took most of the time of a small search.
  static const size_t hw = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<size_t>(work / kBytesPerThread, 1, std::min(hw, ThreadPool::kMaxThreads));
}

namespace {

// Shards for a search asked to run on `threads`: each shard keeps up to min(k, its rows) hits per
// query, so with a large k the hits grow with the shard count (a k of 2^20 over 2^26 rows kept
// 64 times the hits of one thread on 64). Fewer shards are used where they would hold more than
// twice the hits of one shard or kMaxExtraHits, whichever is larger: memory stays bounded
// whatever the thread count, and the result does not depend on it.
struct Sharding {
  size_t threads, per_shard, shards;
};

Sharding ChooseShards(const SearchSpec &spec, size_t threads, size_t pass_queries) {
  constexpr size_t kMaxExtraHits = size_t{1} << 20;  // 16 MiB of Hit
  const size_t one = std::min(spec.k, spec.nrows);
  const size_t allowed = std::max(2 * one * pass_queries, kMaxExtraHits);
  for (;;) {
    // Shards start on multiples of 64 rows so filter words never straddle two shards.
    const size_t per_shard = ((spec.nrows + threads - 1) / threads + 63) & ~size_t{63};
    const size_t shards = (spec.nrows + per_shard - 1) / per_shard;
    if (threads == 1 || shards * std::min(spec.k, per_shard) * pass_queries <= allowed) {
      return {threads, per_shard, shards};
    }
    threads = (threads + 1) / 2;
  }
}

}  // namespace

SearchStatus Search(const SearchSpec &spec, ThreadPool &pool, std::vector<std::vector<Hit>> *results) {
  // A k as large as the rows asks for memory in proportion to them, which may not exist (a k of
  // 2^28 wants 3 GiB): running out is reported to the caller, never an abort, on any thread.
  try {
    results->assign(spec.nq, {});
  } catch (const std::exception &) {
    return SearchStatus::kOutOfMemory;
  }
  if (spec.nrows == 0 || spec.nq == 0 || spec.k == 0) return SearchStatus::kOk;
  // Queries go in passes over the rows of at most kPassQueries each: a shard holds a block's
  // scores and a selection for every query of the pass, so what a search holds stays bounded
  // however many queries it has (a million queries once took 4 GB of scores per shard).
  constexpr size_t kPassQueries = 256;
  const Sharding sharding = ChooseShards(spec, spec.threads ? spec.threads : DefaultThreads(spec),
                                         std::min(kPassQueries, spec.nq));
  const size_t per_shard = sharding.per_shard, shards = sharding.shards;
  const size_t query_bytes = spec.dim * ElemSize(spec.elem);
  std::atomic<bool> out_of_memory{false};
  try {
    // The kernels load each query chunk once per row chunk: a query that straddles cache lines
    // (a Float32Array at 16 mod 64, as Node's allocator hands them out) split a load in two, and
    // the float32 batch ran 17% slower from DRAM on Zen 3. A pass's queries are copied to a
    // 64-byte aligned buffer first, a copy as large as the pass's queries.
    std::vector<char> aligned_queries;
    for (size_t first = 0; first < spec.nq; first += kPassQueries) {
      SearchSpec pass = spec;
      pass.queries = static_cast<const char *>(spec.queries) + first * query_bytes;
      pass.nq = std::min(kPassQueries, spec.nq - first);
      if (spec.affine_score.query_factor) pass.affine_score.query_factor = spec.affine_score.query_factor + first;
      if (reinterpret_cast<uintptr_t>(pass.queries) % 64 != 0) {
        aligned_queries.resize(pass.nq * query_bytes + 63);
        char *to = reinterpret_cast<char *>(
            (reinterpret_cast<uintptr_t>(aligned_queries.data()) + 63) & ~uintptr_t{63});
        std::memcpy(to, pass.queries, pass.nq * query_bytes);
        pass.queries = to;
      }
      std::vector<std::vector<Selection>> shard_sel(shards,
                                                    std::vector<Selection>(pass.nq, Selection(spec.k)));
      pool.Run(shards, sharding.threads, [&](size_t s) {
        // An exception may not leave a pool thread: it would terminate the process.
        try {
          ScanShard(pass, s * per_shard, std::min(spec.nrows, (s + 1) * per_shard), &shard_sel[s],
                    out_of_memory);
        } catch (const std::exception &) {  // std::bad_alloc, std::length_error
          out_of_memory = true;
        }
      });
      if (out_of_memory) return SearchStatus::kOutOfMemory;
      for (size_t j = 0; j < pass.nq; j++) {
        std::vector<Hit> &out = (*results)[first + j];
        for (auto &sel : shard_sel) {
          std::vector<Hit> &hits = sel[j].Hits();
          out.insert(out.end(), hits.begin(), hits.end());
          std::vector<Hit>().swap(hits);
        }
        const size_t keep = std::min(spec.k, out.size());
        std::partial_sort(out.begin(), out.begin() + keep, out.end(), Better);
        out.resize(keep);
        out.shrink_to_fit();
      }
    }
  } catch (const std::exception &) {  // std::bad_alloc, std::length_error
    return SearchStatus::kOutOfMemory;
  }
  return SearchStatus::kOk;
}

}  // namespace simdot
