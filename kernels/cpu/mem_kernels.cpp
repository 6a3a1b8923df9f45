#include "kernels/cpu/mem_kernels.hpp"

#include <immintrin.h>

#include <cstring>

namespace cxlprobe::kernels::cpu {

namespace {

__attribute__((target("avx512f"))) std::uint64_t read_avx512(const std::byte* p, std::size_t n) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t off = 0; off < n; off += 256) {
    // Four independent accumulators keep four loads in flight per iteration.
    a0 = _mm512_add_epi64(a0, _mm512_load_si512(p + off));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512(p + off + 64));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512(p + off + 128));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512(p + off + 192));
  }
  // Lanes summed through memory: GCC 12's _mm512_reduce_add_epi64 trips -Wuninitialized.
  alignas(64) std::uint64_t lanes[8];
  _mm512_store_si512(lanes, _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
  std::uint64_t sum = 0;
  for (std::uint64_t l : lanes)
    sum += l;
  return sum;
}

__attribute__((target("avx2"))) std::uint64_t read_avx2(const std::byte* p, std::size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t off = 0; off < n; off += 128) {
    a0 = _mm256_add_epi64(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + off)));
    a1 = _mm256_add_epi64(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + off + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + off + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + off + 96)));
  }
  alignas(32) std::uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

__attribute__((target("avx512f"))) void write_avx512(std::byte* p, std::size_t n, std::uint64_t v,
                                                     bool nt) {
  const __m512i x = _mm512_set1_epi64(static_cast<long long>(v));
  if (nt) {
    for (std::size_t off = 0; off < n; off += 256) {
      _mm512_stream_si512(reinterpret_cast<__m512i*>(p + off), x);
      _mm512_stream_si512(reinterpret_cast<__m512i*>(p + off + 64), x);
      _mm512_stream_si512(reinterpret_cast<__m512i*>(p + off + 128), x);
      _mm512_stream_si512(reinterpret_cast<__m512i*>(p + off + 192), x);
    }
    _mm_sfence();
  } else {
    for (std::size_t off = 0; off < n; off += 256) {
      _mm512_store_si512(p + off, x);
      _mm512_store_si512(p + off + 64, x);
      _mm512_store_si512(p + off + 128, x);
      _mm512_store_si512(p + off + 192, x);
    }
  }
}

__attribute__((target("avx2"))) void write_avx2(std::byte* p, std::size_t n, std::uint64_t v,
                                                bool nt) {
  const __m256i x = _mm256_set1_epi64x(static_cast<long long>(v));
  if (nt) {
    for (std::size_t off = 0; off < n; off += 128) {
      for (std::size_t k = 0; k < 128; k += 32)
        _mm256_stream_si256(reinterpret_cast<__m256i*>(p + off + k), x);
    }
    _mm_sfence();
  } else {
    for (std::size_t off = 0; off < n; off += 128) {
      for (std::size_t k = 0; k < 128; k += 32)
        _mm256_store_si256(reinterpret_cast<__m256i*>(p + off + k), x);
    }
  }
}

__attribute__((target("avx512f"))) void copy_avx512(std::byte* d, const std::byte* s, std::size_t n,
                                                    bool nt) {
  if (!nt) {
    for (std::size_t off = 0; off < n; off += 256) {
      const __m512i x0 = _mm512_load_si512(s + off);
      const __m512i x1 = _mm512_load_si512(s + off + 64);
      const __m512i x2 = _mm512_load_si512(s + off + 128);
      const __m512i x3 = _mm512_load_si512(s + off + 192);
      _mm512_store_si512(d + off, x0);
      _mm512_store_si512(d + off + 64, x1);
      _mm512_store_si512(d + off + 128, x2);
      _mm512_store_si512(d + off + 192, x3);
    }
    return;
  }
  for (std::size_t off = 0; off < n; off += 256) {
    const __m512i x0 = _mm512_load_si512(s + off);
    const __m512i x1 = _mm512_load_si512(s + off + 64);
    const __m512i x2 = _mm512_load_si512(s + off + 128);
    const __m512i x3 = _mm512_load_si512(s + off + 192);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(d + off), x0);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(d + off + 64), x1);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(d + off + 128), x2);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(d + off + 192), x3);
  }
  _mm_sfence();
}

__attribute__((target("avx2"))) void copy_avx2(std::byte* d, const std::byte* s, std::size_t n,
                                               bool nt) {
  if (!nt) {
    for (std::size_t off = 0; off < n; off += 128) {
      for (std::size_t k = 0; k < 128; k += 32) {
        _mm256_store_si256(reinterpret_cast<__m256i*>(d + off + k),
                           _mm256_load_si256(reinterpret_cast<const __m256i*>(s + off + k)));
      }
    }
    return;
  }
  for (std::size_t off = 0; off < n; off += 128) {
    const __m256i x0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(s + off));
    const __m256i x1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(s + off + 32));
    const __m256i x2 = _mm256_load_si256(reinterpret_cast<const __m256i*>(s + off + 64));
    const __m256i x3 = _mm256_load_si256(reinterpret_cast<const __m256i*>(s + off + 96));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + off), x0);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + off + 32), x1);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + off + 64), x2);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + off + 96), x3);
  }
  _mm_sfence();
}

}  // namespace

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

std::uint64_t read(const std::byte* p, std::size_t bytes, isa i) {
  switch (i) {
    case isa::avx512:
      return read_avx512(p, bytes);
    case isa::avx2:
      return read_avx2(p, bytes);
    case isa::scalar:
      break;
  }
  return reference_sum(p, bytes);
}

void write(std::byte* p, std::size_t bytes, std::uint64_t pattern, isa i) {
  if (i == isa::avx512) return write_avx512(p, bytes, pattern, false);
  if (i == isa::avx2) return write_avx2(p, bytes, pattern, false);
  for (std::size_t off = 0; off + 8 <= bytes; off += 8)
    std::memcpy(p + off, &pattern, 8);
}

void ntwrite(std::byte* p, std::size_t bytes, std::uint64_t pattern, isa i) {
  if (i == isa::avx512) return write_avx512(p, bytes, pattern, true);
  if (i == isa::avx2) return write_avx2(p, bytes, pattern, true);
  for (std::size_t off = 0; off + 8 <= bytes; off += 8)
    std::memcpy(p + off, &pattern, 8);
}

void copy(std::byte* dst, const std::byte* src, std::size_t bytes, isa i, bool nontemporal) {
  if (i == isa::avx512) return copy_avx512(dst, src, bytes, nontemporal);
  if (i == isa::avx2) return copy_avx2(dst, src, bytes, nontemporal);
  std::memcpy(dst, src, bytes);
}

}  // namespace cxlprobe::kernels::cpu
