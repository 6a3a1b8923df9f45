#include "probes/probe.hpp"
#include "probes/probe_list.hpp"

namespace cxlprobe::probes {

const std::vector<probe_spec>& registry() {
  // The explicit list. One line per probe.
  static const std::vector<probe_spec> probes{
      topo_probe(), bw_probe(), lat_probe(), dma_probe(), replay_probe(),
  };
  return probes;
}

const probe_spec* find_probe(std::string_view name) {
  for (const auto& p : registry()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace cxlprobe::probes
