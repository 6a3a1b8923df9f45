#include "probes/array_size.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/units.hpp"

namespace cxlprobe::probes {

std::uint64_t streaming_size(const topology::topology& t) {
  return std::max<std::uint64_t>(1ULL << 30, 4 * t.all_llc_bytes().value_or(64ULL << 20));
}

array_size default_array_size(std::uint64_t streaming,
                              const std::optional<tiers::memory_room>& room, bool two_arrays) {
  if (!room) return {streaming, ""};
  constexpr std::uint64_t kUnit = 2ULL << 20;
  const std::uint64_t cap = room->bytes / 2 / (two_arrays ? 2 : 1) / kUnit * kUnit;
  if (streaming <= cap) return {streaming, ""};
  return {cap,
          fmt::format("size {} per array: half of {} ({}){}; 4x the last-level caches would "
                      "be {}, so part of each array may be served from cache",
                      units::format_bytes(cap), room->what, units::format_bytes(room->bytes),
                      two_arrays ? " over copy's two arrays" : "", units::format_bytes(streaming))};
}

}  // namespace cxlprobe::probes
