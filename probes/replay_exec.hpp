// Exec mode of the replay: the workload's loads and stores become real transfers between an L1
// on a tier (registered host memory) and a paged KV pool on a GPU, through the project's block
// copy kernel; prefill and decode stay modelled.
#pragma once

#include <vector>

#include "probes/probe.hpp"
#include "replay/simulate.hpp"
#include "tiers/tier_spec.hpp"

namespace cxlprobe::probes {

struct exec_times {
  double load_s = 0;   // measured (GPU events)
  double store_s = 0;  // measured, whole store (not reduced by overlap)
};

struct exec_request {
  const tiers::tier_spec* tier = nullptr;
  bool allow_write = false;
  bool force = false;
  int gpu = 0;
};

// One entry per request of `w`, in schedule order. Throws waived_error without CUDA or a GPU,
// usage_error when the L1 would not fit.
std::vector<exec_times> execute_workload(run_context& ctx, const replay::workload_outcome& w,
                                         const replay::workload_config& c, const exec_request& e);

}  // namespace cxlprobe::probes
