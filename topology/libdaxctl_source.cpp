#include <fmt/format.h>

#include "topology/library_sources.hpp"

#ifdef CXLPROBE_HAVE_DAXCTL
#include <daxctl/libdaxctl.h>

#include <memory>
#endif

namespace cxlprobe::topology::detail {

#ifdef CXLPROBE_HAVE_DAXCTL
namespace {
struct ctx_deleter {
  void operator()(daxctl_ctx* c) const { daxctl_unref(c); }
};
}  // namespace

void add_from_libdaxctl(topology& topo) {
  daxctl_ctx* raw = nullptr;
  if (const int rc = daxctl_new(&raw); rc != 0) {
    topo.notes.push_back(fmt::format("libdaxctl: daxctl_new failed ({})", rc));
    return;
  }
  std::unique_ptr<daxctl_ctx, ctx_deleter> ctx(raw);
  daxctl_region* region = nullptr;
  daxctl_region_foreach(raw, region) {
    daxctl_dev* dev = nullptr;
    daxctl_dev_foreach(region, dev) {
      const char* name = daxctl_dev_get_devname(dev);
      if (!name || daxctl_dev_get_size(dev) == 0) continue;  // unconfigured seed device
      dax_device* d = nullptr;
      for (auto& existing : topo.dax) {
        if (existing.name == name) d = &existing;
      }
      if (!d) {
        topo.dax.push_back(dax_device{});
        d = &topo.dax.back();
        d->name = name;
      }
      d->size = daxctl_dev_get_size(dev);
      d->align = daxctl_dev_get_align(dev);
      if (const int node = daxctl_dev_get_target_node(dev); node >= 0) d->target_node = node;
      // A device bound to kmem has a memory object: it is system RAM, not devdax.
      d->mode = daxctl_dev_get_memory(dev) ? "system-ram" : "devdax";
      d->source += d->source.empty() ? "libdaxctl" : ",libdaxctl";
    }
  }
}
#else
void add_from_libdaxctl(topology& topo) {
  topo.notes.push_back("libdaxctl not compiled in: DAX facts come from hwloc and sysfs only");
}
#endif

}  // namespace cxlprobe::topology::detail
