// `lat`: load-to-use latency of a memory tier from one pinned CPU, by a dependent pointer chase
// over a random cyclic permutation of cache lines, swept from cache-resident sizes to several
// times the last-level cache.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <tuple>

#include "core/error.hpp"
#include "core/units.hpp"
#include "kernels/cpu/pointer_chase.hpp"
#include "probes/cpu_options.hpp"
#include "probes/pinned_workers.hpp"
#include "probes/probe_list.hpp"
#include "tiers/tier_buffer.hpp"

namespace cxlprobe::probes {

namespace {

namespace cpu = kernels::cpu;

struct lat_options {
  tier_options tier;
  pinning_options pin;
  repetition_options reps{5, 1};
  std::string sizes;
  std::uint64_t steps = 0;
  bool thorough = false;
};

// 16 KiB up to max(256 MiB, 4x LLC): every power of two up to the last-level cache (where the
// curve has its steps), then every fourth beyond it (DRAM or the tier: flat), unless thorough.
std::vector<std::uint64_t> default_sizes(std::uint64_t llc, bool thorough) {
  std::vector<std::uint64_t> s;
  const std::uint64_t top = std::max<std::uint64_t>(256ULL << 20, 4 * llc);
  for (std::uint64_t b = 16 << 10; b < top; b *= (thorough || b < llc) ? 2 : 4)
    s.push_back(b);
  s.push_back(top);
  return s;
}

// Dependent loads per repetition: a time budget (40 ms at the latency a short first chase
// measured; at least 64Ki loads), or, thorough, two passes over the buffer (at least 512Ki).
// A whole pass is not needed for the figure: the permutation is one random cycle, and every
// step of it is a miss at the level the size lands in.
std::uint64_t steps_for(std::size_t lines, double probe_ns, bool thorough) {
  const std::uint64_t passes = std::max<std::uint64_t>(1ULL << 19, 2 * lines);
  if (thorough) return passes;
  const auto budget = static_cast<std::uint64_t>(40e6 / std::max(probe_ns, 0.5));
  return std::clamp<std::uint64_t>(budget, 1ULL << 16, passes);
}

struct lat_plan {
  tiers::tier_spec tier;
  std::vector<int> cpus;  // one: latency is a one-thread measurement
  std::vector<std::uint64_t> sizes;
};

lat_plan plan_lat(run_context& ctx, const lat_options& o) {
  validate(o.reps);
  lat_plan p;
  p.tier = tiers::parse_tier(o.tier.tier);
  p.cpus = resolve_cpus(o.pin.cpus, o.pin.cpu_node);
  p.cpus.resize(1);
  p.sizes = o.sizes.empty() ? default_sizes(ctx.topo().llc_bytes.value_or(32ULL << 20), o.thorough)
                            : units::parse_bytes_list(o.sizes, "--sizes");
  for (auto s : p.sizes) {
    if (s < 4 * cpu::kLine) throw usage_error(fmt::format("--sizes: {} is below 256 bytes", s));
  }
  return p;
}

std::vector<result> run_lat(run_context& ctx, const lat_options& o) {
  // parse -> plan (every check) -> map (refusals) -> run.
  const lat_plan p = plan_lat(ctx, o);
  const auto& [tier, cpus, sizes] = std::tie(p.tier, p.cpus, p.sizes);
  const std::uint64_t biggest = *std::max_element(sizes.begin(), sizes.end());
  // The chase writes its permutation into the tier: a DAX device or existing file needs
  // --allow-write.
  tiers::tier_buffer buf =
      tiers::tier_buffer::open(tier, {biggest, true, o.tier.allow_write, o.tier.force, "/",
                                      "smaller --sizes (the largest is mapped)"});
  std::vector<result> out;
  run_context::step_scope steps(ctx, sizes.size());
  for (std::uint64_t size : sizes) {
    if (ctx.stop_requested()) break;
    const std::size_t lines = size / cpu::kLine;
    ctx.step(fmt::format("lat {} at {}", tier.to_string(), units::format_bytes(size)));
    const void* sink = nullptr;
    bool built = false;
    std::uint64_t steps = o.steps ? o.steps : 1ULL << 16;
    const auto prepare = [&](int) {
      if (!built) cpu::build_chase(buf.data(), lines, 0x5EED + size);
      built = true;
    };
    const auto body = [&](int, int) { sink = cpu::chase(sink ? sink : buf.data(), steps); };
    if (!o.steps) {
      // A first chase of 64Ki loads (also the warm-up of the caches and TLB) sizes the rest.
      const auto probe = run_pinned({cpus, 0, 1}, prepare, body, ctx.stop);
      if (probe.empty()) break;
      const double probe_ns = (probe[0].end[0] - probe[0].start[0]) * 1e9 / steps;
      steps = steps_for(lines, probe_ns, o.thorough);
    }
    const auto rounds = run_pinned({cpus, o.reps.warmup, o.reps.reps}, prepare, body, ctx.stop);
    if (rounds.empty()) break;
    std::vector<double> ns;
    for (const auto& r : rounds)
      ns.push_back((r.end[0] - r.start[0]) / static_cast<double>(steps));
    result r;
    r.probe = "lat";
    r.params = {{"tier", tier.to_string()},     {"size", size},   {"cpu", cpus[0]},
                {"page_size", buf.page_size()}, {"steps", steps}, {"emulated", tier.emulated()}};
    r.add_summary("latency", "s", ns);
    // The chase must end on a line inside the buffer: a corrupt permutation would not.
    const auto* end = static_cast<const std::byte*>(sink);
    if (end < buf.data() || end >= buf.data() + lines * cpu::kLine) {
      r.state = status::error;
      r.message = "pointer chase left the buffer";
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

probe_spec lat_probe() {
  return {
      "lat",
      "CPU load latency of a memory tier (dependent pointer chase) vs working-set size",
      [](CLI::App& cmd) -> runner {
        auto o = std::make_shared<lat_options>();
        add_tier_options(cmd, o->tier, "Memory tier to measure (the chase is written into it)");
        cmd.add_option("--sizes", o->sizes,
                       "Working-set sizes to sweep (default: 16 KiB to max(256 MiB, 4x LLC))")
            ->type_name("LIST");
        cmd.add_flag("--thorough", o->thorough,
                     "Every power of two from 16 KiB (default: every fourth beyond the last-level "
                     "cache) and two passes over the buffer per repetition (default: about 40 ms)");
        cmd.add_option("--steps", o->steps,
                       "Dependent loads per repetition (0: sized to about 40 ms)")
            ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 40));
        add_pinning_options(cmd, o->pin);
        add_repetition_options(cmd, o->reps);
        return [o](run_context& ctx) { return run_lat(ctx, *o); };
      },
      [](run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::probes
