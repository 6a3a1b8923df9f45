// AVX-512 memory kernels. Built with -mavx512f; called only when the CPU has AVX-512F.
#include <immintrin.h>

#include "kernels/cpu/lane_walk.hpp"
#include "kernels/cpu/mem_kernels_isa.hpp"

namespace cxlprobe::kernels::cpu::detail {

namespace {

struct read_step {
  const std::byte* p;
  std::size_t pf;
  // Four independent accumulators keep four loads in flight per step.
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  void operator()(std::size_t off) {
    const std::byte* q = p + off;
    prefetch_step(q, pf, false);
    a0 = _mm512_add_epi64(a0, _mm512_load_si512(q));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512(q + 64));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512(q + 128));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512(q + 192));
  }
};

template <bool NT>
struct write_step {
  std::byte* p;
  std::size_t pf;
  __m512i x;
  void operator()(std::size_t off) {
    std::byte* q = p + off;
    for (std::size_t k = 0; k < kStep; k += 64) {
      if constexpr (NT) {
        _mm512_stream_si512(reinterpret_cast<__m512i*>(q + k), x);
      } else {
        _mm512_store_si512(q + k, x);
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
    const __m512i x0 = _mm512_load_si512(q);
    const __m512i x1 = _mm512_load_si512(q + 64);
    const __m512i x2 = _mm512_load_si512(q + 128);
    const __m512i x3 = _mm512_load_si512(q + 192);
    std::byte* o = d + off;
    if constexpr (NT) {
      _mm512_stream_si512(reinterpret_cast<__m512i*>(o), x0);
      _mm512_stream_si512(reinterpret_cast<__m512i*>(o + 64), x1);
      _mm512_stream_si512(reinterpret_cast<__m512i*>(o + 128), x2);
      _mm512_stream_si512(reinterpret_cast<__m512i*>(o + 192), x3);
    } else {
      _mm512_store_si512(o, x0);
      _mm512_store_si512(o + 64, x1);
      _mm512_store_si512(o + 128, x2);
      _mm512_store_si512(o + 192, x3);
    }
  }
};

}  // namespace

std::uint64_t read_avx512(const std::byte* p, std::size_t n, unsigned lanes, std::size_t pf) {
  read_step st{p, pf};
  walk(n, lanes, st);
  // Lanes summed through memory: GCC 12's _mm512_reduce_add_epi64 trips -Wuninitialized.
  alignas(64) std::uint64_t sums[8];
  _mm512_store_si512(
      sums, _mm512_add_epi64(_mm512_add_epi64(st.a0, st.a1), _mm512_add_epi64(st.a2, st.a3)));
  std::uint64_t sum = 0;
  for (std::uint64_t v : sums)
    sum += v;
  return sum;
}

void write_avx512(std::byte* p, std::size_t n, std::uint64_t v, bool nt, unsigned lanes,
                  std::size_t pf) {
  const __m512i x = _mm512_set1_epi64(static_cast<long long>(v));
  walk_stores<write_step>(nt, n, lanes, p, pf, x);
}

void copy_avx512(std::byte* d, const std::byte* s, std::size_t n, bool nt, unsigned lanes,
                 std::size_t pf) {
  walk_stores<copy_step>(nt, n, lanes, d, s, pf);
}

}  // namespace cxlprobe::kernels::cpu::detail
