// Dependent loads over a random cyclic permutation: each load's address comes from the previous
// load, so the time per step is the load-to-use latency of wherever the lines live.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cxlprobe::kernels::cpu {

inline constexpr std::size_t kLine = 64;

// Links the `lines` cache lines of `base` into one random cycle (Sattolo's algorithm): each
// line's first word points at the next line. Deterministic for a seed.
void build_chase(std::byte* base, std::size_t lines, std::uint64_t seed);

// Follows `steps` links from `start`; returns where it stopped (keeps the loop alive).
const void* chase(const void* start, std::uint64_t steps);

}  // namespace cxlprobe::kernels::cpu
