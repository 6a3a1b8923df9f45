#include <fmt/format.h>

#include "topology/library_sources.hpp"

#ifdef CXLPROBE_HAVE_CXL
#include <cxl/libcxl.h>

#include <memory>
#endif

namespace cxlprobe::topology::detail {

#ifdef CXLPROBE_HAVE_CXL
namespace {
struct ctx_deleter {
  void operator()(cxl_ctx* c) const { cxl_unref(c); }
};
}  // namespace

void add_from_libcxl(topology& topo) {
  cxl_ctx* raw = nullptr;
  if (const int rc = cxl_new(&raw); rc != 0) {
    topo.notes.push_back(fmt::format("libcxl: cxl_new failed ({})", rc));
    return;
  }
  std::unique_ptr<cxl_ctx, ctx_deleter> ctx(raw);
  ::cxl_memdev* memdev = nullptr;
  cxl_memdev_foreach(raw, memdev) {
    const char* name = cxl_memdev_get_devname(memdev);
    if (!name) continue;
    ::cxl_memdev* src = memdev;
    cxlprobe::topology::cxl_memdev* m = nullptr;
    for (auto& existing : topo.cxl) {
      if (existing.name == name) m = &existing;
    }
    if (!m) {
      topo.cxl.push_back({});
      m = &topo.cxl.back();
      m->name = name;
    }
    m->ram_bytes = cxl_memdev_get_ram_size(src);
    m->pmem_bytes = cxl_memdev_get_pmem_size(src);
    m->serial = fmt::format("{:#x}", cxl_memdev_get_serial(src));
    if (const char* fw = cxl_memdev_get_firmware_version(src)) m->firmware = fw;
    if (const char* host = cxl_memdev_get_host(src); host && m->pci_busid.empty()) {
      m->pci_busid = host;
    }
    if (const int node = cxl_memdev_get_numa_node(src); node >= 0) m->numa_node = node;
  }
}
#else
void add_from_libcxl(topology& topo) {
  topo.notes.push_back("libcxl not compiled in: CXL memdev serial and firmware are not read");
}
#endif

}  // namespace cxlprobe::topology::detail
