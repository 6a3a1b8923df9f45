#include "report/floor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "core/units.hpp"
#include "topology/paths.hpp"
#include "topology/pcie.hpp"

namespace cxlprobe::report {

namespace {

std::optional<double> median_of(const result& r, const char* name) {
  const metric* m = r.find(name, "median");
  return m && m->value ? m->value : std::nullopt;
}

std::string gbps(std::optional<double> v) {
  return v ? fmt::format("{:.2f}", *v / 1e9) : "-";
}

}  // namespace

namespace {

// What was measured, keyed for the floor analysis.
struct measured {
  std::vector<std::string> tiers;          // measured tiers, in order of appearance
  std::map<std::string, double> cpu_read;  // tier -> best read bandwidth (no --cpu-node)
  // (CPU node, memory node) -> read bandwidth: the bandwidth matrix of a multi-node machine.
  std::map<std::pair<int, int>, double> matrix;
  std::map<std::pair<std::string, std::string>, std::pair<double, double>> h2d, d2h;  // size, bps
  // (tier, GPU) -> block size -> KV restore figures.
  std::map<std::pair<std::string, std::string>, std::map<double, kv_figure>> kv;
};

// A KV restore result: the per-block copy is the software floor; the best kernel is kept.
void note_kv(measured& m, const result& r, const std::string& tier, double bps) {
  const auto busid = r.params.find("gpu_busid");
  if (busid == r.params.end() || !busid->is_string()) return;
  const double block = r.params.value("block", 0.0);
  kv_figure& k = m.kv[{tier, busid->get<std::string>()}][block];
  k.block_bytes = block;
  const std::string method = r.params.value("method", "");
  if (method == "copy") {
    k.per_block_copy_bps = bps;
  } else if (method == "kernel" && (!k.kernel_bps || bps > *k.kernel_bps)) {
    k.kernel_bps = bps;
    k.kernel = r.params.value("kernel", "");
  }
}

int node_of_tier(const std::string& tier) {
  return tier.rfind("node:", 0) == 0 ? std::atoi(tier.c_str() + 5) : -1;
}

measured collect(const std::vector<result>& results) {
  measured m;
  auto note_tier = [&](const std::string& t) {
    if (std::find(m.tiers.begin(), m.tiers.end(), t) == m.tiers.end()) m.tiers.push_back(t);
  };
  for (const auto& r : results) {
    if (r.state != status::ok) continue;
    const std::string tier = r.params.value("tier", "");
    if (tier.empty()) continue;
    const auto v = median_of(r, "bandwidth");
    if (r.probe == "bw" && r.params.value("op", "") == "read") {
      if (!v) continue;
      if (r.params.contains("cpu_node")) {
        const auto key = std::make_pair(r.params["cpu_node"].get<int>(), node_of_tier(tier));
        m.matrix[key] = std::max(m.matrix[key], *v);
        continue;
      }
      note_tier(tier);
      m.cpu_read[tier] = std::max(m.cpu_read[tier], *v);
    } else if (r.probe == "dma" && r.params.value("pattern", "") == "kv-restore") {
      if (v) note_kv(m, r, tier, *v);
    } else if (r.probe == "dma" && r.params.value("pattern", "bulk") == "bulk" &&
               r.params.value("engine", "ce") == "ce" && r.params.value("streams", 1) == 1) {
      note_tier(tier);
      if (!v) continue;
      const std::string dir = r.params.value("dir", "");
      if (dir != "h2d" && dir != "d2h") continue;  // bidir is not a one-way figure
      // The aggregate of several GPUs (gpu_busid null, keyed by gpu_set) is no GPU's figure.
      const auto busid = r.params.find("gpu_busid");
      if (busid == r.params.end() || !busid->is_string()) continue;
      const auto key = std::make_pair(tier, busid->get<std::string>());
      const double size = r.params.value("size", 0.0);
      auto& slot = dir == "h2d" ? m.h2d[key] : m.d2h[key];
      if (size >= slot.first) slot = {size, *v};
    }
  }
  return m;
}

// The socket crossing of a path, measured: CPUs local to the GPU reading the tier's node.
std::optional<double> socket_figure(const topology::topology& topo, const topology::path& p,
                                    const topology::tier_location& tier, const measured& m) {
  const int gi = topo.pci_index(p.gpu_busid);
  if (gi < 0 || !tier.node) return std::nullopt;
  const auto chain = topo.chain_to_host(gi);
  for (unsigned cpu_node : topo.pci[static_cast<std::size_t>(chain.back())].numa_nodes) {
    const auto it = m.matrix.find({static_cast<int>(cpu_node), static_cast<int>(*tier.node)});
    if (it != m.matrix.end()) return it->second;
  }
  return std::nullopt;
}

floor_element hop_element(const topology::hop& h, std::optional<double> socket_bps) {
  const int k = std::max(1, h.sharers);
  if (h.kind == "socket") {
    if (socket_bps) {
      return {"socket",
              "socket",
              h.label + " (measured: CPUs by the GPU reading the tier's node)",
              std::nullopt,
              *socket_bps / k,
              k,
              {}};
    }
    return {"socket",
            "socket",
            h.label + " (floor unknown: crosses sockets, not measured)",
            std::nullopt,
            std::nullopt,
            k,
            {}};
  }
  if (h.kind != "pcie") {
    return {h.kind,
            h.kind,
            h.label,
            h.bps > 0 ? std::optional<double>(h.bps) : std::nullopt,
            h.bps > 0 ? std::optional<double>(h.bps / k) : std::nullopt,
            k,
            {}};
  }
  std::string label = fmt::format("PCIe {} ({})", h.busid, topology::pcie::describe(h.link));
  if (h.link.downtrained) label += " DOWNTRAINED";
  return {"link",
          h.busid,
          label,
          h.link.known() ? std::optional<double>(h.link.raw_bps) : std::nullopt,
          h.link.known() ? std::optional<double>(h.link.effective_bps / k) : std::nullopt,
          k,
          {}};
}

void bind(floor_entry& e) {
  const floor_element* b = nullptr;
  for (const auto& el : e.elements) {
    if (el.capacity_bps && (!b || *el.capacity_bps < *b->capacity_bps)) b = &el;
  }
  if (!b) return;
  e.binding = b->name;
  e.binding_kind = b->kind;
  e.binding_bps = b->capacity_bps;
  for (auto& el : e.elements) {
    if (el.capacity_bps) el.headroom = *el.capacity_bps / *e.binding_bps - 1.0;
  }
}

std::string sentence(const floor_entry& e) {
  const floor_element* b = nullptr;
  for (const auto& el : e.elements) {
    if (el.name == e.binding) b = &el;
  }
  if (!b) return fmt::format("{} -> GPU {}: no ceiling is known on this path", e.tier, e.gpu);
  const std::string what = b->kind == "tier"
                               ? fmt::format("the tier itself ({} from the CPUs)", e.tier)
                           : b->kind == "cxl" ? fmt::format("the CXL side ({})", b->name.substr(4))
                           : b->kind == "socket" ? std::string("the socket interconnect (measured)")
                           : b->kind == "link"   ? fmt::format("the PCIe link at {}", b->name)
                                                 : fmt::format("the {} link", b->kind);
  std::string s = fmt::format(
      "{} -> GPU {}: {} binds at {} GB/s{}", e.tier, e.gpu, what, gbps(e.binding_bps),
      b->sharers > 1 ? fmt::format(" (its share: {} GPUs load through it)", b->sharers) : "");
  if (!e.floor_known) s += " (an upper bound; floor unknown: crosses sockets, not measured)";
  if (e.h2d_fraction) {
    s += fmt::format("; measured H2D {} GB/s is {:.0f}% of it", gbps(e.measured_h2d_bps),
                     *e.h2d_fraction * 100);
  } else {
    s += "; no DMA measured (ceilings only)";
  }
  const floor_element* next = nullptr;
  for (const auto& el : e.elements) {
    if (&el != b && el.headroom && (!next || *el.headroom < *next->headroom)) next = &el;
  }
  if (next)
    s += fmt::format("; next: {} with {:.0f}% headroom", next->label, *next->headroom * 100);
  for (const auto& k : e.kv_restore) {
    s += fmt::format("; KV restore in {} blocks: one copy per block {} GB/s (the software floor)",
                     units::format_bytes(static_cast<std::uint64_t>(k.block_bytes)),
                     gbps(k.per_block_copy_bps));
    if (k.kernel_bps) {
      s += fmt::format(", {} kernel {} GB/s", k.kernel, gbps(k.kernel_bps));
      if (k.kernel_of_bulk) s += fmt::format(" ({:.0f}% of bulk H2D)", *k.kernel_of_bulk * 100);
    }
  }
  return s + ".";
}

// The tier side of a path (every CXL leg up to its host bridge) as one element.
std::optional<floor_element> cxl_element(const topology::path& p) {
  if (!(p.tier_effective_bps > 0)) return std::nullopt;
  std::string links;
  for (const auto& l : p.legs) {
    for (const auto& h : l.hops) {
      if (h.busid != l.cxl_device || !h.link.gen || !h.link.width) continue;
      links += fmt::format("{}{} Gen{} x{}", links.empty() ? "" : ", ", h.busid, *h.link.gen,
                           *h.link.width);
    }
  }
  const int k = p.tier_sharers;
  return floor_element{
      "cxl",
      p.tier_binding,
      fmt::format("CXL side {}{}{}", p.tier_binding.substr(4),
                  p.legs.size() > 1 ? fmt::format(" ({} legs)", p.legs.size()) : "",
                  links.empty() ? "" : " [link " + links + "]"),
      p.tier_raw_bps,
      p.tier_effective_bps / k,
      k,
      {}};
}

// Notes for links that idle below their capability or run below it (CXL legs and GPU side).
void link_state_notes(floor_entry& e, const topology::path& p) {
  std::vector<const topology::hop*> hops;
  for (const auto& l : p.legs) {
    for (const auto& h : l.hops)
      hops.push_back(&h);
  }
  for (const auto& h : p.hops)
    hops.push_back(&h);
  for (const auto* h : hops) {
    if (h->kind != "pcie") continue;
    if (h->link.downtrained) e.link_downtrained = true;
    if (h->link.state == "power saving" || h->link.downtrained) {
      e.notes.push_back(fmt::format("link above {}: {} ({}; the ceiling is its capability)",
                                    h->busid, h->link.state,
                                    h->link.downtrained ? "a fault: it runs below what it can do"
                                                        : "idle, retrains under load"));
    }
  }
}

// What binds the CPU's own reads of a CXL tier, beside what the CPUs measured.
std::string cpu_sentence(const floor_entry& e) {
  if (!e.binding_bps) return fmt::format("{} -> CPU: no ceiling is known on this path", e.tier);
  std::string s = fmt::format("{} -> CPU: the CXL side ({}) binds at {} GB/s", e.tier,
                              e.binding.substr(4), gbps(e.binding_bps));
  if (e.measured_cpu_read_bps) {
    s += fmt::format("; measured CPU read {} GB/s is {:.0f}% of it", gbps(e.measured_cpu_read_bps),
                     *e.measured_cpu_read_bps / *e.binding_bps * 100);
  } else {
    s += "; no CPU read measured (ceilings only)";
  }
  return s + ".";
}

floor_entry cpu_entry_for(const topology::path& p, const std::string& tier, const measured& m) {
  floor_entry e;
  e.tier = tier;
  e.path_tier = p.tier;
  e.gpu = "cpu";
  e.consumer = "cpu";
  e.via = "cpu";
  if (auto cxl = cxl_element(p)) e.elements.push_back(*cxl);
  e.notes = p.notes;
  link_state_notes(e, p);
  bind(e);
  if (auto it = m.cpu_read.find(tier); it != m.cpu_read.end()) e.measured_cpu_read_bps = it->second;
  e.sentence = cpu_sentence(e);
  return e;
}

floor_entry entry_for(const topology::topology& topo, const topology::tier_location& loc,
                      const topology::path& p, const std::string& tier, const measured& m) {
  floor_entry e;
  e.tier = tier;
  e.path_tier = loc.name;
  e.gpu = p.gpu_busid;
  e.via = p.via;
  if (auto it = m.cpu_read.find(tier); it != m.cpu_read.end()) {
    e.elements.push_back({"tier",
                          tier,
                          fmt::format("{} read from the CPUs (measured)", tier),
                          std::nullopt,
                          it->second,
                          1,
                          {}});
  }
  if (auto cxl = cxl_element(p)) e.elements.push_back(*cxl);
  const auto socket_bps = socket_figure(topo, p, loc, m);
  e.floor_known = !p.crosses_socket || socket_bps.has_value();
  e.notes = p.notes;
  for (const auto& h : p.hops)
    e.elements.push_back(hop_element(h, socket_bps));
  link_state_notes(e, p);
  if (p.crosses_socket && socket_bps) {
    std::erase(e.notes, std::string("floor unknown: crosses sockets, not measured"));
    e.notes.push_back("crosses sockets: the measured cross-node read bandwidth stands for the hop");
  }
  bind(e);
  const auto key = std::make_pair(tier, p.gpu_busid);
  if (auto it = m.h2d.find(key); it != m.h2d.end()) e.measured_h2d_bps = it->second.second;
  if (auto it = m.d2h.find(key); it != m.d2h.end()) e.measured_d2h_bps = it->second.second;
  if (e.measured_h2d_bps && e.binding_bps) e.h2d_fraction = *e.measured_h2d_bps / *e.binding_bps;
  if (auto it = m.kv.find(key); it != m.kv.end()) {
    for (auto [block, k] : it->second) {
      if (k.kernel_bps && e.measured_h2d_bps)
        k.kernel_of_bulk = *k.kernel_bps / *e.measured_h2d_bps;
      e.kv_restore.push_back(k);
    }
  }
  e.sentence = sentence(e);
  return e;
}

}  // namespace

std::vector<floor_entry> analyse_floors(const topology::topology& topo,
                                        const std::vector<result>& results) {
  const measured m = collect(results);
  std::vector<std::string> tiers = m.tiers;
  // With no measurement, every topology tier.
  if (tiers.empty()) {
    for (const auto& t : topology::memory_tiers(topo))
      tiers.push_back(t.name);
  }
  std::vector<floor_entry> out;
  for (const auto& tier : tiers) {
    const auto loc = topology::locate_tier(topo, tier);
    if (!loc) continue;
    for (const auto& p : topology::tier_paths(topo, *loc))
      out.push_back(entry_for(topo, *loc, p, tier, m));
    // A CXL tier also bounds the CPUs' own loads: its legs end at the host bridge.
    if (const auto p = topology::cpu_path(topo, *loc)) out.push_back(cpu_entry_for(*p, tier, m));
  }
  return out;
}

namespace {
json kv_json(const std::vector<kv_figure>& kv) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json out = json::array();
  for (const auto& k : kv) {
    out.push_back({{"block_bytes", k.block_bytes},
                   {"per_block_copy_bps", opt(k.per_block_copy_bps)},
                   {"kernel_bps", opt(k.kernel_bps)},
                   {"kernel", k.kernel},
                   {"kernel_of_bulk", opt(k.kernel_of_bulk)}});
  }
  return out;
}
}  // namespace

json to_json(const std::vector<floor_entry>& floors) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json arr = json::array();
  for (const auto& f : floors) {
    json els = json::array();
    for (const auto& el : f.elements) {
      els.push_back({{"kind", el.kind},
                     {"name", el.name},
                     {"label", el.label},
                     {"raw_bps", opt(el.raw_bps)},
                     {"capacity_bps", opt(el.capacity_bps)},
                     {"sharers", el.sharers},
                     {"headroom", opt(el.headroom)}});
    }
    arr.push_back({{"tier", f.tier},
                   {"path_tier", f.path_tier},
                   {"gpu", f.gpu},
                   {"elements", els},
                   {"binding", f.binding.empty() ? json(nullptr) : json(f.binding)},
                   {"binding_kind", f.binding_kind.empty() ? json(nullptr) : json(f.binding_kind)},
                   {"binding_bps", opt(f.binding_bps)},
                   {"measured_h2d_bps", opt(f.measured_h2d_bps)},
                   {"measured_d2h_bps", opt(f.measured_d2h_bps)},
                   {"consumer", f.consumer},
                   {"measured_cpu_read_bps", opt(f.measured_cpu_read_bps)},
                   {"h2d_fraction", opt(f.h2d_fraction)},
                   {"via", f.via},
                   {"kv_restore", kv_json(f.kv_restore)},
                   {"floor_known", f.floor_known},
                   {"link_downtrained", f.link_downtrained},
                   {"notes", f.notes},
                   {"sentence", f.sentence}});
  }
  return arr;
}

std::string render_floors(const json& floors) {
  std::string out =
      "Floors: what bounds each tier -> GPU transfer (GB/s = 1e9 B/s; capacity = effective "
      "ceiling / GPUs sharing it)\n";
  const bool any_gpu = std::any_of(floors.begin(), floors.end(), [](const json& f) {
    return f.value("consumer", "gpu") == "gpu";
  });
  if (!any_gpu) out += "  no GPU on this node: only the CPU-side figures apply\n";
  for (const auto& f : floors) {
    out += fmt::format("\n  {} -> {}\n", f.value("tier", ""), f.value("gpu", ""));
    for (const auto& el : f["elements"]) {
      const bool binds =
          !f["binding"].is_null() && el.value("name", "") == f["binding"].get<std::string>();
      auto num = [](const json& v) {
        return v.is_null() ? std::string("-") : fmt::format("{:.2f}", v.get<double>() / 1e9);
      };
      out +=
          fmt::format("    {} {:<70} capacity {:>7}  raw {:>7}{}\n", binds ? "*" : " ",
                      el.value("label", ""), num(el["capacity_bps"]), num(el["raw_bps"]),
                      el["headroom"].is_null() || binds
                          ? ""
                          : fmt::format("  headroom {:.0f}%", el["headroom"].get<double>() * 100));
    }
    auto num = [](const json& v) {
      return v.is_null() ? std::string("-") : fmt::format("{:.2f}", v.get<double>() / 1e9);
    };
    if (f.value("consumer", "gpu") == "cpu") {
      out += fmt::format("      measured CPU read: {} GB/s\n",
                         num(f.value("measured_cpu_read_bps", json())));
    } else {
      out += fmt::format("      measured DMA: H2D {} GB/s, D2H {} GB/s\n",
                         num(f["measured_h2d_bps"]), num(f["measured_d2h_bps"]));
    }
    for (const auto& n : f.value("notes", json::array()))
      out += "      note: " + n.get<std::string>() + "\n";
    out += "    " + f.value("sentence", "") + "\n";
  }
  return out;
}

}  // namespace cxlprobe::report
