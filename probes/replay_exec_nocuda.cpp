#include "core/error.hpp"
#include "probes/replay_exec.hpp"

namespace cxlprobe::probes {

std::vector<exec_times> execute_workload(run_context&, const replay::workload_outcome&,
                                         const replay::workload_config&, const exec_request&) {
  throw waived_error("replay --exec needs CUDA: compiled without it");
}

}  // namespace cxlprobe::probes
