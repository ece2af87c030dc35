// Kernel body for simd_tanh_check.cpp: tanh of an array at one SIMD level.
#include "simd_vec-inl.hpp"
#include "tanh-inl.hpp"

void tanh_array(const float* x, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + kW <= n; i += kW) vstore(y + i, tanh_vec(vload(x + i)));
  for (; i < n; ++i) y[i] = tanh_scalar(x[i]);
}
