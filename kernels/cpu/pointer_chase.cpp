#include "kernels/cpu/pointer_chase.hpp"

#include <numeric>
#include <random>
#include <vector>

namespace cxlprobe::kernels::cpu {

void build_chase(std::byte* base, std::size_t lines, std::uint64_t seed) {
  std::vector<std::size_t> order(lines);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  // Sattolo: a uniformly random permutation with exactly one cycle.
  for (std::size_t i = lines - 1; i > 0; --i) {
    std::uniform_int_distribution<std::size_t> pick(0, i - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  for (std::size_t i = 0; i < lines; ++i) {
    void** slot = reinterpret_cast<void**>(base + i * kLine);
    *slot = base + order[i] * kLine;
  }
}

const void* chase(const void* start, std::uint64_t steps) {
  const void* p = start;
  std::uint64_t i = 0;
  for (; i + 8 <= steps; i += 8) {
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
  }
  for (; i < steps; ++i)
    p = *static_cast<const void* const*>(p);
  return p;
}

}  // namespace cxlprobe::kernels::cpu
