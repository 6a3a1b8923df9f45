// Factories of the registered probes; registry.cpp puts them in one list.
#pragma once

#include "probes/probe.hpp"

namespace cxlprobe::probes {

probe_spec topo_probe();
probe_spec bw_probe();
probe_spec lat_probe();
probe_spec dma_probe();
probe_spec replay_probe();
probe_spec scale_probe();

}  // namespace cxlprobe::probes
