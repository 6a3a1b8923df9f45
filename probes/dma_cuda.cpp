// The CUDA back end of `cxlprobe dma`. Timing (docs/methodology.md): every stream first runs a
// latch kernel that holds it until all copies are queued, then start event, copies, stop event;
// the host releases the latch; a sample is the bytes of all streams over the longest stream's
// elapsed time. Warm-up samples first; the median of the samples is reported; the copied data
// is verified after timing. Pageable host memory cannot be held behind a latch (a D2H copy
// returns only when done, large H2D copies are staged through a driver buffer): there each
// (GPU, stream) copies from its own host thread, all started together, and a sample is timed on
// the host around the copies and the stream's synchronisation (params.timing = "host").
// Bulk points: dma_bulk.cpp; KV-block points: dma_kv.cpp; shared pieces: dma_detail.hpp.
#include <fmt/format.h>

#include <chrono>
#include <numeric>

#include "core/cuda_check.hpp"
#include "core/error.hpp"
#include "probes/cuda_resources.hpp"
#include "probes/dma_detail.hpp"
#include "probes/dma_plan.hpp"

namespace cxlprobe::probes::dma {

void annotate_cuda_devices(topology::topology& topo) {
  const int count = cuda::device_count();
  for (int d = 0; d < count; ++d) {
    const std::string busid = cuda::pci_bus_id(d);
    int ats = 0;
    // A query that fails says nothing: the GPU stays on its PCIe path.
    if (cudaDeviceGetAttribute(&ats, cudaDevAttrPageableMemoryAccessUsesHostPageTables, d) !=
        cudaSuccess) {
      (void)cudaGetLastError();
      ats = 0;
    }
    for (auto& g : topo.gpus) {
      if (g.busid != busid) continue;
      g.cuda_index = d;
      topology::mark_coherent_link(g, ats != 0);
    }
  }
}

std::optional<std::string> unavailable_reason() {
  int n = 0;
  const cudaError_t rc = cudaGetDeviceCount(&n);
  if (rc != cudaSuccess) {
    cudaGetLastError();
    return fmt::format("no usable CUDA device: cudaGetDeviceCount failed with {} ({})",
                       cudaGetErrorName(rc), cudaGetErrorString(rc));
  }
  if (n == 0) return std::string("no CUDA device visible");
  return std::nullopt;
}

std::vector<std::pair<double, double>> timed_h2d_from(void* host, std::uint64_t bytes, int gpu,
                                                      int reps) {
  if (cuda::device_count() == 0)
    throw waived_error(unavailable_reason().value_or("no CUDA device"));
  CXLP_CHECK_CUDA(cudaSetDevice(gpu));
  cuda::host_registration reg(host, (bytes + 4095) / 4096 * 4096, false);
  cuda::device_buffer dev(gpu, bytes);
  cuda::stream s(gpu);
  auto now = [] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  std::vector<std::pair<double, double>> out;
  for (int r = -1; r < reps; ++r) {
    const double t0 = now();
    CXLP_CHECK_CUDA(cudaMemcpyAsync(dev.data(), host, bytes, cudaMemcpyHostToDevice, s.get()));
    CXLP_CHECK_CUDA(cudaStreamSynchronize(s.get()));
    if (r >= 0) out.emplace_back(t0, now());
  }
  if (!device_equals_host(dev.data(), static_cast<const std::byte*>(host), bytes)) {
    throw error("scale worker: GPU copy differs from the host region");
  }
  return out;
}

std::vector<result> run(run_context& ctx, const plan& p) {
  const int count = cuda::device_count();
  std::vector<int> devices = p.gpus;
  if (devices.empty()) {
    devices.resize(static_cast<std::size_t>(count));
    std::iota(devices.begin(), devices.end(), 0);
  }
  for (int d : devices) {
    if (d >= count) {
      throw usage_error(
          fmt::format("--gpus: GPU {} does not exist (this node has {} CUDA device{}: 0..{})", d,
                      count, count == 1 ? "" : "s", count - 1));
    }
  }
  if (p.pat == pattern::bulk) return run_bulk(ctx, p, devices);
  return run_kv(ctx, p, devices);
}

}  // namespace cxlprobe::probes::dma
