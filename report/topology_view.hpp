// The readable view of a topology: machine, memory tiers, GPUs, PCI tree, tier -> GPU paths.
#pragma once

#include <string>

#include "topology/model.hpp"

namespace cxlprobe::report {

std::string render_topology(const topology::topology& topo);

}  // namespace cxlprobe::report
