// `topo`: discovers memory tiers, GPUs and PCI links. The topology itself goes to
// context.topology; the result carries the counts and the narrowest ceiling per GPU.
#include <fmt/format.h>

#include "probes/dma_plan.hpp"
#include "probes/probe_list.hpp"
#include "topology/paths.hpp"

namespace cxlprobe::probes {

namespace {

std::vector<result> run_topo(run_context& ctx) {
  topology::topology& t = ctx.topo();
  if (!ctx.topology_from_file()) dma::annotate_cuda_devices(t);
  result r;
  r.probe = "topo";
  r.params = {{"source", t.source}};
  r.add_value("numa_nodes", "1", static_cast<double>(t.numa.size()));
  r.add_value("dax_devices", "1", static_cast<double>(t.dax.size()));
  r.add_value("cxl_memdevs", "1", static_cast<double>(t.cxl.size()));
  r.add_value("gpus", "1", static_cast<double>(t.gpus.size()));
  r.add_value("pci_devices", "1", static_cast<double>(t.pci.size()));
  std::vector<result> out{std::move(r)};
  for (const auto& p : topology::all_paths(t)) {
    result pr;
    pr.probe = "topo";
    pr.params = {{"tier", p.tier}, {"gpu", p.gpu_busid}};
    pr.message = p.binding.empty() ? "no link speed known on this path" : "binding: " + p.binding;
    if (p.share_sharers > 1)
      pr.message += fmt::format("; per GPU {} (shared by {})", p.share_binding, p.share_sharers);
    if (!p.floor_known) pr.message += "; floor unknown: crosses sockets, not measured";
    pr.add_value("path_raw_ceiling", "B/s",
                 p.min_raw_bps > 0 ? std::optional<double>(p.min_raw_bps) : std::nullopt);
    pr.add_value(
        "path_effective_ceiling", "B/s",
        p.min_effective_bps > 0 ? std::optional<double>(p.min_effective_bps) : std::nullopt);
    // This GPU's share when every GPU loads from the tier at once: explain's floor.
    pr.add_value(
        "path_share_ceiling", "B/s",
        p.share_effective_bps > 0 ? std::optional<double>(p.share_effective_bps) : std::nullopt);
    pr.params["floor_known"] = p.floor_known;
    out.push_back(std::move(pr));
  }
  return out;
}

}  // namespace

probe_spec topo_probe() {
  return {
      "topo",
      "Discover memory tiers (NUMA nodes, DAX devices, CXL memdevs), GPUs and PCIe links",
      [](CLI::App&) -> runner { return run_topo; },
      [](run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::probes
