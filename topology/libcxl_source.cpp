#include <fmt/format.h>

#include "topology/library_sources.hpp"

#ifdef CXLPROBE_HAVE_CXL
#include <cxl/libcxl.h>

#include <algorithm>
#include <memory>
#endif

namespace cxlprobe::topology::detail {

#ifdef CXLPROBE_HAVE_CXL
namespace {
struct ctx_deleter {
  void operator()(cxl_ctx* c) const { cxl_unref(c); }
};

void add_memdevs(cxl_ctx* ctx, topology& topo) {
  ::cxl_memdev* memdev = nullptr;
  cxl_memdev_foreach(ctx, memdev) {
    const char* name = cxl_memdev_get_devname(memdev);
    if (!name) continue;
    cxlprobe::topology::cxl_memdev* m = nullptr;
    for (auto& existing : topo.cxl) {
      if (existing.name == name) m = &existing;
    }
    if (!m) {
      topo.cxl.push_back({});
      m = &topo.cxl.back();
      m->name = name;
    }
    m->ram_bytes = cxl_memdev_get_ram_size(memdev);
    m->pmem_bytes = cxl_memdev_get_pmem_size(memdev);
    m->serial = fmt::format("{:#x}", cxl_memdev_get_serial(memdev));
    if (const char* fw = cxl_memdev_get_firmware_version(memdev)) m->firmware = fw;
    if (const char* host = cxl_memdev_get_host(memdev); host && m->pci_busid.empty()) {
      m->pci_busid = host;
    }
    if (const int node = cxl_memdev_get_numa_node(memdev); node >= 0) m->numa_node = node;
    m->source += m->source.empty() ? "libcxl" : ",libcxl";
  }
}

// One region as libcxl sees it: its mappings give the endpoint decoders and their memdevs.
cxl_region region_from(::cxl_region* region, ::cxl_decoder* root) {
  cxl_region r;
  r.name = cxl_region_get_devname(region);
  r.start = cxl_region_get_resource(region);
  r.size = cxl_region_get_size(region);
  r.interleave_ways = static_cast<int>(cxl_region_get_interleave_ways(region));
  r.interleave_granularity = cxl_region_get_interleave_granularity(region);
  r.root_decoder = cxl_decoder_get_devname(root);
  r.source = "libcxl";
  std::vector<std::pair<unsigned, ::cxl_decoder*>> targets;
  cxl_memdev_mapping* mapping = nullptr;
  cxl_mapping_foreach(region, mapping) {
    if (::cxl_decoder* d = cxl_mapping_get_decoder(mapping))
      targets.emplace_back(cxl_mapping_get_position(mapping), d);
  }
  std::sort(targets.begin(), targets.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [position, decoder] : targets) {
    r.targets.push_back(cxl_decoder_get_devname(decoder));
    ::cxl_memdev* m = cxl_decoder_get_memdev(decoder);
    if (!m) continue;
    r.memdevs.push_back(cxl_memdev_get_devname(m));
    if (const char* host = cxl_memdev_get_host(m)) r.pci_busids.push_back(host);
  }
  return r;
}

// Regions under every root decoder. Sysfs already gave them on Linux; libcxl confirms them (a
// region libcxl lists that sysfs did not is added).
void add_regions(cxl_ctx* ctx, topology& topo) {
  cxl_bus* bus = nullptr;
  cxl_bus_foreach(ctx, bus) {
    ::cxl_decoder* root = nullptr;
    cxl_decoder_foreach(cxl_bus_get_port(bus), root) {
      ::cxl_region* region = nullptr;
      cxl_region_foreach(root, region) {
        if (cxl_region_get_size(region) == 0) continue;
        cxl_region r = region_from(region, root);
        auto it = std::find_if(topo.regions.begin(), topo.regions.end(),
                               [&](const cxl_region& x) { return x.name == r.name; });
        if (it == topo.regions.end()) {
          topo.regions.push_back(std::move(r));
        } else if (it->start == r.start && it->size == r.size && it->memdevs == r.memdevs) {
          it->source += ",libcxl";
        } else {
          topo.notes.push_back(fmt::format(
              "libcxl and sysfs disagree on {} (address, size or memdevs); sysfs is used", r.name));
        }
      }
    }
  }
}

}  // namespace

void add_from_libcxl(topology& topo) {
  cxl_ctx* raw = nullptr;
  if (const int rc = cxl_new(&raw); rc != 0) {
    topo.notes.push_back(fmt::format("libcxl: cxl_new failed ({})", rc));
    return;
  }
  std::unique_ptr<cxl_ctx, ctx_deleter> ctx(raw);
  add_memdevs(raw, topo);
  add_regions(raw, topo);
}
#else
void add_from_libcxl(topology& topo) {
  topo.notes.push_back(
      "libcxl not compiled in: CXL memdevs and regions come from hwloc and sysfs only");
}
#endif

}  // namespace cxlprobe::topology::detail
