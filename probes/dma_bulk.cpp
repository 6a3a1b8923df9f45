// Bulk transfers of `dma`: each (GPU, stream) copies its own slice of the host region, every
// stream released together by the latch (or, for pageable memory, from its own host thread);
// a sample is the bytes of all streams over the longest stream's time. Plan first: the GPUs and
// every host region are set up before the first copy, so a tier that cannot be opened is refused
// before anything is measured.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/cuda_check.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "kernels/cuda/dma_kernels.hpp"
#include "kernels/pattern.hpp"
#include "probes/dma_detail.hpp"
#include "probes/dma_results.hpp"

namespace cxlprobe::probes::dma {

namespace {

struct bulk_layout {
  std::uint64_t max_size = 0;  // largest transfer per stream
  std::uint64_t streams = 1;   // S: streams per GPU and direction
  std::uint64_t halves = 1;    // 2 when any point is bidir: H2D and D2H use separate memory
  std::uint64_t half = 0;      // host bytes per direction: GPUs x S x max_size
};

std::vector<gpu_state> open_gpus(const std::vector<int>& devices, const bulk_layout& l) {
  std::vector<gpu_state> gpus(devices.size());
  for (std::size_t i = 0; i < devices.size(); ++i) {
    auto& g = gpus[i];
    g.device = devices[i];
    g.busid = cuda::pci_bus_id(g.device);
    for (std::uint64_t k = 0; k < l.streams * l.halves; ++k) {
      g.streams.emplace_back(g.device);
      g.start.emplace_back();
      g.stop.emplace_back();
    }
    g.dev = cuda::device_buffer(g.device, l.streams * l.max_size * l.halves);
    g.zero_offsets = cuda::device_buffer(g.device, sizeof(std::uint64_t));
    CXLP_CHECK_CUDA(cudaMemset(g.zero_offsets.data(), 0, sizeof(std::uint64_t)));
  }
  return gpus;
}

// One measured point and everything it touches.
struct bulk_point {
  const plan& p;
  const bulk_layout& l;
  host_region& host;
  std::vector<gpu_state>& gpus;
  direction dir;
  engine eng;
  sm_kernel kern;
  std::uint64_t size;

  bool host_timing() const { return !host.mapped(); }  // pageable: see dma_cuda.cpp
  bool does_h2d() const { return dir != direction::d2h; }
  bool does_d2h() const { return dir != direction::h2d; }
  std::uint64_t streams_per_gpu() const { return l.streams * (dir == direction::bidir ? 2 : 1); }
  bool h2d_stream(std::uint64_t k) const {
    return dir == direction::h2d || (dir == direction::bidir && k < l.streams);
  }
  std::uint64_t d2h_host_base() const { return dir == direction::bidir ? l.half : 0; }
  std::uint64_t d2h_dev_base() const {
    return dir == direction::bidir ? l.streams * l.max_size : 0;
  }
  std::uint64_t iterations() const {
    return std::clamp<std::uint64_t>((64ULL << 20) / size, 1, 256);
  }
  std::uint64_t seed() const { return 0xD3A + size; }
  // Host-timed with one worker: the synchronous cudaMemcpy an application calls. Several workers
  // (bidir, --streams, GPUs) each copy on their own stream and wait for it: cudaMemcpy on the
  // legacy stream would serialise them.
  bool plain_memcpy() const { return host_timing() && gpus.size() * streams_per_gpu() == 1; }
};

json point_params(const bulk_point& b) {
  json params = base_params(b.p, b.host.kind());
  params["dir"] = std::string(name(b.dir));
  params["engine"] = std::string(name(b.eng));
  if (b.eng == engine::sm) params["kernel"] = std::string(name(b.kern));
  params["gpus"] = gpu_list(b.gpus);
  params["gpu_busid"] = b.gpus[0].busid;
  params["size"] = b.size;
  params["streams"] = b.p.streams;
  params["iterations"] = b.iterations();
  params["timing"] = b.host_timing() ? "host" : "events";
  if (b.host_timing())
    params["call"] = b.plain_memcpy() ? "cudaMemcpy" : "cudaMemcpyAsync + cudaStreamSynchronize";
  return params;
}

std::optional<std::string> waive_reason(const bulk_point& b) {
  if (b.eng == engine::sm && !b.host.mapped())
    return "the SM engine needs host memory mapped into the GPU: use --host pinned or registered";
  if (b.does_d2h() && !b.host.writable())
    return "the host tier is mapped read-only (pass --allow-write to write it)";
  return std::nullopt;
}

// Source data in a known pattern, destinations poisoned.
void prepare_data(const bulk_point& b) {
  const std::uint64_t bytes = b.gpus.size() * b.l.streams * b.size;
  if (b.does_h2d() && b.host.writable()) kernels::fill_pattern(b.host.data(), bytes, b.seed(), 0);
  for (auto& g : b.gpus) {
    CXLP_CHECK_CUDA(cudaSetDevice(g.device));
    if (b.does_h2d()) CXLP_CHECK_CUDA(cudaMemset(g.dev.data(), 0xA5, b.l.streams * b.size));
    if (b.does_d2h())
      CXLP_CHECK_CUDA(
          kernels::cuda::launch_fill_pattern(g.dev.data(), g.dev.size(), b.seed(), nullptr));
    CXLP_CHECK_CUDA(cudaDeviceSynchronize());
  }
  if (b.does_d2h()) std::memset(b.host.data() + b.d2h_host_base(), 0, bytes);
}

// Queues one (GPU gi, stream k)'s copies on s; with host timing each copy is synchronous, as
// the call an application makes (pageable H2D copies may return once staged).
void enqueue_copies(const bulk_point& b, std::size_t gi, std::uint64_t k, cudaStream_t s) {
  const bool h2d = b.h2d_stream(k);
  const std::uint64_t ks = k % b.l.streams;
  const std::uint64_t slice = (gi * b.l.streams + ks) * b.size;
  const std::uint64_t host_off = h2d ? slice : b.d2h_host_base() + slice;
  std::byte* hptr = b.host.data() + host_off;
  std::byte* hview = b.host.mapped() ? b.host.device_view() + host_off : nullptr;
  std::byte* dptr = b.gpus[gi].dev.data() + (h2d ? 0 : b.d2h_dev_base()) + ks * b.size;
  const auto* z = reinterpret_cast<const std::uint64_t*>(b.gpus[gi].zero_offsets.data());
  const int ctas = b.p.ctas > 0 ? std::max(1, b.p.ctas / b.p.streams) : 0;
  for (std::uint64_t it = 0; it < b.iterations(); ++it) {
    if (b.eng == engine::ce && b.plain_memcpy()) {
      CXLP_CHECK_CUDA(cudaMemcpy(h2d ? static_cast<void*>(dptr) : hptr,
                                 h2d ? static_cast<void*>(hptr) : dptr, b.size, cudaMemcpyDefault));
    } else if (b.eng == engine::ce) {
      CXLP_CHECK_CUDA(cudaMemcpyAsync(h2d ? static_cast<void*>(dptr) : hptr,
                                      h2d ? static_cast<void*>(hptr) : dptr, b.size,
                                      cudaMemcpyDefault, s));
      if (b.host_timing()) CXLP_CHECK_CUDA(cudaStreamSynchronize(s));
    } else {
      CXLP_CHECK_CUDA(launch_copy(b.kern, h2d ? static_cast<void*>(dptr) : hview,
                                  h2d ? static_cast<const void*>(hview) : dptr, z, z, 1, b.size,
                                  ctas, s));
    }
  }
}

// Seconds of each (GPU, stream) for one repetition, timed by events behind the latch.
std::vector<double> time_by_events(const bulk_point& b, latch& gate, bool& timed_out) {
  const std::uint64_t K = b.streams_per_gpu();
  std::vector<double> secs(b.gpus.size() * K, 0.0);
  gate.arm();
  for (std::size_t gi = 0; gi < b.gpus.size(); ++gi) {
    auto& g = b.gpus[gi];
    CXLP_CHECK_CUDA(cudaSetDevice(g.device));
    for (std::uint64_t k = 0; k < K; ++k) {
      cudaStream_t s = g.streams[k].get();
      gate.hold(s);
      CXLP_CHECK_CUDA(cudaEventRecord(g.start[k].get(), s));
      enqueue_copies(b, gi, k, s);
      CXLP_CHECK_CUDA(cudaEventRecord(g.stop[k].get(), s));
    }
  }
  gate.release();
  for (std::size_t gi = 0; gi < b.gpus.size(); ++gi) {
    auto& g = b.gpus[gi];
    CXLP_CHECK_CUDA(cudaSetDevice(g.device));
    for (std::uint64_t k = 0; k < K; ++k) {
      CXLP_CHECK_CUDA(cudaStreamSynchronize(g.streams[k].get()));
      float ms = 0;
      CXLP_CHECK_CUDA(cudaEventElapsedTime(&ms, g.start[k].get(), g.stop[k].get()));
      secs[gi * K + k] = ms * 1e-3;
    }
  }
  timed_out = timed_out || gate.timed_out();
  return secs;
}

// Seconds of each (GPU, stream) for one repetition, each from its own host thread.
std::vector<double> time_on_host(const bulk_point& b) {
  const std::uint64_t K = b.streams_per_gpu();
  return host_timed(
      b.gpus.size() * K,
      [&](std::size_t w) { CXLP_CHECK_CUDA(cudaSetDevice(b.gpus[w / K].device)); },
      [&](std::size_t w) {
        cudaStream_t s = b.gpus[w / K].streams[w % K].get();
        enqueue_copies(b, w / K, w % K, s);
        CXLP_CHECK_CUDA(cudaStreamSynchronize(s));
      });
}

struct bulk_samples {
  std::vector<double> aggregate;                // B/s: all bytes over the longest stream
  std::vector<std::vector<double>> per_gpu;     // B/s of each GPU's own streams
  std::vector<std::vector<double>> per_stream;  // B/s, stream w = gi * K + k
  bool timed_out = false;
};

bulk_samples measure(run_context& ctx, const bulk_point& b, latch& gate) {
  const std::uint64_t K = b.streams_per_gpu();
  const double stream_bytes = static_cast<double>(b.iterations() * b.size);
  bulk_samples out;
  out.per_gpu.resize(b.gpus.size());
  out.per_stream.resize(b.gpus.size() * K);
  for (int rep = -b.p.warmup; rep < b.p.reps && !ctx.stop_requested(); ++rep) {
    const std::vector<double> secs =
        b.host_timing() ? time_on_host(b) : time_by_events(b, gate, out.timed_out);
    if (rep < 0) continue;
    std::vector<double> gpu_secs(b.gpus.size(), 0.0);
    for (std::size_t w = 0; w < secs.size(); ++w) {
      gpu_secs[w / K] = std::max(gpu_secs[w / K], secs[w]);
      out.per_stream[w].push_back(stream_bytes / secs[w]);
    }
    for (std::size_t gi = 0; gi < b.gpus.size(); ++gi)
      out.per_gpu[gi].push_back(static_cast<double>(K) * stream_bytes / gpu_secs[gi]);
    const double longest = *std::max_element(gpu_secs.begin(), gpu_secs.end());
    out.aggregate.push_back(static_cast<double>(b.gpus.size() * K) * stream_bytes / longest);
  }
  return out;
}

// What the last repetition left: each GPU's slices equal the host's after H2D, the host holds
// the GPU's pattern after D2H. "" when both hold.
std::string verify(const bulk_point& b) {
  const std::uint64_t S = b.l.streams;
  for (std::size_t gi = 0; gi < b.gpus.size(); ++gi) {
    auto& g = b.gpus[gi];
    CXLP_CHECK_CUDA(cudaSetDevice(g.device));
    if (b.does_h2d() &&
        !device_equals_host(g.dev.data(), b.host.data() + gi * S * b.size, S * b.size)) {
      return fmt::format("GPU {} memory differs from the host data after h2d", g.device);
    }
    for (std::uint64_t k = 0; b.does_d2h() && k < S; ++k) {
      const std::uint64_t dev_off = b.d2h_dev_base() + k * b.size;
      const auto bad = first_pattern_mismatch(
          b.host.data() + b.d2h_host_base() + (gi * S + k) * b.size, b.size, b.seed(), dev_off / 8);
      if (bad >= 0)
        return fmt::format("host word {} of stream {} is wrong after d2h from GPU {}", bad, k,
                           g.device);
    }
  }
  return {};
}

std::vector<result> run_point(run_context& ctx, const bulk_point& b, latch& gate) {
  json params = point_params(b);
  if (const auto why = waive_reason(b)) return {make_waived("dma", *why, params)};
  ctx.step(fmt::format("dma {} {} {} {} x{} stream(s) on GPU {}", name(b.host.kind()), name(b.dir),
                       name(b.eng), units::format_bytes(b.size), b.p.streams, gpu_list(b.gpus)));
  prepare_data(b);
  std::vector<std::unique_ptr<link_sampler>> links;
  for (const auto& g : b.gpus)
    links.push_back(std::make_unique<link_sampler>(g.busid));
  bulk_samples s = measure(ctx, b, gate);
  if (s.aggregate.empty()) return {};
  result r;
  r.probe = "dma";
  r.params = std::move(params);
  const std::string link_problem = record_links(r.params, b.gpus, links);
  r.add_summary("bandwidth", "B/s", s.aggregate);
  std::string problem = verify(b);
  if (s.timed_out)
    problem = "a latch kernel timed out: copies were queued too slowly; timings are not valid";
  if (!problem.empty()) {
    r.state = status::error;
    r.message = "verification failed: " + problem;
  } else if (!link_problem.empty()) {
    r.message = link_problem;
  } else if (b.p.tier.emulated()) {
    r.message = "emulated tier (file-backed stand-in)";
  }
  const std::uint64_t K = b.streams_per_gpu();
  std::vector<gpu_samples> own;
  for (std::size_t gi = 0; gi < b.gpus.size(); ++gi) {
    const auto first = s.per_stream.begin() + static_cast<std::ptrdiff_t>(gi * K);
    own.push_back({b.gpus[gi].device, b.gpus[gi].busid, s.per_gpu[gi], {first, first + K}});
  }
  return per_gpu_rows(std::move(r), own);
}

std::vector<std::pair<engine, sm_kernel>> bulk_variants(const plan& p) {
  std::vector<std::pair<engine, sm_kernel>> variants;
  for (engine eng : p.engines) {
    if (eng == engine::ce) {
      variants.emplace_back(eng, sm_kernel::lsu);
    } else {
      for (sm_kernel k : kernels_for(p))
        variants.emplace_back(eng, k);
    }
  }
  return variants;
}

}  // namespace

std::vector<result> run_bulk(run_context& ctx, const plan& p, const std::vector<int>& devices) {
  bulk_layout l;
  l.max_size = *std::max_element(p.sizes.begin(), p.sizes.end());
  l.streams = static_cast<std::uint64_t>(p.streams);
  l.halves = std::count(p.dirs.begin(), p.dirs.end(), direction::bidir) > 0 ? 2 : 1;
  l.half = devices.size() * l.streams * l.max_size;
  const bool host_writes =
      std::any_of(p.dirs.begin(), p.dirs.end(), [](direction d) { return d != direction::h2d; });
  // Every resource before the first copy: a tier that cannot be opened stops the run here.
  std::vector<gpu_state> gpus = open_gpus(devices, l);
  std::vector<std::unique_ptr<host_region>> hosts;
  for (host_kind hk : p.hosts)
    hosts.push_back(std::make_unique<host_region>(hk, p, l.half * l.halves, host_writes));
  latch gate;
  std::vector<result> out;
  run_context::step_scope steps(
      ctx, hosts.size() * p.dirs.size() * bulk_variants(p).size() * p.sizes.size());
  for (const auto& host : hosts) {
    for (direction dir : p.dirs) {
      for (const auto& [eng, kern] : bulk_variants(p)) {
        for (std::uint64_t size : p.sizes) {
          if (ctx.stop_requested()) return out;
          for (auto& r : run_point(ctx, {p, l, *host, gpus, dir, eng, kern, size}, gate))
            out.push_back(std::move(r));
        }
      }
    }
  }
  return out;
}

}  // namespace cxlprobe::probes::dma
