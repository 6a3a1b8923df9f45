#include "kernels/cpu/mem_kernels.hpp"

#include "kernels/cpu/mem_kernels_isa.hpp"

#include <immintrin.h>

#include <cstring>

namespace cxlprobe::kernels::cpu {

isa best_isa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return isa::avx512;
  if (__builtin_cpu_supports("avx2")) return isa::avx2;
  return isa::scalar;
}

std::string_view isa_name(isa i) {
  switch (i) {
    case isa::avx512:
      return "avx512";
    case isa::avx2:
      return "avx2";
    case isa::scalar:
      break;
  }
  return "scalar";
}

std::uint64_t reference_sum(const std::byte* p, std::size_t bytes) {
  std::uint64_t sum = 0;
  for (std::size_t off = 0; off + 8 <= bytes; off += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + off, 8);
    sum += w;
  }
  return sum;
}

std::uint64_t read(const std::byte* p, std::size_t bytes, isa i, walk_shape w) {
  switch (i) {
    case isa::avx512:
      return detail::read_avx512(p, bytes, w);
    case isa::avx2:
      return detail::read_avx2(p, bytes, w);
    case isa::scalar:
      break;
  }
  return reference_sum(p, bytes);
}

namespace {

// Scalar non-temporal stores: movnti (SSE2, part of x86-64), so the scalar ntwrite and copy are
// what their names say; an sfence orders them before the caller's timing ends.
void stream_words(std::byte* p, std::size_t bytes, std::uint64_t pattern) {
  for (std::size_t off = 0; off + 8 <= bytes; off += 8)
    _mm_stream_si64(reinterpret_cast<long long*>(p + off), static_cast<long long>(pattern));
  _mm_sfence();
}

void stream_copy(std::byte* dst, const std::byte* src, std::size_t bytes) {
  std::size_t off = 0;
  for (; off + 8 <= bytes; off += 8) {
    long long w;
    std::memcpy(&w, src + off, 8);
    _mm_stream_si64(reinterpret_cast<long long*>(dst + off), w);
  }
  std::memcpy(dst + off, src + off, bytes - off);
  _mm_sfence();
}

void store_words(std::byte* p, std::size_t bytes, std::uint64_t pattern, isa i, bool nt,
                 walk_shape w) {
  if (i == isa::avx512) return detail::write_avx512(p, bytes, pattern, nt, w);
  if (i == isa::avx2) return detail::write_avx2(p, bytes, pattern, nt, w);
  if (nt) return stream_words(p, bytes, pattern);
  for (std::size_t off = 0; off + 8 <= bytes; off += 8)
    std::memcpy(p + off, &pattern, 8);
}

}  // namespace

void write(std::byte* p, std::size_t bytes, std::uint64_t pattern, isa i, walk_shape w) {
  store_words(p, bytes, pattern, i, false, w);
}

void ntwrite(std::byte* p, std::size_t bytes, std::uint64_t pattern, isa i, walk_shape w) {
  store_words(p, bytes, pattern, i, true, w);
}

void copy(std::byte* dst, const std::byte* src, std::size_t bytes, isa i, bool nontemporal,
          walk_shape w) {
  if (i == isa::avx512) return detail::copy_avx512(dst, src, bytes, nontemporal, w);
  if (i == isa::avx2) return detail::copy_avx2(dst, src, bytes, nontemporal, w);
  if (nontemporal) return stream_copy(dst, src, bytes);
  std::memcpy(dst, src, bytes);
}

}  // namespace cxlprobe::kernels::cpu
