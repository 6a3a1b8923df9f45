// `replay`: turns measured (or given) tier bandwidth into predicted time-to-first-token for a
// KV-cache offload workload: a Mooncake trace or an agentic multi-turn workload, through a GPU
// prefix cache and an L1 on the tier, with offload OFF and ON side by side.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "probes/probe_list.hpp"
#include "probes/replay_attribution.hpp"
#include "probes/replay_exec.hpp"
#include "probes/replay_options.hpp"
#include "replay/fit.hpp"
#include "replay/models.hpp"
#include "replay/simulate.hpp"
#include "replay/trace.hpp"
#include "tiers/tier_spec.hpp"

namespace cxlprobe::probes {

namespace {

std::optional<std::uint64_t> parse_capacity(const std::string& text) {
  if (text == "unlimited") return std::nullopt;
  return units::parse_bytes(text, "--l1-capacity", /*allow_zero=*/true);
}

// "40s@174000,0.9s@4000" -> {(40, 174000), (0.9, 4000)}
std::vector<std::pair<double, double>> parse_time_at_points(const std::string& text,
                                                            const char* option) {
  std::vector<std::pair<double, double>> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, end - pos);
    const auto at = item.find('@');
    if (at == std::string::npos) {
      const bool prefill = std::string(option) == "--prefill-time";
      throw usage_error(fmt::format("{} '{}': expected {}[,...], e.g. {}", option, text,
                                    prefill ? "TIME@TOKENS" : "TIME@SEQUENCES",
                                    prefill ? "40s@174000" : "20ms@1,32ms@64"));
    }
    const double t = units::parse_seconds(item.substr(0, at), option);
    const auto count =
        units::parse_int_list(item.substr(at + 1), std::string(option) + " count", 1, 1L << 40);
    if (t <= 0 || count.size() != 1)
      throw usage_error(fmt::format("{} needs a positive time and one count per point", option));
    out.emplace_back(t, static_cast<double>(count[0]));
    pos = end + 1;
  }
  return out;
}

// Bandwidth from a recorded dma result: the transfer size closest to `near_bytes`.
double bandwidth_from_results(const document& doc, const std::string& tier, const std::string& gpu,
                              const std::string& dir, double near_bytes, const std::string& file) {
  const result* best = nullptr;
  double best_distance = 0;
  for (const auto& r : doc.results) {
    if (r.probe != "dma" || r.state != status::ok) continue;
    const auto& p = r.params;
    if (p.value("tier", "") != tier || p.value("dir", "") != dir) continue;
    // One GPU's own figure (the aggregate of several has gpu_busid null and counts for none).
    const auto busid = p.find("gpu_busid");
    if (busid == p.end() || !busid->is_string()) continue;
    if (p.value("gpus", "") != gpu && busid->get<std::string>() != gpu) continue;
    if (p.value("pattern", "bulk") != "bulk" || !p.contains("size") || !r.find("bandwidth"))
      continue;
    const double d = std::fabs(std::log(p["size"].get<double>() / near_bytes));
    if (!best || d < best_distance) {
      best = &r;
      best_distance = d;
    }
  }
  if (!best) {
    throw usage_error(
        fmt::format("--from-results '{}': no successful bulk dma {} result for tier {} and GPU {}; "
                    "record one with `cxlprobe dma --tier {} --gpus {} --json FILE`",
                    file, dir, tier, gpu, tier, gpu));
  }
  return *best->find("bandwidth")->value;
}

void add_ttft(result& r, const std::string& prefix, std::vector<double> ttft) {
  const auto s = stats::summarize(ttft);
  r.add_value(prefix + "mean_s", "s", s.mean, "value");
  r.add_value(prefix + "p50_s", "s", s.median, "value");
  r.add_value(prefix + "p95_s", "s", s.p95, "value");
}

// Everything a replay needs, resolved and checked before the first request is simulated.
struct replay_plan {
  const replay::model_geometry* model = nullptr;
  std::uint64_t kvbpt = 0;
  std::optional<std::uint64_t> l1_capacity;
  std::optional<replay::timing_model> timing;
  replay::workload_config workload;  // workload mode; in trace mode, its engine fields
  std::optional<tiers::tier_spec> exec_tier;
  int exec_gpu = 0;
  std::optional<replay::attribution_input> attribution;  // --observed-ttft
  json base;                                             // params every result carries
};

void check_modes(const replay_options& o) {
  if (o.trace.empty() == o.workload.empty()) {
    throw usage_error("give exactly one of --trace FILE or --workload agentic");
  }
  if (!o.trace.empty() && !o.workload_only_given.empty()) {
    throw usage_error(fmt::format(
        "{}: workload mode only (--workload agentic), not trace mode (--trace): the trace "
        "decides contexts, turns and arrivals; leave it out",
        fmt::join(o.workload_only_given, ", ")));
  }
  if (!o.workload.empty() && !o.trace_only_given.empty()) {
    throw usage_error(fmt::format(
        "{}: trace mode only (--trace: tokens per hash id of the trace), not workload mode; "
        "leave it out",
        fmt::join(o.trace_only_given, ", ")));
  }
  if (!o.workload.empty() && o.workload != "agentic") {
    throw usage_error(fmt::format("--workload: unknown workload '{}'; use agentic", o.workload));
  }
  if (o.order != "round-robin" && o.order != "sequential") {
    throw usage_error(
        fmt::format("--order: unknown order '{}'; use round-robin or sequential", o.order));
  }
  if (o.exec && o.workload.empty())
    throw usage_error("--exec runs a workload: give --workload agentic");
}

// One of a few names: the value it stands for, or a usage error listing them.
template <typename T>
T pick(const std::string& given, const char* option,
       std::initializer_list<std::pair<const char*, T>> choices) {
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) {
    if (given == name) return value;
    names.emplace_back(name);
  }
  throw usage_error(
      fmt::format("{}: unknown value '{}'; use {}", option, given, fmt::join(names, " or ")));
}

// What the engine needs in both modes: caches, batching, transfers, stores, decode.
// --restore-method: the load rate is the file's kv-restore curve of that method at one vLLM
// block (16 tokens x KV bytes per token), the unit such a restore copies.
double restore_method_rate(const replay_options& o, std::uint64_t kvbpt) {
  const std::string method =
      pick<std::string>(o.restore_method, "--restore-method",
                        {{"per-block", "copy"}, {"batch", "batch"}, {"kernel", "kernel"}});
  if (o.from_results.empty())
    throw usage_error("--restore-method reads the KV restore curves of --from-results FILE");
  if (!o.load_bw.empty())
    throw usage_error("--restore-method sets the load rate; leave out --load-bw");
  const double block = 16.0 * static_cast<double>(kvbpt);
  const auto rate = restore_rate(load_document(o.from_results), o.tier, o.gpu, method, block);
  if (!rate)
    throw usage_error(fmt::format(
        "--from-results '{}': no kv-restore result with method {} for tier {} and GPU {}; record "
        "one with `cxlprobe dma --pattern kv-restore --method {} --tier {} --gpus {} --json FILE`",
        o.from_results, method, o.tier, o.gpu, method == "copy" ? "copy" : method, o.tier, o.gpu));
  return *rate;
}

// The timing model: optional in trace mode, needed in workload mode.
std::optional<replay::timing_model> plan_timing(const replay_options& o,
                                                const replay::model_geometry* model,
                                                std::uint64_t kvbpt) {
  if (o.prefill_time.empty() && !o.observed_ttft.empty()) {
    // The cold turn is a lone prompt of --context-tokens: it calibrates the prefill.
    const auto cold = replay::parse_observed_ttft(o.observed_ttft).cold;
    if (cold) {
      replay_options with = o;
      with.prefill_time = fmt::format("{}s@{}", *cold, o.context_tokens);
      return plan_timing(with, model, kvbpt);
    }
  }
  if (o.prefill_time.empty()) {
    if (!o.workload.empty()) {
      throw usage_error(
          "workload mode needs --prefill-time TIME@TOKENS (a measured TTFT, e.g. 40s@174000) and "
          "--model");
    }
    return std::nullopt;
  }
  const auto points = parse_time_at_points(o.prefill_time, "--prefill-time");
  if (!model && points.size() < 2)
    throw usage_error(
        "--prefill-time with one point needs --model: the split between linear and attention "
        "cost comes from its geometry (or give two points at different lengths)");
  const auto fit = replay::fit_prefill(points, model ? model->attention_ratio() : 0.0);
  replay::timing_model t;
  t.a = fit.a;
  t.b = fit.b;
  t.fit_points = fit.points;
  t.fit_rms_relative_residual = fit.rms_relative_residual;
  if (!o.decode_time.empty()) t.decode_time = units::parse_seconds(o.decode_time, "--decode-time");
  if (!o.decode_token_time.empty())
    t.decode_token_time = units::parse_seconds(o.decode_token_time, "--decode-token-time");
  t.decode_seq_time = units::parse_seconds(o.decode_seq_time, "--decode-seq-time");
  if (!o.decode_step.empty()) {
    if (!o.decode_token_time.empty() || t.decode_seq_time > 0 || !o.decode_time.empty())
      throw usage_error(
          "--decode-step fits the decode terms itself; leave out --decode-token-time, "
          "--decode-seq-time and --decode-time");
    const auto fit = replay::fit_decode(parse_time_at_points(o.decode_step, "--decode-step"));
    t.decode_token_time = fit.step_s;
    t.decode_seq_time = fit.seq_s;
    t.decode_fit_rms_relative_residual = fit.rms_relative_residual;
  }
  t.chunk_overhead = units::parse_seconds(o.chunk_overhead, "--chunk-overhead");
  t.store_overlap = o.store_overlap;
  // The transfer unit: an LMCache chunk in workload mode, the trace's block in trace mode.
  const double chunk_tokens = o.trace.empty() ? o.chunk_tokens : o.block_tokens;
  const double chunk_bytes = chunk_tokens * static_cast<double>(kvbpt);
  if (!o.from_results.empty()) {
    const document doc = load_document(o.from_results);
    // --load-bw / --store-bw win over the file (a file of KV curves alone has no bulk figure).
    if (o.load_bw.empty() && o.restore_method.empty())
      t.load_bw = bandwidth_from_results(doc, o.tier, o.gpu, "h2d", chunk_bytes, o.from_results);
    if (o.store_bw.empty())
      t.store_bw = bandwidth_from_results(doc, o.tier, o.gpu, "d2h", chunk_bytes, o.from_results);
  }
  if (!o.restore_method.empty()) t.load_bw = restore_method_rate(o, kvbpt);
  if (!o.load_bw.empty()) t.load_bw = units::parse_rate(o.load_bw, "--load-bw");
  if (!o.store_bw.empty()) t.store_bw = units::parse_rate(o.store_bw, "--store-bw");
  if (t.load_bw <= 0)
    throw usage_error("give --load-bw RATE (e.g. 20GiB/s) or --from-results FILE");
  return t;
}

// Workload sizes within what the simulation holds: a request list in memory and byte totals in
// 64 bits (the longest prompt times the KV bytes per token).
void check_workload_bounds(const replay_options& o, std::uint64_t kvbpt) {
  constexpr std::uint64_t kMaxRequests = 10'000'000;
  if (o.contexts * o.turns > kMaxRequests) {
    throw usage_error(
        fmt::format("--contexts {} x --turns {} = {} requests; at most {} are simulated",
                    o.contexts, o.turns, o.contexts * o.turns, kMaxRequests));
  }
  // Each factor is range-checked at parse, so these products cannot wrap.
  const std::uint64_t longest = o.context_tokens + o.turns * (o.turn_tokens + o.output_tokens);
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(longest, kvbpt, &bytes) || bytes > (1ULL << 62)) {
    throw usage_error(fmt::format(
        "the longest context ({} tokens) x {} KV bytes per token exceeds 2^62 bytes; use fewer "
        "--turns or tokens",
        longest, kvbpt));
  }
}

replay::workload_config plan_engine(const replay_options& o, const replay_plan& p) {
  replay::workload_config wc;
  wc.kv_bytes_per_token = p.kvbpt;
  wc.chunk_tokens = o.chunk_tokens;
  // A trace names its prefixes per block: the prefix cache counts its blocks.
  wc.gpu_block_tokens = o.trace.empty() ? 16 : o.block_tokens;
  wc.gpu_kv_capacity_bytes = units::parse_bytes(o.gpu_kv_capacity, "--gpu-kv-capacity", true);
  wc.l1_capacity_bytes = p.l1_capacity;
  if (!o.tier_bw.empty()) wc.tier_bw = units::parse_rate(o.tier_bw, "--tier-bw");
  wc.max_batched_tokens = o.max_batched_tokens;
  wc.max_running = o.max_running;
  wc.overlap = pick<replay::load_overlap>(
      o.load_overlap, "--load-overlap",
      {{"none", replay::load_overlap::none}, {"layerwise", replay::load_overlap::layerwise}});
  wc.store = pick<replay::store_mode>(
      o.store, "--store",
      {{"sync", replay::store_mode::sync}, {"async", replay::store_mode::async}});
  wc.scope = pick<replay::l1_scope>(
      o.l1_scope, "--l1-scope",
      {{"per-replica", replay::l1_scope::per_replica}, {"shared", replay::l1_scope::shared}});
  wc.layers = p.model ? p.model->layers : 1;
  return wc;
}

replay::workload_config plan_workload(const replay_options& o, const replay_plan& p) {
  check_workload_bounds(o, p.kvbpt);
  replay::workload_config wc = plan_engine(o, p);
  wc.contexts = o.contexts;
  wc.turns = o.turns;
  wc.context_tokens = o.context_tokens;
  wc.turn_tokens = o.turn_tokens;
  wc.output_tokens = o.output_tokens;
  wc.sequential = o.order == "sequential";
  wc.inflight = o.inflight;
  wc.replicas = o.replicas;
  wc.think_s = units::parse_seconds(o.think_time, "--think-time");
  return wc;
}

// --observed-ttft: the workload's geometry, the timing, and the node's curves from
// --from-results (the per-block copy curve and the best kernel of that tier and GPU).
replay::attribution_input plan_attribution(const replay_options& o, const replay_plan& p) {
  if (o.workload.empty())
    throw usage_error(
        "--observed-ttft reads the agentic workload's turns: give --workload agentic");
  replay::attribution_input in;
  in.observed = replay::parse_observed_ttft(o.observed_ttft);
  in.context_tokens = o.context_tokens;
  in.turn_tokens = o.turn_tokens;
  in.output_tokens = o.output_tokens;
  in.turns = o.turns;
  in.chunk_tokens = o.chunk_tokens;
  in.kv_bytes_per_token = p.kvbpt;
  in.timing = *p.timing;
  if (!o.from_results.empty()) {
    const document doc = load_document(o.from_results);
    in.copy_curve = copy_curve(doc, o.tier, o.gpu);
    in.kernel_bps = best_kernel(doc, o.tier, o.gpu);
  }
  if (p.timing->load_bw > 0) in.link_bps = p.timing->load_bw;
  (void)replay::attribute(in);  // its refusals (a turn too few, figures below the prefill) now
  return in;
}

replay_plan plan_replay(const replay_options& o) {
  check_modes(o);
  replay_plan p;
  p.model = o.model.empty() ? nullptr : &replay::find_model(o.model);
  p.kvbpt = o.kv_bytes_per_token ? o.kv_bytes_per_token
            : p.model            ? p.model->kv_bytes_per_token()
                                 : 0;
  if (p.kvbpt == 0) throw usage_error("give --model NAME or --kv-bytes-per-token B");
  p.l1_capacity = parse_capacity(o.l1_capacity);
  p.timing = plan_timing(o, p.model, p.kvbpt);
  p.workload = o.workload.empty() ? plan_engine(o, p) : plan_workload(o, p);
  if (!o.observed_ttft.empty()) p.attribution = plan_attribution(o, p);
  if (o.exec) {
    p.exec_tier = tiers::parse_tier(o.tier);
    p.exec_gpu = static_cast<int>(units::parse_int_list(o.gpu, "--gpu", 0, 1023).at(0));
  }
  p.base = {{"kv_bytes_per_token", p.kvbpt},
            {"l1_capacity", p.l1_capacity ? json(*p.l1_capacity) : json("unlimited")}};
  if (p.model) p.base["model"] = p.model->name;
  if (p.timing) {
    p.base["load_bw"] = p.timing->load_bw;
    p.base["restore_method"] = o.restore_method.empty() ? "bulk" : o.restore_method;
    if (!o.decode_step.empty()) {
      p.base["decode_step_s"] = p.timing->decode_token_time;
      p.base["decode_seq_s"] = p.timing->decode_seq_time;
      p.base["decode_fit_rms_relative_residual"] = p.timing->decode_fit_rms_relative_residual;
    }
    p.base["store_bw"] = p.timing->store_bw;
    p.base["prefill_a_s_per_token"] = p.timing->a;
    p.base["prefill_b_s_per_token2"] = p.timing->b;
    p.base["prefill_fit_points"] = p.timing->fit_points;
    p.base["prefill_fit_rms_relative_residual"] = p.timing->fit_rms_relative_residual;
  }
  return p;
}

// A wrong --block-tokens goes unnoticed in the hit ratio: say which size the ids fit.
std::string block_tokens_warning(const std::vector<replay::trace_request>& requests,
                                 std::uint64_t block_tokens) {
  const auto fit = replay::check_block_tokens(requests, block_tokens);
  if (fit.disagree <= 0.1 || fit.best_block_tokens == block_tokens) return {};
  return fmt::format(
      "warning: {:.0f}% of the requests carry a number of hash ids that --block-tokens {} "
      "does not explain; the ids fit --block-tokens {} ({:.0f}% disagree)",
      fit.disagree * 100, block_tokens, fit.best_block_tokens, fit.best_disagree * 100);
}

// TTFT of every request through the engine (arrivals, queueing, batching, transfers).
void add_trace_ttft(result& r, const std::vector<replay::trace_request>& requests,
                    const replay_plan& p, std::uint64_t block_tokens) {
  const auto timed = replay::replay_trace_timed(
      requests, block_tokens, replay::engine_config_of(p.workload, *p.timing, true), *p.timing);
  std::vector<double> on, off, queue;
  double cached = 0, input = 0;
  for (std::size_t i = 0; i < timed.on.requests.size(); ++i) {
    const auto& q = timed.on.requests[i];
    on.push_back(q.ttft_s());
    off.push_back(timed.off.requests[i].ttft_s());
    queue.push_back(q.admit_s - q.arrival_s);
    cached += static_cast<double>(std::max(q.gpu_hit_tokens, q.l1_hit_tokens));
    input += static_cast<double>(q.prefill_tokens) +
             static_cast<double>(std::max(q.gpu_hit_tokens, q.l1_hit_tokens));
  }
  add_ttft(r, "ttft_", on);
  add_ttft(r, "ttft_off_", off);
  r.add_value("queue_mean_s", "s", stats::summarize(queue).mean);
  r.add_value("timed_token_hit_ratio", "1", input > 0 ? cached / input : 0.0);
  r.add_value("wall_s", "s", timed.on.wall_s);
  r.add_value("wall_off_s", "s", timed.off.wall_s);
  const double on_mean = stats::summarize(on).mean;
  r.add_value("speedup_ttft_mean", "1", on_mean > 0 ? stats::summarize(off).mean / on_mean : 0.0);
}

std::vector<result> run_trace(run_context& ctx, const replay_options& o, const replay_plan& p) {
  ctx.report("replay: reading " + o.trace);
  auto requests = replay::load_trace(o.trace, ctx.stop);
  if (ctx.stop_requested()) return {};  // interrupted while parsing: nothing to replay
  const std::string block_warning = block_tokens_warning(requests, o.block_tokens);
  if (!block_warning.empty()) ctx.report(block_warning);
  result timed;  // the engine reads the requests before the cache-only pass takes them
  if (p.timing) add_trace_ttft(timed, requests, p, o.block_tokens);
  const auto outcome =
      replay::replay_trace(std::move(requests), {o.block_tokens, p.kvbpt, p.l1_capacity});
  result r;
  r.probe = "replay";
  r.params = p.base;
  r.params["mode"] = "trace";
  r.params["trace"] = o.trace;
  r.params["block_tokens"] = o.block_tokens;
  r.message = block_warning;
  r.add_value("requests", "1", static_cast<double>(outcome.requests));
  r.add_value("input_tokens", "1", static_cast<double>(outcome.input_tokens));
  r.add_value("hit_tokens", "1", static_cast<double>(outcome.hit_tokens));
  r.add_value("token_hit_ratio", "1",
              outcome.input_tokens ? static_cast<double>(outcome.hit_tokens) /
                                         static_cast<double>(outcome.input_tokens)
                                   : 0.0);
  r.add_value("l1_evictions", "1", static_cast<double>(outcome.l1_evictions));
  r.add_value("bytes_loaded", "B", static_cast<double>(outcome.bytes_loaded));
  r.add_value("bytes_stored", "B", static_cast<double>(outcome.bytes_stored));
  r.metrics.insert(r.metrics.end(), timed.metrics.begin(), timed.metrics.end());
  return {r};
}

// Measured transfers of --exec beside the modelled ones, per request and in total.
void add_exec_figures(result& r, const replay::workload_outcome& w,
                      const std::vector<exec_times>& measured, const replay_plan& p) {
  sample_set exec_load{"exec_load_s", "s", {}}, model_load{"model_load_s", "s", {}};
  sample_set exec_store{"exec_store_s", "s", {}}, model_store{"model_store_s", "s", {}};
  double el = 0, ml = 0, es = 0, ms = 0;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    const auto& q = w.requests[i];
    const double store_model =
        p.timing->store_bw > 0 ? static_cast<double>(q.stored_tokens * p.kvbpt) / p.timing->store_bw
                               : 0.0;
    exec_load.values.push_back(measured[i].load_s);
    model_load.values.push_back(q.load_s);
    exec_store.values.push_back(measured[i].store_s);
    model_store.values.push_back(store_model);
    el += measured[i].load_s;
    ml += q.load_s;
    es += measured[i].store_s;
    ms += store_model;
  }
  r.add_value("exec_load_s_total", "s", el);
  r.add_value("model_load_s_total", "s", ml);
  r.add_value("exec_store_s_total", "s", es);
  r.add_value("model_store_s_total", "s", ms);
  r.add_value("exec_load_bandwidth", "B/s",
              el > 0 ? static_cast<double>(w.bytes_loaded) / el : std::optional<double>());
  r.add_value("exec_store_bandwidth", "B/s",
              es > 0 ? static_cast<double>(w.bytes_stored) / es : std::optional<double>());
  for (auto* s : {&exec_load, &model_load, &exec_store, &model_store})
    r.samples.push_back(std::move(*s));
}

json workload_params(const replay_options& o, const replay_plan& p) {
  json params = p.base;
  const auto& wc = p.workload;
  params["mode"] = "workload";
  params["workload"] = o.workload;
  params["contexts"] = wc.contexts;
  params["turns"] = wc.turns;
  params["context_tokens"] = wc.context_tokens;
  params["turn_tokens"] = wc.turn_tokens;
  params["output_tokens"] = wc.output_tokens;
  params["order"] = o.order;
  params["inflight"] = wc.inflight;
  params["replicas"] = wc.replicas;
  params["chunk_tokens"] = wc.chunk_tokens;
  params["think_time_s"] = wc.think_s;
  params["max_batched_tokens"] = wc.max_batched_tokens;
  params["max_running"] = wc.max_running;
  params["load_overlap"] = o.load_overlap;
  params["store"] = o.store;
  params["l1_scope"] = o.l1_scope;
  params["layers"] = wc.layers;
  params["gpu_kv_capacity"] = wc.gpu_kv_capacity_bytes;
  return params;
}

// Offload OFF: TTFT per request and per turn, and the wall time.
result workload_result(const replay::workload_outcome& w, const json& params, bool on) {
  result r;
  r.probe = "replay";
  r.params = params;
  r.params["offload"] = on ? "on" : "off";
  std::vector<double> ttft;
  std::map<std::uint64_t, std::vector<double>> per_turn;
  for (const auto& q : w.requests) {
    const double t = on ? q.ttft_s : q.off_ttft_s;
    ttft.push_back(t);
    per_turn[q.turn].push_back(t);
  }
  r.add_value("requests", "1", static_cast<double>(w.requests.size()));
  add_ttft(r, "ttft_", ttft);
  for (const auto& [turn, v] : per_turn)
    r.add_value(fmt::format("ttft_turn{}_mean_s", turn), "s", stats::summarize(v).mean);
  r.add_value("wall_s", "s", on ? w.wall_on_s : w.wall_off_s);
  return r;
}

// Offload ON adds the tier's traffic and the speedups over OFF.
void add_offload_figures(result& r, const replay::workload_outcome& w, const result& off) {
  double warm_on = 0, warm_off = 0;
  std::size_t warm_n = 0;
  for (const auto& q : w.requests) {
    if (q.turn < 2) continue;
    warm_on += q.ttft_s + q.decode_s;
    warm_off += q.off_ttft_s + q.off_decode_s;
    ++warm_n;
  }
  r.add_value("tier_bytes_loaded", "B", static_cast<double>(w.bytes_loaded));
  r.add_value("tier_bytes_stored", "B", static_cast<double>(w.bytes_stored));
  r.add_value(
      "tier_bandwidth_mean", "B/s",
      w.wall_on_s > 0 ? static_cast<double>(w.bytes_loaded + w.bytes_stored) / w.wall_on_s : 0.0);
  r.add_value("l1_evictions", "1", static_cast<double>(w.l1_evictions));
  r.add_value("speedup_wall", "1", w.wall_on_s > 0 ? w.wall_off_s / w.wall_on_s : 0.0);
  const double on_mean = r.find("ttft_mean_s", "value")->value.value();
  const double off_mean = off.find("ttft_mean_s", "value")->value.value();
  r.add_value("speedup_ttft_mean", "1", on_mean > 0 ? off_mean / on_mean : 0.0);
  r.add_value("speedup_warm_request", "1",
              warm_n && warm_on > 0 ? warm_off / warm_on : std::optional<double>());
}

std::vector<result> run_workload(run_context& ctx, const replay_options& o, const replay_plan& p) {
  ctx.report(fmt::format("replay: {} contexts x {} turns", p.workload.contexts, p.workload.turns));
  const auto w = replay::replay_workload(p.workload, *p.timing);
  std::vector<exec_times> measured;
  if (p.exec_tier) {
    measured =
        execute_workload(ctx, w, p.workload, {&*p.exec_tier, o.allow_write, o.force, p.exec_gpu});
  }
  const json params = workload_params(o, p);
  std::vector<result> out{workload_result(w, params, false), workload_result(w, params, true)};
  add_offload_figures(out[1], w, out[0]);
  if (p.attribution) {
    const auto a = replay::attribute(*p.attribution);
    ctx.analysis["attribution"] = to_json(a);
    ctx.analysis["summary"] = a.sentence;
  }
  if (!measured.empty()) {
    add_exec_figures(out[1], w, measured, p);
    out[1].params["exec_tier"] = p.exec_tier->to_string();
    out[1].params["exec_gpu"] = o.gpu;
  }
  return out;
}

std::vector<result> run_replay(run_context& ctx, const replay_options& o) {
  const replay_plan p = plan_replay(o);
  return o.trace.empty() ? run_workload(ctx, o, p) : run_trace(ctx, o, p);
}

}  // namespace

probe_spec replay_probe() {
  return {
      "replay",
      "KV-cache replay: predicted TTFT and wall time with the KV L1 on a tier, offload OFF vs ON",
      [](CLI::App& cmd) -> runner {
        auto o = std::make_shared<replay_options>();
        add_replay_options(cmd, *o);
        // Options of one mode only: given in the other, they are refused, not ignored.
        std::vector<CLI::Option*> workload_only, trace_only{cmd.get_option("--block-tokens")};
        for (const char* n :
             {"--contexts", "--turns", "--context-tokens", "--turn-tokens", "--output-tokens",
              "--order", "--inflight", "--replicas", "--think-time", "--observed-ttft"})
          workload_only.push_back(cmd.get_option(n));
        return [o, workload_only, trace_only](run_context& ctx) {
          o->workload_only_given.clear();
          o->trace_only_given.clear();
          for (const CLI::Option* opt : workload_only)
            if (opt->count() > 0) o->workload_only_given.push_back(opt->get_name());
          for (const CLI::Option* opt : trace_only)
            if (opt->count() > 0) o->trace_only_given.push_back(opt->get_name());
          return run_replay(ctx, *o);
        };
      },
      [](run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::probes
