// AVX2 memory kernels. Built with -mavx2; called only when the CPU has AVX2 (and no AVX-512).
#include <immintrin.h>

#include "kernels/cpu/lane_walk.hpp"
#include "kernels/cpu/mem_kernels_isa.hpp"

namespace cxlprobe::kernels::cpu::detail {

namespace {

inline __m256i load(const std::byte* q) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(q));
}

struct read_step {
  const std::byte* p;
  std::size_t pf;
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  void operator()(std::size_t off) {
    const std::byte* q = p + off;
    prefetch_step(q, pf, false);
    for (std::size_t k = 0; k < kStep; k += 128) {
      a0 = _mm256_add_epi64(a0, load(q + k));
      a1 = _mm256_add_epi64(a1, load(q + k + 32));
      a2 = _mm256_add_epi64(a2, load(q + k + 64));
      a3 = _mm256_add_epi64(a3, load(q + k + 96));
    }
  }
};

template <bool NT>
struct write_step {
  std::byte* p;
  std::size_t pf;
  __m256i x;
  void operator()(std::size_t off) {
    std::byte* q = p + off;
    for (std::size_t k = 0; k < kStep; k += 32) {
      auto* o = reinterpret_cast<__m256i*>(q + k);
      if constexpr (NT) {
        _mm256_stream_si256(o, x);
      } else {
        _mm256_store_si256(o, x);
      }
    }
    if constexpr (!NT) prefetch_step(q, pf, true);
  }
};

template <bool NT>
struct copy_step {
  std::byte* d;
  const std::byte* s;
  std::size_t pf;
  void operator()(std::size_t off) {
    const std::byte* q = s + off;
    prefetch_step(q, pf, false);
    for (std::size_t k = 0; k < kStep; k += 128) {
      const __m256i x0 = load(q + k);
      const __m256i x1 = load(q + k + 32);
      const __m256i x2 = load(q + k + 64);
      const __m256i x3 = load(q + k + 96);
      auto* o = reinterpret_cast<__m256i*>(d + off + k);
      if constexpr (NT) {
        _mm256_stream_si256(o, x0);
        _mm256_stream_si256(o + 1, x1);
        _mm256_stream_si256(o + 2, x2);
        _mm256_stream_si256(o + 3, x3);
      } else {
        _mm256_store_si256(o, x0);
        _mm256_store_si256(o + 1, x1);
        _mm256_store_si256(o + 2, x2);
        _mm256_store_si256(o + 3, x3);
      }
    }
  }
};

}  // namespace

std::uint64_t read_avx2(const std::byte* p, std::size_t n, unsigned lanes, std::size_t pf) {
  read_step st{p, pf};
  walk(n, lanes, st);
  alignas(32) std::uint64_t sums[4];
  _mm256_store_si256(
      reinterpret_cast<__m256i*>(sums),
      _mm256_add_epi64(_mm256_add_epi64(st.a0, st.a1), _mm256_add_epi64(st.a2, st.a3)));
  return sums[0] + sums[1] + sums[2] + sums[3];
}

void write_avx2(std::byte* p, std::size_t n, std::uint64_t v, bool nt, unsigned lanes,
                std::size_t pf) {
  const __m256i x = _mm256_set1_epi64x(static_cast<long long>(v));
  walk_stores<write_step>(nt, n, lanes, p, pf, x);
}

void copy_avx2(std::byte* d, const std::byte* s, std::size_t n, bool nt, unsigned lanes,
               std::size_t pf) {
  walk_stores<copy_step>(nt, n, lanes, d, s, pf);
}

}  // namespace cxlprobe::kernels::cpu::detail
