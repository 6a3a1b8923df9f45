// AVX2 memory kernels. Built with -mavx2; called when the CPU has AVX2 and, where AVX-512 runs
// too, when --isa picks them (auto tries both: 256-bit loads read faster on Zen 4).
#include <immintrin.h>

#include "kernels/cpu/mem_kernels_isa.hpp"
#include "kernels/cpu/vector_steps.hpp"

namespace cxlprobe::kernels::cpu::detail {

namespace {

struct avx2_ops {
  using reg = __m256i;
  static constexpr std::size_t kBytes = 32;
  static reg zero() { return _mm256_setzero_si256(); }
  static reg set1(std::uint64_t v) { return _mm256_set1_epi64x(static_cast<long long>(v)); }
  static reg load(const std::byte* q) { return _mm256_load_si256(reinterpret_cast<const reg*>(q)); }
  static void store(std::byte* q, reg x) { _mm256_store_si256(reinterpret_cast<reg*>(q), x); }
  static void stream(std::byte* q, reg x) { _mm256_stream_si256(reinterpret_cast<reg*>(q), x); }
  static reg add(reg a, reg b) { return _mm256_add_epi64(a, b); }
};

}  // namespace

std::uint64_t read_avx2(const std::byte* p, std::size_t n, const walk_shape& w) {
  return read_walk<avx2_ops>(p, n, w);
}

void write_avx2(std::byte* p, std::size_t n, std::uint64_t v, bool nt, const walk_shape& w) {
  write_walk<avx2_ops>(p, n, v, nt, w);
}

void copy_avx2(std::byte* d, const std::byte* s, std::size_t n, bool nt, const walk_shape& w) {
  copy_walk<avx2_ops>(d, s, n, nt, w);
}

}  // namespace cxlprobe::kernels::cpu::detail
