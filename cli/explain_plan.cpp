#include "cli/explain_plan.hpp"

#include <sys/statvfs.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "core/error.hpp"
#include "core/units.hpp"
#include "tiers/memory_room.hpp"
#include "tiers/tier_buffer.hpp"
#include "tiers/tier_spec.hpp"

namespace cxlprobe::cli {

namespace {

// Half of what is free: the probe's buffers are not the only memory on the node.
std::optional<std::uint64_t> half(const std::optional<tiers::memory_room>& room) {
  return room ? std::optional<std::uint64_t>(room->bytes / 2) : std::nullopt;
}

tier_capacity dax_capacity(const tiers::tier_spec& spec, const std::string& root) {
  const auto g = tiers::read_dax_geometry(spec.path, root);
  const std::uint64_t length =
      spec.length.value_or(g.size > spec.offset ? g.size - spec.offset : 0);
  tiers::check_dax_range(spec.path, g, spec.offset, length);
  return {length, g.align,
          spec.length ? fmt::format("the range given ({})", units::format_bytes(length))
                      : fmt::format("the device size ({} from offset {})",
                                    units::format_bytes(length), spec.offset)};
}

tier_capacity file_capacity(const tiers::tier_spec& spec) {
  const std::string dir = std::filesystem::path(spec.path).parent_path().string();
  struct statvfs st {};
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &st) != 0) return {};
  return {std::uint64_t(st.f_bavail) * st.f_frsize / 2, 2ULL << 20,
          fmt::format("half the free space of {}", dir)};
}

}  // namespace

tier_capacity capacity_of(const std::string& tier, const std::string& sysfs_root) {
  const tiers::tier_spec spec = tiers::parse_tier(tier);
  std::string root = sysfs_root.empty() ? "/" : sysfs_root;
  if (root.back() != '/') root += '/';
  switch (spec.kind) {
    case tiers::tier_kind::dax:
      return dax_capacity(spec, root);
    case tiers::tier_kind::node: {
      const std::string meminfo =
          fmt::format("{}sys/devices/system/node/node{}/meminfo", root, spec.node);
      if (!std::filesystem::exists(meminfo))
        throw usage_error(fmt::format(
            "NUMA node {} does not exist (`cxlprobe topo` lists the nodes)", spec.node));
      return {half(tiers::memory_room_of(spec, root)), 2ULL << 20,
              fmt::format("half the free memory of node {}", spec.node)};
    }
    case tiers::tier_kind::file:
      return file_capacity(spec);
    case tiers::tier_kind::dram:
      return {half(tiers::memory_room_of(spec, root)), 2ULL << 20, "half the available memory"};
  }
  return {};
}

tier_plan fit_plan(const std::string& tier, const plan_sizes& want, const tier_capacity& cap,
                   std::uint64_t kv_multiple, std::uint64_t min_bytes) {
  tier_plan p;
  p.tier = tier;
  p.sizes = want;
  if (!cap.bytes) return p;
  const std::uint64_t limit = *cap.bytes;
  if (limit < min_bytes) {
    p.reason = fmt::format("{} holds {} ({}), below the {} a measurement needs", tier,
                           units::format_bytes(limit), cap.what, units::format_bytes(min_bytes));
    return p;
  }
  bool fitted = false;
  auto fit = [&](std::uint64_t v, std::uint64_t multiple) {
    if (v <= limit) return v;
    fitted = true;
    return limit / multiple * multiple;
  };
  p.sizes.bw = fit(want.bw, cap.align);
  p.sizes.dma.clear();
  for (auto v : want.dma) {
    const auto f = fit(v, cap.align);
    if (f >= min_bytes && std::find(p.sizes.dma.begin(), p.sizes.dma.end(), f) == p.sizes.dma.end())
      p.sizes.dma.push_back(f);
  }
  const std::uint64_t kv_unit = std::lcm(cap.align, kv_multiple);
  p.sizes.kv_total = fit(want.kv_total, kv_unit);
  if (fitted) {
    std::string dma;
    for (auto v : p.sizes.dma)
      dma += (dma.empty() ? "" : ",") + units::format_bytes(v);
    p.notes.push_back(fmt::format("{}: sizes fitted to {}: CPU read {}, DMA {}, KV total {}", tier,
                                  cap.what, units::format_bytes(p.sizes.bw), dma,
                                  p.sizes.kv_total ? units::format_bytes(p.sizes.kv_total) : "-"));
  }
  return p;
}

}  // namespace cxlprobe::cli
