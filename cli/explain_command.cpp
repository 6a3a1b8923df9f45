// `explain`: topology -> a measurement plan -> probes -> floor analysis. The main job.
#include "cli/explain_command.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

#include "cli/explain_plan.hpp"
#include "core/document.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "probes/dma_plan.hpp"
#include "probes/invoke.hpp"
#include "probes/pinned_workers.hpp"
#include "report/floor.hpp"
#include "tiers/tier_spec.hpp"
#include "topology/json.hpp"
#include "topology/paths.hpp"

namespace cxlprobe::cli {

namespace {

struct explain_options {
  std::vector<std::string> results;
  std::vector<std::string> tiers;
  std::string gpus = "all";
  bool quick = false;
  bool thorough = false;
  bool allow_write = false;
  std::string size;  // --size: caps every size of the plan (parsed in the plan)
  bool plan_only = false;
};

// Default tiers: every DAX device and CPU-less node, plus dram; a /dev/shm stand-in when the
// node has no CXL tier, so the whole pipeline still shows.
std::vector<std::string> default_tiers(const topology::topology& t, bool& emulated) {
  std::vector<std::string> out{"dram"};
  for (const auto& d : t.dax) {
    if (d.mode != "system-ram") out.push_back("dax:/dev/" + d.name);
  }
  for (const auto& n : t.numa) {
    // A GPU's own memory (GPUMemory, POWER9 NVLink and Grace Hopper nodes) is no host tier.
    if (n.cpu_less.value_or(false) && n.subtype != "GPUMemory")
      out.push_back(fmt::format("node:{}", n.os_index));
  }
  emulated = out.size() == 1;
  if (emulated) out.push_back(fmt::format("file:/dev/shm/cxlprobe-explain-{}.bin", ::getpid()));
  return out;
}

// The read bandwidth matrix of a machine with several NUMA nodes that have CPUs (as Intel MLC's
// bandwidth matrix): the CPUs of node i reading the memory of node j. A path that crosses
// sockets uses the cross-node figure for the socket hop.
std::vector<result> bandwidth_matrix(probes::run_context& ctx, const std::string& size,
                                     const std::string& reps) {
  const auto& topo = ctx.topo();
  // Nodes with CPUs this process may use (a cgroup or taskset can leave a node none).
  std::vector<std::pair<unsigned, std::size_t>> cpu_nodes;  // node, usable CPUs
  for (const auto& n : topo.numa) {
    if (n.cpu_less.value_or(true)) continue;
    try {
      cpu_nodes.emplace_back(n.os_index, probes::cpus_of_node(static_cast<int>(n.os_index)).size());
    } catch (const usage_error&) {
      continue;  // no usable CPU there: that node cannot be a reading side
    }
  }
  std::vector<result> out;
  if (cpu_nodes.size() < 2) return out;
  std::vector<std::string> node_tiers;
  for (const auto& tier : topology::memory_tiers(topo)) {
    if (tier.node && tier.name.rfind("node:", 0) == 0) node_tiers.push_back(tier.name);
  }
  ctx.add_steps(cpu_nodes.size() * node_tiers.size());
  for (const auto& [from, cpus] : cpu_nodes) {
    for (const auto& tier_name : node_tiers) {
      if (ctx.stop_requested()) continue;
      ctx.step(
          fmt::format("explain: bandwidth matrix, CPUs of node {} reading {}", from, tier_name));
      const std::vector<std::string> args{
          "--tier",    tier_name, "--op",       "read", "--cpu-node", std::to_string(from),
          "--threads", "all",     "--size",     size,   "--reps",     reps,
          "--warmup",  "1",       "--counters", "none"};
      for (auto& r : probes::invoke_probe("bw", args, ctx))
        out.push_back(std::move(r));
    }
  }
  return out;
}

// One tier's measurements with the plan's fitted sizes: CPU read, then (with a GPU) bulk DMA
// and KV restore.
void measure_tier(probes::run_context& ctx, const explain_options& o, const tier_plan& plan,
                  const std::optional<std::string>& gpu_reason, const std::string& reps,
                  std::vector<result>& results) {
  const std::string& tier = plan.tier;
  const std::string threads = "all";  // every allowed CPU; "all" matches across nodes
  ctx.step("explain: CPU read bandwidth of " + tier);
  std::vector<std::string> args{
      "--tier",     tier,    "--op",     "read",
      "--threads",  threads, "--size",   units::exact_bytes(plan.sizes.bw),
      "--reps",     reps,    "--warmup", "1",
      "--counters", "none"};
  if (o.allow_write) args.push_back("--allow-write");
  for (auto& r : probes::invoke_probe("bw", args, ctx))
    results.push_back(std::move(r));
  if (gpu_reason || plan.sizes.dma.empty()) return;
  const bool dram = tier == "dram";
  // d2h writes into the tier: only where the tier is ours (dram, a new stand-in) or allowed.
  const bool may_write =
      dram || tier.rfind("file:/dev/shm/cxlprobe-explain-", 0) == 0 || o.allow_write;
  std::string sizes;
  for (auto v : plan.sizes.dma)
    sizes += (sizes.empty() ? "" : ",") + units::exact_bytes(v);
  std::vector<std::string> d{"--tier", tier,
                             "--host", dram ? "pinned" : "registered",
                             "--dir",  may_write ? "h2d,d2h" : "h2d",
                             "--size", sizes,
                             "--gpus", o.gpus,
                             "--reps", reps};
  if (o.allow_write) d.push_back("--allow-write");
  ctx.step("explain: GPU DMA between " + tier + " and GPU(s) " + o.gpus);
  for (auto& r : probes::invoke_probe("dma", d, ctx))
    results.push_back(std::move(r));
  if (plan.sizes.kv_total == 0) return;
  // KV restore at a vLLM layer page (16 KiB) and block (1.5 MiB): one copy per block (the
  // software floor) beside the staged kernel, so both floors show beside bulk.
  const std::vector<std::string> kv{"--tier",    tier,
                                    "--host",    dram ? "pinned" : "registered",
                                    "--pattern", "kv-restore",
                                    "--method",  "copy,kernel",
                                    "--kernel",  "staged",
                                    "--block",   "16KiB,1536KiB",
                                    "--total",   units::exact_bytes(plan.sizes.kv_total),
                                    "--gpus",    o.gpus,
                                    "--reps",    reps};
  ctx.step("explain: KV restore from " + tier + " (16 KiB and 1.5 MiB blocks)");
  for (auto& r : probes::invoke_probe("dma", kv, ctx))
    results.push_back(std::move(r));
}

result tier_not_measured(const std::string& tier, const std::string& why, status state) {
  result r;
  r.probe = "explain";
  r.state = state;
  r.params["tier"] = tier;
  r.message = fmt::format("{} not measured: {}", tier, why);
  return r;
}

// --plan-only: what would be measured on the tier, in words and bytes.
result planned(const tier_plan& plan, bool no_gpu) {
  result r;
  r.probe = "explain";
  r.params["tier"] = plan.tier;
  std::string dma;
  for (auto v : plan.sizes.dma)
    dma += (dma.empty() ? "" : ",") + units::format_bytes(v);
  r.message = fmt::format("plan: CPU read {}{}", units::format_bytes(plan.sizes.bw),
                          no_gpu ? ""
                                 : fmt::format("; DMA {}; KV restore total {}", dma,
                                               units::format_bytes(plan.sizes.kv_total)));
  r.add_value("planned_read_bytes", "B", static_cast<double>(plan.sizes.bw));
  return r;
}

// Every tier's plan before the first measurement: capacity read, sizes fitted, or the reason.
std::vector<tier_plan> plan_tiers(probes::run_context& ctx, const explain_options& o,
                                  const std::vector<std::string>& names) {
  plan_sizes want;
  constexpr std::uint64_t MiB = 1ULL << 20;
  want.bw = (o.quick ? 256 : o.thorough ? 1024 : 512) * MiB;
  want.dma = o.quick      ? std::vector<std::uint64_t>{24 * MiB, 256 * MiB}
             : o.thorough ? std::vector<std::uint64_t>{24 * MiB, 256 * MiB, 1024 * MiB}
                          : std::vector<std::uint64_t>{24 * MiB, 512 * MiB};
  want.kv_total = (o.quick ? 256 : 1024) * MiB;
  if (!o.size.empty()) {
    const std::uint64_t cap = units::parse_bytes(o.size, "--size");
    want.bw = cap;
    for (auto& v : want.dma)
      v = std::min(v, cap);
    want.dma.erase(std::unique(want.dma.begin(), want.dma.end()), want.dma.end());
    want.kv_total = std::min(want.kv_total, cap);
  }
  // A malformed tier is a typo: the whole command stops (exit 2) before anything runs.
  for (const auto& tier : names)
    (void)tiers::parse_tier(tier);
  std::vector<tier_plan> plans;
  json notes = json::array();
  for (const auto& tier : names) {
    tier_plan p;
    try {
      // KV totals hold whole 1.5 MiB blocks.
      p = fit_plan(tier, want, capacity_of(tier), 1536 * 1024);
    } catch (const usage_error& e) {
      p.tier = tier;
      p.reason = e.what();
    }
    for (const auto& n : p.notes) {
      ctx.report("explain: " + n);
      notes.push_back(n);
    }
    plans.push_back(std::move(p));
  }
  ctx.analysis["plan_notes"] = notes;
  json steps = json::array();
  for (const auto& p : plans) {
    steps.push_back({{"tier", p.tier},
                     {"bw_bytes", p.reason.empty() ? json(p.sizes.bw) : json(nullptr)},
                     {"dma_bytes", p.reason.empty() ? json(p.sizes.dma) : json(nullptr)},
                     {"kv_total_bytes", p.reason.empty() ? json(p.sizes.kv_total) : json(nullptr)},
                     {"reason", p.reason.empty() ? json(nullptr) : json(p.reason)}});
  }
  ctx.analysis["plan"] = steps;
  return plans;
}

std::vector<result> measure(probes::run_context& ctx, const explain_options& o) {
  const auto& topo = ctx.topo();
  bool emulated = false;
  const std::vector<std::string> tiers = o.tiers.empty() ? default_tiers(topo, emulated) : o.tiers;
  if (emulated)
    ctx.analysis["note"] =
        "no CXL tier on this node: a file-backed stand-in on /dev/shm is measured, labelled "
        "emulated";
  const std::string reps = o.quick ? "3" : o.thorough ? "10" : "5";
  // The plan asks the registry what this node can run (the dma probe's requirement).
  const auto gpu_reason = probes::find_probe("dma")->requirement(ctx);
  if (gpu_reason) ctx.analysis["gpu"] = "no DMA measured: " + *gpu_reason;
  std::vector<result> results;
  const auto plans = plan_tiers(ctx, o, tiers);
  // Steps: each measured tier's CPU read, and with a GPU its bulk DMA and KV restore.
  const auto measured_tiers = static_cast<std::size_t>(std::count_if(
      plans.begin(), plans.end(), [](const tier_plan& t) { return t.reason.empty(); }));
  probes::run_context::step_scope steps(ctx,
                                        o.plan_only ? 0 : measured_tiers * (gpu_reason ? 1 : 3));
  for (const auto& plan : plans) {
    if (ctx.stop_requested()) break;
    if (!plan.reason.empty()) {
      results.push_back(tier_not_measured(plan.tier, plan.reason, status::skipped));
      continue;
    }
    if (o.plan_only) {
      results.push_back(planned(plan, gpu_reason.has_value()));
      continue;
    }
    // A tier that refuses the probe (in use, no permission) is reported; the others go on.
    try {
      measure_tier(ctx, o, plan, gpu_reason, reps, results);
    } catch (const usage_error& e) {
      results.push_back(tier_not_measured(plan.tier, e.what(), status::skipped));
    } catch (const system_error& e) {
      results.push_back(tier_not_measured(plan.tier, e.what(), status::error));
    }
  }
  if (o.plan_only) return results;
  const std::uint64_t matrix_size = (o.quick ? 256ULL : o.thorough ? 1024ULL : 512ULL) << 20;
  const std::string size = units::exact_bytes(
      o.size.empty() ? matrix_size : std::min(matrix_size, units::parse_bytes(o.size, "--size")));
  for (auto& r : bandwidth_matrix(ctx, size, reps))
    results.push_back(std::move(r));
  return results;
}

std::vector<result> run_explain(probes::run_context& ctx, const explain_options& o) {
  if (o.quick && o.thorough) throw usage_error("give --quick or --thorough, not both");
  std::vector<result> results;
  if (!o.results.empty()) {
    // Recorded runs: no measurement; the topology of the first file describes the machine.
    bool have_topology = false;
    for (const auto& path : o.results) {
      document doc = load_document(path);
      if (!have_topology && doc.context.contains("topology") && !ctx.topology_from_file()) {
        ctx.set_topology(topology::topology_from_json(doc.context["topology"]));
        have_topology = true;
      }
      for (auto& r : doc.results)
        results.push_back(std::move(r));
    }
    ctx.analysis["mode"] = "recorded";
  } else if (ctx.topology_from_file()) {
    ctx.analysis["mode"] = "topology";
    ctx.analysis["note"] = "explained from the topology alone: ceilings only, nothing measured";
  } else {
    ctx.analysis["mode"] = "measured";
    results = measure(ctx, o);
  }
  auto& topo = ctx.topo();
  if (!ctx.topology_from_file() && o.results.empty()) probes::dma::annotate_cuda_devices(topo);
  ctx.analysis["floors"] = report::to_json(report::analyse_floors(topo, results));
  if (results.empty()) {
    result r;
    r.probe = "explain";
    r.message = ctx.analysis.value("note", "ceilings only");
    r.add_value("pairs", "1", static_cast<double>(ctx.analysis["floors"].size()));
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace

probes::probe_spec explain_command() {
  return {
      "explain",
      "Discover, measure what matters, and say which link or tier sets the floor for each tier and "
      "GPU",
      [](CLI::App& cmd) -> probes::runner {
        auto o = std::make_shared<explain_options>();
        cmd.add_option("--results", o->results,
                       "Explain recorded result files instead of measuring")
            ->type_name("FILE...")
            ->check(CLI::ExistingFile);
        cmd.add_option("--tier", o->tiers,
                       "Tiers to measure (default: dram, every DAX device and CPU-less node; "
                       "a /dev/shm stand-in when there is no CXL tier)")
            ->type_name("TIER...");
        cmd.add_option("--gpus", o->gpus, "GPUs to measure")->capture_default_str();
        cmd.add_flag("--quick", o->quick, "Smaller sizes, fewer repetitions (about half the time)");
        cmd.add_flag("--thorough", o->thorough, "Larger sizes, more repetitions");
        cmd.add_option(
               "--size", o->size,
               "Cap every size of the plan (CPU read set, DMA sizes, KV total), e.g. 64MiB; "
               "sizes are also fitted to each tier's capacity")
            ->type_name("SIZE");
        cmd.add_flag("--plan-only", o->plan_only,
                     "Print the measurement plan (tiers, sizes fitted to each tier, tiers that "
                     "cannot be measured and why) and the ceilings, without measuring");
        cmd.add_flag("--allow-write", o->allow_write,
                     "Permit D2H copies into DAX devices and existing files");
        return [o](probes::run_context& ctx) { return run_explain(ctx, *o); };
      },
      [](probes::run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::cli
