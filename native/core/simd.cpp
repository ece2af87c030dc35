#include "simd.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>

#include "cancel.hpp"
#include "simd_config.hpp"

namespace mimic {
namespace simd {
namespace {

bool cpu_runs(Level level) {
  if (level == Level::Base) return true;
#if defined(MIMIC_SIMD_TESTING)
  // Test builds only (test/support/simd_refusal.cpp, never the addon): behave as on a CPU whose widest
  // level is MIMIC_SIMD_TEST_WIDEST (0 = SSE2, 1 = AVX2).
  if (const char* widest = std::getenv("MIMIC_SIMD_TEST_WIDEST"))
    if (static_cast<int>(level) > std::atoi(widest)) return false;
#endif
#if MIMIC_SIMD_MULTI
  __builtin_cpu_init();  // may run before libgcc's own constructor (static initialisation order)
  // libgcc's checks include the OS: AVX and AVX-512 count only when XCR0 enables their registers.
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (level == Level::Avx2) return avx2;
  if (level == Level::Avx512)
    return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#endif
  return false;
}

std::string names_of(const std::vector<Level>& levels) {
  std::string s;
  for (Level l : levels) {
    if (!s.empty()) s += ", ";
    s += name(l);
  }
  return s;
}

std::string why_not(Level level) {
#if MIMIC_SIMD_MULTI
  return std::string("this CPU does not support ") + (level == Level::Avx2 ? "AVX2 with FMA" : "AVX-512 (F, VL, BW, DQ)") +
         " (available here: " + names_of(available()) + ")";
#else
  (void)level;
  return "this build of the addon has only the " MIMIC_SIMD_BASE_NAME " level (no per-level kernels for this compiler or architecture)";
#endif
}

struct State {
  std::atomic<int> active{0};
  std::string error;
  State() {
    const std::vector<Level> levels = available();
    Level chosen = levels.back();
    const char* env = std::getenv("MIMIC_SIMD");
    if (env != nullptr && *env != '\0') {
      Level wanted;
      if (!parse(env, wanted)) {
        error = std::string("MIMIC_SIMD is \"") + env + "\", which is not a SIMD level: use one of " +
                names_of(levels) + " (or unset it to use the widest, " + name(levels.back()) + ")";
      } else if (std::find(levels.begin(), levels.end(), wanted) == levels.end()) {
        error = std::string("MIMIC_SIMD=") + env + " asks for " + name(wanted) + ", but " + why_not(wanted) +
                ": unset MIMIC_SIMD or choose an available level";
      } else {
        chosen = wanted;
      }
    }
    active.store(static_cast<int>(chosen));
  }
};

State& state() {
  static State s;
  return s;
}

// Choose the level when the library loads (the first kernel call would otherwise do it).
[[maybe_unused]] const bool kChosenAtLoad = (state(), true);

}  // namespace

const char* name(Level level) {
  switch (level) {
    case Level::Base:
      return MIMIC_SIMD_BASE_NAME;
    case Level::Avx2:
      return "avx2";
    case Level::Avx512:
      return "avx512";
  }
  return "unknown";
}

std::vector<Level> available() {
  std::vector<Level> out{Level::Base};
  for (Level l : {Level::Avx2, Level::Avx512})
    if (cpu_runs(l)) out.push_back(l);
  return out;
}

bool parse(const std::string& text, Level& out) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == MIMIC_SIMD_BASE_NAME) {
    out = Level::Base;
    return true;
  }
#if MIMIC_SIMD_MULTI || defined(__x86_64__) || defined(_M_X64)
  if (t == "avx2") {
    out = Level::Avx2;
    return true;
  }
  if (t == "avx512") {
    out = Level::Avx512;
    return true;
  }
#endif
  return false;
}

Level active() { return static_cast<Level>(state().active.load(std::memory_order_relaxed)); }

void set_active(Level level) {
  const std::vector<Level> levels = available();
  if (std::find(levels.begin(), levels.end(), level) == levels.end())
    throw InvalidArgument(std::string("The SIMD level ") + name(level) + " cannot be used: " + why_not(level));
  state().active.store(static_cast<int>(level), std::memory_order_relaxed);
}

const std::string& startup_error() { return state().error; }

}  // namespace simd
}  // namespace mimic
