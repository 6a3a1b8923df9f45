#include "probes/dma_results.hpp"

#include <fmt/format.h>

#include "core/stats.hpp"

namespace cxlprobe::probes::dma {

namespace {
void add_streams(result& r, const gpu_samples& g) {
  if (g.streams.size() < 2) return;
  for (std::size_t k = 0; k < g.streams.size(); ++k) {
    if (g.streams[k].empty()) continue;
    r.add_value(fmt::format("bandwidth_stream{}", k), "B/s", stats::summarize(g.streams[k]).median,
                "median");
  }
}
}  // namespace

std::vector<result> per_gpu_rows(result aggregate, const std::vector<gpu_samples>& gpus) {
  std::vector<result> out;
  if (gpus.size() <= 1) {
    if (!gpus.empty()) add_streams(aggregate, gpus[0]);
    out.push_back(std::move(aggregate));
    return out;
  }
  std::string set;
  json busids = json::array();
  for (const auto& g : gpus) {
    set += (set.empty() ? "" : ",") + std::to_string(g.device);
    busids.push_back(g.busid);
  }
  for (const auto& g : gpus) {
    result r;
    r.probe = aggregate.probe;
    r.state = aggregate.state;
    r.message = aggregate.message;
    r.params = aggregate.params;
    r.params["gpus"] = std::to_string(g.device);
    r.params["gpu_busid"] = g.busid;
    r.params["concurrent_gpus"] = set;  // loaded at the same time as these
    r.add_summary("bandwidth", "B/s", g.bandwidth);
    add_streams(r, g);
    out.push_back(std::move(r));
  }
  aggregate.params["gpu_busid"] = nullptr;
  aggregate.params["gpu_set"] = busids;
  aggregate.params["aggregate"] = true;
  out.push_back(std::move(aggregate));
  return out;
}

}  // namespace cxlprobe::probes::dma
