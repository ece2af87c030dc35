// Abort latency inside the last phase of the teacher's BPTT (teacher_kernel-inl.hpp): the wRec gradient,
// deferred to one matrix-matrix product per sample (O(T·N²), as long as the forward pass), which runs
// after the backward loop has written gu of step 0. A watcher thread waits for that row to be written,
// then (with "abort") sets the cancel flag at once, so the abort lands in the product itself; from JS
// the phases cannot be told apart. Prints one line:
//   level L outerMs X latencyMs Y cancelled 0|1
// outerMs: from the start of the product to the end of the call without abort (how late an abort would
// be if the product never checked the flag); latencyMs: from setting the flag to the Cancelled throw.
//   g++ -std=c++17 -O2 -I native/core test/support/teacher_abort_check.cpp native/build/libmimic_core.a -lpthread
//   ./a.out [units] [steps]   (default 512 x 20000)
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <thread>
#include <vector>

#include "cancel.hpp"
#include "rng.hpp"
#include "simd.hpp"
#include "teacher.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Outcome {
  double ms = 0;  // outer product start -> end of the call
  bool cancelled = false;
};

Outcome run(const mimic::TeacherParams& p, const std::vector<float>& input, const std::vector<float>& target, bool abort) {
  const std::size_t N = p.units, T = input.size();
  mimic::TeacherGradT<float> g;
  g.resize(N, p.channels, p.outputs);
  mimic::TeacherWorkspace<float> ws;
  // gu of every step, pre-sized (the kernel only resizes it to the same size, so it keeps this buffer)
  // and filled with NaN: the first element turns finite when the backward loop reaches step 0.
  ws.gus.assign(T * N, std::numeric_limits<float>::quiet_NaN());
  const uint32_t* first = reinterpret_cast<const uint32_t*>(ws.gus.data());
  std::atomic<bool> flag{false}, finished{false};
  mimic::Control control;
  control.cancel = &flag;
  Clock::time_point outerStart{};
  std::thread watcher([&] {
    while (!finished.load()) {
      uint32_t u;
      __atomic_load(first, &u, __ATOMIC_ACQUIRE);  // (GCC's atomic read of a plain float the kernel writes)
      if ((u & 0x7fffffffu) <= 0x7f800000u) {
        outerStart = Clock::now();
        if (abort) flag.store(true);
        return;
      }
      std::this_thread::yield();
    }
  });
  Outcome o;
  try {
    mimic::teacher_sample_gradient(p, input.data(), target.data(), T, 1.0, g, ws, nullptr, &control);
  } catch (const mimic::Cancelled&) {
    o.cancelled = true;
  }
  const Clock::time_point end = Clock::now();
  finished.store(true);
  watcher.join();
  o.ms = std::chrono::duration<double, std::milli>(end - outerStart).count();
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t N = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 512;
  const std::size_t T = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 20000;
  mimic::TeacherParams p;
  p.resize(N, 1, 1);
  p.dtMs = 1;
  mimic::Rng rng(3, 0);
  for (auto& w : p.wIn) w = static_cast<float>(rng.uniform(-1, 1));
  const double s = 1.5 / std::sqrt(static_cast<double>(N));
  for (auto& w : p.wRec) w = static_cast<float>(rng.uniform(-s, s));
  for (auto& w : p.wOut) w = static_cast<float>(rng.uniform(-0.2, 0.2));
  for (std::size_t j = 0; j < N; ++j) p.tauMs[j] = static_cast<float>(10 + 90.0 * static_cast<double>(j) / static_cast<double>(N));
  std::vector<float> input(T), target(T);
  for (std::size_t t = 0; t < T; ++t) {
    input[t] = static_cast<float>(std::sin(0.01 * static_cast<double>(t)));
    target[t] = static_cast<float>(0.5 * std::cos(0.003 * static_cast<double>(t)));
  }
  const Outcome full = run(p, input, target, false);
  const Outcome aborted = run(p, input, target, true);
  std::printf("level %s outerMs %.3f latencyMs %.3f cancelled %d\n", mimic::simd::name(mimic::simd::active()), full.ms,
              aborted.ms, aborted.cancelled ? 1 : 0);
  return full.cancelled ? 1 : 0;
}
