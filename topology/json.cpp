#include "topology/json.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

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
                   {"link", to_json(h.link)},
                   {"bps", positive(h.bps)},
                   {"sharers", h.sharers}});
  }
  return out;
}

json reading_json(const link_reading& r) {
  return {{"busid", r.busid},
          {"end", r.end},
          {"source", r.source},
          {"kind", r.kind},
          {"gen", opt(r.gen)},
          {"width", opt(r.width)},
          {"max_gen", opt(r.max_gen)},
          {"max_width", opt(r.max_width)},
          {"raw_bps", positive(r.raw_bps)},
          {"payload_bytes", opt(r.payload_bytes)},
          {"quirk", r.quirk}};
}

}  // namespace

json to_json(const link_info& l) {
  json readings = json::array();
  for (const auto& r : l.readings)
    readings.push_back(reading_json(r));
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
          {"candidates", l.candidates},
          {"current_raw_bps", positive(l.current_raw_bps)},
          {"ceiling_from", l.ceiling_from},
          {"state", l.state},
          {"link_downtrained", l.downtrained},
          {"readings", readings},
          {"notes", l.notes}};
}

json to_json(const path& p) {
  json legs = json::array();
  for (const auto& l : p.legs) {
    legs.push_back({{"cxl_device", l.cxl_device},
                    {"hops", hops_json(l.hops)},
                    {"raw_bps", positive(l.raw_bps)},
                    {"effective_bps", positive(l.effective_bps)}});
  }
  auto name = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"tier", p.tier},
          {"gpu", p.via == "cpu" ? std::string("cpu") : p.gpu_busid},
          {"via", p.via},
          {"legs", legs},
          {"tier_raw_bps", positive(p.tier_raw_bps)},
          {"tier_effective_bps", positive(p.tier_effective_bps)},
          {"tier_binding", name(p.tier_binding)},
          {"hops", hops_json(p.hops)},
          {"crosses_socket", p.crosses_socket},
          {"min_raw_bps", positive(p.min_raw_bps)},
          {"min_effective_bps", positive(p.min_effective_bps)},
          {"binding", name(p.binding)},
          {"share_effective_bps", positive(p.share_effective_bps)},
          {"share_binding", name(p.share_binding)},
          {"share_sharers", p.share_sharers},
          {"floor_known", p.floor_known},
          {"notes", p.notes}};
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
                    {"interleave_ways", opt(n.interleave_ways)},
                    {"cxl_regions", n.cxl_regions}});
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
                   {"start", opt(d.start)},
                   {"cxl_region", d.cxl_region.empty() ? json(nullptr) : json(d.cxl_region)},
                   {"source", d.source}});
  }
  json regions = json::array();
  for (const auto& r : t.regions) {
    regions.push_back({{"name", r.name},
                       {"start", r.start},
                       {"bytes", r.size},
                       {"mode", r.mode},
                       {"interleave_ways", opt(r.interleave_ways)},
                       {"interleave_granularity", opt(r.interleave_granularity)},
                       {"root_decoder", r.root_decoder},
                       {"targets", r.targets},
                       {"memdevs", r.memdevs},
                       {"pci_busids", r.pci_busids},
                       {"source", r.source}});
  }
  json cxl = json::array();
  for (const auto& m : t.cxl) {
    cxl.push_back({{"name", m.name},
                   {"ram_bytes", m.ram_bytes},
                   {"pmem_bytes", m.pmem_bytes},
                   {"pci_busid", m.pci_busid},
                   {"numa_node", opt(m.numa_node)},
                   {"serial", m.serial},
                   {"firmware", m.firmware},
                   {"source", m.source}});
  }
  json gpus = json::array();
  for (const auto& g : t.gpus) {
    const auto& d = t.pci[static_cast<std::size_t>(g.pci_index)];
    json cpu_links = json::array();
    for (const auto& c : g.cpu_links)
      cpu_links.push_back(
          {{"kind", c.kind}, {"package", opt(c.package)}, {"bps", positive(c.bps)}});
    gpus.push_back({{"busid", g.busid},
                    {"vendor_id", hex4(g.vendor_id)},
                    {"device_id", hex4(g.device_id)},
                    {"name", g.name},
                    {"cuda_index", opt(g.cuda_index)},
                    {"package", opt(d.package)},
                    {"link", to_json(d.link)},
                    {"cpu_links", cpu_links}});
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
              {"llc_total_bytes", opt(t.llc_total_bytes)},
              {"numa_nodes", numa},
              {"dax_devices", dax},
              {"cxl_memdevs", cxl},
              {"cxl_regions", regions},
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

namespace {

template <typename T>
std::optional<T> opt_get(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

std::uint16_t hex_get(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return 0;
  return static_cast<std::uint16_t>(std::stoul(it->get<std::string>(), nullptr, 16));
}

link_info link_from(const json& j) {
  link_info l;
  if (!j.is_object()) return l;
  l.gen = opt_get<int>(j, "gen");
  l.width = opt_get<int>(j, "width");
  l.gts = opt_get<double>(j, "gts");
  l.max_gen = opt_get<int>(j, "max_gen");
  l.max_width = opt_get<int>(j, "max_width");
  l.raw_bps = opt_get<double>(j, "raw_bps").value_or(0);
  l.effective_bps = opt_get<double>(j, "effective_bps").value_or(0);
  l.payload_bytes = j.value("payload_bytes", 256);
  l.payload_known = j.value("payload_known", false);
  l.source = j.value("source", "none");
  if (j.contains("candidates")) l.candidates = j["candidates"].get<std::vector<std::string>>();
  l.current_raw_bps = opt_get<double>(j, "current_raw_bps").value_or(0);
  l.ceiling_from = j.value("ceiling_from", "none");
  l.state = j.value("state", "unknown");
  l.downtrained = j.value("link_downtrained", false);
  if (j.contains("notes")) l.notes = j["notes"].get<std::vector<std::string>>();
  return l;
}

}  // namespace

topology topology_from_json(const json& j) {
  if (!j.is_object() || !j.contains("pci") || !j.contains("numa_nodes")) {
    throw usage_error(
        "the result file has no context.topology (record it with a current cxlprobe)");
  }
  topology t;
  t.source = j.value("source", "recorded");
  t.hwloc_version = j.value("hwloc_version", "");
  t.packages = j.value("packages", 0u);
  t.cores = j.value("cores", 0u);
  t.pus = j.value("pus", 0u);
  t.llc_bytes = opt_get<std::uint64_t>(j, "llc_bytes");
  t.llc_total_bytes = opt_get<std::uint64_t>(j, "llc_total_bytes");
  for (const auto& n : j["numa_nodes"]) {
    numa_node node;
    node.os_index = n.value("os_index", 0u);
    node.bytes = n.value("bytes", std::uint64_t{0});
    node.cpu_less = opt_get<bool>(n, "cpu_less");
    node.cpus = n.value("cpus", "");
    node.subtype = n.value("subtype", "");
    node.memory_tier = opt_get<int>(n, "memory_tier");
    node.package = opt_get<unsigned>(n, "package");
    if (n.contains("cxl_devices"))
      node.cxl_devices = n["cxl_devices"].get<std::vector<std::string>>();
    node.interleave_ways = opt_get<int>(n, "interleave_ways");
    if (n.contains("cxl_regions"))
      node.cxl_regions = n["cxl_regions"].get<std::vector<std::string>>();
    t.numa.push_back(std::move(node));
  }
  std::vector<std::string> ids;  // bus id or, for host bridges, bus range
  for (const auto& d : j["pci"]) {
    pci_device p;
    const std::string kind = d.value("kind", "device");
    p.kind = kind == "host-bridge" ? pci_kind::host_bridge
             : kind == "bridge"    ? pci_kind::bridge
                                   : pci_kind::device;
    p.busid = opt_get<std::string>(d, "busid").value_or("");
    p.bus_range = opt_get<std::string>(d, "bus_range").value_or("");
    p.class_id = hex_get(d, "class_id");
    p.vendor_id = hex_get(d, "vendor_id");
    p.device_id = hex_get(d, "device_id");
    p.name = d.value("name", "");
    p.package = opt_get<unsigned>(d, "package");
    p.link = link_from(d.value("link", json::object()));
    ids.push_back(p.kind == pci_kind::host_bridge ? p.bus_range : p.busid);
    t.pci.push_back(std::move(p));
  }
  // Parents from each device's path to its host bridge (the second entry is the parent).
  const auto& arr = j["pci"];
  for (std::size_t i = 0; i < t.pci.size(); ++i) {
    const auto& chain = arr[i].value("path_to_host", json::array());
    if (chain.size() < 2) continue;
    const std::string up = chain[1].get<std::string>();
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] == up && k != i) t.pci[i].parent = static_cast<int>(k);
    }
  }
  for (const auto& d : j.value("dax_devices", json::array())) {
    dax_device x;
    x.name = d.value("name", "");
    x.size = d.value("bytes", std::uint64_t{0});
    x.align = opt_get<std::uint64_t>(d, "align");
    x.mode = d.value("mode", "unknown");
    x.target_node = opt_get<int>(d, "target_node");
    x.numa_node = opt_get<int>(d, "numa_node");
    if (d.contains("cxl_devices")) x.cxl_devices = d["cxl_devices"].get<std::vector<std::string>>();
    x.interleave_ways = opt_get<int>(d, "interleave_ways");
    x.cxl_region = opt_get<std::string>(d, "cxl_region").value_or("");
    t.dax.push_back(std::move(x));
  }
  for (const auto& r : j.value("cxl_regions", json::array())) {
    cxl_region x;
    x.name = r.value("name", "");
    x.start = r.value("start", std::uint64_t{0});
    x.size = r.value("bytes", std::uint64_t{0});
    x.mode = r.value("mode", "");
    x.interleave_ways = opt_get<int>(r, "interleave_ways");
    x.memdevs = r.value("memdevs", std::vector<std::string>{});
    x.pci_busids = r.value("pci_busids", std::vector<std::string>{});
    x.source = r.value("source", "");
    t.regions.push_back(std::move(x));
  }
  for (const auto& g : j.value("gpus", json::array())) {
    gpu x;
    x.busid = g.value("busid", "");
    x.vendor_id = hex_get(g, "vendor_id");
    x.device_id = hex_get(g, "device_id");
    x.name = g.value("name", "");
    x.cuda_index = opt_get<int>(g, "cuda_index");
    for (const auto& c : g.value("cpu_links", json::array())) {
      x.cpu_links.push_back({c.value("kind", ""), opt_get<unsigned>(c, "package"),
                             opt_get<double>(c, "bps").value_or(0)});
    }
    x.pci_index = t.pci_index(x.busid);
    if (x.pci_index >= 0) t.gpus.push_back(std::move(x));
  }
  return t;
}

}  // namespace cxlprobe::topology
