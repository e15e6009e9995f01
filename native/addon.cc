// addon.cc - the Node-API shim: typed arrays in, kernel calls, numbers out.
//
// All argument validation with user-facing messages lives in TypeScript (src/validate.ts). The
// checks here are the last line of defence for anyone who loads the .node file directly: they
// keep every pointer inside its typed array, and their messages are terse on purpose.
#include <napi.h>

#include <algorithm>
#include <cstdint>

#include "dispatch.h"
#include "pool.h"
#include "search.h"

extern "C" uint64_t simdot_read_bytes(const void *data, size_t n);

namespace {

using simdot::Elem;
using simdot::Hit;
using simdot::KernelSet;

// Per-environment state: a worker thread's useKernel() never changes the main thread's kernels,
// and each environment's thread pool is joined when that environment goes away.
struct Instance {
  KernelSet kernels;
  simdot::ThreadPool pool;
};

template <typename T>
struct View {
  T *data;
  size_t length;
};

template <typename T>
bool GetView(const Napi::CallbackInfo &info, size_t index, napi_typedarray_type want,
             View<T> *view) {
  napi_typedarray_type type;
  size_t length = 0;
  void *data = nullptr;
  napi_value buffer;
  size_t offset;
  if (index >= info.Length() ||
      napi_get_typedarray_info(info.Env(), info[index], &type, &length, &data, &buffer,
                               &offset) != napi_ok ||
      type != want) {
    Napi::TypeError::New(info.Env(), "simdot binding: argument " + std::to_string(index) +
                                         " has the wrong type")
        .ThrowAsJavaScriptException();
    return false;
  }
  // A detached buffer reports length 0 and no data; nothing will be read from it.
  view->data = static_cast<T *>(data);
  view->length = data ? length : 0;
  return true;
}

Instance *GetInstance(const Napi::CallbackInfo &info) {
  return info.Env().GetInstanceData<Instance>();
}

Napi::Value ThrowRange(const Napi::CallbackInfo &info, const char *message) {
  Napi::RangeError::New(info.Env(), message).ThrowAsJavaScriptException();
  return {};
}

Napi::Value DotI8(const Napi::CallbackInfo &info) {
  View<int8_t> a, b;
  if (!GetView(info, 0, napi_int8_array, &a) || !GetView(info, 1, napi_int8_array, &b)) return {};
  if (a.length != b.length) return ThrowRange(info, "simdot binding: lengths differ");
  // |result| <= 16384 * n, exact in a double for any typed-array length.
  return Napi::Number::New(info.Env(),
                           static_cast<double>(simdot::DotI8Long(GetInstance(info)->kernels, a.data,
                                                         b.data, a.length)));
}

Napi::Value DotF32(const Napi::CallbackInfo &info) {
  View<float> a, b;
  if (!GetView(info, 0, napi_float32_array, &a) || !GetView(info, 1, napi_float32_array, &b)) {
    return {};
  }
  if (a.length != b.length) return ThrowRange(info, "simdot binding: lengths differ");
  return Napi::Number::New(info.Env(), simdot::DotF32(GetInstance(info)->kernels, a.data, b.data, a.length));
}

// Checks shared by the dots variants: the matrix is whole rows of the query's length and `out`
// has one element per row.
template <typename T, typename O>
bool DotsShape(const Napi::CallbackInfo &info, const View<T> &q, const View<T> &m,
               const View<O> &out, size_t *nrows) {
  const char *problem = q.length == 0                 ? "simdot binding: empty query"
                        : m.length % q.length != 0      ? "simdot binding: matrix is not whole rows"
                        : out.length != m.length / q.length ? "simdot binding: out length is not the row count"
                                                         : nullptr;
  if (problem) {
    ThrowRange(info, problem);
    return false;
  }
  *nrows = m.length / q.length;
  return true;
}

Napi::Value DotsI8(const Napi::CallbackInfo &info) {
  View<int8_t> q, m;
  View<int32_t> out;
  size_t nrows;
  if (!GetView(info, 0, napi_int8_array, &q) || !GetView(info, 1, napi_int8_array, &m) ||
      !GetView(info, 2, napi_int32_array, &out) || !DotsShape(info, q, m, out, &nrows)) {
    return {};
  }
  if (q.length > simdot::kMaxI8Dim) return ThrowRange(info, "simdot binding: int8 dim too long");
  simdot::ScoreRows(GetInstance(info)->kernels, Elem::kI8, q.data, 1, m.data, q.length, nrows,
                    out.data);
  return info.Env().Undefined();
}

Napi::Value DotsF32(const Napi::CallbackInfo &info) {
  View<float> q, m, out;
  size_t nrows;
  if (!GetView(info, 0, napi_float32_array, &q) || !GetView(info, 1, napi_float32_array, &m) ||
      !GetView(info, 2, napi_float32_array, &out) || !DotsShape(info, q, m, out, &nrows)) {
    return {};
  }
  simdot::ScoreRows(GetInstance(info)->kernels, Elem::kF32, q.data, 1, m.data, q.length, nrows,
                    out.data);
  return info.Env().Undefined();
}

Napi::Value Hamming(const Napi::CallbackInfo &info) {
  View<uint8_t> a, b;
  if (!GetView(info, 0, napi_uint8_array, &a) || !GetView(info, 1, napi_uint8_array, &b)) return {};
  if (a.length != b.length) return ThrowRange(info, "simdot binding: lengths differ");
  // The kernels' sums are exact below 2^29 bytes; longer vectors are summed in parts.
  const simdot_hamming_t *kernel = GetInstance(info)->kernels.hamming;
  double sum = 0;
  for (size_t off = 0; off < a.length; off += size_t{1} << 28) {
    sum += kernel(a.data + off, b.data + off, std::min<size_t>(size_t{1} << 28, a.length - off));
  }
  return Napi::Number::New(info.Env(), sum);
}

Napi::Value Hammings(const Napi::CallbackInfo &info) {
  View<uint8_t> q, m;
  View<uint32_t> out;
  size_t nrows;
  if (!GetView(info, 0, napi_uint8_array, &q) || !GetView(info, 1, napi_uint8_array, &m) ||
      !GetView(info, 2, napi_uint32_array, &out) || !DotsShape(info, q, m, out, &nrows)) {
    return {};
  }
  if (q.length >= (size_t{1} << 29)) return ThrowRange(info, "simdot binding: bit rows too long");
  simdot::ScoreRows(GetInstance(info)->kernels, Elem::kBits, q.data, 1, m.data, q.length, nrows, out.data);
  return info.Env().Undefined();
}

// --- search ---------------------------------------------------------------------------------

// Reads a non-negative integer argument (a JS number), or fails.
bool GetCount(const Napi::CallbackInfo &info, size_t index, double max, size_t *value) {
  if (index < info.Length() && info[index].IsNumber()) {
    const double d = info[index].As<Napi::Number>().DoubleValue();
    if (d >= 0 && d <= max && d == static_cast<double>(static_cast<uint64_t>(d))) {
      *value = static_cast<size_t>(d);
      return true;
    }
  }
  ThrowRange(info, "simdot binding: bad count argument");
  return false;
}

// The arguments of search(queries, matrix, dim, k, threads, filter?), checked.
bool ParseSearch(const Napi::CallbackInfo &info, simdot::SearchSpec *spec) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buffer;
  size_t offset;
  if (info.Length() < 1 ||
      napi_get_typedarray_info(info.Env(), info[0], &type, &length, &data, &buffer, &offset) != napi_ok ||
      (type != napi_int8_array && type != napi_float32_array && type != napi_uint8_array)) {
    Napi::TypeError::New(info.Env(), "simdot binding: argument 0 has the wrong type").ThrowAsJavaScriptException();
    return false;
  }
  spec->elem = type == napi_int8_array ? Elem::kI8 : type == napi_uint8_array ? Elem::kBits : Elem::kF32;
  size_t nq_elems, nrows_elems;
  if (spec->elem == Elem::kBits) {
    View<uint8_t> q, m;
    if (!GetView(info, 0, napi_uint8_array, &q) || !GetView(info, 1, napi_uint8_array, &m)) return false;
    spec->queries = q.data, nq_elems = q.length, spec->rows = m.data, nrows_elems = m.length;
  } else if (spec->elem == Elem::kI8) {
    View<int8_t> q, m;
    if (!GetView(info, 0, napi_int8_array, &q) || !GetView(info, 1, napi_int8_array, &m)) return false;
    spec->queries = q.data, nq_elems = q.length, spec->rows = m.data, nrows_elems = m.length;
  } else {
    View<float> q, m;
    if (!GetView(info, 0, napi_float32_array, &q) || !GetView(info, 1, napi_float32_array, &m)) return false;
    spec->queries = q.data, nq_elems = q.length, spec->rows = m.data, nrows_elems = m.length;
  }
  if (!GetCount(info, 2, 4294967295.0, &spec->dim) || !GetCount(info, 3, 9007199254740991.0, &spec->k) ||
      !GetCount(info, 4, 1024, &spec->threads)) {
    return false;
  }
  if (spec->dim == 0 || nq_elems % spec->dim != 0 || nrows_elems % spec->dim != 0 ||
      (spec->elem == Elem::kI8 && spec->dim > simdot::kMaxI8Dim) ||
      (spec->elem == Elem::kBits && spec->dim >= (size_t{1} << 29)) || nrows_elems / spec->dim > UINT32_MAX) {
    ThrowRange(info, "simdot binding: bad search shape");
    return false;
  }
  spec->nq = nq_elems / spec->dim;
  spec->nrows = nrows_elems / spec->dim;
  spec->filter = nullptr;
  if (info.Length() > 5 && !info[5].IsUndefined() && !info[5].IsNull()) {
    View<uint8_t> filter;
    if (!GetView(info, 5, napi_uint8_array, &filter)) return false;
    if (filter.length < (spec->nrows + 7) / 8) {
      ThrowRange(info, "simdot binding: filter too short");
      return false;
    }
    spec->filter = filter.data;
  }
  // search(..., factor?, offset?, queryFactor?): the affine score (search.h, Affine), for dot
  // products only.
  spec->affine = false;
  spec->affine_score = simdot::Affine{};
  for (size_t arg = 6; arg <= 7; arg++) {
    if (info.Length() <= arg || info[arg].IsUndefined() || info[arg].IsNull()) continue;
    napi_typedarray_type type;
    size_t length;
    void *data;
    napi_value buffer;
    size_t offset;
    if (napi_get_typedarray_info(info.Env(), info[arg], &type, &length, &data, &buffer, &offset) != napi_ok ||
        (type != napi_float32_array && type != napi_float64_array)) {
      Napi::TypeError::New(info.Env(), "simdot binding: argument " + std::to_string(arg) + " has the wrong type")
          .ThrowAsJavaScriptException();
      return false;
    }
    // A zero-length array has no data pointer; with no rows nothing reads it.
    if (length != spec->nrows || (!data && length != 0)) {
      ThrowRange(info, "simdot binding: affine array length is not the row count");
      return false;
    }
    (arg == 6 ? spec->affine_score.factor : spec->affine_score.offset) = data;
    (arg == 6 ? spec->affine_score.factor_f64 : spec->affine_score.offset_f64) = type == napi_float64_array;
    spec->affine = true;
  }
  if (info.Length() > 8 && !info[8].IsUndefined() && !info[8].IsNull()) {
    View<double> qf;
    if (!GetView(info, 8, napi_float64_array, &qf)) return false;
    if (qf.length != spec->nq) {
      ThrowRange(info, "simdot binding: queryFactor length is not the query count");
      return false;
    }
    spec->affine_score.query_factor = qf.data;
    spec->affine = true;
  }
  if (spec->affine && spec->elem == Elem::kBits) {
    Napi::TypeError::New(info.Env(), "simdot binding: no affine score for Hamming distances").ThrowAsJavaScriptException();
    return false;
  }
  spec->kernels = GetInstance(info)->kernels;
  return true;
}

// The results as JavaScript values, with raw Node-API calls whose failure is returned, not
// thrown: a topKAsync can finish while its worker thread is being terminated, when no property
// can be set, and node-addon-api turns an error it cannot throw into a fatal one.
napi_status MakeResult(napi_env env, Elem elem, bool affine, const std::vector<Hit> &hits, napi_value *result) {
  const size_t n = hits.size();
  void *index_data, *score_data;
  napi_value index_buffer, score_buffer, indices, scores;
  napi_status status;
  const napi_typedarray_type score_type = affine                ? napi_float64_array
                                          : elem == Elem::kI8    ? napi_int32_array
                                          : elem == Elem::kBits  ? napi_uint32_array
                                                                 : napi_float32_array;
  if ((status = napi_create_arraybuffer(env, n * 4, &index_data, &index_buffer)) != napi_ok ||
      (status = napi_create_typedarray(env, napi_uint32_array, n, index_buffer, 0, &indices)) != napi_ok ||
      (status = napi_create_arraybuffer(env, n * (affine ? 8 : 4), &score_data, &score_buffer)) != napi_ok ||
      (status = napi_create_typedarray(env, score_type, n, score_buffer, 0, &scores)) != napi_ok) {
    return status;
  }
  for (size_t i = 0; i < n; i++) {
    static_cast<uint32_t *>(index_data)[i] = hits[i].index;
    if (affine) {
      static_cast<double *>(score_data)[i] = simdot::DoubleOfKey(hits[i].key);
    } else {
      // int32 and float32 scores alike: copy each score's own bits.
      static_cast<uint32_t *>(score_data)[i] = hits[i].raw;
    }
  }
  if ((status = napi_create_object(env, result)) != napi_ok ||
      (status = napi_set_named_property(env, *result, "indices", indices)) != napi_ok) {
    return status;
  }
  return napi_set_named_property(env, *result, "scores", scores);
}

napi_status MakeResults(napi_env env, Elem elem, bool affine, const std::vector<std::vector<Hit>> &results,
                        napi_value *array) {
  napi_status status = napi_create_array_with_length(env, results.size(), array);
  for (size_t j = 0; status == napi_ok && j < results.size(); j++) {
    napi_value result;
    status = MakeResult(env, elem, affine, results[j], &result);
    if (status == napi_ok) status = napi_set_element(env, *array, static_cast<uint32_t>(j), result);
  }
  return status;
}

// The error of a search whose results did not fit in memory: a RangeError with a code that the
// JavaScript layer turns into a message naming the function and its k.
constexpr const char *kOutOfMemoryCode = "ERR_SIMDOT_OUT_OF_MEMORY";
constexpr const char *kOutOfMemoryMessage = "simdot binding: not enough memory for the search results";

// The out-of-memory error, or null where none can be made. Replaces any exception that is
// pending (V8's own "Array buffer allocation failed", say). When the environment is being torn
// down (a worker terminated, process.exit()), throwing or rejecting with it fails quietly: no
// JavaScript will run to see it.
napi_value OutOfMemoryError(napi_env env) {
  napi_value pending, code, message, error;
  bool is_pending = false;
  if (napi_is_exception_pending(env, &is_pending) == napi_ok && is_pending) {
    napi_get_and_clear_last_exception(env, &pending);
  }
  if (napi_create_string_utf8(env, kOutOfMemoryCode, NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, kOutOfMemoryMessage, NAPI_AUTO_LENGTH, &message) != napi_ok ||
      napi_create_range_error(env, code, message, &error) != napi_ok) {
    return nullptr;
  }
  return error;
}

// search(queries, matrix, dim, k, threads, filter?) -> one { indices, scores } per query.
Napi::Value SearchSync(const Napi::CallbackInfo &info) {
  simdot::SearchSpec spec;
  if (!ParseSearch(info, &spec)) return {};
  std::vector<std::vector<Hit>> results;
  const simdot::SearchStatus status = simdot::Search(spec, GetInstance(info)->pool, &results);
  napi_value array;
  if (status != simdot::SearchStatus::kOk || MakeResults(info.Env(), spec.elem, spec.affine, results, &array) != napi_ok) {
    // Out of memory for the hits or for the result arrays, or an environment that can no longer
    // run JavaScript. Raw calls, each failure ignored: node-addon-api turns a throw that cannot
    // happen (the worker that called is being terminated) into a fatal error.
    if (napi_value error = OutOfMemoryError(info.Env())) napi_throw(info.Env(), error);
    return {};
  }
  return Napi::Value(info.Env(), array);
}

// The same search on a libuv worker thread. JavaScript runs on while it does, and may resize,
// transfer or drop the arrays it passed. The queries, the filter and the query factors are
// small, so the worker reads its own copies of them; the matrix and the per-row factors and
// offsets are as large as the rows, and are referenced until the promise settles, so garbage
// collection cannot free them under the search (what a resize or a transfer would do to them is
// for the JavaScript layer to refuse or prevent).
class SearchWorker : public Napi::AsyncWorker {
 public:
  SearchWorker(const Napi::CallbackInfo &info, const simdot::SearchSpec &spec)
      : Napi::AsyncWorker(info.Env(), "simdot.search"),
        spec_(spec),
        instance_(GetInstance(info)),
        matrix_(Napi::Persistent(info[1].As<Napi::Object>())) {
    const uint8_t *q = static_cast<const uint8_t *>(spec.queries);
    queries_.assign(q, q + spec.nq * spec.dim * simdot::ElemSize(spec.elem));
    spec_.queries = queries_.data();
    if (spec.filter) {
      filter_.assign(spec.filter, spec.filter + (spec.nrows + 7) / 8);
      spec_.filter = filter_.data();
    }
    if (spec.affine_score.factor) factor_ = Napi::Persistent(info[6].As<Napi::Object>());
    if (spec.affine_score.offset) offset_ = Napi::Persistent(info[7].As<Napi::Object>());
    if (spec.affine_score.query_factor) {
      query_factor_.assign(spec.affine_score.query_factor, spec.affine_score.query_factor + spec.nq);
      spec_.affine_score.query_factor = query_factor_.data();
    }
  }

  // The promise the search settles, or an empty value (with an exception pending) if none could
  // be made.
  Napi::Value Promise() {
    napi_value promise;
    if (napi_create_promise(Env(), &deferred_, &promise) != napi_ok) return {};
    return Napi::Value(Env(), promise);
  }

 protected:
  void Execute() override { status_ = simdot::Search(spec_, instance_->pool, &results_); }
  // Raw calls again, each failure left unthrown: when the environment is being torn down, no
  // one can observe the promise any more.
  void OnOK() override {
    napi_value array;
    if (status_ == simdot::SearchStatus::kOk && MakeResults(Env(), spec_.elem, spec_.affine, results_, &array) == napi_ok) {
      napi_resolve_deferred(Env(), deferred_, array);
      return;
    }
    if (napi_value error = OutOfMemoryError(Env())) napi_reject_deferred(Env(), deferred_, error);
  }
  void OnError(const Napi::Error &error) override { napi_reject_deferred(Env(), deferred_, error.Value()); }

 private:
  napi_deferred deferred_ = nullptr;
  simdot::SearchSpec spec_;
  Instance *instance_;
  Napi::ObjectReference matrix_, factor_, offset_;
  std::vector<uint8_t> queries_, filter_;
  std::vector<double> query_factor_;
  std::vector<std::vector<Hit>> results_;
  simdot::SearchStatus status_ = simdot::SearchStatus::kOk;
};

Napi::Value SearchAsync(const Napi::CallbackInfo &info) {
  simdot::SearchSpec spec;
  if (!ParseSearch(info, &spec)) return {};
  SearchWorker *worker;
  try {
    worker = new SearchWorker(info, spec);  // deletes itself after OnOK/OnError
  } catch (const std::exception &) {        // the copies of the queries and the filter
    if (napi_value error = OutOfMemoryError(info.Env())) napi_throw(info.Env(), error);
    return {};
  }
  Napi::Value promise = worker->Promise();
  if (promise.IsEmpty()) {
    delete worker;
    return {};
  }
  worker->Queue();
  return promise;
}

Napi::Value Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const KernelSet &k = GetInstance(info)->kernels;
  Napi::Object result = Napi::Object::New(env);
  result.Set("kernel", simdot::TierName(k.active));
  Napi::Object kernels = Napi::Object::New(env);
  for (int op = 0; op < SIMDOT_OP_COUNT; op++) {
    kernels.Set(simdot::OpName(static_cast<simdot_op>(op)), simdot::TierName(k.op_tier[op]));
  }
  result.Set("kernels", kernels);
  Napi::Array supported = Napi::Array::New(env);
  const unsigned mask = simdot::SupportedTiers();
  for (int t = 0; t < SIMDOT_TIER_COUNT; t++) {
    if (mask & (1u << t)) supported.Set(supported.Length(), simdot::TierName(static_cast<simdot_tier>(t)));
  }
  result.Set("supported", supported);
  result.Set("cacheResidentBytes", static_cast<double>(simdot::CacheResidentBytes()));
  // The CPU features the detection saw (features.def names), usable or not by this binary.
  static const char *const kFeatureNames[SIMDOT_FEATURE_COUNT] = {
#define SIMDOT_FEATURE(name, arch) #name,
#include "features.def"
#undef SIMDOT_FEATURE
  };
  Napi::Array features = Napi::Array::New(env);
  const uint32_t cpu = simdot::CpuFeatures();
  for (int f = 0; f < SIMDOT_FEATURE_COUNT; f++) {
    if (cpu & (1u << f)) features.Set(features.Length(), kFeatureNames[f]);
  }
  result.Set("features", features);
  return result;
}

// setCap(tier): use the best supported tier at or below `tier`; returns the tier now active.
Napi::Value SetCap(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(info.Env(), "simdot binding: tier must be a string")
        .ThrowAsJavaScriptException();
    return {};
  }
  const std::string name = info[0].As<Napi::String>();
  const simdot_tier cap = simdot::TierFromName(name.c_str());
  if (cap == SIMDOT_TIER_COUNT) return ThrowRange(info, "simdot binding: unknown tier");
  Instance *inst = GetInstance(info);
  inst->kernels = simdot::Resolve(cap);
  return Napi::String::New(info.Env(), simdot::TierName(inst->kernels.active));
}

// readBytes(view): reads every byte of a Uint8Array once; the benchmarks' bandwidth reference.
Napi::Value ReadBytes(const Napi::CallbackInfo &info) {
  View<uint8_t> bytes;
  if (!GetView(info, 0, napi_uint8_array, &bytes)) return {};
  return Napi::Number::New(info.Env(),
                           static_cast<double>(simdot_read_bytes(bytes.data, bytes.length) & 0xffff));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Instance *instance = new Instance();
  instance->kernels = simdot::Resolve(SIMDOT_TIER_COUNT);  // no cap: the best tier here
  env.SetInstanceData(instance);
  exports.Set("dotI8", Napi::Function::New(env, DotI8, "dotI8"));
  exports.Set("dotF32", Napi::Function::New(env, DotF32, "dotF32"));
  exports.Set("dotsI8", Napi::Function::New(env, DotsI8, "dotsI8"));
  exports.Set("dotsF32", Napi::Function::New(env, DotsF32, "dotsF32"));
  exports.Set("hamming", Napi::Function::New(env, Hamming, "hamming"));
  exports.Set("hammings", Napi::Function::New(env, Hammings, "hammings"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setCap", Napi::Function::New(env, SetCap, "setCap"));
  exports.Set("search", Napi::Function::New(env, SearchSync, "search"));
  exports.Set("searchAsync", Napi::Function::New(env, SearchAsync, "searchAsync"));
  exports.Set("readBytes", Napi::Function::New(env, ReadBytes, "readBytes"));
  return exports;
}

}  // namespace

NODE_API_MODULE(simdot, Init)
