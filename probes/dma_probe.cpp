// `dma`: bytes between a memory tier and GPUs: copy engines and SM kernels, pinned / registered
// / pageable host memory, every size a KV cache uses, and scattered KV block patterns.
#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/units.hpp"
#include "probes/cpu_options.hpp"
#include "probes/dma_plan.hpp"
#include "probes/probe_list.hpp"

namespace cxlprobe::probes {

namespace {

struct dma_options {
  tier_options tier;
  std::string host = "pinned";
  std::string dir = "h2d,d2h";
  std::string engine = "ce";
  std::string gpus = "0";
  std::string size;
  int streams = 1;
  repetition_options reps{10, 3};
  std::string pattern = "bulk";
  std::string block;
  std::uint64_t blocks = 0;
  std::string total = "1GiB";
  std::string method = "copy,batch,kernel";
  int ctas = 0;
  std::string kernel = "auto";
  std::string stage_slot = "auto";
};

template <typename E, std::size_t N>
std::vector<E> parse_enum_list(const std::string& text, const char* option,
                               const std::pair<const char*, E> (&names)[N]) {
  std::vector<E> out;
  for (const auto part : units::split_list(text, option)) {
    bool found = false;
    for (const auto& [n, v] : names) {
      if (part == n) {
        out.push_back(v);
        found = true;
      }
    }
    if (!found) {
      std::string valid;
      for (const auto& [n, v] : names)
        valid += (valid.empty() ? "" : ", ") + std::string(n);
      throw usage_error(fmt::format("{}: unknown value '{}'; use {}", option, part, valid));
    }
  }
  return out;
}

// Beyond any host or GPU memory of today's nodes: a typo, refused before anything is allocated.
constexpr std::uint64_t kMaxSize = 256ULL << 30;
constexpr std::uint64_t kMaxBlock = 1ULL << 30;

dma::plan make_plan(const dma_options& o) {
  using namespace dma;
  validate(o.reps);
  plan p;
  p.tier = tiers::parse_tier(o.tier.tier);
  p.allow_write = o.tier.allow_write;
  p.force = o.tier.force;
  static const std::pair<const char*, host_kind> hosts[] = {{"pinned", host_kind::pinned},
                                                            {"registered", host_kind::registered},
                                                            {"pageable", host_kind::pageable}};
  static const std::pair<const char*, direction> dirs[] = {
      {"h2d", direction::h2d}, {"d2h", direction::d2h}, {"bidir", direction::bidir}};
  static const std::pair<const char*, engine> engines[] = {{"ce", engine::ce}, {"sm", engine::sm}};
  static const std::pair<const char*, pattern> patterns[] = {{"bulk", pattern::bulk},
                                                             {"kv-restore", pattern::kv_restore},
                                                             {"kv-offload", pattern::kv_offload}};
  static const std::pair<const char*, kv_method> methods[] = {
      {"copy", kv_method::copy}, {"batch", kv_method::batch}, {"kernel", kv_method::kernel}};
  p.hosts = parse_enum_list(o.host, "--host", hosts);
  p.dirs = parse_enum_list(o.dir, "--dir", dirs);
  p.engines = parse_enum_list(o.engine, "--engine", engines);
  const auto pats = parse_enum_list(o.pattern, "--pattern", patterns);
  if (pats.size() != 1)
    throw usage_error("--pattern takes one value: bulk, kv-restore or kv-offload");
  p.pat = pats[0];
  p.methods = parse_enum_list(o.method, "--method", methods);
  if (o.gpus != "all") {
    for (long g : units::parse_int_list(o.gpus, "--gpus", 0, 1023))
      p.gpus.push_back(static_cast<int>(g));
  }
  p.sizes = o.size.empty() ? default_sizes() : units::parse_bytes_list(o.size, "--size");
  for (auto s : p.sizes) {
    if (s % 16 != 0 || s > kMaxSize)
      throw usage_error(fmt::format(
          "--size {}: sizes must be multiples of 16 bytes, at most 256 GiB per stream", s));
  }
  p.streams = o.streams;
  p.reps = o.reps.reps;
  p.warmup = o.reps.warmup;
  p.block_sizes = o.block.empty() ? default_blocks() : units::parse_bytes_list(o.block, "--block");
  for (auto b : p.block_sizes) {
    if (b % 16 != 0 || b > kMaxBlock)
      throw usage_error(
          fmt::format("--block {}: block sizes must be multiples of 16 bytes, at most 1 GiB", b));
  }
  p.blocks = o.blocks;
  p.total_bytes = units::parse_bytes(o.total, "--total");
  if (p.total_bytes > kMaxSize) throw usage_error("--total: at most 256 GiB");
  // --blocks (< 2^24) x a block (<= 1 GiB) fits 64 bits; the plan caps it like --total.
  for (auto b : p.block_sizes) {
    if (o.blocks * b > kMaxSize)
      throw usage_error(fmt::format("--blocks {} x --block {} exceeds 256 GiB", o.blocks, b));
  }
  p.ctas = o.ctas;
  if (o.stage_slot != "auto") {
    p.stage_slot = units::parse_bytes(o.stage_slot, "--stage-slot");
    if (p.stage_slot < (64 << 10) || p.stage_slot > kMaxBlock)
      throw usage_error("--stage-slot: give auto or a size from 64 KiB to 1 GiB");
  }
  if (o.kernel != "auto") {
    static const std::pair<const char*, sm_kernel> kernels[] = {
        {"lsu", sm_kernel::lsu}, {"tma", sm_kernel::tma}, {"staged", sm_kernel::staged}};
    p.kernels = parse_enum_list(o.kernel, "--kernel", kernels);
    const bool staged =
        std::find(p.kernels.begin(), p.kernels.end(), sm_kernel::staged) != p.kernels.end();
    if (staged && p.pat == pattern::bulk) {
      throw usage_error(
          "--kernel staged applies to --pattern kv-restore or kv-offload (a bulk copy through a "
          "device ring is the copy engine: use --engine ce)");
    }
  }
  if (p.pat != pattern::bulk && (p.hosts.size() != 1 || p.hosts[0] == host_kind::pageable)) {
    throw usage_error(
        "KV patterns need one --host, pinned or registered (the kernel reads mapped host memory)");
  }
  return p;
}

}  // namespace

probe_spec dma_probe() {
  return {
      "dma",
      "GPU DMA between a memory tier and GPUs: copy engines and SM kernels, bulk and KV-block "
      "patterns",
      [](CLI::App& cmd) -> runner {
        auto o = std::make_shared<dma_options>();
        add_tier_options(cmd, o->tier, "Host memory tier the GPU reads or writes");
        cmd.add_option(
               "--host", o->host,
               "Host memory: pinned (cudaHostAlloc, dram only), registered (cudaHostRegister of "
               "the tier mapping) or pageable; a list sweeps")
            ->capture_default_str();
        cmd.add_option("--dir", o->dir, "Directions: h2d, d2h, bidir (list)")
            ->capture_default_str();
        cmd.add_option("--engine", o->engine,
                       "ce (copy engines) and/or sm (kernel over mapped host memory)")
            ->capture_default_str();
        cmd.add_option("--gpus", o->gpus, "CUDA devices loading at once: a list (0,1) or all")
            ->capture_default_str();
        cmd.add_option(
               "--size", o->size,
               "Transfer sizes per stream (default: 4 KiB..1 GiB powers of two, 1.5 MiB, 24 MiB)")
            ->type_name("LIST");
        cmd.add_option("--streams", o->streams, "Copy streams per GPU, started together")
            ->check(CLI::Range(1, 64))
            ->capture_default_str();
        cmd.add_option("--pattern", o->pattern,
                       "bulk, kv-restore (scattered blocks host->GPU slots) or kv-offload (GPU "
                       "slots->host)")
            ->capture_default_str();
        cmd.add_option("--block", o->block, "KV block sizes (default 4 KiB..24 MiB)")
            ->type_name("LIST");
        cmd.add_option("--blocks", o->blocks, "KV blocks per measurement (0: --total / block)")
            ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 24));
        cmd.add_option("--total", o->total, "Bytes per KV measurement when --blocks is not given")
            ->capture_default_str();
        cmd.add_option(
               "--method", o->method,
               "KV methods: copy (one cudaMemcpyAsync per block), batch (cudaMemcpyBatchAsync), "
               "kernel (the gather/scatter kernel)")
            ->capture_default_str();
        cmd.add_option(
               "--kernel", o->kernel,
               "SM copy kernel: lsu (16-byte loads and stores over mapped host memory), tma (bulk "
               "async copies, compute capability 9.0+), staged (KV patterns: copy engine through "
               "a device ring, lsu scatter/gather on the GPU) or auto (tma where it runs; KV "
               "patterns add staged); a list compares them")
            ->capture_default_str();
        cmd.add_option("--stage-slot", o->stage_slot,
                       "Slot of the staged kernel's device ring: a size (64 KiB..1 GiB, rounded "
                       "to whole blocks) or auto (the fewest blocks whose copy-engine rate, "
                       "measured at 1-64 MiB before the point, is within 0.5% of the best)")
            ->type_name("SIZE")
            ->capture_default_str();
        cmd.add_option("--ctas", o->ctas, "Thread blocks of the SM kernels (0: 4 per SM)")
            ->check(CLI::Range(0, 1 << 16))
            ->capture_default_str();
        add_repetition_options(cmd, o->reps);
        return [o](run_context& ctx) {
          const dma::plan plan = make_plan(*o);  // bad options are usage errors, GPU or not
          if (auto why = dma::unavailable_reason()) {
            return std::vector<result>{make_waived("dma", *why, {{"tier", plan.tier.to_string()}})};
          }
          (void)ctx.topo();  // the result's context names the GPUs' links
          return dma::run(ctx, plan);
        };
      },
      [](run_context&) { return dma::unavailable_reason(); },
  };
}

namespace dma {

std::string_view name(host_kind h) {
  return h == host_kind::pinned ? "pinned" : h == host_kind::registered ? "registered" : "pageable";
}
std::string_view name(direction d) {
  return d == direction::h2d ? "h2d" : d == direction::d2h ? "d2h" : "bidir";
}
std::string_view name(engine e) {
  return e == engine::ce ? "ce" : "sm";
}
std::string_view name(pattern p) {
  return p == pattern::bulk ? "bulk" : p == pattern::kv_restore ? "kv-restore" : "kv-offload";
}
std::string_view name(kv_method m) {
  return m == kv_method::copy ? "copy" : m == kv_method::batch ? "batch" : "kernel";
}

std::string_view name(sm_kernel k) {
  return k == sm_kernel::lsu ? "lsu" : k == sm_kernel::tma ? "tma" : "staged";
}

std::vector<std::uint64_t> default_sizes() {
  std::vector<std::uint64_t> s;
  for (std::uint64_t b = 4096; b <= (1ULL << 30); b *= 2) {
    s.push_back(b);
    if (b == (1ULL << 20)) s.push_back(1572864);       // vLLM block of a 96 KiB/token model
    if (b == (16ULL << 20)) s.push_back(24ULL << 20);  // LMCache chunk of 256 tokens
  }
  return s;
}

std::vector<std::uint64_t> default_blocks() {
  return {4096, 16384, 65536, 262144, 1048576, 1572864, 24ULL << 20};
}

}  // namespace dma

}  // namespace cxlprobe::probes
