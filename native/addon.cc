// addon.cc - the Node-API shim: typed arrays in, kernel calls, numbers out.
//
// All argument validation with user-facing messages lives in TypeScript (src/validate.ts). The
// checks here are the last line of defence for anyone who loads the .node file directly: they
// keep every pointer inside its typed array, and their messages are terse on purpose.
#include <napi.h>

#include <algorithm>
#include <cstdint>

#include "dispatch.h"

extern "C" uint64_t simdot_read_bytes(const void *data, size_t n);

namespace {

using simdot::KernelSet;

// Per-environment state: a worker thread's useKernel() never changes the main thread's kernels.
struct Instance {
  KernelSet kernels;
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

// int8 kernels are exact for up to SIMDOT_I8_MAX_CHUNK elements; longer vectors are summed in
// chunks, in 64 bits.
int64_t DotI8Long(const KernelSet &k, const int8_t *a, const int8_t *b, size_t n) {
  int64_t sum = 0;
  for (size_t off = 0; off < n; off += SIMDOT_I8_MAX_CHUNK) {
    sum += k.dot_i8(a + off, b + off, std::min<size_t>(SIMDOT_I8_MAX_CHUNK, n - off));
  }
  return sum;
}

Napi::Value DotI8(const Napi::CallbackInfo &info) {
  View<int8_t> a, b;
  if (!GetView(info, 0, napi_int8_array, &a) || !GetView(info, 1, napi_int8_array, &b)) return {};
  if (a.length != b.length) return ThrowRange(info, "simdot binding: lengths differ");
  // |result| <= 16384 * n, exact in a double for any typed-array length.
  return Napi::Number::New(info.Env(),
                           static_cast<double>(DotI8Long(GetInstance(info)->kernels, a.data,
                                                         b.data, a.length)));
}

Napi::Value DotF32(const Napi::CallbackInfo &info) {
  View<float> a, b;
  if (!GetView(info, 0, napi_float32_array, &a) || !GetView(info, 1, napi_float32_array, &b)) {
    return {};
  }
  if (a.length != b.length) return ThrowRange(info, "simdot binding: lengths differ");
  return Napi::Number::New(info.Env(), GetInstance(info)->kernels.dot_f32(a.data, b.data, a.length));
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

// Rows up to this length can never overflow an int32 score: 131071 * (-128 * -128) < 2^31.
constexpr size_t kMaxI8Dim = 131071;

Napi::Value DotsI8(const Napi::CallbackInfo &info) {
  View<int8_t> q, m;
  View<int32_t> out;
  size_t nrows;
  if (!GetView(info, 0, napi_int8_array, &q) || !GetView(info, 1, napi_int8_array, &m) ||
      !GetView(info, 2, napi_int32_array, &out) || !DotsShape(info, q, m, out, &nrows)) {
    return {};
  }
  if (q.length > kMaxI8Dim) return ThrowRange(info, "simdot binding: int8 dim too long");
  const KernelSet &k = GetInstance(info)->kernels;
  if (q.length <= SIMDOT_I8_MAX_CHUNK) {
    k.dots_i8(q.data, m.data, q.length, nrows, out.data);
  } else {
    // Rows this long amortise a call per row; the int64 sum is in int32 range by kMaxI8Dim.
    for (size_t r = 0; r < nrows; r++) {
      out.data[r] = static_cast<int32_t>(DotI8Long(k, q.data, m.data + r * q.length, q.length));
    }
  }
  return info.Env().Undefined();
}

Napi::Value DotsF32(const Napi::CallbackInfo &info) {
  View<float> q, m, out;
  size_t nrows;
  if (!GetView(info, 0, napi_float32_array, &q) || !GetView(info, 1, napi_float32_array, &m) ||
      !GetView(info, 2, napi_float32_array, &out) || !DotsShape(info, q, m, out, &nrows)) {
    return {};
  }
  GetInstance(info)->kernels.dots_f32(q.data, m.data, q.length, nrows, out.data);
  return info.Env().Undefined();
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
  env.SetInstanceData(new Instance{simdot::Resolve(SIMDOT_TIER_avx512vnni)});
  exports.Set("dotI8", Napi::Function::New(env, DotI8, "dotI8"));
  exports.Set("dotF32", Napi::Function::New(env, DotF32, "dotF32"));
  exports.Set("dotsI8", Napi::Function::New(env, DotsI8, "dotsI8"));
  exports.Set("dotsF32", Napi::Function::New(env, DotsF32, "dotsF32"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setCap", Napi::Function::New(env, SetCap, "setCap"));
  exports.Set("readBytes", Napi::Function::New(env, ReadBytes, "readBytes"));
  return exports;
}

}  // namespace

NODE_API_MODULE(simdot, Init)
