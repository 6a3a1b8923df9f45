#include "probes/replay_attribution.hpp"

#include <cmath>
#include <map>

namespace cxlprobe::probes {

namespace {

// Each successful kv-restore median of this tier and GPU (its own figure, not an aggregate).
template <typename Fn>
void each_restore(const document& doc, const std::string& tier, const std::string& gpu, Fn&& fn) {
  for (const auto& r : doc.results) {
    const auto& p = r.params;
    if (r.probe != "dma" || r.state != status::ok || p.value("pattern", "") != "kv-restore")
      continue;
    if (p.value("tier", "") != tier) continue;
    const auto busid = p.find("gpu_busid");
    if (busid == p.end() || !busid->is_string()) continue;
    if (p.value("gpus", "") != gpu && busid->get<std::string>() != gpu) continue;
    const auto* bw = r.find("bandwidth");
    if (!bw || !bw->value || !p.contains("block")) continue;
    fn(p, p["block"].get<double>(), *bw->value);
  }
}

}  // namespace

std::vector<replay::curve_point> copy_curve(const document& doc, const std::string& tier,
                                            const std::string& gpu) {
  std::vector<replay::curve_point> out;
  each_restore(doc, tier, gpu, [&](const json& p, double block, double bps) {
    if (p.value("method", "") == "copy") out.push_back({block, bps});
  });
  return out;
}

std::optional<double> best_kernel(const document& doc, const std::string& tier,
                                  const std::string& gpu) {
  std::optional<double> best;
  each_restore(doc, tier, gpu, [&](const json& p, double, double bps) {
    if (p.value("method", "") == "kernel" && (!best || bps > *best)) best = bps;
  });
  return best;
}

std::optional<double> restore_rate(const document& doc, const std::string& tier,
                                   const std::string& gpu, const std::string& method,
                                   double block_bytes) {
  std::map<double, double> curve;  // block bytes -> B/s (kernels: the fastest at that size)
  each_restore(doc, tier, gpu, [&](const json& p, double block, double bps) {
    if (p.value("method", "") != method) return;
    auto& v = curve[block];
    v = std::max(v, bps);
  });
  if (curve.empty()) return std::nullopt;
  const auto hi = curve.lower_bound(block_bytes);
  if (hi == curve.end()) return std::prev(hi)->second;
  if (hi->first == block_bytes || hi == curve.begin()) return hi->second;
  const auto lo = std::prev(hi);
  const double f = std::log(block_bytes / lo->first) / std::log(hi->first / lo->first);
  return std::exp(std::log(lo->second) + f * (std::log(hi->second) - std::log(lo->second)));
}

json to_json(const replay::attribution& a) {
  json j = {{"effective_restore_bps", a.effective_bps},
            {"per_chunk_s", a.per_chunk_s},
            {"per_request_s", a.per_request_s},
            {"per_request_separable", a.per_request_separable},
            {"copy_curve_position", a.matched.empty() ? json(nullptr) : json(a.matched)},
            {"matched_copy_block_bytes",
             a.matched_block_bytes ? json(*a.matched_block_bytes) : json(nullptr)},
            {"warm_observed_s", a.warm_observed_s},
            {"warm_at_link_rate_s", a.warm_floor_s},
            {"sentence", a.sentence}};
  if (a.cold_residual_s) j["cold_residual_s"] = *a.cold_residual_s;
  return j;
}

}  // namespace cxlprobe::probes
