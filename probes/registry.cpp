#include "probes/probe.hpp"
#include "probes/probe_list.hpp"

namespace cxlprobe::probes {

const std::vector<probe_spec>& registry() {
  // The explicit list. One line per probe.
  // clang-format off
  static const std::vector<probe_spec> probes{
      topo_probe(),
      bw_probe(),
      lat_probe(),
      dma_probe(),
      scale_probe(),
      replay_probe(),
  };
  // clang-format on
  return probes;
}

const probe_spec* find_probe(std::string_view name) {
  for (const auto& p : registry()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace cxlprobe::probes
