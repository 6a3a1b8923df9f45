// AVX-512 memory kernels. Built with -mavx512f; called only when the CPU has AVX-512F.
#include <immintrin.h>

#include "kernels/cpu/mem_kernels_isa.hpp"
#include "kernels/cpu/vector_steps.hpp"

namespace cxlprobe::kernels::cpu::detail {

namespace {

struct avx512_ops {
  using reg = __m512i;
  static constexpr std::size_t kBytes = 64;
  static reg zero() { return _mm512_setzero_si512(); }
  static reg set1(std::uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }
  static reg load(const std::byte* q) { return _mm512_load_si512(q); }
  static void store(std::byte* q, reg x) { _mm512_store_si512(q, x); }
  static void stream(std::byte* q, reg x) { _mm512_stream_si512(reinterpret_cast<reg*>(q), x); }
  static reg add(reg a, reg b) { return _mm512_add_epi64(a, b); }
};

}  // namespace

std::uint64_t read_avx512(const std::byte* p, std::size_t n, const walk_shape& w) {
  return read_walk<avx512_ops>(p, n, w);
}

void write_avx512(std::byte* p, std::size_t n, std::uint64_t v, bool nt, const walk_shape& w) {
  write_walk<avx512_ops>(p, n, v, nt, w);
}

void copy_avx512(std::byte* d, const std::byte* s, std::size_t n, bool nt, const walk_shape& w) {
  copy_walk<avx512_ops>(d, s, n, nt, w);
}

}  // namespace cxlprobe::kernels::cpu::detail
