// How one thread walks its buffer in the CPU memory kernels. Included only by the per-ISA
// kernel sources (mem_kernels_avx512.cpp, mem_kernels_avx2.cpp).
#pragma once

#include <cstddef>

namespace cxlprobe::kernels::cpu::detail {

// Every kernel step moves 256 bytes (four 64-byte lines).
inline constexpr std::size_t kStep = 256;

// Calls step(offset) once for every 256-byte piece of [0, n) (n a multiple of 256). With
// lanes > 1 the range is cut into `lanes` equal sections visited in lockstep: one core then
// drives several sequential streams at once, which the hardware prefetchers follow
// independently (one stream per 4 KiB page is what they track), so more lines are in flight
// than one stream gets. What does not divide evenly is walked plainly at the end.
template <class Step>
inline void walk(std::size_t n, unsigned lanes, Step& step) {
  std::size_t done = 0;
  if (lanes > 1) {
    const std::size_t section = n / lanes / kStep * kStep;
    for (std::size_t off = 0; off < section; off += kStep) {
      for (unsigned l = 0; l < lanes; ++l)
        step(l * section + off);
    }
    done = section * lanes;
  }
  for (std::size_t off = done; off < n; off += kStep)
    step(off);
}

}  // namespace cxlprobe::kernels::cpu::detail
