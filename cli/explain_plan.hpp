// explain's measurement plan per tier, made before the first measurement: how many bytes of the
// tier a probe may use (a DAX device's size or the range given, a NUMA node's free memory, the
// free space under a stand-in file), the sizes of the plan fitted to that, and the reason when a
// tier cannot be measured at all. One tier's problem never ends the run: it is reported and the
// other tiers go on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cxlprobe::cli {

struct tier_capacity {
  std::optional<std::uint64_t> bytes;  // usable bytes; nullopt = unknown (sizes kept as asked)
  std::uint64_t align = 2ULL << 20;    // sizes are rounded down to a multiple of this
  std::string what;                    // where the figure comes from, in words
};

struct plan_sizes {
  std::uint64_t bw = 0;            // CPU read working set
  std::vector<std::uint64_t> dma;  // bulk DMA sizes
  std::uint64_t kv_total = 0;      // KV restore: bytes restored per repetition
};

struct tier_plan {
  std::string tier;
  plan_sizes sizes;                // fitted; valid when reason is empty
  std::vector<std::string> notes;  // what was fitted and why
  std::string reason;              // non-empty: the tier is not measured, and why
};

// Reads what bounds a tier's sizes. Throws usage_error for a malformed tier or a DAX device or
// range that does not exist (the tier is then reported with that reason).
tier_capacity capacity_of(const std::string& tier, const std::string& sysfs_root = "/");

// Fits every size of `want` to `cap`. A size above the capacity becomes the largest multiple of
// the alignment (and, for the KV total, of `kv_multiple`) that fits; a tier that cannot hold the
// smallest useful run (`min_bytes`) gets a reason instead.
tier_plan fit_plan(const std::string& tier, const plan_sizes& want, const tier_capacity& cap,
                   std::uint64_t kv_multiple, std::uint64_t min_bytes = 4ULL << 20);

}  // namespace cxlprobe::cli
