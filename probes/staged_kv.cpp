#include "probes/staged_kv.hpp"

#include <algorithm>

#include "core/cuda_check.hpp"
#include "kernels/cuda/dma_kernels.hpp"

namespace cxlprobe::probes::dma {

staged_kv::staged_kv(int device, std::uint64_t block, const std::vector<std::uint64_t>& host_off,
                     const ring_shape& shape)
    : block_(block), slot_bytes_(shape.slot_bytes), slots_(shape.slots) {
  std::vector<std::uint64_t> rel(host_off.size());
  std::uint64_t i = 0;
  for (std::uint64_t run : slot_runs(host_off.size(), shape.blocks_per_slot, block)) {
    // A chunk is a run of blocks contiguous in host memory: a run that is not starts anew.
    for (std::uint64_t j = 0; j < run; ++j, ++i) {
      if (j == 0 || host_off[i] != chunks_.back().host_off + chunks_.back().count * block)
        chunks_.push_back({i, 0, host_off[i]});
      rel[i] = chunks_.back().count * block;
      ++chunks_.back().count;
    }
  }
  ring_ = cuda::device_buffer(device, slots_ * slot_bytes_);
  rel_ = cuda::device_buffer(device, rel.size() * 8);
  CXLP_CHECK_CUDA(cudaMemcpy(rel_.data(), rel.data(), rel.size() * 8, cudaMemcpyHostToDevice));
  for (std::size_t k = 0; k < slots_; ++k) {
    ready_.emplace_back();
    freed_.emplace_back();
  }
}

cudaStream_t staged_kv::enqueue(bool restore, std::byte* host, std::byte* pool,
                                const std::uint64_t* dev_off, int ctas, cudaStream_t copy_s,
                                cudaStream_t kern_s, cudaEvent_t start) {
  CXLP_CHECK_CUDA(cudaStreamWaitEvent(kern_s, start, 0));
  const auto* rel = reinterpret_cast<const std::uint64_t*>(rel_.data());
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    const chunk& ch = chunks_[c];
    const std::size_t k = c % slots_;
    std::byte* slot = ring_.data() + k * slot_bytes_;
    const std::uint64_t bytes = ch.count * block_;
    if (restore) {
      if (c >= slots_) CXLP_CHECK_CUDA(cudaStreamWaitEvent(copy_s, freed_[k].get(), 0));
      CXLP_CHECK_CUDA(
          cudaMemcpyAsync(slot, host + ch.host_off, bytes, cudaMemcpyHostToDevice, copy_s));
      CXLP_CHECK_CUDA(cudaEventRecord(ready_[k].get(), copy_s));
      CXLP_CHECK_CUDA(cudaStreamWaitEvent(kern_s, ready_[k].get(), 0));
      CXLP_CHECK_CUDA(kernels::cuda::launch_block_copy(
          pool, slot, dev_off + ch.first, rel + ch.first, ch.count, block_, ctas, kern_s));
      CXLP_CHECK_CUDA(cudaEventRecord(freed_[k].get(), kern_s));
    } else {
      if (c >= slots_) CXLP_CHECK_CUDA(cudaStreamWaitEvent(kern_s, freed_[k].get(), 0));
      CXLP_CHECK_CUDA(kernels::cuda::launch_block_copy(
          slot, pool, rel + ch.first, dev_off + ch.first, ch.count, block_, ctas, kern_s));
      CXLP_CHECK_CUDA(cudaEventRecord(ready_[k].get(), kern_s));
      CXLP_CHECK_CUDA(cudaStreamWaitEvent(copy_s, ready_[k].get(), 0));
      CXLP_CHECK_CUDA(
          cudaMemcpyAsync(host + ch.host_off, slot, bytes, cudaMemcpyDeviceToHost, copy_s));
      CXLP_CHECK_CUDA(cudaEventRecord(freed_[k].get(), copy_s));
    }
  }
  return restore ? kern_s : copy_s;
}

std::vector<ce_point> measure_ce_curve(std::byte* host, std::uint64_t host_bytes, std::byte* dev,
                                       std::uint64_t dev_bytes, bool h2d, cudaStream_t s) {
  constexpr std::uint64_t kMoved = 64ULL << 20;
  cuda::event start;
  cuda::event stop;
  std::vector<ce_point> curve;
  for (std::uint64_t size = 1ULL << 20; size <= kMoved; size *= 2) {
    if (size > host_bytes || size > dev_bytes) break;
    const std::uint64_t copies = kMoved / size;
    double best = 0;
    for (int round = 0; round < 3; ++round) {
      CXLP_CHECK_CUDA(cudaEventRecord(start.get(), s));
      for (std::uint64_t i = 0; i < copies; ++i) {
        CXLP_CHECK_CUDA(cudaMemcpyAsync(h2d ? static_cast<void*>(dev) : host,
                                        h2d ? static_cast<void*>(host) : dev, size,
                                        h2d ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, s));
      }
      CXLP_CHECK_CUDA(cudaEventRecord(stop.get(), s));
      CXLP_CHECK_CUDA(cudaEventSynchronize(stop.get()));
      float ms = 0;
      CXLP_CHECK_CUDA(cudaEventElapsedTime(&ms, start.get(), stop.get()));
      best = std::max(best, static_cast<double>(copies * size) / (ms * 1e-3));
    }
    curve.push_back({size, best});
  }
  return curve;
}

}  // namespace cxlprobe::probes::dma
