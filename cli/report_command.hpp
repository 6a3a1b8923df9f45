// `cxlprobe plot` and `cxlprobe report`: pictures and a hand-on report from result files.
#pragma once

#include "probes/probe.hpp"

namespace cxlprobe::cli {

probes::probe_spec plot_command();
probes::probe_spec report_command();

}  // namespace cxlprobe::cli
