// Scattered KV blocks of `dma`: n blocks between a contiguous host run and random slots of a GPU
// pool (restore: host -> GPU, offload: GPU -> host), by one copy per block, one batched call,
// the gather/scatter kernel, or staged through a device ring. Plan first: the host region (the
// largest block size's run) is opened, and the GPU pool allocated, before the first copy.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

#include "core/cuda_check.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "kernels/cuda/dma_kernels.hpp"
#include "kernels/pattern.hpp"
#include "probes/dma_detail.hpp"
#include "probes/staged_kv.hpp"

namespace cxlprobe::probes::dma {

namespace {

// Where each of the n blocks of one block size lives: host run i -> GPU slot slot[i].
struct kv_layout {
  std::uint64_t block = 0;
  std::uint64_t n = 0;
  std::vector<std::uint64_t> slot;
  std::vector<std::uint64_t> host_off;
  std::vector<std::uint64_t> dev_off;
  cuda::device_buffer host_off_d;
  cuda::device_buffer dev_off_d;

  std::uint64_t bytes() const { return n * block; }
  std::uint64_t pool_bytes() const { return 2 * n * block; }
};

std::uint64_t blocks_of(const plan& p, std::uint64_t block) {
  return p.blocks ? p.blocks : std::max<std::uint64_t>(1, p.total_bytes / block);
}

kv_layout make_layout(int device, std::uint64_t block, std::uint64_t n) {
  kv_layout l;
  l.block = block;
  l.n = n;
  // The GPU pool has 2n slots: half of them receive blocks, at random.
  l.slot.resize(2 * n);
  std::iota(l.slot.begin(), l.slot.end(), 0);
  std::shuffle(l.slot.begin(), l.slot.end(), std::mt19937_64(0x5107 + block));
  l.slot.resize(n);
  l.host_off.resize(n);
  l.dev_off.resize(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    l.host_off[i] = i * block;
    l.dev_off[i] = l.slot[i] * block;
  }
  l.host_off_d = cuda::device_buffer(device, n * 8);
  l.dev_off_d = cuda::device_buffer(device, n * 8);
  CXLP_CHECK_CUDA(
      cudaMemcpy(l.host_off_d.data(), l.host_off.data(), n * 8, cudaMemcpyHostToDevice));
  CXLP_CHECK_CUDA(cudaMemcpy(l.dev_off_d.data(), l.dev_off.data(), n * 8, cudaMemcpyHostToDevice));
  return l;
}

// The GPU's state for KV runs, and what every point of one GPU shares. Made with the device
// current (events belong to it).
struct kv_gpu {
  kv_gpu(int d, std::uint64_t pool_bytes)
      : device(d), busid(cuda::pci_bus_id(d)), copy_s(d), kern_s(d), pool(d, pool_bytes) {}
  int device;
  std::string busid;
  cuda::stream copy_s;
  cuda::stream kern_s;  // the kernel side of staged transfers
  cuda::event start;
  cuda::event stop;
  cuda::device_buffer pool;
};

// One measured point.
struct kv_point {
  const plan& p;
  host_region& host;
  kv_gpu& gpu;
  const kv_layout& l;
  kv_method method;
  sm_kernel kern;
  staged_kv* staged;  // for the staged kernel only

  bool restore() const { return p.pat == pattern::kv_restore; }
  std::uint64_t seed() const { return 0x4B5 + l.block; }
  // Operations a repetition queues: a long queue behind a latch could fill the stream (or
  // outlast the latch), so it is timed as submitted. Staged: three operations per chunk on
  // each of its streams. A batch is one call but not one queue entry: behind a latch, 65536
  // 16 KiB entries outlasted the 5 s latch on the H200 (2026-12-02), so it counts its blocks.
  std::size_t ops() const {
    if (staged) return 3 * staged->chunks();
    return method == kv_method::kernel ? 1 : l.n;
  }
  bool latched() const { return ops() <= kMaxLatchedOps; }
};

void prepare_data(const kv_point& k) {
  if (k.restore()) {
    if (k.host.writable()) kernels::fill_pattern(k.host.data(), k.l.bytes(), k.seed(), 0);
    CXLP_CHECK_CUDA(cudaMemset(k.gpu.pool.data(), 0xA5, k.l.pool_bytes()));
  } else {
    CXLP_CHECK_CUDA(kernels::cuda::launch_fill_pattern(k.gpu.pool.data(), k.l.pool_bytes(),
                                                       k.seed(), k.gpu.copy_s.get()));
    std::memset(k.host.data(), 0, k.l.bytes());
  }
  CXLP_CHECK_CUDA(cudaDeviceSynchronize());
}

void enqueue_per_block(const kv_point& k) {
  const auto kind = k.restore() ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost;
  for (std::uint64_t i = 0; i < k.l.n; ++i) {
    std::byte* host = k.host.data() + k.l.host_off[i];
    std::byte* dev = k.gpu.pool.data() + k.l.dev_off[i];
    CXLP_CHECK_CUDA(cudaMemcpyAsync(k.restore() ? dev : host, k.restore() ? host : dev, k.l.block,
                                    kind, k.gpu.copy_s.get()));
  }
}

void enqueue_batch(const kv_point& k) {
  std::vector<void*> dsts(k.l.n);
  std::vector<const void*> srcs(k.l.n);
  std::vector<std::size_t> sizes(k.l.n, k.l.block);
  for (std::uint64_t i = 0; i < k.l.n; ++i) {
    std::byte* host = k.host.data() + k.l.host_off[i];
    std::byte* dev = k.gpu.pool.data() + k.l.dev_off[i];
    dsts[i] = k.restore() ? dev : host;
    srcs[i] = k.restore() ? host : dev;
  }
  cudaMemcpyAttributes attr{};
  attr.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
  std::size_t attr_index = 0;
  CXLP_CHECK_CUDA(cudaMemcpyBatchAsync(dsts.data(), srcs.data(), sizes.data(), k.l.n, &attr,
                                       &attr_index, 1, k.gpu.copy_s.get()));
}

// Queues one transfer of every block after the start event; returns the stream that ends it.
cudaStream_t enqueue_transfer(const kv_point& k) {
  cudaStream_t s = k.gpu.copy_s.get();
  const auto* ho = reinterpret_cast<const std::uint64_t*>(k.l.host_off_d.data());
  const auto* dof = reinterpret_cast<const std::uint64_t*>(k.l.dev_off_d.data());
  if (k.staged) {
    return k.staged->enqueue(k.restore(), k.host.data(), k.gpu.pool.data(), dof, k.p.ctas, s,
                             k.gpu.kern_s.get(), k.gpu.start.get());
  }
  if (k.method == kv_method::copy) {
    enqueue_per_block(k);
  } else if (k.method == kv_method::batch) {
    enqueue_batch(k);
  } else {
    std::byte* host_view = k.host.device_view();
    std::byte* pool = k.gpu.pool.data();
    CXLP_CHECK_CUDA(launch_copy(k.kern, k.restore() ? static_cast<void*>(pool) : host_view,
                                k.restore() ? static_cast<const void*>(host_view) : pool,
                                k.restore() ? dof : ho, k.restore() ? ho : dof, k.l.n, k.l.block,
                                k.p.ctas, s));
  }
  return s;
}

// B/s of each timed repetition; timed_out is set when the latch timed out in any of them.
std::vector<double> measure(run_context& ctx, const kv_point& k, latch& gate, bool& timed_out) {
  std::vector<double> samples;
  cudaStream_t s = k.gpu.copy_s.get();
  for (int rep = -k.p.warmup; rep < k.p.reps && !ctx.stop_requested(); ++rep) {
    if (k.latched()) {
      gate.arm();
      gate.hold(s);
    }
    CXLP_CHECK_CUDA(cudaEventRecord(k.gpu.start.get(), s));
    cudaStream_t last = enqueue_transfer(k);
    CXLP_CHECK_CUDA(cudaEventRecord(k.gpu.stop.get(), last));
    if (k.latched()) gate.release();
    CXLP_CHECK_CUDA(cudaStreamSynchronize(last));
    if (last != s) CXLP_CHECK_CUDA(cudaStreamSynchronize(s));
    timed_out = timed_out || (k.latched() && gate.timed_out());
    float ms = 0;
    CXLP_CHECK_CUDA(cudaEventElapsedTime(&ms, k.gpu.start.get(), k.gpu.stop.get()));
    if (rep >= 0) samples.push_back(static_cast<double>(k.l.bytes()) / (ms * 1e-3));
  }
  return samples;
}

// Every block where it belongs after the last repetition; "" when all are.
std::string verify(const kv_point& k) {
  if (k.restore()) {
    std::vector<std::byte> back(k.l.pool_bytes());
    CXLP_CHECK_CUDA(
        cudaMemcpy(back.data(), k.gpu.pool.data(), back.size(), cudaMemcpyDeviceToHost));
    for (std::uint64_t i = 0; i < k.l.n; ++i) {
      if (std::memcmp(back.data() + k.l.dev_off[i], k.host.data() + k.l.host_off[i], k.l.block))
        return fmt::format("GPU slot {} does not hold host block {}", k.l.slot[i], i);
    }
    return {};
  }
  for (std::uint64_t i = 0; i < k.l.n; ++i) {
    if (first_pattern_mismatch(k.host.data() + k.l.host_off[i], k.l.block, k.seed(),
                               k.l.dev_off[i] / 8) >= 0)
      return fmt::format("host block {} does not hold GPU slot {}", i, k.l.slot[i]);
  }
  return {};
}

json point_params(const kv_point& k) {
  json params = base_params(k.p, k.host.kind());
  params["dir"] = k.restore() ? "h2d" : "d2h";
  params["method"] = std::string(name(k.method));
  if (k.method == kv_method::kernel) params["kernel"] = std::string(name(k.kern));
  params["gpus"] = std::to_string(k.gpu.device);
  params["gpu_busid"] = k.gpu.busid;
  params["block"] = k.l.block;
  params["blocks"] = k.l.n;
  params["size"] = k.l.bytes();
  params["latched"] = k.latched();
  return params;
}

std::optional<result> run_point(run_context& ctx, const kv_point& k, json params, latch& gate) {
  ctx.step(fmt::format("dma {} {} x {} by {} on GPU {}", name(k.p.pat), k.l.n,
                       units::format_bytes(k.l.block), name(k.method), k.gpu.device));
  prepare_data(k);
  bool timed_out = false;
  const std::vector<double> samples = measure(ctx, k, gate, timed_out);
  if (samples.empty()) return std::nullopt;
  result r;
  r.probe = "dma";
  r.params = std::move(params);
  r.add_summary("bandwidth", "B/s", samples);
  std::string problem = verify(k);
  if (timed_out) problem = "a latch kernel timed out; timings are not valid";
  if (!problem.empty()) {
    r.state = status::error;
    r.message = "verification failed: " + problem;
  } else if (!k.latched()) {
    r.message = "timed as submitted (queue too long for a latch): host submission cost included";
  }
  return r;
}

// The staged ring for one block size: its shape from the copy engine's curve (or --stage-slot),
// recorded in params.
std::unique_ptr<staged_kv> make_staged(const plan& p, host_region& host, kv_gpu& gpu,
                                       const kv_layout& l, json& shape) {
  const bool restore = p.pat == pattern::kv_restore;
  const auto curve = measure_ce_curve(host.data(), host.size(), gpu.pool.data(), gpu.pool.size(),
                                      restore, gpu.copy_s.get());
  // Auto: the slot the curve asks for, grown where the repetition would otherwise queue more
  // operations (three per run) than a latch holds, so that it stays latched.
  const ring_shape r =
      p.stage_slot ? fixed_ring(l.block, p.stage_slot, curve)
                   : fit_runs(choose_ring(l.block, curve), l.n, l.block, kMaxLatchedOps / 3, curve);
  json points = json::array();
  for (const auto& c : curve)
    points.push_back({{"bytes", c.bytes}, {"bandwidth", c.rate}});
  shape = {{"stage_slot", p.stage_slot ? json(p.stage_slot) : json("auto")},
           {"stage_slot_bytes", r.slot_bytes},
           {"stage_slots", r.slots},
           {"stage_blocks_per_slot", r.blocks_per_slot},
           {"stage_rule", r.rule},
           {"stage_expected_bandwidth", r.expected_rate},
           {"stage_ce_curve", points}};
  auto staged = std::make_unique<staged_kv>(gpu.device, l.block, l.host_off, r);
  shape["stage_bytes"] = staged->ring_bytes();
  return staged;
}

std::vector<std::pair<kv_method, sm_kernel>> kv_variants(const plan& p) {
  std::vector<std::pair<kv_method, sm_kernel>> variants;
  for (kv_method m : p.methods) {
    if (m != kv_method::kernel) {
      variants.emplace_back(m, sm_kernel::lsu);
    } else {
      for (sm_kernel k : kernels_for(p))
        variants.emplace_back(m, k);
    }
  }
  return variants;
}

std::vector<result> run_block(run_context& ctx, const plan& p, host_region& host, kv_gpu& gpu,
                              std::uint64_t block, latch& gate) {
  const kv_layout l = make_layout(gpu.device, block, blocks_of(p, block));
  std::unique_ptr<staged_kv> staged;
  json shape;
  std::vector<result> out;
  for (const auto& [m, kern] : kv_variants(p)) {
    if (ctx.stop_requested()) break;
    const bool use_stage = m == kv_method::kernel && kern == sm_kernel::staged;
    if (use_stage && !staged) staged = make_staged(p, host, gpu, l, shape);
    const kv_point k{p, host, gpu, l, m, kern, use_stage ? staged.get() : nullptr};
    json params = point_params(k);
    if (use_stage) params.update(shape);
    auto r = run_point(ctx, k, std::move(params), gate);
    if (!r) break;
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

std::vector<result> run_kv(run_context& ctx, const plan& p, const std::vector<int>& devices) {
  std::uint64_t most = 0;  // the largest block size's run, in bytes
  for (std::uint64_t block : p.block_sizes)
    most = std::max(most, blocks_of(p, block) * block);
  // Every resource before the first copy: the host run of the largest block size (the others
  // use its beginning) and each GPU's pool.
  host_region host(p.hosts.front(), p, most, p.pat == pattern::kv_offload);
  std::vector<std::unique_ptr<kv_gpu>> gpus;
  for (int device : devices) {
    CXLP_CHECK_CUDA(cudaSetDevice(device));
    gpus.push_back(std::make_unique<kv_gpu>(device, 2 * most));
  }
  latch gate;
  std::vector<result> out;
  run_context::step_scope steps(ctx, gpus.size() * p.block_sizes.size() * kv_variants(p).size());
  for (auto& g : gpus) {
    CXLP_CHECK_CUDA(cudaSetDevice(g->device));
    for (std::uint64_t block : p.block_sizes) {
      if (ctx.stop_requested()) return out;
      for (auto& r : run_block(ctx, p, host, *g, block, gate))
        out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace cxlprobe::probes::dma
