// The dma back end of a build without CUDA: every request is waived, with the reason.
#include "core/error.hpp"
#include "probes/dma_plan.hpp"

namespace cxlprobe::probes::dma {

std::optional<std::string> unavailable_reason() {
  return std::string(
      "compiled without CUDA (configure with CUDA found, or -DCXLPROBE_WITH_CUDA=ON)");
}

void annotate_cuda_devices(topology::topology& topo) {
  topo.notes.push_back("compiled without CUDA: GPUs are not matched to CUDA device indices");
}

std::vector<std::pair<double, double>> timed_h2d_from(void*, std::uint64_t, int, int) {
  throw waived_error(*unavailable_reason());
}

std::vector<result> run(run_context&, const plan&) {
  return {make_waived("dma", *unavailable_reason())};
}

}  // namespace cxlprobe::probes::dma
