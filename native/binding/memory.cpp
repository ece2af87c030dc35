#include "memory.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <mutex>

#include "args.hpp"
#include "guard.hpp"

namespace mimic_binding {
namespace {

std::mutex budgetMutex;

MemoryBudget& Stored() {
  static MemoryBudget budget = [] {
    const double pages = static_cast<double>(sysconf(_SC_PHYS_PAGES));
    const double page = static_cast<double>(sysconf(_SC_PAGE_SIZE));
    const double total = pages > 0 && page > 0 ? pages * page : 4.0e9;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f GB", total / 1e9);
    return MemoryBudget{std::floor(total / 2), std::string("half of this machine's ") + buf};
  }();
  return budget;
}

Napi::Value SetBudgetJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) ThrowType(env, "a number of bytes", "bytes", info[0]);
  const double b = info[0].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(b) || b < 1 || std::floor(b) != b) ThrowRange(env, "bytes must be a positive integer but is " + FormatG(b));
  if (!info[1].IsString()) ThrowType(env, "a string", "source", info[1]);
  SetMemoryBudget(b, info[1].As<Napi::String>().Utf8Value());
  return env.Undefined();
}

Napi::Value GetBudgetJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const MemoryBudget b = GetMemoryBudget();
  auto o = Napi::Object::New(env);
  o.Set("bytes", Napi::Number::New(env, b.bytes));
  o.Set("source", Napi::String::New(env, b.source));
  return o;
}

}  // namespace

MemoryBudget GetMemoryBudget() {
  std::lock_guard<std::mutex> lock(budgetMutex);
  return Stored();
}

void SetMemoryBudget(double bytes, const std::string& source) {
  std::lock_guard<std::mutex> lock(budgetMutex);
  Stored() = MemoryBudget{bytes, source};
}

std::string FormatBytes(double bytes) {
  char buf[96];
  if (bytes >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1f GB (%.0f bytes)", bytes / 1e9, bytes);
  else if (bytes >= 1e6)
    std::snprintf(buf, sizeof buf, "%.1f MB (%.0f bytes)", bytes / 1e6, bytes);
  else
    std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
  return buf;
}

void MemoryPlan::check(Napi::Env env, const std::string& argument, const std::string& what, const std::string& fix) const {
  const MemoryBudget b = GetMemoryBudget();
  if (bytes_ <= b.bytes) return;
  char limit[160];
  std::snprintf(limit, sizeof limit, "%.1f GB (%.0f bytes, ", b.bytes / 1e9, b.bytes);
  const std::string how = b.source.find("MIMIC_MAX_MEMORY") == std::string::npos ? "; MIMIC_MAX_MEMORY sets it" : "";
  ThrowRange(env, argument + ": " + what + " needs " + FormatBytes(bytes_) + " but the memory limit is " + limit + b.source + how +
                      "): " + fix);
}

void InitMemory(Napi::Env env, Napi::Object exports) {
  Export<SetBudgetJs>(env, exports, "setMemoryBudget");
  Export<GetBudgetJs>(env, exports, "memoryBudget");
}

}  // namespace mimic_binding
