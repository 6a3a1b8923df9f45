// `cxlprobe fleet`: many nodes' result files, one answer (issue #21). `fleet report DIR` merges
// a folder of per-node result files however they were collected (Slurm, pdsh, by hand).
#pragma once

#include "probes/probe.hpp"

namespace cxlprobe::cli {

probes::probe_spec fleet_command();

}  // namespace cxlprobe::cli
