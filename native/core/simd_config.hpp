// Which SIMD levels this build compiles (see simd.hpp). Multi-level builds need per-function target
// pragmas, which GCC provides; other compilers and other architectures get the base level only.
#pragma once

#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__) && !defined(__clang__) && !defined(MIMIC_SIMD_SINGLE)
#define MIMIC_SIMD_MULTI 1
#else
#define MIMIC_SIMD_MULTI 0
#endif

#if defined(MIMIC_NATIVE_ARCH)
#define MIMIC_SIMD_BASE_NAME "native"
#elif defined(__x86_64__) || defined(_M_X64)
#define MIMIC_SIMD_BASE_NAME "sse2"
#else
#define MIMIC_SIMD_BASE_NAME "portable"
#endif
