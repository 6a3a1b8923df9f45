// Runs a registered probe with command-line style arguments, as `cxlprobe NAME ARGS` would
// (commands that combine probes, such as explain, and tests use it).
#pragma once

#include <string>
#include <vector>

#include "probes/probe.hpp"

namespace cxlprobe::probes {

// Throws usage_error for an unknown probe or arguments the probe rejects.
std::vector<result> invoke_probe(const std::string& name, std::vector<std::string> args,
                                 run_context& ctx);

}  // namespace cxlprobe::probes
