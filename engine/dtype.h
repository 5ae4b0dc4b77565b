// Element types and devices. f64 exists for gradient checks on the CPU; i64 for labels and indices.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/error.h"

namespace ganlite {

enum class DType { f32, f64, i64 };
enum class Device { cpu, cuda };

using Shape = std::vector<int64_t>;

inline size_t dtype_size(DType t) {
  return t == DType::f32 ? 4 : 8;
}
inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32:
      return "f32";
    case DType::f64:
      return "f64";
    case DType::i64:
      return "i64";
  }
  return "?";
}
inline const char* device_name(Device d) {
  return d == Device::cpu ? "cpu" : "cuda";
}
inline bool is_float(DType t) {
  return t != DType::i64;
}

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::f64;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::i64;
}

std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);

template <class F>
void dispatch_all(DType t, F&& f) {
  switch (t) {
    case DType::f32:
      f(float{});
      return;
    case DType::f64:
      f(double{});
      return;
    case DType::i64:
      f(int64_t{});
      return;
  }
}

// Calls f(T{}) with T the C++ type of a floating dtype; `op` names the caller in the error.
template <class F>
void dispatch_float(DType t, const char* op, F&& f) {
  GANLITE_CHECK(is_float(t), op, ": expected a floating tensor (f32 or f64), got ", dtype_name(t));
  dispatch_all(t, [&](auto tag) {
    if constexpr (!std::is_same_v<decltype(tag), int64_t>) f(tag);
  });
}

}  // namespace ganlite
