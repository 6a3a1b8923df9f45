// Topology model -> JSON (the "context.topology" object of a result document).
#pragma once

#include "core/result.hpp"
#include "topology/model.hpp"
#include "topology/paths.hpp"

namespace cxlprobe::topology {

json to_json(const link_info& link);
json to_json(const path& p);
// With `with_paths`, every (tier, GPU) path is included under "paths".
json to_json(const topology& topo, bool with_paths = true);

// The model back from a result file's context.topology (what to_json wrote): enough for paths
// and floors of a recorded run. Throws usage_error naming the missing part.
topology topology_from_json(const json& j);

}  // namespace cxlprobe::topology
