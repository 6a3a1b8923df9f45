// The data pattern every probe writes and verifies, identical on CPU and GPU: a 64-bit mix of a
// seed and the word's index (splitmix64), so any misplaced or missing word is caught.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define CXLP_HOST_DEVICE __host__ __device__
#else
#define CXLP_HOST_DEVICE
#endif

namespace cxlprobe::kernels {

CXLP_HOST_DEVICE inline std::uint64_t pattern_word(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Host-side fill: word i of `p` becomes pattern_word(seed, first_word + i).
inline void fill_pattern(void* p, std::uint64_t bytes, std::uint64_t seed,
                         std::uint64_t first_word = 0) {
  auto* w = static_cast<std::uint64_t*>(p);
  for (std::uint64_t i = 0; i < bytes / 8; ++i)
    w[i] = pattern_word(seed, first_word + i);
}

}  // namespace cxlprobe::kernels
