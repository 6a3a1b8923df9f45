#include "report/floor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "topology/paths.hpp"
#include "topology/pcie.hpp"

namespace cxlprobe::report {

namespace {

std::optional<double> median_of(const result& r, const char* name) {
  const metric* m = r.find(name, "median");
  return m && m->value ? m->value : std::nullopt;
}

// The topology tier a measured tier's bytes live in.
std::string path_tier_of(const std::string& tier, const topology::topology& topo) {
  if (tier.rfind("node:", 0) == 0 || tier.rfind("dax:", 0) == 0) return tier;
  // dram and file stand-ins (tmpfs) live in the DRAM of the first node with CPUs.
  for (const auto& n : topo.numa) {
    if (!n.cpu_less.value_or(false)) return fmt::format("node:{}", n.os_index);
  }
  return topo.numa.empty() ? "node:0" : fmt::format("node:{}", topo.numa.front().os_index);
}

std::string gbps(std::optional<double> v) {
  return v ? fmt::format("{:.2f}", *v / 1e9) : "-";
}

}  // namespace

std::vector<floor_entry> analyse_floors(const topology::topology& topo,
                                        const std::vector<result>& results) {
  // Tiers that were measured, in order of appearance; with no measurement, every topology tier.
  std::vector<std::string> tiers;
  std::map<std::string, double> cpu_read;  // tier -> best read bandwidth over thread counts
  std::map<std::pair<std::string, std::string>, double> h2d,
      d2h;  // (tier, gpu bus id) -> largest size
  std::map<std::pair<std::string, std::string>, double> h2d_size, d2h_size;
  auto note_tier = [&](const std::string& t) {
    if (std::find(tiers.begin(), tiers.end(), t) == tiers.end()) tiers.push_back(t);
  };
  for (const auto& r : results) {
    if (r.state != status::ok) continue;
    const std::string tier = r.params.value("tier", "");
    if (tier.empty()) continue;
    if (r.probe == "bw" && r.params.value("op", "") == "read") {
      note_tier(tier);
      if (auto v = median_of(r, "bandwidth")) cpu_read[tier] = std::max(cpu_read[tier], *v);
    } else if (r.probe == "dma" && r.params.value("pattern", "bulk") == "bulk" &&
               r.params.value("engine", "ce") == "ce" && r.params.value("streams", 1) == 1) {
      note_tier(tier);
      const std::string gpu = r.params.value("gpu_busid", "");
      const double size = r.params.value("size", 0.0);
      const auto key = std::make_pair(tier, gpu);
      const auto v = median_of(r, "bandwidth");
      if (!v) continue;
      const std::string dir = r.params.value("dir", "");
      if (dir == "h2d" && size >= h2d_size[key]) {
        h2d[key] = *v;
        h2d_size[key] = size;
      } else if (dir == "d2h" && size >= d2h_size[key]) {
        d2h[key] = *v;
        d2h_size[key] = size;
      }
    }
  }
  if (tiers.empty()) {
    for (const auto& t : topology::memory_tiers(topo))
      tiers.push_back(t.name);
  }
  const auto all_tiers = topology::memory_tiers(topo);
  std::vector<floor_entry> out;
  for (const auto& tier : tiers) {
    const std::string pt = path_tier_of(tier, topo);
    const auto loc = std::find_if(all_tiers.begin(), all_tiers.end(),
                                  [&](const auto& t) { return t.name == pt; });
    if (loc == all_tiers.end()) continue;
    // Paths of every GPU from this tier: an element on k of them is shared by k GPUs.
    std::vector<topology::path> paths;
    for (const auto& g : topo.gpus)
      paths.push_back(topology::compute_path(topo, *loc, g));
    std::map<std::string, int> users;
    for (const auto& p : paths) {
      std::set<std::string> seen;
      for (const auto& l : p.legs)
        seen.insert("cxl:" + l.cxl_device);
      for (const auto& h : p.hops) {
        if (!h.busid.empty()) seen.insert(h.busid);
      }
      for (const auto& s : seen)
        ++users[s];
    }
    for (const auto& p : paths) {
      floor_entry e;
      e.tier = tier;
      e.path_tier = pt;
      e.gpu = p.gpu_busid;
      if (auto it = cpu_read.find(tier); it != cpu_read.end()) {
        e.elements.push_back({"tier",
                              tier,
                              fmt::format("{} read from the CPUs (measured)", tier),
                              std::nullopt,
                              it->second,
                              1,
                              {}});
      }
      if (!p.legs.empty()) {
        double raw = 0, eff = 0;
        std::string names;
        for (const auto& l : p.legs) {
          raw += l.raw_bps;
          eff += l.effective_bps;
          names += (names.empty() ? "" : "+") + l.cxl_device;
        }
        const int k = users["cxl:" + p.legs.front().cxl_device];
        e.elements.push_back({"cxl",
                              "cxl:" + names,
                              fmt::format("CXL device link(s) {}", names),
                              raw > 0 ? std::optional<double>(raw) : std::nullopt,
                              eff > 0 ? std::optional<double>(eff / k) : std::nullopt,
                              k,
                              {}});
      }
      for (const auto& h : p.hops) {
        if (h.kind == "socket") {
          e.elements.push_back({"socket",
                                "socket",
                                h.label + " (ceiling unknown)",
                                std::nullopt,
                                std::nullopt,
                                1,
                                {}});
          continue;
        }
        const int k = std::max(1, users[h.busid]);
        e.elements.push_back(
            {"link",
             h.busid,
             fmt::format("PCIe {} ({})", h.busid, topology::pcie::describe(h.link)),
             h.link.known() ? std::optional<double>(h.link.raw_bps) : std::nullopt,
             h.link.known() ? std::optional<double>(h.link.effective_bps / k) : std::nullopt,
             k,
             {}});
      }
      // The binding element: the smallest capacity.
      const floor_element* bind = nullptr;
      for (const auto& el : e.elements) {
        if (el.capacity_bps && (!bind || *el.capacity_bps < *bind->capacity_bps)) bind = &el;
      }
      if (bind) {
        e.binding = bind->name;
        e.binding_kind = bind->kind;
        e.binding_bps = bind->capacity_bps;
        for (auto& el : e.elements) {
          if (el.capacity_bps) el.headroom = *el.capacity_bps / *e.binding_bps - 1.0;
        }
      }
      const auto key = std::make_pair(tier, p.gpu_busid);
      if (auto it = h2d.find(key); it != h2d.end()) e.measured_h2d_bps = it->second;
      if (auto it = d2h.find(key); it != d2h.end()) e.measured_d2h_bps = it->second;
      if (e.measured_h2d_bps && e.binding_bps)
        e.h2d_fraction = *e.measured_h2d_bps / *e.binding_bps;
      // One sentence a person can put in a report.
      if (!bind) {
        e.sentence =
            fmt::format("{} -> GPU {}: no ceiling is known on this path", tier, p.gpu_busid);
      } else {
        std::string what =
            bind->kind == "tier"  ? fmt::format("the tier itself ({} from the CPUs)", tier)
            : bind->kind == "cxl" ? fmt::format("the CXL device link ({})", bind->name.substr(4))
                                  : fmt::format("the PCIe link at {}", bind->name);
        e.sentence = fmt::format(
            "{} -> GPU {}: {} binds at {} GB/s{}", tier, p.gpu_busid, what, gbps(e.binding_bps),
            bind->sharers > 1 ? fmt::format(" (its share: {} GPUs load through it)", bind->sharers)
                              : "");
        if (e.h2d_fraction) {
          e.sentence += fmt::format("; measured H2D {} GB/s is {:.0f}% of it",
                                    gbps(e.measured_h2d_bps), *e.h2d_fraction * 100);
        } else {
          e.sentence += "; no DMA measured (ceilings only)";
        }
        const floor_element* next = nullptr;
        for (const auto& el : e.elements) {
          if (&el != bind && el.headroom && (!next || *el.headroom < *next->headroom)) next = &el;
        }
        if (next)
          e.sentence +=
              fmt::format("; next: {} with {:.0f}% headroom", next->label, *next->headroom * 100);
        e.sentence += ".";
      }
      out.push_back(std::move(e));
    }
  }
  return out;
}

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
                   {"h2d_fraction", opt(f.h2d_fraction)},
                   {"sentence", f.sentence}});
  }
  return arr;
}

std::string render_floors(const json& floors) {
  std::string out =
      "Floors: what bounds each tier -> GPU transfer (GB/s = 1e9 B/s; capacity = effective "
      "ceiling / GPUs sharing it)\n";
  if (floors.empty()) out += "  no GPU on this node: only the CPU-side figures above apply\n";
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
    out += fmt::format("      measured DMA: H2D {} GB/s, D2H {} GB/s\n", num(f["measured_h2d_bps"]),
                       num(f["measured_d2h_bps"]));
    out += "    " + f.value("sentence", "") + "\n";
  }
  return out;
}

}  // namespace cxlprobe::report
