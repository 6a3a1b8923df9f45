#include "topology/paths.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "topology/link_state.hpp"

namespace cxlprobe::topology {

namespace {

constexpr double kNone = std::numeric_limits<double>::infinity();

hop pcie_hop(const topology& topo, int index) {
  const auto& d = topo.pci[static_cast<std::size_t>(index)];
  return {"pcie", d.busid, d.busid + " " + d.name, d.link};
}

// The physical links of a chain up to its host bridge: downstream ports are not links of their
// own (their registers describe the link below them, merged into the device under them).
std::vector<hop> link_hops(const topology& topo, const std::vector<int>& chain) {
  std::vector<hop> out;
  for (int i : chain) {
    if (topo.pci[static_cast<std::size_t>(i)].kind == pci_kind::host_bridge) continue;
    if (links::is_downstream_port(topo, i)) continue;
    out.push_back(pcie_hop(topo, i));
  }
  return out;
}

std::optional<unsigned> package_of_node(const topology& topo, int node) {
  if (node < 0) return std::nullopt;
  const numa_node* n = topo.find_node(static_cast<unsigned>(node));
  return n ? n->package : std::nullopt;
}

// Aggregate of the legs as a tree: a shared link carries at most its ceiling, whatever the legs
// below it could carry together. Returns the capacity (kNone = unknown) and sets `binders`.
struct tree {
  std::map<std::string, hop> hops;
  std::map<std::string, std::set<std::string>> children;
  std::set<std::string> roots;

  double capacity(const std::string& id, std::set<std::string>& binders, bool raw) const {
    const hop& h = hops.at(id);
    const double own = h.link.known() ? (raw ? h.link.raw_bps : h.link.effective_bps) : kNone;
    const auto kids = children.find(id);
    if (kids == children.end() || kids->second.empty()) {
      if (own < kNone) binders.insert(id);
      return own;
    }
    double sum = 0;
    std::set<std::string> below;
    for (const auto& k : kids->second)
      sum += capacity(k, below, raw);
    if (own < sum) {
      binders.insert(id);
      return own;
    }
    binders.insert(below.begin(), below.end());
    return sum;
  }
};

void tier_side(path& p) {
  tree t;
  for (const auto& l : p.legs) {
    for (std::size_t i = 0; i < l.hops.size(); ++i) {
      const std::string id = l.hops[i].busid;
      t.hops.emplace(id, l.hops[i]);
      if (i + 1 < l.hops.size()) {
        t.children[l.hops[i + 1].busid].insert(id);
      } else {
        t.roots.insert(id);
      }
    }
  }
  double raw = 0, eff = 0;
  std::set<std::string> binders, unused;
  for (const auto& r : t.roots) {
    eff += t.capacity(r, binders, false);
    raw += t.capacity(r, unused, true);
  }
  if (!(eff < kNone) || t.roots.empty()) return;
  p.tier_raw_bps = raw;
  p.tier_effective_bps = eff;
  std::string names;
  for (const auto& b : binders)
    names += (names.empty() ? "" : "+") + b;
  p.tier_binding = "cxl:" + names;
  std::set<std::string> devices;
  for (const auto& l : p.legs)
    devices.insert(l.cxl_device);
  if (binders != devices) {
    p.notes.push_back(fmt::format("the CXL legs share {}: it binds their sum", names));
  }
}

void gpu_side(const topology& topo, path& p, const gpu& g, std::optional<unsigned> tier_pkg) {
  const std::vector<int> gchain = topo.chain_to_host(g.pci_index);
  const auto& groot = topo.pci[static_cast<std::size_t>(gchain.back())];
  std::optional<unsigned> gpu_pkg = groot.package;
  const cpu_link* cl = nullptr;
  for (const auto& c : g.cpu_links) {
    if (!cl || (tier_pkg && c.package == tier_pkg)) cl = &c;
  }
  if (cl) {
    if (cl->package) gpu_pkg = cl->package;
    p.via = cl->kind;
  }
  if (tier_pkg && gpu_pkg && *tier_pkg != *gpu_pkg) {
    p.crosses_socket = true;
    p.floor_known = false;
    p.hops.push_back(
        {"socket", "", fmt::format("socket interconnect {}->{}", *tier_pkg, *gpu_pkg), {}, 0, 1});
    p.notes.push_back("floor unknown: crosses sockets, not measured");
  }
  if (cl) {
    const bool c2c = cl->kind == "nvlink-c2c";
    const std::string pkg = cl->package ? fmt::format("{}", *cl->package) : "?";
    p.hops.push_back({cl->kind,
                      "",
                      c2c ? fmt::format("NVLink-C2C {} (coherent link to the CPU)", g.busid)
                          : fmt::format("NVLink {} to package {}", g.busid, pkg),
                      {},
                      cl->bps,
                      1});
    p.notes.push_back(c2c ? "the GPU reaches the CPU over NVLink-C2C (CUDA: it uses the host's "
                            "page tables), not PCIe"
                          : "the GPU reaches the CPU over NVLink, not PCIe");
    if (!(cl->bps > 0)) {
      p.floor_known = false;
      p.notes.push_back(fmt::format(
          "floor unknown: {} bandwidth is not reported (hwloc, CUDA); the measured DMA is the "
          "figure",
          c2c ? "NVLink-C2C" : "NVLink"));
    }
    return;
  }
  for (auto& h : link_hops(topo, gchain))
    p.hops.push_back(std::move(h));
}

// Narrowest of the tier side and the hops, each capacity divided by `shared` when asked.
void narrowest(path& p, bool shared) {
  double best = p.tier_effective_bps > 0 ? p.tier_effective_bps / (shared ? p.tier_sharers : 1) : 0;
  double raw = p.tier_raw_bps;
  std::string who = best > 0 ? p.tier_binding : "";
  int sharers = shared ? p.tier_sharers : 1;
  for (const auto& h : p.hops) {
    const double c = h.ceiling();
    if (!(c > 0)) continue;
    const int k = shared ? h.sharers : 1;
    if (best == 0 || c / k < best) {
      best = c / k;
      raw = h.kind == "pcie" ? h.link.raw_bps : h.bps;
      who = h.kind == "pcie" ? h.busid : h.kind;
      sharers = k;
    }
  }
  if (shared) {
    p.share_effective_bps = best;
    p.share_binding = who;
    p.share_sharers = sharers;
  } else {
    p.min_effective_bps = best;
    p.min_raw_bps = best > 0 ? raw : 0;
    p.binding = who;
  }
}

}  // namespace

std::vector<tier_location> memory_tiers(const topology& topo) {
  std::vector<tier_location> out;
  for (const auto& n : topo.numa) {
    if (n.subtype == "GPUMemory") continue;  // a GPU's own memory, not a host tier
    out.push_back({fmt::format("node:{}", n.os_index), n.package, n.os_index, n.cxl_devices});
  }
  for (const auto& d : topo.dax) {
    tier_location t{"dax:/dev/" + d.name, std::nullopt, std::nullopt, d.cxl_devices};
    if (d.numa_node) t.node = static_cast<unsigned>(*d.numa_node);
    t.package = package_of_node(topo, d.numa_node.value_or(-1));
    out.push_back(std::move(t));
  }
  return out;
}

std::optional<tier_location> locate_tier(const topology& topo, const std::string& tier) {
  // A DAX tier may name a range of the device: dax:/dev/dax0.0@OFFSET+SIZE.
  std::string name = tier.rfind("dax:", 0) == 0 ? tier.substr(0, tier.find('@')) : tier;
  if (tier.rfind("node:", 0) != 0 && tier.rfind("dax:", 0) != 0) {
    const auto cpus = std::find_if(topo.numa.begin(), topo.numa.end(),
                                   [](const numa_node& n) { return !n.cpu_less.value_or(false); });
    name = cpus != topo.numa.end() ? fmt::format("node:{}", cpus->os_index)
           : topo.numa.empty()     ? "node:0"
                                   : fmt::format("node:{}", topo.numa.front().os_index);
  }
  for (auto& t : memory_tiers(topo)) {
    if (t.name == name) return t;
  }
  return std::nullopt;
}

namespace {

// The legs of a tier's path, one per CXL device, from the device up to its host bridge. Returns
// the package the tier's memory hangs off (the CXL host bridge's, else the tier's own).
std::optional<unsigned> add_legs(const topology& topo, const tier_location& tier, path& p) {
  std::optional<unsigned> tier_package = tier.package;
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
    l.hops = link_hops(topo, cchain);
    for (const auto& h : l.hops) {
      if (h.link.known() && (l.effective_bps == 0 || h.link.effective_bps < l.effective_bps)) {
        l.effective_bps = h.link.effective_bps;
        l.raw_bps = h.link.raw_bps;
      }
    }
    const auto& croot = topo.pci[static_cast<std::size_t>(cchain.back())];
    if (croot.package) tier_package = croot.package;
    p.legs.push_back(std::move(l));
  }
  return tier_package;
}

}  // namespace

path compute_path(const topology& topo, const tier_location& tier, const gpu& g) {
  path p;
  p.tier = tier.name;
  p.gpu_busid = g.busid;
  const std::optional<unsigned> tier_package = add_legs(topo, tier, p);
  tier_side(p);
  gpu_side(topo, p, g, tier_package);
  narrowest(p, false);
  narrowest(p, true);
  return p;
}

std::optional<path> cpu_path(const topology& topo, const tier_location& tier) {
  if (tier.cxl_devices.empty()) return std::nullopt;
  path p;
  p.tier = tier.name;
  p.via = "cpu";
  add_legs(topo, tier, p);
  tier_side(p);
  narrowest(p, false);
  narrowest(p, true);
  return p;
}

std::vector<path> tier_paths(const topology& topo, const tier_location& tier) {
  std::vector<path> paths;
  for (const auto& g : topo.gpus)
    paths.push_back(compute_path(topo, tier, g));
  // An element on k GPUs' paths is shared by k GPUs when they all load at once.
  std::map<std::string, int> users;
  for (const auto& p : paths) {
    for (const auto& h : p.hops)
      ++users[h.kind == "pcie" ? h.busid : h.label];
  }
  for (auto& p : paths) {
    p.tier_sharers = static_cast<int>(paths.size());
    for (auto& h : p.hops)
      h.sharers = std::max(1, users[h.kind == "pcie" ? h.busid : h.label]);
    narrowest(p, true);
  }
  return paths;
}

std::vector<path> all_paths(const topology& topo) {
  std::vector<path> out;
  for (const auto& t : memory_tiers(topo)) {
    for (auto& p : tier_paths(topo, t))
      out.push_back(std::move(p));
    if (auto p = cpu_path(topo, t)) out.push_back(std::move(*p));
  }
  return out;
}

}  // namespace cxlprobe::topology
