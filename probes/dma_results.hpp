// How the dma probe reports several GPUs loading at once: each GPU its own result from its own
// events (params.gpu_busid = that GPU), and the aggregate as a separate result keyed by the GPU
// set (params.gpu_busid = null, gpu_set, aggregate: true), so nothing credits one GPU with the
// others' bytes.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"

namespace cxlprobe::probes::dma {

struct gpu_samples {
  int device = 0;
  std::string busid;
  std::vector<double> bandwidth;  // B/s per repetition, from this GPU's own events
  // B/s per repetition of each of its streams (bidir: the H2D streams first), own events.
  std::vector<std::vector<double>> streams;
};

// One GPU: `aggregate` with its streams' figures. Several: one result per GPU (status and message
// of the point) with its streams' figures, then the aggregate. A stream's figure is the median of
// its own samples, as `bandwidth_stream{k}` (B/s), with several streams only.
std::vector<result> per_gpu_rows(result aggregate, const std::vector<gpu_samples>& gpus);

}  // namespace cxlprobe::probes::dma
