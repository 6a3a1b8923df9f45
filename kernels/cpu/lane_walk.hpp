// How one thread walks its buffer in the CPU memory kernels. Included only by the per-ISA
// kernel sources (through vector_steps.hpp).
#pragma once

#include <cstddef>

#include "kernels/cpu/mem_kernels.hpp"

namespace cxlprobe::kernels::cpu::detail {

// Internal linkage: each ISA source keeps its own copy, built with its own flags.
namespace {

// Every kernel step moves 256 bytes (four 64-byte lines).
inline constexpr std::size_t kStep = 256;
// The page the hardware prefetchers track a stream within.
inline constexpr std::size_t kPage = 4096;

// Calls step(offset) once for every 256-byte piece of [0, n) (n a multiple of 256). With
// lanes > 1 one core drives several sequential streams at once, which the hardware prefetchers
// follow independently (one stream per 4 KiB page is what they track), so more lines are in
// flight than one stream gets. The lanes are either `lanes` equal sections of the range, far
// apart (w.adjacent false), or neighbouring 4 KiB pages, a group of `lanes` pages at a time (as
// glibc's large memcpy walks): the same number of streams, close together in DRAM rows and in
// the TLB. What does not divide evenly is walked plainly at the end.
template <class Step>
inline void walk(std::size_t n, const walk_shape& w, Step& step) {
  std::size_t done = 0;
  if (w.lanes > 1 && w.adjacent) {
    const std::size_t group = std::size_t{w.lanes} * kPage;
    done = n / group * group;
    for (std::size_t g = 0; g < done; g += group) {
      for (std::size_t off = 0; off < kPage; off += kStep) {
        for (unsigned l = 0; l < w.lanes; ++l)
          step(g + l * kPage + off);
      }
    }
  } else if (w.lanes > 1) {
    const std::size_t section = n / w.lanes / kStep * kStep;
    for (std::size_t off = 0; off < section; off += kStep) {
      for (unsigned l = 0; l < w.lanes; ++l)
        step(l * section + off);
    }
    done = section * w.lanes;
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
