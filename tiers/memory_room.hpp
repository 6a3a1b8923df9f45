// How much memory a dram or node:N tier can lend a probe. An anonymous mapping larger than that
// is not refused by the kernel's overcommit heuristics until it is far too large: the pages are
// found missing only as the probe touches them, and on a production node that means swap or the
// OOM killer taking someone's process. The probes ask here first (in their plan).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tiers/tier_spec.hpp"

namespace cxlprobe::tiers {

struct memory_room {
  std::uint64_t bytes = 0;
  std::string what;  // where the figure comes from, for messages ("MemAvailable of /proc/meminfo")
};

// dram: MemAvailable of ROOT/proc/meminfo; node:N: MemFree of the node's meminfo. nullopt for
// other tiers or where the file or field is missing.
std::optional<memory_room> memory_room_of(const tier_spec& spec, const std::string& root = "/");

// The most a single probe maps from that room: 90%, the rest left to the node's own work.
constexpr std::uint64_t mappable_part(std::uint64_t room) {
  return room / 10 * 9;
}

}  // namespace cxlprobe::tiers
