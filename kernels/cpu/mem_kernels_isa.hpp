// Per-ISA entry points behind mem_kernels.hpp. Each family lives in its own source file built
// with that ISA enabled (-mavx512f / -mavx2), so only the dispatcher decides what runs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/mem_kernels.hpp"

namespace cxlprobe::kernels::cpu::detail {

std::uint64_t read_avx512(const std::byte* p, std::size_t n, const walk_shape& w);
void write_avx512(std::byte* p, std::size_t n, std::uint64_t v, bool nt, const walk_shape& w);
void copy_avx512(std::byte* d, const std::byte* s, std::size_t n, bool nt, const walk_shape& w);

std::uint64_t read_avx2(const std::byte* p, std::size_t n, const walk_shape& w);
void write_avx2(std::byte* p, std::size_t n, std::uint64_t v, bool nt, const walk_shape& w);
void copy_avx2(std::byte* d, const std::byte* s, std::size_t n, bool nt, const walk_shape& w);

}  // namespace cxlprobe::kernels::cpu::detail
