// `replay --observed-ttft`: the glue between a recorded dma result file (the node's KV restore
// curves) and replay/attribution.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/document.hpp"
#include "replay/attribution.hpp"

namespace cxlprobe::probes {

// kv-restore results of one tier and GPU: one copy per block (method copy) by block size.
std::vector<replay::curve_point> copy_curve(const document& doc, const std::string& tier,
                                            const std::string& gpu);
// The fastest kv-restore kernel result of that tier and GPU, at any block size.
std::optional<double> best_kernel(const document& doc, const std::string& tier,
                                  const std::string& gpu);
json to_json(const replay::attribution& a);

}  // namespace cxlprobe::probes
