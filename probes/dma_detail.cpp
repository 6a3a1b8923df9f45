#include "probes/dma_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/cuda_check.hpp"
#include "core/error.hpp"
#include "kernels/cuda/dma_kernels.hpp"
#include "kernels/pattern.hpp"

namespace cxlprobe::probes::dma {

host_region::host_region(host_kind kind, const plan& p, std::uint64_t bytes, bool writes)
    : kind_(kind) {
  if (kind == host_kind::pinned) {
    if (p.tier.kind != tiers::tier_kind::dram) {
      throw usage_error(
          fmt::format("--host pinned allocates DRAM with cudaHostAlloc; for tier {} use "
                      "--host registered (or pageable)",
                      p.tier.to_string()));
    }
    pinned_ = cuda::pinned_buffer(bytes);
    data_ = pinned_.data();
    owns_ = true;
    writable_ = true;
  } else {
    tier_.emplace(tiers::tier_buffer::open(p.tier, {bytes, writes, p.allow_write, p.force}));
    data_ = tier_->data();
    owns_ = tier_->owns_content();
    writable_ = tier_->writable();
    if (kind == host_kind::registered) {
      reg_ = cuda::host_registration(data_, (bytes + 4095) / 4096 * 4096, !writable_);
    }
  }
  size_ = bytes;
}

std::byte* host_region::device_view() const {
  return mapped() ? static_cast<std::byte*>(cuda::device_pointer(data_)) : nullptr;
}

latch::latch() : mem_(2 * sizeof(int)) {
  flag()[0] = 0;
  flag()[1] = 0;
}

void latch::arm() {
  std::atomic_ref<int>(flag()[0]).store(0);
  std::atomic_ref<int>(flag()[1]).store(0);
}

void latch::hold(cudaStream_t s) {
  auto* d = static_cast<int*>(cuda::device_pointer(mem_.data()));
  CXLP_CHECK_CUDA(kernels::cuda::launch_latch(d, d + 1, kLatchTimeoutNs, s));
}

void latch::release() {
  std::atomic_ref<int>(flag()[0]).store(1);
}

bool latch::timed_out() {
  return std::atomic_ref<int>(flag()[1]).load() != 0;
}

long long first_pattern_mismatch(const std::byte* p, std::uint64_t bytes, std::uint64_t seed,
                                 std::uint64_t first_word) {
  for (std::uint64_t i = 0; i < bytes / 8; ++i) {
    std::uint64_t w;
    std::memcpy(&w, p + 8 * i, 8);
    if (w != kernels::pattern_word(seed, first_word + i)) return static_cast<long long>(i);
  }
  return -1;
}

bool device_equals_host(const std::byte* dev, const std::byte* host, std::uint64_t bytes) {
  constexpr std::uint64_t kPiece = 64ULL << 20;
  std::vector<std::byte> tmp(std::min(bytes, kPiece));
  for (std::uint64_t off = 0; off < bytes; off += kPiece) {
    const std::uint64_t n = std::min(kPiece, bytes - off);
    CXLP_CHECK_CUDA(cudaMemcpy(tmp.data(), dev + off, n, cudaMemcpyDeviceToHost));
    if (std::memcmp(tmp.data(), host + off, n) != 0) return false;
  }
  return true;
}

std::vector<sm_kernel> kernels_for(const plan& p) {
  if (!p.kernels.empty()) return p.kernels;
  const sm_kernel direct = kernels::cuda::tma_supported() ? sm_kernel::tma : sm_kernel::lsu;
  if (p.pat == pattern::bulk) return {direct};
  return {direct, sm_kernel::staged};
}

cudaError_t launch_copy(sm_kernel k, void* dst, const void* src, const std::uint64_t* dst_off,
                        const std::uint64_t* src_off, std::size_t blocks, std::size_t block_bytes,
                        int ctas, cudaStream_t s) {
  if (k == sm_kernel::tma) {
    return kernels::cuda::launch_block_copy_tma(dst, src, dst_off, src_off, blocks, block_bytes,
                                                ctas, s);
  }
  return kernels::cuda::launch_block_copy(dst, src, dst_off, src_off, blocks, block_bytes, ctas, s);
}

json base_params(const plan& p, host_kind h) {
  return {{"tier", p.tier.to_string()},
          {"host", std::string(name(h))},
          {"pattern", std::string(name(p.pat))},
          {"emulated", p.tier.emulated()}};
}

std::string gpu_list(const std::vector<gpu_state>& gpus) {
  std::string s;
  for (const auto& g : gpus)
    s += (s.empty() ? "" : ",") + std::to_string(g.device);
  return s;
}

std::string record_links(json& params, const std::vector<gpu_state>& gpus,
                         std::vector<std::unique_ptr<link_sampler>>& samplers) {
  std::string problem;
  json per_gpu = json::array();
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    const auto l = samplers[i]->finish();
    if (!l) continue;
    per_gpu.push_back({{"gpu_busid", gpus[i].busid},
                       {"gen", l->gen ? json(*l->gen) : json(nullptr)},
                       {"width", l->width ? json(*l->width) : json(nullptr)},
                       {"max_gen", l->max_gen ? json(*l->max_gen) : json(nullptr)},
                       {"max_width", l->max_width ? json(*l->max_width) : json(nullptr)},
                       {"link_downtrained", l->downtrained}});
    if (per_gpu.size() == 1) {
      params["link_gen_during"] = per_gpu[0]["gen"];
      params["link_width_during"] = per_gpu[0]["width"];
    }
    if (l->downtrained && problem.empty()) {
      problem =
          fmt::format("link downtrained during the copy: GPU {} ran at Gen{} x{} of Gen{} x{}",
                      gpus[i].busid, l->gen.value_or(0), l->width.value_or(0),
                      l->max_gen.value_or(0), l->max_width.value_or(0));
    }
  }
  if (!per_gpu.empty()) params["link_during"] = per_gpu;
  params["link_downtrained"] = !problem.empty();
  return problem;
}

}  // namespace cxlprobe::probes::dma
