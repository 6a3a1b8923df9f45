#include "topology/paths.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace cxlprobe::topology {

namespace {

hop pcie_hop(const topology& topo, int index) {
  const auto& d = topo.pci[static_cast<std::size_t>(index)];
  return {"pcie", d.busid, d.busid + " " + d.name, d.link};
}

// Hops of chain[0..end) that carry a link (host bridges have none).
std::vector<hop> hops_below(const topology& topo, const std::vector<int>& chain, std::size_t end) {
  std::vector<hop> out;
  for (std::size_t i = 0; i < end && i < chain.size(); ++i) {
    if (topo.pci[static_cast<std::size_t>(chain[i])].kind == pci_kind::host_bridge) continue;
    out.push_back(pcie_hop(topo, chain[i]));
  }
  return out;
}

void narrowest(const std::vector<hop>& hops, double& raw, double& eff, std::string* who) {
  for (const auto& h : hops) {
    if (!h.link.known()) continue;
    if (eff == 0 || h.link.effective_bps < eff) {
      eff = h.link.effective_bps;
      raw = h.link.raw_bps;
      if (who) *who = h.busid;
    }
  }
}

std::optional<unsigned> package_of_node(const topology& topo, int node) {
  if (node < 0) return std::nullopt;
  const numa_node* n = topo.find_node(static_cast<unsigned>(node));
  return n ? n->package : std::nullopt;
}

}  // namespace

std::vector<tier_location> memory_tiers(const topology& topo) {
  std::vector<tier_location> out;
  for (const auto& n : topo.numa) {
    out.push_back({fmt::format("node:{}", n.os_index), n.package, n.cxl_devices});
  }
  for (const auto& d : topo.dax) {
    tier_location t{"dax:/dev/" + d.name, std::nullopt, d.cxl_devices};
    t.package = package_of_node(topo, d.numa_node.value_or(-1));
    out.push_back(std::move(t));
  }
  return out;
}

path compute_path(const topology& topo, const tier_location& tier, const gpu& g) {
  path p;
  p.tier = tier.name;
  p.gpu_busid = g.busid;
  const std::vector<int> gchain = topo.chain_to_host(g.pci_index);
  const auto& groot = topo.pci[static_cast<std::size_t>(gchain.back())];
  std::optional<unsigned> tier_package = tier.package;
  // How much of the GPU's chain every leg shares; the DMA turns around at that bridge.
  std::size_t gpu_end = gchain.size();
  bool first_leg = true;
  for (const auto& busid : tier.cxl_devices) {
    leg l;
    l.cxl_device = busid;
    const int ci = topo.pci_index(busid);
    if (ci < 0) {
      l.hops.push_back({"pcie", busid, busid + " (not in the topology)", {}});
      p.legs.push_back(std::move(l));
      continue;
    }
    const std::vector<int> cchain = topo.chain_to_host(ci);
    std::size_t ci_end = cchain.size();
    std::size_t gi_end = gchain.size();
    for (std::size_t i = 0; i < cchain.size() && ci_end == cchain.size(); ++i) {
      const auto it = std::find(gchain.begin(), gchain.end(), cchain[i]);
      if (it != gchain.end()) {
        ci_end = i;
        gi_end = static_cast<std::size_t>(it - gchain.begin());
      }
    }
    if (ci_end < cchain.size() &&
        topo.pci[static_cast<std::size_t>(cchain[ci_end])].kind != pci_kind::host_bridge) {
      p.through_switch = true;
    }
    gpu_end = first_leg ? gi_end : std::max(gpu_end, gi_end);
    first_leg = false;
    l.hops = hops_below(topo, cchain, ci_end);
    narrowest(l.hops, l.raw_bps, l.effective_bps, nullptr);
    const auto& croot = topo.pci[static_cast<std::size_t>(cchain.back())];
    if (croot.package) tier_package = croot.package;
    p.legs.push_back(std::move(l));
  }
  if (tier_package && groot.package && *tier_package != *groot.package && !p.through_switch) {
    p.crosses_socket = true;
    p.hops.push_back({"socket",
                      "",
                      fmt::format("socket interconnect {}->{}", *tier_package, *groot.package),
                      {}});
  }
  for (auto& h : hops_below(topo, gchain, gpu_end))
    p.hops.push_back(std::move(h));

  // The legs work in parallel: their ceilings add up.
  double legs_raw = 0;
  double legs_eff = 0;
  bool legs_known = !p.legs.empty();
  std::string leg_names;
  for (const auto& l : p.legs) {
    legs_known = legs_known && l.effective_bps > 0;
    legs_raw += l.raw_bps;
    legs_eff += l.effective_bps;
    leg_names += (leg_names.empty() ? "" : "+") + l.cxl_device;
  }
  narrowest(p.hops, p.min_raw_bps, p.min_effective_bps, &p.binding);
  if (legs_known && (p.min_effective_bps == 0 || legs_eff < p.min_effective_bps)) {
    p.min_raw_bps = legs_raw;
    p.min_effective_bps = legs_eff;
    p.binding = "cxl:" + leg_names;
  }
  return p;
}

std::vector<path> all_paths(const topology& topo) {
  std::vector<path> out;
  const auto tiers = memory_tiers(topo);
  for (const auto& g : topo.gpus) {
    for (const auto& t : tiers)
      out.push_back(compute_path(topo, t, g));
  }
  return out;
}

}  // namespace cxlprobe::topology
