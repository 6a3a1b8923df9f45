#include "probes/scale_math.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace cxlprobe::probes::scale {

std::vector<region> assign_regions(std::uint64_t total, std::uint64_t parts, std::uint64_t align) {
  if (parts == 0) throw usage_error("at least one process is needed");
  if (align == 0) throw usage_error("alignment must be at least 1 byte");
  const std::uint64_t each = total / parts / align * align;
  if (each == 0) {
    throw usage_error(
        fmt::format("{} bytes cannot be split into {} regions of at least {} bytes (the alignment)",
                    total, parts, align));
  }
  std::vector<region> out;
  for (std::uint64_t k = 0; k < parts; ++k)
    out.push_back({k * each, each});
  return out;
}

std::optional<std::size_t> knee(const std::vector<double>& aggregate, double threshold) {
  for (std::size_t i = 1; i < aggregate.size(); ++i) {
    if (aggregate[i - 1] > 0 && aggregate[i] < aggregate[i - 1] * (1.0 + threshold)) return i;
  }
  return std::nullopt;
}

}  // namespace cxlprobe::probes::scale
