// The CUDA back end of `cxlprobe dma`. Timing (docs/methodology.md): every stream first runs a
// latch kernel that holds it until all copies are queued, then start event, copies, stop event;
// the host releases the latch; a sample is the bytes of all streams over the longest stream's
// elapsed time. Warm-up samples first; the median of the samples is reported; the copied data
// is verified after timing. Pageable host memory cannot be held behind a latch (a D2H copy
// returns only when done, large H2D copies are staged through a driver buffer): there each
// (GPU, stream) copies from its own host thread, all started together, and a sample is timed on
// the host around the copies and the stream's synchronisation (params.timing = "host").
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <latch>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <thread>

#include "core/cuda_check.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "kernels/cuda/dma_kernels.hpp"
#include "kernels/pattern.hpp"
#include "probes/cuda_resources.hpp"
#include "probes/dma_plan.hpp"
#include "probes/dma_results.hpp"
#include "probes/link_sampler.hpp"
#include "tiers/tier_buffer.hpp"

namespace cxlprobe::probes::dma {

namespace {

constexpr unsigned long long kLatchTimeoutNs = 5'000'000'000ULL;
constexpr std::size_t kMaxLatchedOps =
    512;  // more ops than this could fill the queue behind a latch

// Host memory for the GPU to read or write, from the tier, as pinned, registered or pageable.
class host_region {
 public:
  host_region(host_kind kind, const plan& p, std::uint64_t bytes, bool writes) : kind_(kind) {
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

  std::byte* data() const { return data_; }
  std::uint64_t size() const { return size_; }
  bool owns_content() const { return owns_; }
  bool writable() const { return writable_; }
  bool mapped() const { return kind_ != host_kind::pageable; }
  std::uint64_t page_size() const { return tier_ ? tier_->page_size() : 4096; }

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
  latch() : mem_(2 * sizeof(int)) {
    flag()[0] = 0;
    flag()[1] = 0;
  }
  void arm() {
    std::atomic_ref<int>(flag()[0]).store(0);
    std::atomic_ref<int>(flag()[1]).store(0);
  }
  void hold(cudaStream_t s) {
    auto* d = static_cast<int*>(cuda::device_pointer(mem_.data()));
    CXLP_CHECK_CUDA(kernels::cuda::launch_latch(d, d + 1, kLatchTimeoutNs, s));
  }
  void release() { std::atomic_ref<int>(flag()[0]).store(1); }
  bool timed_out() { return std::atomic_ref<int>(flag()[1]).load() != 0; }

 private:
  int* flag() { return reinterpret_cast<int*>(mem_.data()); }
  cuda::pinned_buffer mem_;
};

// First word index in [p, p+bytes) that is not pattern(seed, first_word + i), or -1.
long long first_pattern_mismatch(const std::byte* p, std::uint64_t bytes, std::uint64_t seed,
                                 std::uint64_t first_word) {
  for (std::uint64_t i = 0; i < bytes / 8; ++i) {
    std::uint64_t w;
    std::memcpy(&w, p + 8 * i, 8);
    if (w != kernels::pattern_word(seed, first_word + i)) return static_cast<long long>(i);
  }
  return -1;
}

// Copies device memory back (plain cudaMemcpy, in pieces) and compares it with host memory.
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

// KV blocks through a device ring. SM reads of host memory travel as 128-byte requests while
// the copy engine asks for larger ones (docs/validation.md), so for contiguous host runs the
// copy engine carries the link and the lsu kernel only moves blocks between the ring and their
// slots in GPU memory, overlapped slot by slot:
//   restore: CE host run -> slot, then kernel slot -> scattered GPU blocks;
//   offload: kernel scattered GPU blocks -> slot, then CE slot -> host run.
class staged_kv {
 public:
  static constexpr std::uint64_t kChunkBytes = 8ULL << 20;  // per slot, unless a block is larger
  static constexpr std::size_t kSlots = 3;

  staged_kv(int device, std::uint64_t block, const std::vector<std::uint64_t>& host_off)
      : block_(block) {
    const std::uint64_t per_chunk = std::max<std::uint64_t>(1, kChunkBytes / block);
    std::vector<std::uint64_t> rel(host_off.size());
    for (std::uint64_t i = 0; i < host_off.size(); ++i) {
      // A chunk is a run of blocks contiguous in host memory, at most per_chunk of them.
      if (chunks_.empty() || chunks_.back().count == per_chunk ||
          host_off[i] != chunks_.back().host_off + chunks_.back().count * block) {
        chunks_.push_back({i, 0, host_off[i]});
      }
      rel[i] = chunks_.back().count * block;
      ++chunks_.back().count;
    }
    slot_bytes_ = per_chunk * block;
    ring_ = cuda::device_buffer(device, kSlots * slot_bytes_);
    rel_ = cuda::device_buffer(device, rel.size() * 8);
    CXLP_CHECK_CUDA(cudaMemcpy(rel_.data(), rel.data(), rel.size() * 8, cudaMemcpyHostToDevice));
    for (std::size_t k = 0; k < kSlots; ++k) {
      ready_.emplace_back();
      freed_.emplace_back();
    }
  }

  std::uint64_t ring_bytes() const { return ring_.size(); }
  std::size_t chunks() const { return chunks_.size(); }

  // Queues one transfer of every block; `start` was recorded on copy_s and holds kern_s too.
  // The last operation is on the returned stream.
  cudaStream_t enqueue(bool restore, std::byte* host, std::byte* pool, const std::uint64_t* dev_off,
                       int ctas, cudaStream_t copy_s, cudaStream_t kern_s, cudaEvent_t start) {
    CXLP_CHECK_CUDA(cudaStreamWaitEvent(kern_s, start, 0));
    const auto* rel = reinterpret_cast<const std::uint64_t*>(rel_.data());
    for (std::size_t c = 0; c < chunks_.size(); ++c) {
      const chunk& ch = chunks_[c];
      const std::size_t k = c % kSlots;
      std::byte* slot = ring_.data() + k * slot_bytes_;
      const std::uint64_t bytes = ch.count * block_;
      if (restore) {
        if (c >= kSlots) CXLP_CHECK_CUDA(cudaStreamWaitEvent(copy_s, freed_[k].get(), 0));
        CXLP_CHECK_CUDA(
            cudaMemcpyAsync(slot, host + ch.host_off, bytes, cudaMemcpyHostToDevice, copy_s));
        CXLP_CHECK_CUDA(cudaEventRecord(ready_[k].get(), copy_s));
        CXLP_CHECK_CUDA(cudaStreamWaitEvent(kern_s, ready_[k].get(), 0));
        CXLP_CHECK_CUDA(kernels::cuda::launch_block_copy(
            pool, slot, dev_off + ch.first, rel + ch.first, ch.count, block_, ctas, kern_s));
        CXLP_CHECK_CUDA(cudaEventRecord(freed_[k].get(), kern_s));
      } else {
        if (c >= kSlots) CXLP_CHECK_CUDA(cudaStreamWaitEvent(kern_s, freed_[k].get(), 0));
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

 private:
  struct chunk {
    std::uint64_t first;
    std::uint64_t count;
    std::uint64_t host_off;
  };
  std::uint64_t block_;
  std::vector<chunk> chunks_;
  std::uint64_t slot_bytes_ = 0;
  cuda::device_buffer ring_;
  cuda::device_buffer rel_;  // offset of each block inside its chunk's slot
  std::vector<cuda::event> ready_;
  std::vector<cuda::event> freed_;
};

cudaError_t launch_copy(sm_kernel k, void* dst, const void* src, const std::uint64_t* dst_off,
                        const std::uint64_t* src_off, std::size_t blocks, std::size_t block_bytes,
                        int ctas, cudaStream_t s) {
  if (k == sm_kernel::tma) {
    return kernels::cuda::launch_block_copy_tma(dst, src, dst_off, src_off, blocks, block_bytes,
                                                ctas, s);
  }
  return kernels::cuda::launch_block_copy(dst, src, dst_off, src_off, blocks, block_bytes, ctas, s);
}

struct gpu_state {
  int device = 0;
  std::string busid;
  std::vector<cuda::stream> streams;
  std::vector<cuda::event> start;
  std::vector<cuda::event> stop;
  cuda::device_buffer dev;
  cuda::device_buffer zero_offsets;  // {0}: a bulk SM copy is one block at offset 0
};

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

// ---- bulk transfers -------------------------------------------------------------------------

// Records each GPU's link as sampled during the copies (the slowest state seen): params
// link_gen_during / link_width_during (first GPU) and per GPU in link_during[]; returns a
// message when a link ran below its capability under load (downtrained), else "".
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

// Runs prepare(w) and then, released together, work(w) for w in [0, workers) on one host thread
// each; returns each worker's wall time of work(w) in seconds. An exception in a worker is
// rethrown here. prepare (e.g. making the GPU current) stays out of the timing.
template <typename Prepare, typename Work>
std::vector<double> host_timed(std::size_t workers, Prepare&& prepare, Work&& work) {
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

std::vector<result> run_bulk(run_context& ctx, const plan& p, const std::vector<int>& devices) {
  std::vector<result> out;
  const std::uint64_t max_size = *std::max_element(p.sizes.begin(), p.sizes.end());
  const bool any_bidir = std::count(p.dirs.begin(), p.dirs.end(), direction::bidir) > 0;
  const bool host_writes =
      std::any_of(p.dirs.begin(), p.dirs.end(), [](direction d) { return d != direction::h2d; });
  const std::uint64_t S = static_cast<std::uint64_t>(p.streams);
  const std::uint64_t G = devices.size();
  const std::uint64_t halves = any_bidir ? 2 : 1;
  std::vector<gpu_state> gpus(devices.size());
  for (std::size_t i = 0; i < devices.size(); ++i) {
    auto& g = gpus[i];
    g.device = devices[i];
    g.busid = cuda::pci_bus_id(g.device);
    for (std::uint64_t k = 0; k < S * halves; ++k) {
      g.streams.emplace_back(g.device);
      g.start.emplace_back();
      g.stop.emplace_back();
    }
    g.dev = cuda::device_buffer(g.device, S * max_size * halves);
    g.zero_offsets = cuda::device_buffer(g.device, sizeof(std::uint64_t));
    CXLP_CHECK_CUDA(cudaMemset(g.zero_offsets.data(), 0, sizeof(std::uint64_t)));
  }
  for (host_kind hk : p.hosts) {
    const std::uint64_t half = G * S * max_size;  // host bytes per direction
    std::optional<host_region> host;
    host.emplace(hk, p, half * halves, host_writes);
    std::byte* host_dev =
        host->mapped() ? static_cast<std::byte*>(cuda::device_pointer(host->data())) : nullptr;
    latch gate;
    const bool host_timing = !host->mapped();  // pageable: see the top of this file
    for (direction dir : p.dirs) {
      std::vector<std::pair<engine, sm_kernel>> variants;
      for (engine eng : p.engines) {
        if (eng == engine::ce) {
          variants.emplace_back(eng, sm_kernel::lsu);
        } else {
          for (sm_kernel k : kernels_for(p))
            variants.emplace_back(eng, k);
        }
      }
      for (const auto& [eng, kern] : variants) {
        for (std::uint64_t size : p.sizes) {
          if (ctx.stop_requested()) return out;
          json params = base_params(p, hk);
          params["dir"] = std::string(name(dir));
          params["engine"] = std::string(name(eng));
          if (eng == engine::sm) params["kernel"] = std::string(name(kern));
          params["gpus"] = gpu_list(gpus);
          params["gpu_busid"] = gpus[0].busid;
          params["size"] = size;
          params["streams"] = p.streams;
          if (eng == engine::sm && !host->mapped()) {
            out.push_back(
                make_waived("dma",
                            "the SM engine needs host memory mapped into the GPU: use --host "
                            "pinned or registered",
                            params));
            continue;
          }
          if ((dir != direction::h2d) && !host->writable()) {
            out.push_back(make_waived(
                "dma", "the host tier is mapped read-only (pass --allow-write to write it)",
                params));
            continue;
          }
          ctx.report(fmt::format("dma {} {} {} {} x{} stream(s) on GPU {}", name(hk), name(dir),
                                 name(eng), units::format_bytes(size), p.streams, gpu_list(gpus)));
          const std::uint64_t iters = std::clamp<std::uint64_t>((64ULL << 20) / size, 1, 256);
          params["iterations"] = iters;
          params["timing"] = host_timing ? "host" : "events";
          const std::uint64_t seed = 0xD3A + size;
          // Prepare data and poison destinations.
          const bool do_h2d = dir != direction::d2h;
          const bool do_d2h = dir != direction::h2d;
          if (do_h2d && host->writable())
            kernels::fill_pattern(host->data(), G * S * size, seed, 0);
          for (auto& g : gpus) {
            CXLP_CHECK_CUDA(cudaSetDevice(g.device));
            if (do_h2d) CXLP_CHECK_CUDA(cudaMemset(g.dev.data(), 0xA5, S * size));
            if (do_d2h)
              CXLP_CHECK_CUDA(
                  kernels::cuda::launch_fill_pattern(g.dev.data(), g.dev.size(), seed, nullptr));
            CXLP_CHECK_CUDA(cudaDeviceSynchronize());
          }
          const std::uint64_t d2h_host_base = dir == direction::bidir ? half : 0;
          if (do_d2h) std::memset(host->data() + d2h_host_base, 0, G * S * size);
          auto enqueue = [&](gpu_state& g, std::size_t gi, std::uint64_t k, bool h2d,
                             cudaStream_t s) {
            const std::uint64_t slice = (gi * S + k) * size;
            std::byte* hptr = h2d ? host->data() + slice : host->data() + d2h_host_base + slice;
            std::byte* hdev =
                host_dev ? (h2d ? host_dev + slice : host_dev + d2h_host_base + slice) : nullptr;
            std::byte* dptr =
                g.dev.data() +
                (h2d ? k * size : (dir == direction::bidir ? S * max_size : 0) + k * size);
            for (std::uint64_t it = 0; it < iters; ++it) {
              if (eng == engine::ce) {
                CXLP_CHECK_CUDA(cudaMemcpyAsync(h2d ? static_cast<void*>(dptr) : hptr,
                                                h2d ? static_cast<void*>(hptr) : dptr, size,
                                                cudaMemcpyDefault, s));
                // Host timing times each copy as the synchronous call an application makes:
                // pageable H2D copies may return once staged, and would otherwise overlap.
                if (host_timing) CXLP_CHECK_CUDA(cudaStreamSynchronize(s));
              } else {
                const auto* z = reinterpret_cast<const std::uint64_t*>(g.zero_offsets.data());
                const int ctas = p.ctas > 0 ? std::max(1, p.ctas / p.streams) : 0;
                CXLP_CHECK_CUDA(launch_copy(kern, h2d ? static_cast<void*>(dptr) : hdev,
                                            h2d ? static_cast<const void*>(hdev) : dptr, z, z, 1,
                                            size, ctas, s));
              }
            }
          };
          std::vector<double> samples;
          std::vector<std::vector<double>> per_gpu(gpus.size());
          bool timed_out = false;
          const std::uint64_t K = S * (dir == direction::bidir ? 2 : 1);  // streams per GPU
          // One (GPU, stream)'s copies; with host timing, also its synchronisation.
          auto copies = [&](std::size_t gi, std::uint64_t k, bool sync) {
            auto& g = gpus[gi];
            CXLP_CHECK_CUDA(cudaSetDevice(g.device));
            cudaStream_t s = g.streams[k].get();
            const bool h2d = dir == direction::h2d || (dir == direction::bidir && k < S);
            enqueue(g, gi, k % S, h2d, s);
            if (sync) CXLP_CHECK_CUDA(cudaStreamSynchronize(s));
          };
          std::vector<std::unique_ptr<link_sampler>> links;
          for (const auto& g : gpus)
            links.push_back(std::make_unique<link_sampler>(g.busid));
          // Seconds of each (GPU, stream) per repetition: stream w = gi * K + k.
          std::vector<std::vector<double>> per_stream(gpus.size() * K);
          for (int rep = -p.warmup; rep < p.reps && !ctx.stop_requested(); ++rep) {
            std::vector<double> secs(gpus.size() * K, 0.0);
            if (host_timing) {
              secs = host_timed(
                  gpus.size() * K,
                  [&](std::size_t w) { CXLP_CHECK_CUDA(cudaSetDevice(gpus[w / K].device)); },
                  [&](std::size_t w) { copies(w / K, w % K, true); });
            } else {
              gate.arm();
              for (std::size_t gi = 0; gi < gpus.size(); ++gi) {
                auto& g = gpus[gi];
                CXLP_CHECK_CUDA(cudaSetDevice(g.device));
                for (std::uint64_t k = 0; k < K; ++k) {
                  cudaStream_t s = g.streams[k].get();
                  gate.hold(s);
                  CXLP_CHECK_CUDA(cudaEventRecord(g.start[k].get(), s));
                  copies(gi, k, false);
                  CXLP_CHECK_CUDA(cudaEventRecord(g.stop[k].get(), s));
                }
              }
              gate.release();
              for (std::size_t gi = 0; gi < gpus.size(); ++gi) {
                auto& g = gpus[gi];
                CXLP_CHECK_CUDA(cudaSetDevice(g.device));
                for (std::uint64_t k = 0; k < K; ++k) {
                  CXLP_CHECK_CUDA(cudaStreamSynchronize(g.streams[k].get()));
                  float ms = 0;
                  CXLP_CHECK_CUDA(cudaEventElapsedTime(&ms, g.start[k].get(), g.stop[k].get()));
                  secs[gi * K + k] = ms * 1e-3;
                }
              }
              timed_out = timed_out || gate.timed_out();
            }
            if (rep < 0) continue;
            std::vector<double> gpu_secs(gpus.size(), 0.0);
            for (std::size_t w = 0; w < secs.size(); ++w) {
              gpu_secs[w / K] = std::max(gpu_secs[w / K], secs[w]);
              per_stream[w].push_back(static_cast<double>(iters * size) / secs[w]);
            }
            for (std::size_t gi = 0; gi < gpus.size(); ++gi)
              per_gpu[gi].push_back(static_cast<double>(K * iters * size) / gpu_secs[gi]);
            const double longest = *std::max_element(gpu_secs.begin(), gpu_secs.end());
            samples.push_back(static_cast<double>(G * K * iters * size) / longest);
          }
          if (samples.empty()) return out;
          result r;
          r.probe = "dma";
          r.params = params;
          const std::string link_problem = record_links(r.params, gpus, links);
          r.add_summary("bandwidth", "B/s", samples);
          // Verify what the last sample left.
          std::string problem;
          for (std::size_t gi = 0; gi < gpus.size() && problem.empty(); ++gi) {
            auto& g = gpus[gi];
            CXLP_CHECK_CUDA(cudaSetDevice(g.device));
            if (do_h2d &&
                !device_equals_host(g.dev.data(), host->data() + gi * S * size, S * size)) {
              problem = fmt::format("GPU {} memory differs from the host data after h2d", g.device);
            }
            if (do_d2h) {
              for (std::uint64_t k = 0; k < S && problem.empty(); ++k) {
                const std::uint64_t dev_off =
                    (dir == direction::bidir ? S * max_size : 0) + k * size;
                const auto bad = first_pattern_mismatch(
                    host->data() + d2h_host_base + (gi * S + k) * size, size, seed, dev_off / 8);
                if (bad >= 0)
                  problem = fmt::format("host word {} of stream {} is wrong after d2h from GPU {}",
                                        bad, k, g.device);
              }
            }
          }
          if (timed_out)
            problem =
                "a latch kernel timed out: copies were queued too slowly; timings are not valid";
          if (!problem.empty()) {
            r.state = status::error;
            r.message = "verification failed: " + problem;
          } else if (!link_problem.empty()) {
            r.message = link_problem;
          } else if (p.tier.emulated()) {
            r.message = "emulated tier (file-backed stand-in)";
          }
          std::vector<gpu_samples> own;
          for (std::size_t gi = 0; gi < gpus.size(); ++gi)
            own.push_back({gpus[gi].device,
                           gpus[gi].busid,
                           per_gpu[gi],
                           {per_stream.begin() + static_cast<std::ptrdiff_t>(gi * K),
                            per_stream.begin() + static_cast<std::ptrdiff_t>((gi + 1) * K)}});
          for (auto& row : per_gpu_rows(std::move(r), own))
            out.push_back(std::move(row));
        }
      }
    }
  }
  return out;
}

// ---- scattered KV blocks --------------------------------------------------------------------

std::vector<result> run_kv(run_context& ctx, const plan& p, const std::vector<int>& devices) {
  std::vector<result> out;
  const bool restore = p.pat == pattern::kv_restore;
  const host_kind hk = p.hosts.front();
  for (int device : devices) {
    CXLP_CHECK_CUDA(cudaSetDevice(device));
    const std::string busid = cuda::pci_bus_id(device);
    cuda::stream s(device);
    cuda::stream ks(device);  // the kernel side of staged transfers
    cuda::event start;
    cuda::event stop;
    latch gate;
    for (std::uint64_t block : p.block_sizes) {
      const std::uint64_t n =
          p.blocks ? p.blocks : std::max<std::uint64_t>(1, p.total_bytes / block);
      const std::uint64_t slots = 2 * n;  // the GPU pool: half of it receives blocks, at random
      host_region host(hk, p, n * block, !restore);
      std::byte* host_dev = static_cast<std::byte*>(cuda::device_pointer(host.data()));
      cuda::device_buffer pool(device, slots * block);
      std::vector<std::uint64_t> slot(slots);
      std::iota(slot.begin(), slot.end(), 0);
      std::shuffle(slot.begin(), slot.end(), std::mt19937_64(0x5107 + block));
      slot.resize(n);
      std::vector<std::uint64_t> host_off(n);
      std::vector<std::uint64_t> dev_off(n);
      for (std::uint64_t i = 0; i < n; ++i) {
        host_off[i] = i * block;
        dev_off[i] = slot[i] * block;
      }
      cuda::device_buffer host_off_d(device, n * 8);
      cuda::device_buffer dev_off_d(device, n * 8);
      CXLP_CHECK_CUDA(
          cudaMemcpy(host_off_d.data(), host_off.data(), n * 8, cudaMemcpyHostToDevice));
      CXLP_CHECK_CUDA(cudaMemcpy(dev_off_d.data(), dev_off.data(), n * 8, cudaMemcpyHostToDevice));
      std::vector<void*> dsts(n);
      std::vector<const void*> srcs(n);
      std::vector<std::size_t> sizes(n, block);
      for (std::uint64_t i = 0; i < n; ++i) {
        dsts[i] =
            restore ? static_cast<void*>(pool.data() + dev_off[i]) : host.data() + host_off[i];
        srcs[i] = restore ? static_cast<const void*>(host.data() + host_off[i])
                          : pool.data() + dev_off[i];
      }
      const std::uint64_t seed = 0x4B5 + block;
      std::vector<std::pair<kv_method, sm_kernel>> variants;
      for (kv_method m : p.methods) {
        if (m != kv_method::kernel) {
          variants.emplace_back(m, sm_kernel::lsu);
        } else {
          for (sm_kernel k : kernels_for(p))
            variants.emplace_back(m, k);
        }
      }
      std::optional<staged_kv> staged;
      for (const auto& [m, kern] : variants) {
        if (ctx.stop_requested()) return out;
        const bool use_stage = m == kv_method::kernel && kern == sm_kernel::staged;
        if (use_stage && !staged) staged.emplace(device, block, host_off);
        json params = base_params(p, hk);
        params["dir"] = restore ? "h2d" : "d2h";
        params["method"] = std::string(name(m));
        if (m == kv_method::kernel) params["kernel"] = std::string(name(kern));
        if (use_stage) params["stage_bytes"] = staged->ring_bytes();
        params["gpus"] = std::to_string(device);
        params["gpu_busid"] = busid;
        params["block"] = block;
        params["blocks"] = n;
        params["size"] = n * block;
        ctx.report(fmt::format("dma {} {} x {} by {} on GPU {}", name(p.pat), n,
                               units::format_bytes(block), name(m), device));
        if (restore) {
          if (host.writable()) kernels::fill_pattern(host.data(), n * block, seed, 0);
          CXLP_CHECK_CUDA(cudaMemset(pool.data(), 0xA5, pool.size()));
        } else {
          CXLP_CHECK_CUDA(
              kernels::cuda::launch_fill_pattern(pool.data(), pool.size(), seed, s.get()));
          std::memset(host.data(), 0, n * block);
        }
        CXLP_CHECK_CUDA(cudaDeviceSynchronize());
        // A long queue behind a latch could fill the stream (or outlast the latch): one copy per
        // block and big batches are timed as submitted instead.
        // Staged: three operations per chunk on each of its two streams. A batch is one call but
        // not one queue entry: behind a latch, 65536 16 KiB entries outlasted the 5 s latch on
        // the H200 (2026-12-02), so a batch counts its blocks.
        const std::size_t ops = use_stage ? 3 * staged->chunks() : m == kv_method::kernel ? 1 : n;
        const bool use_latch = ops <= kMaxLatchedOps;
        params["latched"] = use_latch;
        std::vector<double> samples;
        bool timed_out = false;  // in any repetition: arm() clears the latch's own flag
        for (int rep = -p.warmup; rep < p.reps && !ctx.stop_requested(); ++rep) {
          if (use_latch) {
            gate.arm();
            gate.hold(s.get());
          }
          CXLP_CHECK_CUDA(cudaEventRecord(start.get(), s.get()));
          cudaStream_t last = s.get();
          if (use_stage) {
            last = staged->enqueue(restore, host.data(), pool.data(),
                                   reinterpret_cast<const std::uint64_t*>(dev_off_d.data()), p.ctas,
                                   s.get(), ks.get(), start.get());
          } else if (m == kv_method::copy) {
            for (std::uint64_t i = 0; i < n; ++i) {
              CXLP_CHECK_CUDA(cudaMemcpyAsync(
                  dsts[i], srcs[i], block,
                  restore ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, s.get()));
            }
          } else if (m == kv_method::batch) {
            cudaMemcpyAttributes attr{};
            attr.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
            std::size_t attr_index = 0;
            CXLP_CHECK_CUDA(cudaMemcpyBatchAsync(dsts.data(), srcs.data(), sizes.data(), n, &attr,
                                                 &attr_index, 1, s.get()));
          } else {
            const auto* ho = reinterpret_cast<const std::uint64_t*>(host_off_d.data());
            const auto* dof = reinterpret_cast<const std::uint64_t*>(dev_off_d.data());
            CXLP_CHECK_CUDA(launch_copy(kern, restore ? static_cast<void*>(pool.data()) : host_dev,
                                        restore ? static_cast<const void*>(host_dev) : pool.data(),
                                        restore ? dof : ho, restore ? ho : dof, n, block, p.ctas,
                                        s.get()));
          }
          CXLP_CHECK_CUDA(cudaEventRecord(stop.get(), last));
          if (use_latch) gate.release();
          CXLP_CHECK_CUDA(cudaStreamSynchronize(last));
          if (last != s.get()) CXLP_CHECK_CUDA(cudaStreamSynchronize(s.get()));
          timed_out = timed_out || (use_latch && gate.timed_out());
          float ms = 0;
          CXLP_CHECK_CUDA(cudaEventElapsedTime(&ms, start.get(), stop.get()));
          if (rep >= 0) samples.push_back(static_cast<double>(n * block) / (ms * 1e-3));
        }
        if (samples.empty()) return out;
        result r;
        r.probe = "dma";
        r.params = params;
        r.add_summary("bandwidth", "B/s", samples);
        std::string problem;
        if (restore) {
          std::vector<std::byte> back(pool.size());
          CXLP_CHECK_CUDA(
              cudaMemcpy(back.data(), pool.data(), pool.size(), cudaMemcpyDeviceToHost));
          for (std::uint64_t i = 0; i < n && problem.empty(); ++i) {
            if (std::memcmp(back.data() + dev_off[i], host.data() + host_off[i], block) != 0) {
              problem = fmt::format("GPU slot {} does not hold host block {}", slot[i], i);
            }
          }
        } else {
          for (std::uint64_t i = 0; i < n && problem.empty(); ++i) {
            if (first_pattern_mismatch(host.data() + host_off[i], block, seed, dev_off[i] / 8) >=
                0) {
              problem = fmt::format("host block {} does not hold GPU slot {}", i, slot[i]);
            }
          }
        }
        if (timed_out) problem = "a latch kernel timed out; timings are not valid";
        if (!problem.empty()) {
          r.state = status::error;
          r.message = "verification failed: " + problem;
        } else if (!use_latch) {
          r.message =
              "timed as submitted (queue too long for a latch): host submission cost included";
        }
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

}  // namespace

void annotate_cuda_devices(topology::topology& topo) {
  const int count = cuda::device_count();
  for (int d = 0; d < count; ++d) {
    const std::string busid = cuda::pci_bus_id(d);
    for (auto& g : topo.gpus) {
      if (g.busid == busid) g.cuda_index = d;
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
