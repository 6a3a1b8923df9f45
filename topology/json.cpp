#include "topology/json.hpp"

#include <fmt/format.h>

namespace cxlprobe::topology {

namespace {

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json positive(double v) {
  return v > 0 ? json(v) : json(nullptr);
}

std::string hex4(std::uint16_t v) {
  return fmt::format("{:04x}", v);
}

std::string_view kind_name(pci_kind k) {
  switch (k) {
    case pci_kind::host_bridge:
      return "host-bridge";
    case pci_kind::bridge:
      return "bridge";
    case pci_kind::device:
      break;
  }
  return "device";
}

json hops_json(const std::vector<hop>& hops) {
  json out = json::array();
  for (const auto& h : hops) {
    out.push_back({{"kind", h.kind},
                   {"busid", h.busid.empty() ? json(nullptr) : json(h.busid)},
                   {"label", h.label},
                   {"link", to_json(h.link)}});
  }
  return out;
}

}  // namespace

json to_json(const link_info& l) {
  return {{"gen", opt(l.gen)},
          {"width", opt(l.width)},
          {"gts", opt(l.gts)},
          {"max_gen", opt(l.max_gen)},
          {"max_width", opt(l.max_width)},
          {"raw_bps", positive(l.raw_bps)},
          {"effective_bps", positive(l.effective_bps)},
          {"payload_bytes", l.payload_bytes},
          {"payload_known", l.payload_known},
          {"source", l.source},
          {"candidates", l.candidates}};
}

json to_json(const path& p) {
  json legs = json::array();
  for (const auto& l : p.legs) {
    legs.push_back({{"cxl_device", l.cxl_device},
                    {"hops", hops_json(l.hops)},
                    {"raw_bps", positive(l.raw_bps)},
                    {"effective_bps", positive(l.effective_bps)}});
  }
  return {{"tier", p.tier},
          {"gpu", p.gpu_busid},
          {"legs", legs},
          {"hops", hops_json(p.hops)},
          {"crosses_socket", p.crosses_socket},
          {"through_switch", p.through_switch},
          {"min_raw_bps", positive(p.min_raw_bps)},
          {"min_effective_bps", positive(p.min_effective_bps)},
          {"binding", p.binding.empty() ? json(nullptr) : json(p.binding)}};
}

json to_json(const topology& t, bool with_paths) {
  json numa = json::array();
  for (const auto& n : t.numa) {
    numa.push_back({{"os_index", n.os_index},
                    {"bytes", n.bytes},
                    {"cpu_less", opt(n.cpu_less)},
                    {"cpus", n.cpus},
                    {"subtype", n.subtype},
                    {"memory_tier", opt(n.memory_tier)},
                    {"package", opt(n.package)},
                    {"cxl_devices", n.cxl_devices},
                    {"interleave_ways", opt(n.interleave_ways)}});
  }
  json dax = json::array();
  for (const auto& d : t.dax) {
    dax.push_back({{"name", d.name},
                   {"path", "/dev/" + d.name},
                   {"bytes", d.size},
                   {"align", opt(d.align)},
                   {"mode", d.mode},
                   {"target_node", opt(d.target_node)},
                   {"numa_node", opt(d.numa_node)},
                   {"dax_type", d.dax_type},
                   {"cxl_devices", d.cxl_devices},
                   {"interleave_ways", opt(d.interleave_ways)},
                   {"source", d.source}});
  }
  json cxl = json::array();
  for (const auto& m : t.cxl) {
    cxl.push_back({{"name", m.name},
                   {"ram_bytes", m.ram_bytes},
                   {"pmem_bytes", m.pmem_bytes},
                   {"pci_busid", m.pci_busid},
                   {"numa_node", opt(m.numa_node)},
                   {"serial", m.serial},
                   {"firmware", m.firmware}});
  }
  json gpus = json::array();
  for (const auto& g : t.gpus) {
    const auto& d = t.pci[static_cast<std::size_t>(g.pci_index)];
    gpus.push_back({{"busid", g.busid},
                    {"vendor_id", hex4(g.vendor_id)},
                    {"device_id", hex4(g.device_id)},
                    {"name", g.name},
                    {"cuda_index", opt(g.cuda_index)},
                    {"package", opt(d.package)},
                    {"link", to_json(d.link)}});
  }
  json pci = json::array();
  for (std::size_t i = 0; i < t.pci.size(); ++i) {
    const auto& d = t.pci[i];
    json chain = json::array();
    for (int idx : t.chain_to_host(static_cast<int>(i))) {
      const auto& up = t.pci[static_cast<std::size_t>(idx)];
      chain.push_back(up.kind == pci_kind::host_bridge ? up.bus_range : up.busid);
    }
    pci.push_back({{"kind", kind_name(d.kind)},
                   {"busid", d.busid.empty() ? json(nullptr) : json(d.busid)},
                   {"bus_range", d.bus_range.empty() ? json(nullptr) : json(d.bus_range)},
                   {"class_id", hex4(d.class_id)},
                   {"vendor_id", hex4(d.vendor_id)},
                   {"device_id", hex4(d.device_id)},
                   {"name", d.name},
                   {"package", opt(d.package)},
                   {"numa_nodes", d.numa_nodes},
                   {"os_devices", d.os_devices},
                   {"link", to_json(d.link)},
                   {"path_to_host", chain}});
  }
  json out = {{"source", t.source},
              {"hwloc_version", t.hwloc_version},
              {"packages", t.packages},
              {"cores", t.cores},
              {"pus", t.pus},
              {"llc_bytes", opt(t.llc_bytes)},
              {"numa_nodes", numa},
              {"dax_devices", dax},
              {"cxl_memdevs", cxl},
              {"gpus", gpus},
              {"pci", pci},
              {"notes", t.notes}};
  if (with_paths) {
    json paths = json::array();
    for (const auto& p : all_paths(t))
      paths.push_back(to_json(p));
    out["paths"] = paths;
  }
  return out;
}

}  // namespace cxlprobe::topology
