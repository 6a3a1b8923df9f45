// The node's KV restore curves from a recorded dma result file, for `replay --observed-ttft`
// (replay/attribution.hpp) and `replay --restore-method`.
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
// The kv-restore rate of `method` (copy, batch, or kernel: the fastest kernel at each block
// size) at `block_bytes`, log-log between measured block sizes, the nearest end beyond them;
// nullopt when the file has no such result for this tier and GPU.
std::optional<double> restore_rate(const document& doc, const std::string& tier,
                                   const std::string& gpu, const std::string& method,
                                   double block_bytes);

}  // namespace cxlprobe::probes
