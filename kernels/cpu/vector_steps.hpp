// The steps of the CPU memory kernels, written once for any vector width. Each ISA source
// (mem_kernels_avx512.cpp, mem_kernels_avx2.cpp) supplies the operations of its registers as a
// traits type V and instantiates these templates, built with its own instruction set:
//   V::reg, V::kBytes (bytes per register), V::zero(), V::set1(u64), V::load(p) (aligned),
//   V::store(p, x), V::stream(p, x) (non-temporal), V::add(a, b) (64-bit lanes).
#pragma once

#include <xmmintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/lane_walk.hpp"

namespace cxlprobe::kernels::cpu::detail {

// Internal linkage: each ISA source keeps its own instantiations, built with its own flags.
namespace {

// Four independent accumulators keep four loads in flight per 4 registers.
template <class V>
struct read_step {
  const std::byte* p;
  std::size_t pf;
  typename V::reg a0 = V::zero(), a1 = a0, a2 = a0, a3 = a0;
  void operator()(std::size_t off) {
    const std::byte* q = p + off;
    prefetch_step(q, pf, false);
    for (std::size_t k = 0; k < kStep; k += 4 * V::kBytes) {
      a0 = V::add(a0, V::load(q + k));
      a1 = V::add(a1, V::load(q + k + V::kBytes));
      a2 = V::add(a2, V::load(q + k + 2 * V::kBytes));
      a3 = V::add(a3, V::load(q + k + 3 * V::kBytes));
    }
  }
  // Lanes summed through memory: GCC 12's _mm512_reduce_add_epi64 trips -Wuninitialized.
  std::uint64_t sum() const {
    alignas(64) std::uint64_t words[V::kBytes / 8];
    V::store(reinterpret_cast<std::byte*>(words), V::add(V::add(a0, a1), V::add(a2, a3)));
    std::uint64_t s = 0;
    for (std::uint64_t w : words)
      s += w;
    return s;
  }
};

template <class V, bool NT>
inline void put(std::byte* q, typename V::reg x) {
  if constexpr (NT) {
    V::stream(q, x);
  } else {
    V::store(q, x);
  }
}

template <class V, bool NT>
struct write_step {
  std::byte* p;
  std::size_t pf;
  typename V::reg x;
  void operator()(std::size_t off) {
    std::byte* q = p + off;
    for (std::size_t k = 0; k < kStep; k += V::kBytes)
      put<V, NT>(q + k, x);
    if constexpr (!NT) prefetch_step(q, pf, true);
  }
};

template <class V, bool NT>
struct copy_step {
  std::byte* d;
  const std::byte* s;
  std::size_t pf;
  void operator()(std::size_t off) {
    const std::byte* q = s + off;
    prefetch_step(q, pf, false);
    for (std::size_t k = 0; k < kStep; k += 4 * V::kBytes) {
      const auto x0 = V::load(q + k);
      const auto x1 = V::load(q + k + V::kBytes);
      const auto x2 = V::load(q + k + 2 * V::kBytes);
      const auto x3 = V::load(q + k + 3 * V::kBytes);
      std::byte* o = d + off + k;
      put<V, NT>(o, x0);
      put<V, NT>(o + V::kBytes, x1);
      put<V, NT>(o + 2 * V::kBytes, x2);
      put<V, NT>(o + 3 * V::kBytes, x3);
    }
  }
};

// Runs Step<V, true> (non-temporal stores, then a store fence so that they are ordered before
// the walk returns) or Step<V, false> (regular stores), built from the same members.
template <class V, template <class, bool> class Step, class... Members>
inline void walk_stores(bool nt, std::size_t n, const walk_shape& w, Members... members) {
  if (nt) {
    Step<V, true> st{members...};
    walk(n, w, st);
    _mm_sfence();
  } else {
    Step<V, false> st{members...};
    walk(n, w, st);
  }
}

template <class V>
inline std::uint64_t read_walk(const std::byte* p, std::size_t n, const walk_shape& w) {
  read_step<V> st{p, w.prefetch};
  walk(n, w, st);
  return st.sum();
}

template <class V>
inline void write_walk(std::byte* p, std::size_t n, std::uint64_t v, bool nt, const walk_shape& w) {
  walk_stores<V, write_step>(nt, n, w, p, w.prefetch, V::set1(v));
}

template <class V>
inline void copy_walk(std::byte* d, const std::byte* s, std::size_t n, bool nt,
                      const walk_shape& w) {
  walk_stores<V, copy_step>(nt, n, w, d, s, w.prefetch);
}

}  // namespace

}  // namespace cxlprobe::kernels::cpu::detail
