#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <random>

#include "core/cuda_check.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "kernels/cuda/dma_kernels.hpp"
#include "kernels/pattern.hpp"
#include "probes/cuda_resources.hpp"
#include "probes/replay_exec.hpp"
#include "tiers/tier_buffer.hpp"

namespace cxlprobe::probes {

namespace {
constexpr std::uint64_t kMaxL1 = 96ULL << 30;

std::uint64_t chunk_key(std::uint64_t context, std::uint64_t index) {
  return (context << 32) | index;
}
}  // namespace

std::vector<exec_times> execute_workload(run_context& ctx, const replay::workload_outcome& w,
                                         const replay::workload_config& c, const exec_request& e) {
  if (cuda::device_count() == 0)
    throw waived_error("replay --exec needs a CUDA device; none is visible");
  if (e.gpu >= cuda::device_count())
    throw usage_error(fmt::format("--gpu {}: no such CUDA device", e.gpu));
  if (c.chunk_tokens % c.gpu_block_tokens != 0) {
    throw usage_error("--exec needs --chunk-tokens to be a multiple of the 16-token GPU block");
  }
  const std::uint64_t chunk_bytes = c.chunk_tokens * c.kv_bytes_per_token;
  const std::uint64_t block_bytes = c.gpu_block_tokens * c.kv_bytes_per_token;
  const std::uint64_t per_chunk = c.chunk_tokens / c.gpu_block_tokens;
  // One L1 slot per distinct chunk the workload stores.
  std::map<std::uint64_t, std::uint64_t> slot_of;
  std::uint64_t max_prompt = 0;
  for (const auto& q : w.requests) {
    max_prompt = std::max(max_prompt, q.prompt_tokens);
    for (std::uint64_t i = 0; i < q.prompt_tokens / c.chunk_tokens; ++i)
      slot_of.emplace(chunk_key(q.context, i), 0);
  }
  std::uint64_t n = 0;
  for (auto& [k, s] : slot_of)
    s = n++;
  const std::uint64_t l1_bytes = std::max<std::uint64_t>(n, 1) * chunk_bytes;
  if (l1_bytes > kMaxL1) {
    throw usage_error(
        fmt::format("--exec: the L1 for this workload needs {} (over {}); use fewer or shorter "
                    "contexts for exec mode",
                    units::format_bytes(l1_bytes), units::format_bytes(kMaxL1)));
  }
  ctx.report(fmt::format("replay --exec: L1 of {} on {}, GPU {}", units::format_bytes(l1_bytes),
                         e.tier->to_string(), e.gpu));
  tiers::tier_buffer l1 =
      tiers::tier_buffer::open(*e.tier, {l1_bytes, true, e.allow_write, e.force, "/",
                                         "fewer or shorter contexts (the L1 holds each chunk)"});
  cuda::host_registration reg(l1.data(), (l1_bytes + 4095) / 4096 * 4096, false);
  std::byte* l1_dev = static_cast<std::byte*>(cuda::device_pointer(l1.data()));
  CXLP_CHECK_CUDA(cudaSetDevice(e.gpu));
  const std::uint64_t pool_blocks = (max_prompt + c.gpu_block_tokens - 1) / c.gpu_block_tokens;
  cuda::device_buffer pool(e.gpu, pool_blocks * block_bytes);
  const std::uint64_t max_ops = pool_blocks;
  cuda::device_buffer src_off_d(e.gpu, max_ops * 8), dst_off_d(e.gpu, max_ops * 8);
  cuda::stream s(e.gpu);
  cuda::event start, stop;
  std::vector<std::uint64_t> perm(pool_blocks);
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937_64 rng(0xE7EC);
  std::map<std::uint64_t, bool> stored;
  std::vector<exec_times> out;
  std::uint64_t seed = 1;
  auto timed_copy = [&](void* dst, const void* src, const std::vector<std::uint64_t>& so,
                        const std::vector<std::uint64_t>& dof) -> double {
    if (so.empty()) return 0.0;
    CXLP_CHECK_CUDA(cudaMemcpy(src_off_d.data(), so.data(), so.size() * 8, cudaMemcpyHostToDevice));
    CXLP_CHECK_CUDA(
        cudaMemcpy(dst_off_d.data(), dof.data(), dof.size() * 8, cudaMemcpyHostToDevice));
    CXLP_CHECK_CUDA(cudaEventRecord(start.get(), s.get()));
    CXLP_CHECK_CUDA(kernels::cuda::launch_block_copy(
        dst, src, reinterpret_cast<const std::uint64_t*>(dst_off_d.data()),
        reinterpret_cast<const std::uint64_t*>(src_off_d.data()), so.size(), block_bytes, 0,
        s.get()));
    CXLP_CHECK_CUDA(cudaEventRecord(stop.get(), s.get()));
    CXLP_CHECK_CUDA(cudaStreamSynchronize(s.get()));
    float ms = 0;
    CXLP_CHECK_CUDA(cudaEventElapsedTime(&ms, start.get(), stop.get()));
    return ms * 1e-3;
  };
  for (const auto& q : w.requests) {
    if (ctx.stop_requested()) break;
    std::shuffle(perm.begin(), perm.end(), rng);  // the request's pages land anywhere in the pool
    exec_times t;
    // Loads: chunks [GPU hit / chunk, L1 prefix / chunk) from their L1 slots into pool pages.
    const std::uint64_t first = q.gpu_hit_tokens / c.chunk_tokens;
    std::vector<std::uint64_t> so, dof;
    for (std::uint64_t j = first; j < first + q.loaded_chunks; ++j) {
      const std::uint64_t slot = slot_of.at(chunk_key(q.context, j));
      for (std::uint64_t b = 0; b < per_chunk; ++b) {
        so.push_back(slot * chunk_bytes + b * block_bytes);
        dof.push_back(perm[j * per_chunk + b] * block_bytes);
      }
    }
    t.load_s = timed_copy(pool.data(), l1_dev, so, dof);
    // Check a sample: the first loaded page holds the first word of its L1 chunk.
    if (!so.empty()) {
      std::uint64_t got = 0, want = 0;
      CXLP_CHECK_CUDA(cudaMemcpy(&got, pool.data() + dof[0], 8, cudaMemcpyDeviceToHost));
      std::memcpy(&want, l1.data() + so[0], 8);
      if (got != want)
        throw error(
            fmt::format("replay --exec: a loaded page differs from its L1 chunk (request of "
                        "context {}, turn {})",
                        q.context, q.turn));
    }
    // Stores: every full chunk not yet in L1, from the pool pages (filled as the prefill would).
    seed += 1;
    CXLP_CHECK_CUDA(kernels::cuda::launch_fill_pattern(pool.data(), pool.size(), seed, s.get()));
    CXLP_CHECK_CUDA(cudaStreamSynchronize(s.get()));
    so.clear();
    dof.clear();
    for (std::uint64_t j = 0; j < q.prompt_tokens / c.chunk_tokens; ++j) {
      const std::uint64_t key = chunk_key(q.context, j);
      if (stored[key]) continue;
      stored[key] = true;
      for (std::uint64_t b = 0; b < per_chunk; ++b) {
        so.push_back(perm[j * per_chunk + b] * block_bytes);
        dof.push_back(slot_of.at(key) * chunk_bytes + b * block_bytes);
      }
    }
    t.store_s = timed_copy(l1_dev, pool.data(), so, dof);
    if (!so.empty()) {
      std::uint64_t got = 0;
      std::memcpy(&got, l1.data() + dof[0], 8);
      if (got != kernels::pattern_word(seed, so[0] / 8)) {
        throw error("replay --exec: a stored L1 chunk differs from the GPU pages it came from");
      }
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace cxlprobe::probes
