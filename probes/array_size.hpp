// How large bw's arrays are by default: the rule and the memory it may take.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tiers/memory_room.hpp"
#include "topology/model.hpp"

namespace cxlprobe::probes {

// At least 4x every last-level cache together (STREAM's rule: a two-socket node or an EPYC with
// a cache per CCD holds far more than its largest one), and at least 1 GiB; 64 MiB of cache is
// assumed where the topology names none.
std::uint64_t streaming_size(const topology::topology& t);

struct array_size {
  std::uint64_t bytes = 0;
  std::string note;  // why it is under the streaming size ("" when it is not)
};

// The streaming size, or less where the tier cannot lend it: half of its room, shared by the
// arrays an op maps there (copy within one tier maps two), in whole 2 MiB. A default never fails
// for want of memory; a --size asked for is refused instead (tier_buffer).
array_size default_array_size(std::uint64_t streaming,
                              const std::optional<tiers::memory_room>& room, bool two_arrays);

}  // namespace cxlprobe::probes
