// `scale`: where aggregate bandwidth stops growing as workers are added on one tier: CPU
// threads, separate processes (each on its own region of one device or file, as replicas map),
// copy streams per GPU, and GPUs loading at once. Per point: aggregate and per-worker bandwidth,
// fairness (min/max over workers), efficiency against n x the first point's per-worker figure,
// the share of the known ceiling, and the knee (first point growing < 5%).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/units.hpp"
#include "kernels/cpu/mem_kernels.hpp"
#include "kernels/pattern.hpp"
#include "probes/cpu_options.hpp"
#include "probes/dma_plan.hpp"
#include "probes/pinned_workers.hpp"
#include "probes/probe_list.hpp"
#include "probes/process_workers.hpp"
#include "probes/scale_math.hpp"
#include "tiers/tier_buffer.hpp"
#include "topology/paths.hpp"

namespace cxlprobe::probes {

namespace {

namespace cpu = kernels::cpu;

struct scale_options {
  tier_options tier;
  repetition_options reps{5, 1};
  std::string threads;
  std::string procs;
  std::string proc_engine = "cpu";
  std::string streams;
  std::string gpu_counts;
  std::string gpus;  // not scale's: answered with the hint to --gpu-counts
  std::string mix;
  std::string size = "256MiB";
  std::string op = "read";
  int timeout_s = 120;
};

double now_s() {
  return steady_seconds();
}

struct point {
  long workers = 0;
  double aggregate = 0;
  std::vector<double> per_worker;  // median bandwidth of each worker
  // procs: each process's [offset, bytes] within the tier (a DAX device's offsets count from the
  // device's start), so a reader can check that no two processes share bytes.
  json worker_regions;
};

// Turns the points of one sweep into results: efficiency, fairness, ceiling share, knee.
void finish_sweep(std::vector<result>& out, const std::string& sweep, const json& base,
                  const std::vector<point>& pts,
                  const std::vector<std::optional<double>>& ceilings) {
  if (pts.empty()) return;
  std::vector<double> agg;
  for (const auto& p : pts)
    agg.push_back(p.aggregate);
  const auto k = scale::knee(agg);
  const double single = pts[0].aggregate / static_cast<double>(pts[0].workers);
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const auto& p = pts[i];
    result r;
    r.probe = "scale";
    r.params = base;
    r.params["sweep"] = sweep;
    r.params["workers"] = p.workers;
    if (!p.worker_regions.is_null()) r.params["worker_regions"] = p.worker_regions;
    r.add_value("aggregate_bandwidth", "B/s", p.aggregate, "median");
    const double lo =
        p.per_worker.empty() ? 0 : *std::min_element(p.per_worker.begin(), p.per_worker.end());
    const double hi =
        p.per_worker.empty() ? 0 : *std::max_element(p.per_worker.begin(), p.per_worker.end());
    r.add_value("worker_bandwidth_min", "B/s", lo, "median");
    r.add_value("worker_bandwidth_max", "B/s", hi, "median");
    r.add_value("fairness", "1", hi > 0 ? lo / hi : std::optional<double>());
    r.add_value("efficiency", "1", p.aggregate / (single * static_cast<double>(p.workers)));
    const std::optional<double> ceiling = i < ceilings.size() ? ceilings[i] : std::nullopt;
    r.add_value("ceiling_share", "1",
                ceiling ? std::optional<double>(p.aggregate / *ceiling) : std::nullopt);
    if (!p.per_worker.empty()) r.samples.push_back({"worker_bandwidth", "B/s", p.per_worker});
    if (k && *k == i)
      r.message = fmt::format("knee: aggregate grows < 5% from {} to {} workers",
                              pts[i - 1].workers, p.workers);
    out.push_back(std::move(r));
  }
}

// Aggregate per repetition = all bytes / (latest end - earliest start); the median over reps.
double aggregate_of(const std::vector<std::vector<std::pair<double, double>>>& times,
                    double bytes_each) {
  std::vector<double> per_rep;
  const std::size_t reps = times.empty() ? 0 : times[0].size();
  for (std::size_t r = 0; r < reps; ++r) {
    double first = 1e300, last = 0;
    for (const auto& w : times) {
      if (r >= w.size()) continue;
      first = std::min(first, w[r].first);
      last = std::max(last, w[r].second);
    }
    per_rep.push_back(bytes_each * static_cast<double>(times.size()) / (last - first));
  }
  return per_rep.empty() ? 0 : stats::summarize(per_rep).median;
}

double median_bw(const std::vector<std::pair<double, double>>& t, double bytes) {
  std::vector<double> v;
  for (const auto& [a, b] : t)
    v.push_back(bytes / (b - a));
  return v.empty() ? 0 : stats::summarize(v).median;
}

// CPU writers and a GPU reader on one tier at once: W threads store (non-temporal) into their own
// regions while GPU 0 copies another region host-to-device; both rates are reported, and the
// W = 0 point is the GPU alone, so starvation shows as the GPU's rate falling with W.
void run_mix(run_context& ctx, const scale_options& o, const tiers::tier_spec& tier,
             std::uint64_t size, const std::vector<long>& writers, const json& base,
             std::vector<result>& out) {
  if (auto why = dma::unavailable_reason()) {
    out.push_back(make_waived("scale", *why, {{"sweep", "mix"}}));
    return;
  }
  const auto cpus = allowed_cpus();
  const long top = *std::max_element(writers.begin(), writers.end());
  const std::uint64_t cpu_bytes = size * static_cast<std::uint64_t>(std::max(1L, top));
  // The tier holds the writers' regions and, after them, the region the GPU reads.
  tiers::tier_buffer buf =
      tiers::tier_buffer::open(tier, {cpu_bytes + size, true, o.tier.allow_write, o.tier.force});
  const cpu::isa isa = cpu::best_isa();
  cpu::write(buf.data(), buf.size(), 5, isa);
  std::byte* gpu_region = buf.data() + cpu_bytes;
  std::vector<point> pts;
  std::vector<double> cpu_rates;
  for (long w : writers) {
    if (ctx.stop_requested()) break;
    ctx.report(fmt::format("scale: {} CPU writer(s) while GPU 0 reads {}", w, tier.to_string()));
    std::atomic<bool> stop{false};
    std::atomic<long> written{0};
    const auto placed = w > 0 ? spread_cpus(cpus, static_cast<std::size_t>(w)) : std::vector<int>{};
    std::vector<std::thread> threads;
    const double t0 = now_s();
    for (long k = 0; k < w; ++k) {
      threads.emplace_back([&, k] {
        pin_single(placed[static_cast<std::size_t>(k)]);
        std::byte* p = buf.data() + static_cast<std::uint64_t>(k) * size;
        while (!stop.load(std::memory_order_relaxed)) {
          cpu::ntwrite(p, size, 11, isa);
          written.fetch_add(1);
        }
      });
    }
    std::vector<std::pair<double, double>> gpu_times;
    std::string problem;
    try {
      gpu_times = dma::timed_h2d_from(gpu_region, size, 0, o.reps.reps);
    } catch (const std::exception& e) {
      problem = e.what();
    }
    stop = true;
    for (auto& t : threads)
      t.join();
    const double cpu_rate =
        w > 0 ? static_cast<double>(written.load()) * static_cast<double>(size) / (now_s() - t0)
              : 0.0;
    json p = base;
    p["sweep"] = "mix";
    p["workers"] = w;
    if (!problem.empty()) {
      out.push_back(make_error("scale", problem, p));
      continue;
    }
    const double gpu_rate = median_bw(gpu_times, static_cast<double>(size));
    result r;
    r.probe = "scale";
    r.params = p;
    r.params["gpu_dir"] = "h2d";
    r.add_value("gpu_bandwidth", "B/s", gpu_rate, "median");
    r.add_value("cpu_write_bandwidth", "B/s", cpu_rate, "value");
    r.add_value("aggregate_bandwidth", "B/s", gpu_rate + cpu_rate, "median");
    if (!pts.empty() && pts[0].workers == 0 && pts[0].aggregate > 0) {
      r.add_value("gpu_share_of_alone", "1", gpu_rate / pts[0].aggregate);
    }
    pts.push_back({w, gpu_rate, {}, {}});
    out.push_back(std::move(r));
  }
}

// Every option resolved and checked before any tier is mapped.
struct scale_plan {
  tiers::tier_spec tier;
  std::uint64_t size = 0;
  std::vector<int> cpus;
  std::vector<long> threads, procs, streams, gpu_counts, mix;
  cpu::isa isa = cpu::isa::scalar;
  bool writes = false;
  json base;
};

scale_plan plan_scale(const scale_options& o) {
  validate(o.reps);
  scale_plan p;
  p.tier = tiers::parse_tier(o.tier.tier);
  p.size = units::parse_bytes(o.size, "--size");
  if (p.size % 4096 != 0) throw usage_error("--size must be a multiple of 4 KiB");
  if (!o.gpus.empty()) {
    throw usage_error(
        "scale --gpus: scale sweeps numbers of GPUs with --gpu-counts (e.g. --gpu-counts 1,2 "
        "loads GPUs 0..n-1); --gpus takes device indices, as in dma and explain");
  }
  if (o.op != "read" && o.op != "write" && o.op != "ntwrite")
    throw usage_error(fmt::format(
        "--op '{}': scale uses read, write (regular stores) or ntwrite (non-temporal)", o.op));
  if (o.proc_engine != "cpu" && o.proc_engine != "gpu")
    throw usage_error("--proc-engine: use cpu or gpu");
  if (o.timeout_s < 1) throw usage_error("--timeout must be at least 1 second");
  if (o.threads.empty() && o.procs.empty() && o.streams.empty() && o.gpu_counts.empty() &&
      o.mix.empty()) {
    throw usage_error(
        "give at least one sweep: --threads, --procs, --streams, --gpu-counts or --mix (each a "
        "list, e.g. 1,2,4)");
  }
  p.cpus = allowed_cpus();
  const long ncpus = static_cast<long>(p.cpus.size());
  auto list = [](const std::string& text, const char* what, long lo, long hi) {
    return text.empty() ? std::vector<long>{} : units::parse_int_list(text, what, lo, hi);
  };
  p.threads = list(o.threads, "--threads", 1, ncpus);
  p.procs = list(o.procs, "--procs", 1, 256);
  p.streams = list(o.streams, "--streams", 1, 64);
  p.gpu_counts = list(o.gpu_counts, "--gpu-counts", 1, 1024);
  p.mix = list(o.mix, "--mix", 0, ncpus);
  p.isa = cpu::best_isa();
  p.writes = o.op != "read";
  p.base = {{"tier", p.tier.to_string()}, {"size", p.size}, {"emulated", p.tier.emulated()}};
  return p;
}

// What the CPU workers did: the op and, for writes, the kind of stores.
void add_op_params(json& params, const scale_options& o) {
  params["op"] = o.op;
  if (o.op != "read") params["stores"] = o.op == "ntwrite" ? "nontemporal" : "regular";
}

// CPU workers' stores and loads: --op write is regular stores, ntwrite non-temporal (as bw);
// every checksum is consumed through an atomic, so no optimiser, LTO included, drops a load.
struct cpu_work {
  const scale_options& o;
  cpu::isa isa;
  std::atomic<std::uint64_t> sink{0};
  void store(std::byte* p, std::uint64_t n, std::uint64_t word) const {
    if (o.op == "ntwrite") {
      cpu::ntwrite(p, n, word, isa);
    } else {
      cpu::write(p, n, word, isa);
    }
  }
  void consume(std::uint64_t v) { sink.fetch_xor(v, std::memory_order_relaxed); }
};

// Threads of this process, each on its own `size` of one mapping.
void sweep_threads(run_context& ctx, const scale_options& o, const scale_plan& sp,
                   tiers::tier_buffer& buf, cpu_work& work, std::vector<result>& out) {
  const auto& [tier, size, cpus, writes, isa, base] =
      std::tie(sp.tier, sp.size, sp.cpus, sp.writes, sp.isa, sp.base);
  std::vector<point> pts;
  for (long n : sp.threads) {
    if (ctx.stop_requested()) break;
    ctx.report(fmt::format("scale: {} CPU thread(s) {} {}", n, o.op, tier.to_string()));
    const auto placed = spread_cpus(cpus, static_cast<std::size_t>(n));
    auto rounds = run_pinned(
        {placed, o.reps.warmup, o.reps.reps},
        [&](int w) {
          std::byte* p = buf.data() + static_cast<std::uint64_t>(w) * size;
          if (buf.owns_content() || writes)
            cpu::write(p, size, kernels::pattern_word(1, static_cast<std::uint64_t>(w)), isa);
        },
        [&](int w, int) {
          std::byte* p = buf.data() + static_cast<std::uint64_t>(w) * size;
          if (writes) {
            work.store(p, size, 7);
          } else {
            work.consume(cpu::read(p, size, isa));
          }
        },
        ctx.stop);
    if (rounds.empty()) break;
    std::vector<std::vector<std::pair<double, double>>> times(static_cast<std::size_t>(n));
    for (const auto& r : rounds) {
      for (std::size_t w = 0; w < static_cast<std::size_t>(n); ++w)
        times[w].emplace_back(r.start[w], r.end[w]);
    }
    point pt{n, aggregate_of(times, static_cast<double>(size)), {}, {}};
    for (const auto& t : times)
      pt.per_worker.push_back(median_bw(t, static_cast<double>(size)));
    pts.push_back(pt);
  }
  json b = base;
  add_op_params(b, o);
  finish_sweep(out, "threads", b, pts, {});
}

// Separate processes (as replicas map one device), each on its own region of the mapping made
// before the fork.
void sweep_procs(run_context& ctx, const scale_options& o, const scale_plan& sp,
                 tiers::tier_buffer& buf, cpu_work& work, std::vector<result>& out) {
  const auto& [tier, size, cpus, writes, isa, base] =
      std::tie(sp.tier, sp.size, sp.cpus, sp.writes, sp.isa, sp.base);
  std::vector<point> pts;
  for (long n : sp.procs) {
    if (ctx.stop_requested()) break;
    ctx.report(
        fmt::format("scale: {} process(es), {} engine, on {}", n, o.proc_engine, tier.to_string()));
    const auto regions =
        scale::assign_regions(size * static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(n),
                              std::max<std::uint64_t>(buf.alignment(), 4096));
    // Processes go to GPUs round-robin, as replicas do. Counted from the topology: CUDA must
    // not be initialised in this process before the fork.
    std::size_t nvidia_gpus = 0;
    if (o.proc_engine == "gpu") {
      for (const auto& g : ctx.topo().gpus)
        nvidia_gpus += g.vendor_id == 0x10de;
    }
    nvidia_gpus = std::max<std::size_t>(1, nvidia_gpus);
    const auto outcomes = run_processes(
        static_cast<std::size_t>(n), [&](std::size_t k) { pin_single(cpus[k % cpus.size()]); },
        [&](std::size_t k) {
          std::byte* p = buf.data() + regions[k].offset;
          std::vector<std::pair<double, double>> t;
          if (o.proc_engine == "gpu") {
            t = dma::timed_h2d_from(p, regions[k].size, static_cast<int>(k % nvidia_gpus),
                                    o.reps.reps);
          } else {
            for (int r = -o.reps.warmup; r < o.reps.reps; ++r) {
              const double t0 = now_s();
              if (writes) {
                work.store(p, regions[k].size, 9);
              } else {
                work.consume(cpu::read(p, regions[k].size, isa));
              }
              if (r >= 0) t.emplace_back(t0, now_s());
            }
          }
          std::ostringstream s;
          s.precision(17);
          for (const auto& [a, b] : t)
            s << a << ' ' << b << ' ';
          return s.str();
        },
        std::chrono::seconds(o.timeout_s), std::chrono::seconds(o.timeout_s), ctx.stop);
    if (ctx.stop_requested()) break;  // the points measured so far still form a sweep
    std::vector<std::vector<std::pair<double, double>>> times;
    std::string problems;
    for (std::size_t k = 0; k < outcomes.size(); ++k) {
      if (!outcomes[k].ok) {
        problems +=
            fmt::format("{}process {}: {}", problems.empty() ? "" : "; ", k, outcomes[k].problem);
        continue;
      }
      std::istringstream in(outcomes[k].output);
      std::vector<std::pair<double, double>> t;
      double a = 0, b = 0;
      while (in >> a >> b)
        t.emplace_back(a, b);
      times.push_back(std::move(t));
    }
    if (!problems.empty()) {
      json p = base;
      p["sweep"] = "procs";
      p["workers"] = n;
      out.push_back(make_error("scale", "worker failed: " + problems, p));
      continue;
    }
    // Processes start together but drift apart over their repetitions: the aggregate is all
    // their bytes over the window from the first start to the last end.
    double first = 1e300, last = 0, bytes = 0;
    for (const auto& t : times) {
      for (const auto& [a, e] : t) {
        first = std::min(first, a);
        last = std::max(last, e);
        bytes += static_cast<double>(regions[0].size);
      }
    }
    point pt{n, last > first ? bytes / (last - first) : 0.0, {}, json::array()};
    for (const auto& t : times)
      pt.per_worker.push_back(median_bw(t, static_cast<double>(regions[0].size)));
    for (const auto& reg : regions)
      pt.worker_regions.push_back({tier.offset + reg.offset, reg.size});
    pts.push_back(pt);
  }
  json b = base;
  b["engine"] = o.proc_engine;
  if (o.proc_engine == "cpu") {
    add_op_params(b, o);
  }
  finish_sweep(out, "procs", b, pts, {});
}

// GPU sweeps go through the dma probe's machinery (latch-started streams, verified data).
void sweep_gpus(run_context& ctx, const scale_options& o, const scale_plan& sp,
                const std::string& sweep, const std::vector<long>& counts,
                std::vector<result>& out) {
  const auto& [tier, size, base] = std::tie(sp.tier, sp.size, sp.base);
  if (counts.empty()) return;
  if (auto why = dma::unavailable_reason()) {
    out.push_back(make_waived("scale", *why, {{"sweep", sweep}}));
    return;
  }
  std::vector<point> pts;
  auto& topo = ctx.topo();
  dma::annotate_cuda_devices(topo);
  for (long n : counts) {
    if (ctx.stop_requested()) break;
    dma::plan p;
    p.tier = tier;
    p.allow_write = o.tier.allow_write;
    p.force = o.tier.force;
    p.hosts = {tier.kind == tiers::tier_kind::dram ? dma::host_kind::pinned
                                                   : dma::host_kind::registered};
    p.dirs = {dma::direction::h2d};
    p.engines = {dma::engine::ce};
    p.sizes = {size};
    p.reps = o.reps.reps;
    p.warmup = o.reps.warmup;
    if (sweep == "streams") {
      p.streams = static_cast<int>(n);
      p.gpus = {0};
    } else {
      for (long g = 0; g < n; ++g)
        p.gpus.push_back(static_cast<int>(g));
    }
    const auto rs = dma::run(ctx, p);
    // One GPU: one row. Several: a row per GPU (own events), then the aggregate row.
    const auto bad =
        std::find_if(rs.begin(), rs.end(), [](const result& r) { return r.state != status::ok; });
    if (rs.empty() || bad != rs.end()) {
      if (bad != rs.end()) out.push_back(*bad);
      continue;
    }
    point pt{n, rs.back().find("bandwidth")->value.value(), {}, {}};
    if (sweep == "gpus") {
      for (std::size_t i = 0; i + 1 < rs.size(); ++i)
        pt.per_worker.push_back(rs[i].find("bandwidth")->value.value());
      if (pt.per_worker.empty()) pt.per_worker.push_back(pt.aggregate);
    } else {
      // Each stream's figure from its own events (one stream: the aggregate is its figure).
      for (long k = 0; k < n; ++k) {
        if (const metric* m = rs[0].find(fmt::format("bandwidth_stream{}", k), "median"))
          pt.per_worker.push_back(*m->value);
      }
      if (n == 1) pt.per_worker.push_back(pt.aggregate);
    }
    pts.push_back(pt);
  }
  // Ceiling of a point: the narrowest element on the path from the measured tier to each GPU
  // in use, summed over those GPUs (streams share GPU 0's link). Elements shared by the GPUs
  // in use (the tier side, a switch uplink) count once: the sum is capped by the smallest.
  const auto where = topology::locate_tier(topo, tier.to_string());
  std::vector<std::optional<double>> ceilings;
  for (const auto& pt : pts) {
    const long used = sweep == "gpus" ? pt.workers : 1;
    double sum = 0;
    for (const auto& g : topo.gpus) {
      if (!g.cuda_index || *g.cuda_index >= used || !where) continue;
      const auto path = topology::compute_path(topo, *where, g);
      if (path.min_effective_bps > 0) sum += path.min_effective_bps;
      if (path.tier_effective_bps > 0) sum = std::min(sum, path.tier_effective_bps);
    }
    ceilings.push_back(sum > 0 ? std::optional<double>(sum) : std::nullopt);
  }
  json b = base;
  b["dir"] = "h2d";
  finish_sweep(out, sweep, b, pts, ceilings);
}

std::vector<result> run_scale(run_context& ctx, const scale_options& o) {
  const scale_plan sp = plan_scale(o);
  // One mapping for the CPU sweeps, made (or refused) before the first measurement: the largest
  // of threads x size and processes x size.
  long top = 0;
  for (const auto* counts : {&sp.threads, &sp.procs}) {
    if (!counts->empty()) top = std::max(top, *std::max_element(counts->begin(), counts->end()));
  }
  std::optional<tiers::tier_buffer> buf;
  if (top > 0) {
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(sp.size, static_cast<std::uint64_t>(top), &bytes))
      throw usage_error("--size times the largest worker count overflows 64 bits");
    buf = tiers::tier_buffer::open(sp.tier, {bytes, sp.writes, o.tier.allow_write, o.tier.force});
    if (buf->owns_content()) cpu::write(buf->data(), buf->size(), 3, sp.isa);
  }
  cpu_work work{o, sp.isa};
  std::vector<result> out;
  if (!sp.threads.empty()) sweep_threads(ctx, o, sp, *buf, work, out);
  if (!sp.procs.empty() && !ctx.stop_requested()) sweep_procs(ctx, o, sp, *buf, work, out);
  if (ctx.stop_requested()) return out;
  sweep_gpus(ctx, o, sp, "streams", sp.streams, out);
  if (!sp.mix.empty()) run_mix(ctx, o, sp.tier, sp.size, sp.mix, sp.base, out);
  sweep_gpus(ctx, o, sp, "gpus", sp.gpu_counts, out);
  return out;
}

}  // namespace

probe_spec scale_probe() {
  return {
      "scale",
      "Concurrency scaling on one tier: CPU threads, processes, GPU streams, GPUs; the knee",
      [](CLI::App& cmd) -> runner {
        auto o = std::make_shared<scale_options>();
        add_tier_options(cmd, o->tier, "Memory tier every worker uses");
        cmd.add_option("--threads", o->threads,
                       "CPU thread counts to sweep (each thread its own --size region)")
            ->type_name("LIST");
        cmd.add_option("--procs", o->procs,
                       "Process counts to sweep (each process its own region of the tier)")
            ->type_name("LIST");
        cmd.add_option(
               "--proc-engine", o->proc_engine,
               "What each process does: cpu (loads) or gpu (h2d copies; process k uses GPU k mod "
               "the GPU count, as replicas)")
            ->capture_default_str();
        cmd.add_option("--streams", o->streams, "Copy streams on GPU 0 to sweep")
            ->type_name("LIST");
        cmd.add_option("--gpu-counts", o->gpu_counts,
                       "Numbers of GPUs loading at once to sweep, e.g. 1,2 (GPUs 0..n-1)")
            ->type_name("LIST");
        // Hidden: answered with the hint (--gpus means device indices everywhere else).
        cmd.add_option("--gpus", o->gpus)->group("");
        cmd.add_option(
               "--mix", o->mix,
               "CPU writer counts (non-temporal stores) to sweep while GPU 0 reads the same "
               "tier (0 = the GPU alone): who gets starved")
            ->type_name("LIST");
        cmd.add_option("--size", o->size,
                       "Bytes per worker: each thread, process or stream has its own buffer of "
                       "this size")
            ->capture_default_str();
        cmd.add_option("--op", o->op,
                       "CPU workers: read, write (regular stores) or ntwrite (non-temporal), as "
                       "in bw")
            ->capture_default_str();
        cmd.add_option("--timeout", o->timeout_s,
                       "Seconds a worker process may take to get ready, and to finish")
            ->check(CLI::Range(1, 86400))
            ->capture_default_str();
        add_repetition_options(cmd, o->reps);
        return [o](run_context& ctx) { return run_scale(ctx, *o); };
      },
      [](run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::probes
