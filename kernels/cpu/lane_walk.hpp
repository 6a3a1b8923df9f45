// How one thread walks its buffer in the CPU memory kernels. Included only by the per-ISA
// kernel sources (through vector_steps.hpp).
#pragma once

#include <cstddef>

namespace cxlprobe::kernels::cpu::detail {

// Internal linkage: each ISA source keeps its own copy, built with its own flags.
namespace {

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

// Software prefetch of one step's four lines `pf` bytes ahead (pf = 0: none); for writes the
// lines are asked for with intent to write.
inline void prefetch_step(const std::byte* q, std::size_t pf, bool for_write) {
  if (pf == 0) return;
  for (std::size_t k = 0; k < kStep; k += 64) {
    if (for_write) {
      __builtin_prefetch(q + pf + k, 1, 3);
    } else {
      __builtin_prefetch(q + pf + k, 0, 3);
    }
  }
}

}  // namespace

}  // namespace cxlprobe::kernels::cpu::detail
