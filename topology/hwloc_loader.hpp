// hwloc -> topology model (internal to the topology layer; use loader.hpp).
#pragma once

#include <optional>
#include <string>

#include "topology/model.hpp"

namespace cxlprobe::topology::detail {

// Loads hwloc with every I/O object kept. Throws usage_error for an XML file hwloc rejects.
topology load_hwloc(const std::optional<std::string>& xml_path,
                    const std::optional<std::string>& fsroot);

}  // namespace cxlprobe::topology::detail
