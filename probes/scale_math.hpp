// Pure helpers of `cxlprobe scale`: splitting one device among processes, and the knee.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace cxlprobe::probes::scale {

struct region {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// `parts` non-overlapping regions of equal size inside [0, total), each offset and size a
// multiple of `align`. Throws usage_error when a part would be smaller than one alignment unit.
std::vector<region> assign_regions(std::uint64_t total, std::uint64_t parts, std::uint64_t align);

// Index of the first point whose aggregate grows by less than `threshold` (relative) over the
// previous point; nullopt when every step still grows enough.
std::optional<std::size_t> knee(const std::vector<double>& aggregate, double threshold = 0.05);

}  // namespace cxlprobe::probes::scale
