// Prints draws of mimic::Rng so the TypeScript port can be checked against the C++ original.
#include <cstdio>
#include <cstdlib>
#include "rng.hpp"

int main(int argc, char** argv) {
  const unsigned long long seed = std::strtoull(argv[1], nullptr, 10);
  const unsigned long long stream = std::strtoull(argv[2], nullptr, 10);
  mimic::Rng rng(seed, stream);
  for (int i = 0; i < 8; ++i) std::printf("%.17g\n", rng.uniform());
  return 0;
}
