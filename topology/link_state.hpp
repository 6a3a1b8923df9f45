// The link-state model: one physical PCIe link from the readings of both of its ends.
//
// Idle links train down (ASPM, power saving: 2.5 GT/s, sometimes fewer lanes) and retrain under
// load, so a current reading is a state, not a ceiling. hwloc writes a bridge's figure from its
// current state but a GPU's from its maximum (NVML/RSMI backends), so one link can carry two
// figures. The rule:
//   capability = the smaller of the two ends' maxima (sysfs max_link_speed/width), or, with
//                hwloc's figures only, the highest reading (no end can read above capability);
//   ceiling    = at the capability, with the state said beside it;
//   state      = width below capability -> downtrained; speed below it -> power saving when
//                idle, downtrained under load; else at capability.
#pragma once

#include <optional>
#include <vector>

#include "topology/model.hpp"

namespace cxlprobe::topology::links {

// One link from what its ends say (device end first, then the port above). `under_load`: the
// readings were taken while a transfer ran, so a slow speed is a fault, not power saving.
link_info combine(const std::vector<link_reading>& readings, bool under_load = false);

// A downstream port (root port, switch downstream port): its link registers describe the link
// below it. A bridge under a host bridge is a root port; under a downstream port, an upstream
// port; under an upstream port, a downstream port again.
bool is_downstream_port(const topology& topo, int index);

// Builds every device's link from its own reading and the reading of the downstream port above
// it; downstream ports keep no link of their own (theirs is the one below).
void resolve_links(topology& topo);

}  // namespace cxlprobe::topology::links
