// CPU memory kernels: the hot loops of `cxlprobe bw`. Wide loads/stores picked at run time
// (AVX-512, AVX2, or scalar). Buffers: 64-byte aligned, length a multiple of 256 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cxlprobe::kernels::cpu {

enum class isa { scalar, avx2, avx512 };

// How one thread walks its buffer: `lanes` streams visited in lockstep (several
// hardware-prefetch streams per core; 1 = one sequential stream), either equal sections far
// apart or neighbouring 4 KiB pages (`adjacent`), and software prefetch `prefetch` bytes ahead in
// each stream (0 = none; regular writes prefetch for ownership).
struct walk_shape {
  unsigned lanes = 1;
  std::size_t prefetch = 0;
  bool adjacent = false;
};

// The widest instruction set this CPU runs.
isa best_isa();
std::string_view isa_name(isa i);

// Loads every byte; returns the sum of the 64-bit words (mod 2^64) so that nothing is optimised
// away and the caller can check that every word was read.
std::uint64_t read(const std::byte* p, std::size_t bytes, isa i, walk_shape w = {});
// Regular stores of `pattern` to every 64-bit word (the cache line is read for ownership first).
void write(std::byte* p, std::size_t bytes, std::uint64_t pattern, isa i, walk_shape w = {});
// Non-temporal stores of `pattern` (no read for ownership), then a store fence.
void ntwrite(std::byte* p, std::size_t bytes, std::uint64_t pattern, isa i, walk_shape w = {});
// dst <- src with wide loads and non-temporal stores (then a store fence), or with regular
// stores (`nontemporal` false: the destination lines are read for ownership first).
void copy(std::byte* dst, const std::byte* src, std::size_t bytes, isa i, bool nontemporal = true,
          walk_shape w = {});

// Sum of 64-bit words, plain scalar: the reference for read()'s checksum.
std::uint64_t reference_sum(const std::byte* p, std::size_t bytes);

}  // namespace cxlprobe::kernels::cpu
