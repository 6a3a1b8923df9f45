// hwloc -> topology model.
#include <fmt/format.h>
#include <hwloc.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>

#include "core/error.hpp"
#include "topology/gpu_rule.hpp"
#include "topology/hwloc_loader.hpp"
#include "topology/link_state.hpp"
#include "topology/pcie.hpp"

namespace cxlprobe::topology::detail {

namespace {

struct topology_deleter {
  void operator()(hwloc_topology* t) const { hwloc_topology_destroy(t); }
};
using hwloc_handle = std::unique_ptr<hwloc_topology, topology_deleter>;

std::string busid_of(const hwloc_obj_attr_u::hwloc_pcidev_attr_s& p) {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:01x}", p.domain, p.bus, p.dev, p.func);
}

std::string info(hwloc_obj_t obj, const char* name) {
  const char* v = hwloc_obj_get_info_by_name(obj, name);
  return v ? std::string(v) : std::string();
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

std::optional<int> to_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str()) return std::nullopt;
  return static_cast<int>(v);
}

std::vector<unsigned> nodes_of(hwloc_const_nodeset_t set) {
  std::vector<unsigned> out;
  if (!set) return out;
  int i = -1;
  while ((i = hwloc_bitmap_next(set, i)) != -1)
    out.push_back(static_cast<unsigned>(i));
  return out;
}

std::optional<unsigned> package_of(hwloc_topology_t topo, hwloc_obj_t obj) {
  if (!obj) return std::nullopt;
  if (obj->type == HWLOC_OBJ_PACKAGE) return obj->os_index;
  hwloc_obj_t p = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, obj);
  if (p) return p->os_index;
  // hwloc 1.x exports nest the Package inside the NUMANode (POWER9, some AMD): imported by hwloc
  // 2, the node hangs off a Group that holds exactly one Package.
  if (obj->cpuset && !hwloc_bitmap_iszero(obj->cpuset) &&
      hwloc_get_nbobjs_inside_cpuset_by_type(topo, obj->cpuset, HWLOC_OBJ_PACKAGE) == 1) {
    return hwloc_get_next_obj_inside_cpuset_by_type(topo, obj->cpuset, HWLOC_OBJ_PACKAGE, nullptr)
        ->os_index;
  }
  // A NUMA node or I/O tree hangs off an object; look for the package below it when the
  // machine has exactly one.
  if (hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE) == 1) {
    return hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0)->os_index;
  }
  return std::nullopt;
}

// The backend an OS device comes from: its subtype (hwloc 2), else its name (hwloc 1.x exports).
std::string os_kind(const std::string& name, const std::string& subtype) {
  if (!subtype.empty()) return subtype;
  for (const auto& [prefix, kind] :
       std::initializer_list<std::pair<const char*, const char*>>{{"cuda", "CUDA"},
                                                                  {"nvml", "NVML"},
                                                                  {"rsmi", "RSMI"},
                                                                  {"opencl", "OpenCL"},
                                                                  {"ze", "LevelZero"}}) {
    if (name.rfind(prefix, 0) == 0) return kind;
  }
  return "";
}

class builder {
 public:
  builder(hwloc_topology_t topo, topology& out) : topo_(topo), out_(out) {}

  void run() {
    walk(hwloc_get_root_obj(topo_), -1);
    adopt_orphan_models();
    numa_nodes();
    counts();
    links::resolve_links(out_);
    list_gpus(out_);
    nvlink_distances();
    refuse_duplicates();
  }

 private:
  void walk(hwloc_obj_t obj, int pci_parent) {
    int here = pci_parent;
    if (obj->type == HWLOC_OBJ_BRIDGE || obj->type == HWLOC_OBJ_PCI_DEVICE) {
      here = add_pci(obj, pci_parent);
    } else if (obj->type == HWLOC_OBJ_OS_DEVICE) {
      add_osdev(obj, pci_parent);
    }
    for (hwloc_obj_t c = obj->first_child; c; c = c->next_sibling)
      walk(c, here);
    for (hwloc_obj_t c = obj->memory_first_child; c; c = c->next_sibling)
      walk(c, here);
    for (hwloc_obj_t c = obj->io_first_child; c; c = c->next_sibling)
      walk(c, here);
  }

  int add_pci(hwloc_obj_t obj, int parent) {
    pci_device d;
    d.parent = parent;
    const hwloc_obj_attr_u::hwloc_pcidev_attr_s* p = nullptr;
    if (obj->type == HWLOC_OBJ_BRIDGE) {
      const auto& b = obj->attr->bridge;
      d.bus_range = fmt::format("{:04x}:[{:02x}-{:02x}]", b.downstream.pci.domain,
                                b.downstream.pci.secondary_bus, b.downstream.pci.subordinate_bus);
      if (b.upstream_type == HWLOC_OBJ_BRIDGE_HOST) {
        d.kind = pci_kind::host_bridge;
        d.parent = -1;
        d.name = "host bridge " + d.bus_range;
      } else {
        d.kind = pci_kind::bridge;
        p = &b.upstream.pci;
      }
    } else {
      p = &obj->attr->pcidev;
    }
    if (p) {
      d.busid = busid_of(*p);
      d.class_id = p->class_id;
      d.vendor_id = p->vendor_id;
      d.device_id = p->device_id;
      linkspeed_[out_.pci.size()] = p->linkspeed;
      d.name = info(obj, "PCIDevice");
      if (d.name.empty()) d.name = fmt::format("[{:04x}:{:04x}]", d.vendor_id, d.device_id);
    }
    if (d.kind == pci_kind::host_bridge || parent < 0) {
      hwloc_obj_t nonio = hwloc_get_non_io_ancestor_obj(topo_, obj);
      d.package = package_of(topo_, nonio);
      if (nonio) d.numa_nodes = nodes_of(nonio->nodeset);
    } else {
      const auto& up = out_.pci[static_cast<std::size_t>(parent)];
      d.package = up.package;
      d.numa_nodes = up.numa_nodes;
    }
    out_.pci.push_back(std::move(d));
    return static_cast<int>(out_.pci.size() - 1);
  }

  void add_osdev(hwloc_obj_t obj, int pci_parent) {
    const std::string name = obj->name ? obj->name : "";
    const std::string subtype = obj->subtype ? obj->subtype : "";
    if (pci_parent >= 0) {
      auto& d = out_.pci[static_cast<std::size_t>(pci_parent)];
      const std::string model = info(obj, "GPUModel");
      if (d.kind == pci_kind::device) {
        d.os_devices.push_back(name);
        if (const std::string k = os_kind(name, subtype); !k.empty()) d.os_kinds.push_back(k);
        if (!model.empty()) d.name = better_name(d.name, model);
      } else if (!model.empty()) {
        // Some exports (VMs) hang a GPU's OpenCL/CUDA device on the bridge, not on the GPU.
        orphan_models_.emplace_back(pci_parent, model);
      }
      osdev_owner_[obj] = pci_parent;
    }
    if (subtype == "CXLMem") {
      cxl_memdev m;
      m.name = name;
      if (auto v = to_int(info(obj, "CXLRAMSize"))) m.ram_bytes = std::uint64_t(*v) * 1024;
      if (auto v = to_int(info(obj, "CXLPMEMSize"))) m.pmem_bytes = std::uint64_t(*v) * 1024;
      if (pci_parent >= 0) m.pci_busid = out_.pci[static_cast<std::size_t>(pci_parent)].busid;
      m.source = "hwloc";
      out_.cxl.push_back(std::move(m));
    } else if (name.rfind("dax", 0) == 0) {
      dax_device d;
      d.name = name;
      d.source = "hwloc";
      d.dax_type = info(obj, "DAXType");
      if (const std::string size = info(obj, "Size"); !size.empty()) {
        d.size = std::strtoull(size.c_str(), nullptr, 10) * 1024ULL;  // hwloc: KiB
      }
      d.cxl_devices = split_commas(info(obj, "CXLDevice"));
      d.interleave_ways = to_int(info(obj, "CXLDeviceInterleaveWays"));
      hwloc_obj_t nonio = hwloc_get_non_io_ancestor_obj(topo_, obj);
      if (nonio) {
        auto nodes = nodes_of(nonio->nodeset);
        if (nodes.size() == 1) d.numa_node = static_cast<int>(nodes[0]);
      }
      out_.dax.push_back(std::move(d));
    }
  }

  // Gives a model found on a bridge to the bridge's only GPU, when it has exactly one.
  void adopt_orphan_models() {
    for (const auto& [bridge, model] : orphan_models_) {
      int only = -1;
      int count = 0;
      for (std::size_t i = 0; i < out_.pci.size(); ++i) {
        const auto& d = out_.pci[i];
        if (d.parent == bridge && d.kind == pci_kind::device && is_gpu(d)) {
          only = static_cast<int>(i);
          ++count;
        }
      }
      if (count == 1) out_.pci[static_cast<std::size_t>(only)].name = model;
    }
    // Each function's reading, now that its OS devices say whether hwloc wrote a maximum.
    for (const auto& [index, gbps] : linkspeed_) {
      auto& d = out_.pci[index];
      const bool maximum =
          std::any_of(d.os_kinds.begin(), d.os_kinds.end(),
                      [](const std::string& k) { return k == "NVML" || k == "RSMI"; });
      d.reading = pcie::reading_from_hwloc(d.busid, gbps, maximum);
    }
  }

  // NVLink to a CPU (POWER8/9): hwloc's NVML backend records "NVLinkBandwidth"
  // between NVML OS devices and Packages, in MB/s.
  void nvlink_distances() {
    unsigned nr = 1;
    hwloc_distances_s* dist = nullptr;
    if (hwloc_distances_get_by_name(topo_, "NVLinkBandwidth", &nr, &dist, 0) != 0 || nr == 0)
      return;
    const unsigned n = dist->nbobjs;
    for (unsigned i = 0; i < n; ++i) {
      const auto owner = osdev_owner_.find(dist->objs[i]);
      if (owner == osdev_owner_.end()) continue;
      const std::string busid = out_.pci[static_cast<std::size_t>(owner->second)].busid;
      auto g = std::find_if(out_.gpus.begin(), out_.gpus.end(),
                            [&](const gpu& x) { return x.busid == busid; });
      if (g == out_.gpus.end()) continue;
      for (unsigned j = 0; j < n; ++j) {
        const hwloc_obj_t o = dist->objs[j];
        const std::uint64_t mbps = dist->values[i * n + j];
        if (o->type != HWLOC_OBJ_PACKAGE || mbps == 0) continue;
        g->cpu_links.push_back({"nvlink", o->os_index, static_cast<double>(mbps) * 1e6});
      }
    }
    hwloc_distances_release(topo_, dist);
  }

  void refuse_duplicates() {
    std::map<unsigned, int> nodes;
    for (const auto& n : out_.numa) {
      if (++nodes[n.os_index] == 2)
        throw usage_error(fmt::format("NUMA node os_index {} appears twice", n.os_index));
    }
    std::map<std::string, int> ids;
    for (const auto& g : out_.gpus) {
      if (++ids[g.busid] == 2)
        throw usage_error(fmt::format("GPU bus id {} appears twice", g.busid));
    }
  }

  void numa_nodes() {
    hwloc_obj_t n = nullptr;
    while ((n = hwloc_get_next_obj_by_type(topo_, HWLOC_OBJ_NUMANODE, n)) != nullptr) {
      numa_node node;
      node.os_index = n->os_index;
      node.bytes = n->attr->numanode.local_memory;
      node.subtype = n->subtype ? n->subtype : "";
      node.package = package_of(topo_, n->parent);
      node.memory_tier = to_int(info(n, "MemoryTier"));
      node.cxl_devices = split_commas(info(n, "CXLDevice"));
      node.interleave_ways = to_int(info(n, "CXLDeviceInterleaveWays"));
      out_.numa.push_back(std::move(node));
    }
  }

  void counts() {
    out_.packages =
        static_cast<unsigned>(std::max(0, hwloc_get_nbobjs_by_type(topo_, HWLOC_OBJ_PACKAGE)));
    out_.cores =
        static_cast<unsigned>(std::max(0, hwloc_get_nbobjs_by_type(topo_, HWLOC_OBJ_CORE)));
    out_.pus = static_cast<unsigned>(std::max(0, hwloc_get_nbobjs_by_type(topo_, HWLOC_OBJ_PU)));
    for (hwloc_obj_type_t t : {HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L2CACHE}) {
      hwloc_obj_t c = nullptr;
      while ((c = hwloc_get_next_obj_by_type(topo_, t, c)) != nullptr) {
        const std::uint64_t size = c->attr->cache.size;
        if (!out_.llc_bytes || size > *out_.llc_bytes) out_.llc_bytes = size;
        out_.llc_total_bytes = out_.llc_total_bytes.value_or(0) + size;
      }
      if (out_.llc_bytes) break;
    }
  }

  hwloc_topology_t topo_;
  topology& out_;
  std::vector<std::pair<int, std::string>> orphan_models_;
  std::map<std::size_t, double> linkspeed_;  // pci index -> hwloc's GB/s figure
  std::map<hwloc_obj_t, int> osdev_owner_;   // OS device -> pci index
};

// Sets HWLOC_FSROOT for the duration of one load and restores the previous value.
class fsroot_scope {
 public:
  explicit fsroot_scope(const std::optional<std::string>& root) : active_(root.has_value()) {
    if (!active_) return;
    if (const char* old = std::getenv("HWLOC_FSROOT")) old_ = old;
    ::setenv("HWLOC_FSROOT", root->c_str(), 1);
  }
  fsroot_scope(const fsroot_scope&) = delete;
  fsroot_scope& operator=(const fsroot_scope&) = delete;
  ~fsroot_scope() {
    if (!active_) return;
    if (old_) {
      ::setenv("HWLOC_FSROOT", old_->c_str(), 1);
    } else {
      ::unsetenv("HWLOC_FSROOT");
    }
  }

 private:
  bool active_;
  std::optional<std::string> old_;
};

}  // namespace

topology load_hwloc(const std::optional<std::string>& xml_path,
                    const std::optional<std::string>& fsroot) {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0)
    throw system_error("hwloc_topology_init", __FILE__, __LINE__, errno);
  hwloc_handle topo(raw);
  hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_ALL);
  hwloc_topology_set_type_filter(raw, HWLOC_OBJ_MISC, HWLOC_TYPE_FILTER_KEEP_NONE);
  topology out;
  if (xml_path) {
    if (hwloc_topology_set_xml(raw, xml_path->c_str()) != 0) {
      throw usage_error(fmt::format("topology file '{}': hwloc cannot use it as XML", *xml_path));
    }
    out.source = "xml:" + *xml_path;
  } else {
    out.source = fsroot ? "fsroot:" + *fsroot : "live";
  }
  {
    fsroot_scope scope(xml_path ? std::nullopt : fsroot);
    if (hwloc_topology_load(raw) != 0) {
      if (xml_path) {
        throw usage_error(
            fmt::format("topology file '{}': hwloc rejected it (not an hwloc XML topology export?)",
                        *xml_path));
      }
      throw system_error("hwloc_topology_load", __FILE__, __LINE__, errno);
    }
  }
  out.hwloc_version = CXLPROBE_HWLOC_VERSION;
  try {
    builder(raw, out).run();
  } catch (const usage_error& e) {
    if (!xml_path) throw;
    throw usage_error(fmt::format("topology file '{}': {}", *xml_path, e.what()));
  }
  return out;
}

}  // namespace cxlprobe::topology::detail
