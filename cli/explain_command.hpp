// `cxlprobe explain` and `cxlprobe compare`: commands built from probes and the report layer.
#pragma once

#include "probes/probe.hpp"

namespace cxlprobe::cli {

probes::probe_spec explain_command();
probes::probe_spec compare_command();

}  // namespace cxlprobe::cli
