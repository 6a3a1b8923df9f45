// The tier vocabulary, the same in every command:
//   dram                              local DRAM of the CPUs running the probe
//   node:N                            NUMA node N (e.g. a CXL node in system-ram mode)
//   dax:/dev/daxX.Y[@OFFSET[+SIZE]]   device DAX, mapped MAP_SHARED at the device alignment
//   file:PATH                         a file-backed stand-in (e.g. on /dev/shm), labelled emulated
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cxlprobe::tiers {

enum class tier_kind { dram, node, dax, file };

struct tier_spec {
  tier_kind kind = tier_kind::dram;
  int node = -1;                        // node:N
  std::string path;                     // dax and file
  std::uint64_t offset = 0;             // dax: where the mapping starts
  std::optional<std::uint64_t> length;  // dax: how much of the device to use

  bool emulated() const { return kind == tier_kind::file; }
  // Canonical text, parseable again: offsets and sizes exact in the largest binary unit
  // ("dax:/dev/dax0.0@2MiB+1GiB", "@0+1536KiB").
  std::string to_string() const;
  // "dram", "node", "dax", "file"
  std::string_view kind_name() const;
};

// Throws usage_error naming the text and the accepted forms.
tier_spec parse_tier(std::string_view text);

}  // namespace cxlprobe::tiers
