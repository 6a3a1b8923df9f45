#include "report/topology_view.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>

#include "core/units.hpp"
#include "topology/paths.hpp"
#include "topology/pcie.hpp"

namespace cxlprobe::report {

namespace {

using namespace cxlprobe::topology;

std::string link_text(const link_info& l) {
  if (!l.known()) return "";
  std::string gw = l.max_gen && l.max_width ? pcie::gen_width(*l.max_gen, *l.max_width)
                   : l.gen && l.width       ? pcie::gen_width(*l.gen, *l.width)
                                            : "Gen? x?";
  if (!l.candidates.empty()) {
    gw = "";
    for (const auto& c : l.candidates)
      gw += (gw.empty() ? "" : "|") + c;
  }
  std::string text = fmt::format("{}  {:.2f} GB/s raw, {:.2f} GB/s eff ({} B payload{}) [{}]", gw,
                                 l.raw_bps / 1e9, l.effective_bps / 1e9, l.payload_bytes,
                                 l.payload_known ? "" : ", assumed", l.ceiling_from);
  if (l.state == "power saving" || l.state == "downtrained") {
    const std::string now = l.gen && l.width ? pcie::gen_width(*l.gen, *l.width)
                                             : fmt::format("{:.2f} GB/s", l.current_raw_bps / 1e9);
    text += fmt::format("  now {}: {}", now,
                        l.downtrained ? "DOWNTRAINED (link_downtrained)" : "power saving (idle)");
  }
  return text;
}

std::string class_name(std::uint16_t cls) {
  switch (cls >> 8) {
    case 0x01:
      return "storage";
    case 0x02:
      return "network";
    case 0x03:
      return (cls & 0xff) == 0x02 ? "3D controller" : "display";
    case 0x05:
      return (cls & 0xff) == 0x02 ? "CXL memory" : "memory";
    case 0x06:
      return "bridge";
    case 0x0c:
      return "serial bus";
    default:
      return fmt::format("class {:04x}", cls);
  }
}

// Which tier sits on which region, and the chain down to each CXL device's PCIe link:
//   dax0.0 -> region0 -> mem0 -> 0000:0d:00.0 (link ..., root port 0000:0c:00.0)
std::string render_regions(const topology::topology& t) {
  if (t.regions.empty()) return {};
  std::string out = "\nCXL regions (tier -> region -> memdev -> PCI function, link, port above)\n";
  for (const auto& r : t.regions) {
    out +=
        fmt::format("  {:<8} {}{:>9} at {:#x}{}{}\n", r.name, r.mode.empty() ? "" : r.mode + " ",
                    units::format_bytes(r.size), r.start,
                    r.interleave_ways ? fmt::format(", {}-way interleave", *r.interleave_ways) : "",
                    r.root_decoder.empty() ? "" : ", root decoder " + r.root_decoder);
    std::vector<std::string> tiers;
    for (const auto& d : t.dax) {
      if (d.cxl_region == r.name) tiers.push_back(d.name);
    }
    for (const auto& n : t.numa) {
      if (std::find(n.cxl_regions.begin(), n.cxl_regions.end(), r.name) != n.cxl_regions.end())
        tiers.push_back(fmt::format("node:{}", n.os_index));
    }
    const std::string tier =
        tiers.empty() ? "(no tier)" : fmt::format("{}", fmt::join(tiers, ", "));
    for (std::size_t k = 0; k < r.memdevs.size(); ++k) {
      const std::string busid = k < r.pci_busids.size() ? r.pci_busids[k] : "?";
      const int idx = t.pci_index(busid);
      std::string link = "link unknown";
      if (idx >= 0) {
        const auto& d = t.pci[static_cast<std::size_t>(idx)];
        if (d.link.known()) link = link_text(d.link);
        if (d.parent >= 0) {
          const auto& up = t.pci[static_cast<std::size_t>(d.parent)];
          link += up.kind == topology::pci_kind::host_bridge ? ", host bridge " + up.bus_range
                                                             : ", port above " + up.busid;
        }
      }
      out += fmt::format("    {} -> {} -> {} -> {}  {}\n", tier, r.name, r.memdevs[k], busid, link);
    }
  }
  return out;
}

// ", LLC 12 MiB" for one cache; ", LLC 12 MiB (24 MiB in all)" where there are several.
std::string llc_text(const topology::topology& t) {
  if (!t.llc_bytes) return "";
  std::string s = ", LLC " + units::format_bytes(*t.llc_bytes);
  if (t.llc_total_bytes && *t.llc_total_bytes != *t.llc_bytes)
    s += fmt::format(" ({} in all)", units::format_bytes(*t.llc_total_bytes));
  return s;
}

}  // namespace

std::string render_topology(const topology::topology& t) {
  std::string out;
  out += fmt::format("Machine: {} package(s), {} cores, {} PUs{}  [source {}, hwloc {}]\n",
                     t.packages, t.cores, t.pus, llc_text(t), t.source, t.hwloc_version);
  out += "\nMemory tiers\n";
  for (const auto& n : t.numa) {
    std::string kind =
        n.cpu_less ? (*n.cpu_less ? "CPU-less" : "with CPUs " + n.cpus) : "CPUs unknown";
    out += fmt::format(
        "  node:{:<3} {:>11}  {}{}{}{}{}\n", n.os_index, units::format_bytes(n.bytes), kind,
        n.subtype.empty() ? "" : ", " + n.subtype,
        n.package ? fmt::format(", package {}", *n.package) : "",
        n.memory_tier ? fmt::format(", memory tier {}", *n.memory_tier) : "",
        n.cxl_devices.empty() ? "" : ", CXL " + fmt::format("{}", fmt::join(n.cxl_devices, "+")));
  }
  for (const auto& d : t.dax) {
    out += fmt::format(
        "  dax:/dev/{:<8} {:>11}  mode {}{}{}{}{}\n", d.name, units::format_bytes(d.size), d.mode,
        d.align ? ", align " + units::format_bytes(*d.align) : "",
        d.target_node ? fmt::format(", target node {}", *d.target_node) : "",
        d.dax_type.empty() ? "" : ", " + d.dax_type,
        d.cxl_devices.empty() ? ""
                              : fmt::format(", CXL {}{}", fmt::join(d.cxl_devices, "+"),
                                            d.interleave_ways ? fmt::format(" ({}-way interleave)",
                                                                            *d.interleave_ways)
                                                              : ""));
  }
  if (!t.cxl.empty()) {
    out += "\nCXL memory devices\n";
    for (const auto& m : t.cxl) {
      out += fmt::format("  {:<6} ram {:>9}  pmem {:>9}  PCI {}{}{}\n", m.name,
                         m.ram_bytes ? units::format_bytes(m.ram_bytes) : "-",
                         m.pmem_bytes ? units::format_bytes(m.pmem_bytes) : "-",
                         m.pci_busid.empty() ? "?" : m.pci_busid,
                         m.serial.empty() ? "" : ", serial " + m.serial,
                         m.firmware.empty() ? "" : ", firmware " + m.firmware);
    }
  }
  out += render_regions(t);
  out += "\nGPUs\n";
  if (t.gpus.empty()) out += "  none found\n";
  for (const auto& g : t.gpus) {
    const auto& d = t.pci[static_cast<std::size_t>(g.pci_index)];
    const std::string ids = fmt::format("[{:04x}:{:04x}]", g.vendor_id, g.device_id);
    out +=
        fmt::format("  {}  {}{}{}{}\n      link {}\n", g.busid, g.name == ids ? "" : g.name + " ",
                    ids, g.cuda_index ? fmt::format(", CUDA device {}", *g.cuda_index) : "",
                    d.package ? fmt::format(", package {}", *d.package) : "",
                    d.link.known() ? link_text(d.link) : "unknown");
  }
  out += "\nPCI tree (devices with a known link, GPUs, CXL devices and their bridges)\n";
  // Print a device when it or something below it is worth showing.
  std::vector<bool> show(t.pci.size(), false);
  for (std::size_t i = 0; i < t.pci.size(); ++i) {
    const auto& d = t.pci[i];
    const bool interesting = d.link.known() || (d.class_id >> 8) == 0x03 || d.class_id == 0x0502 ||
                             !d.os_devices.empty();
    if (!interesting || d.kind == pci_kind::host_bridge) continue;
    for (int idx : t.chain_to_host(static_cast<int>(i)))
      show[static_cast<std::size_t>(idx)] = true;
  }
  std::function<void(int, int)> print = [&](int index, int depth) {
    const auto& d = t.pci[static_cast<std::size_t>(index)];
    std::string indent(static_cast<std::size_t>(2 + 2 * depth), ' ');
    if (d.kind == pci_kind::host_bridge) {
      out += fmt::format("{}{}{}\n", indent, d.name,
                         d.package ? fmt::format(" (package {})", *d.package) : "");
    } else {
      out += fmt::format(
          "{}{} {} {}{}{}\n", indent, d.busid, class_name(d.class_id), d.name,
          d.os_devices.empty() ? "" : fmt::format(" ({})", fmt::join(d.os_devices, ", ")),
          d.link.known() ? "  " + link_text(d.link) : "");
    }
    for (std::size_t c = 0; c < t.pci.size(); ++c) {
      if (t.pci[c].parent == index && show[c]) print(static_cast<int>(c), depth + 1);
    }
  };
  for (std::size_t i = 0; i < t.pci.size(); ++i) {
    if (t.pci[i].parent < 0 && show[i]) print(static_cast<int>(i), 0);
  }
  const auto paths = all_paths(t);
  if (!paths.empty()) {
    out +=
        "\nPaths: memory tier -> GPU (links a DMA crosses; the narrowest effective ceiling "
        "binds; per GPU = its share when every GPU loads from the tier at once), and CXL tier "
        "-> CPU\n";
    for (const auto& p : paths) {
      if (p.via == "cpu") {
        out += fmt::format("  {} -> CPU: ", p.tier);
        out += p.min_effective_bps > 0
                   ? fmt::format(
                         "floor {:.2f} GB/s effective at {} (CXL.mem ends at the host "
                         "bridge)",
                         p.min_effective_bps / 1e9, p.binding)
                   : std::string("no link speed known");
      } else {
        out += fmt::format("  {} -> {}: ", p.tier, p.gpu_busid);
        if (p.share_effective_bps > 0) {
          out += fmt::format("floor {:.2f} GB/s effective per GPU at {}",
                             p.share_effective_bps / 1e9, p.share_binding);
          if (p.share_sharers > 1)
            out += fmt::format(" (shared by {} GPUs; {:.2f} GB/s alone at {})", p.share_sharers,
                               p.min_effective_bps / 1e9, p.binding);
        } else {
          out += "no link speed known";
        }
        if (p.via != "pcie") out += fmt::format(", over {} (not PCIe)", p.via);
      }
      for (const auto& n : p.notes)
        out += "; " + n;
      out += "\n";
      if (paths.size() > 8) continue;  // many GPUs: one line per path; the JSON has every hop
      for (const auto& l : p.legs) {
        for (const auto& h : l.hops)
          out += fmt::format("      tier  {}  {}\n", h.label, link_text(h.link));
      }
      for (const auto& h : p.hops) {
        out += fmt::format("      {}  {}  {}\n", h.kind == "pcie" ? "gpu  " : h.kind, h.label,
                           h.kind == "pcie" ? link_text(h.link)
                           : h.bps > 0      ? fmt::format("{:.2f} GB/s", h.bps / 1e9)
                                            : "ceiling not measured");
      }
    }
  }
  std::vector<std::string> link_notes;
  for (const auto& d : t.pci) {
    for (const auto& n : d.link.notes)
      link_notes.push_back(fmt::format("link above {}: {}", d.busid, n));
  }
  if (!link_notes.empty()) {
    out += "\nLink states\n";
    for (const auto& n : link_notes)
      out += "  - " + n + "\n";
  }
  if (!t.notes.empty()) {
    out += "\nNotes\n";
    for (const auto& n : t.notes)
      out += "  - " + n + "\n";
  }
  return out;
}

}  // namespace cxlprobe::report
