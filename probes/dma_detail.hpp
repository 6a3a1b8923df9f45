// Pieces the CUDA back end of `dma` shares between its bulk and KV-block runs: host memory from
// a tier, the latch that releases every stream at once, per-GPU state, verification and the
// link record. CUDA builds only.
#pragma once

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "probes/cuda_resources.hpp"
#include "probes/dma_plan.hpp"
#include "probes/link_sampler.hpp"
#include "tiers/tier_buffer.hpp"

namespace cxlprobe::probes::dma {

inline constexpr unsigned long long kLatchTimeoutNs = 5'000'000'000ULL;
// More operations than this behind a latch could fill the stream's queue (or outlast the latch).
inline constexpr std::size_t kMaxLatchedOps = 512;

// Host memory for the GPU to read or write, from the tier, as pinned, registered or pageable.
// Opening it does every check of the tier (size, permission, other mappers).
class host_region {
 public:
  host_region(host_kind kind, const plan& p, std::uint64_t bytes, bool writes);

  std::byte* data() const { return data_; }
  std::uint64_t size() const { return size_; }
  bool owns_content() const { return owns_; }
  bool writable() const { return writable_; }
  bool mapped() const { return kind_ != host_kind::pageable; }
  host_kind kind() const { return kind_; }
  // The region as the GPU addresses it (mapped kinds), else null.
  std::byte* device_view() const;

 private:
  host_kind kind_;
  std::optional<tiers::tier_buffer> tier_;
  cuda::pinned_buffer pinned_;
  cuda::host_registration reg_;
  std::byte* data_ = nullptr;
  std::uint64_t size_ = 0;
  bool owns_ = false;
  bool writable_ = false;
};

// The host-side flag that releases latch kernels on every stream at once.
class latch {
 public:
  latch();
  void arm();
  void hold(cudaStream_t s);
  void release();
  bool timed_out();

 private:
  int* flag() { return reinterpret_cast<int*>(mem_.data()); }
  cuda::pinned_buffer mem_;
};

struct gpu_state {
  int device = 0;
  std::string busid;
  std::vector<cuda::stream> streams;
  std::vector<cuda::event> start;
  std::vector<cuda::event> stop;
  cuda::device_buffer dev;
  cuda::device_buffer zero_offsets;  // {0}: a bulk SM copy is one block at offset 0
};

// First word index in [p, p+bytes) that is not pattern(seed, first_word + i), or -1.
long long first_pattern_mismatch(const std::byte* p, std::uint64_t bytes, std::uint64_t seed,
                                 std::uint64_t first_word);
// Copies device memory back (plain cudaMemcpy, in pieces) and compares it with host memory.
bool device_equals_host(const std::byte* dev, const std::byte* host, std::uint64_t bytes);

std::vector<sm_kernel> kernels_for(const plan& p);
cudaError_t launch_copy(sm_kernel k, void* dst, const void* src, const std::uint64_t* dst_off,
                        const std::uint64_t* src_off, std::size_t blocks, std::size_t block_bytes,
                        int ctas, cudaStream_t s);

json base_params(const plan& p, host_kind h);
std::string gpu_list(const std::vector<gpu_state>& gpus);

// Records each GPU's link as sampled during the copies (the slowest state seen): params
// link_gen_during / link_width_during (first GPU) and per GPU in link_during[]; returns a
// message when a link ran below its capability under load (downtrained), else "".
std::string record_links(json& params, const std::vector<gpu_state>& gpus,
                         std::vector<std::unique_ptr<link_sampler>>& samplers);

// Runs prepare(w) and then, released together, work(w) for w in [0, workers) on one host thread
// each; returns each worker's wall time of work(w) in seconds. An exception in a worker is
// rethrown here. prepare (e.g. making the GPU current) stays out of the timing. One worker runs
// on the calling thread, as an application's copy would: a fresh thread per repetition may land
// on another core each time, and a pageable copy is the CPU staging the bytes (on the H200
// machine 1-16 MiB pageable copies read 4-5% under a plain cudaMemcpy loop that way).
template <typename Prepare, typename Work>
std::vector<double> host_timed(std::size_t workers, Prepare&& prepare, Work&& work) {
  if (workers == 1) {
    prepare(0);
    const auto t0 = std::chrono::steady_clock::now();
    work(0);
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
  }
  std::vector<double> secs(workers, 0.0);
  std::vector<std::exception_ptr> errors(workers);
  std::latch ready(static_cast<std::ptrdiff_t>(workers));
  std::latch go(1);
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      try {
        prepare(w);
      } catch (...) {
        errors[w] = std::current_exception();
      }
      ready.count_down();
      go.wait();
      const auto t0 = std::chrono::steady_clock::now();
      try {
        if (!errors[w]) work(w);
      } catch (...) {
        errors[w] = std::current_exception();
      }
      secs[w] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
  }
  ready.wait();
  go.count_down();
  for (auto& t : threads)
    t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return secs;
}

std::vector<result> run_bulk(run_context& ctx, const plan& p, const std::vector<int>& devices);
std::vector<result> run_kv(run_context& ctx, const plan& p, const std::vector<int>& devices);

}  // namespace cxlprobe::probes::dma
