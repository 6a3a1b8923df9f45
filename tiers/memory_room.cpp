#include "tiers/memory_room.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace cxlprobe::tiers {

namespace {

// `field` (e.g. "MemFree:") of a meminfo file in bytes; nullopt when absent. Node meminfo lines
// start with "Node N", so the field is looked for anywhere in the line.
std::optional<std::uint64_t> meminfo_field(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto pos = line.find(field);
    if (pos == std::string::npos) continue;
    std::istringstream rest(line.substr(pos + field.size()));
    std::uint64_t kib = 0;
    if (rest >> kib) return kib * 1024;
  }
  return std::nullopt;
}

}  // namespace

std::optional<memory_room> memory_room_of(const tier_spec& spec, const std::string& root) {
  const std::string r = root.empty() || root.back() == '/' ? root : root + "/";
  std::string path, field;
  if (spec.kind == tier_kind::dram) {
    path = r + "proc/meminfo";
    field = "MemAvailable:";
  } else if (spec.kind == tier_kind::node) {
    path = fmt::format("{}sys/devices/system/node/node{}/meminfo", r, spec.node);
    field = "MemFree:";
  } else {
    return std::nullopt;
  }
  const auto bytes = meminfo_field(path, field);
  if (!bytes) return std::nullopt;
  return memory_room{*bytes, fmt::format("{} of {}", field.substr(0, field.size() - 1), path)};
}

}  // namespace cxlprobe::tiers
