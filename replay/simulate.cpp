#include "replay/simulate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <numeric>

#include "core/error.hpp"
#include "replay/lru_cache.hpp"

namespace cxlprobe::replay {

trace_outcome replay_trace(std::vector<trace_request> requests, const trace_config& c) {
  if (c.block_tokens == 0) throw usage_error("--block-tokens must be at least 1");
  if (c.kv_bytes_per_token == 0) throw usage_error("KV bytes per token must be at least 1");
  std::stable_sort(requests.begin(), requests.end(),
                   [](const trace_request& x, const trace_request& y) {
                     return x.timestamp_ms < y.timestamp_ms;
                   });
  std::uint64_t block_bytes = 0;
  if (__builtin_mul_overflow(c.block_tokens, c.kv_bytes_per_token, &block_bytes)) {
    throw usage_error(fmt::format("--block-tokens {} x KV bytes per token {} overflows 64 bits",
                                  c.block_tokens, c.kv_bytes_per_token));
  }
  trace_outcome out;
  std::optional<std::uint64_t> capacity;
  if (c.l1_capacity_bytes) {
    capacity = *c.l1_capacity_bytes / block_bytes;
    out.capacity_blocks = *capacity;
  }
  lru_cache l1(capacity);
  out.per_request.reserve(requests.size());
  for (const auto& r : requests) {
    std::uint64_t hit_blocks = 0;
    while (hit_blocks < r.hash_ids.size() && l1.contains(r.hash_ids[hit_blocks]))
      ++hit_blocks;
    trace_request_outcome o;
    o.input_tokens = r.input_length;
    o.output_tokens = r.output_length;
    // hit_blocks <= hash ids of one line, block_tokens <= 2^20 (enforced at parse): no wrap.
    o.hit_tokens = std::min(hit_blocks * c.block_tokens, r.input_length);
    for (std::size_t i = 0; i < r.hash_ids.size(); ++i) {
      if (l1.touch(r.hash_ids[i])) {
        const std::uint64_t first = i * c.block_tokens;
        o.stored_tokens +=
            first >= r.input_length ? 0 : std::min(c.block_tokens, r.input_length - first);
      }
    }
    ++out.requests;
    // Sums over a whole trace: checked, a wrap would print nonsense as a result.
    std::uint64_t loaded = 0, stored = 0;
    if (__builtin_add_overflow(out.input_tokens, o.input_tokens, &out.input_tokens) ||
        __builtin_add_overflow(out.hit_tokens, o.hit_tokens, &out.hit_tokens) ||
        __builtin_mul_overflow(o.hit_tokens, c.kv_bytes_per_token, &loaded) ||
        __builtin_mul_overflow(o.stored_tokens, c.kv_bytes_per_token, &stored) ||
        __builtin_add_overflow(out.bytes_loaded, loaded, &out.bytes_loaded) ||
        __builtin_add_overflow(out.bytes_stored, stored, &out.bytes_stored)) {
      throw usage_error(fmt::format(
          "trace line {}: token or byte totals overflow 64 bits (input_length {}); the trace's "
          "lengths are not token counts",
          r.line, r.input_length));
    }
    out.per_request.push_back(o);
  }
  out.l1_evictions = l1.evictions();
  return out;
}

namespace {

// Offload ON and OFF are independent runs of the engine: side by side on two threads.
template <typename Both>
Both run_on_and_off(const std::vector<engine_request>& rq, engine_config engine,
                    const timing_model& t, std::uint64_t inflight) {
  Both out;
  engine_config off = engine;
  off.offload = false;
  engine.offload = true;
  auto on = std::async(std::launch::async, [&] { return run_engine(rq, engine, t, inflight); });
  out.off = run_engine(rq, off, t, inflight);
  out.on = on.get();
  return out;
}

}  // namespace

trace_timed_outcome replay_trace_timed(const std::vector<trace_request>& requests,
                                       std::uint64_t block_tokens, engine_config engine,
                                       const timing_model& t) {
  if (block_tokens == 0) throw usage_error("--block-tokens must be at least 1");
  // Timestamp order, ties in file order, by index: the requests (and their ids) are not copied.
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return requests[x].timestamp_ms < requests[y].timestamp_ms;
  });
  std::vector<engine_request> rq;
  rq.reserve(requests.size());
  const double t0 = requests.empty() ? 0.0 : requests[order.front()].timestamp_ms;
  for (const std::size_t i : order) {
    const auto& r = requests[i];
    engine_request e;
    e.arrival_s = (r.timestamp_ms - t0) / 1000.0;
    e.prompt_tokens = r.input_length;
    e.output_tokens = r.output_length;
    e.hash_ids = &r.hash_ids;
    e.block_tokens = block_tokens;
    rq.push_back(e);
  }
  engine.gpu_unit_tokens = block_tokens;
  return run_on_and_off<trace_timed_outcome>(rq, engine, t, 0);
}

namespace {

void check_workload(const workload_config& c) {
  if (c.contexts == 0 || c.turns == 0)
    throw usage_error("--contexts and --turns must be at least 1");
  if (c.context_tokens == 0) throw usage_error("--context-tokens must be at least 1");
  if (c.replicas == 0 || c.inflight == 0)
    throw usage_error("--replicas and --inflight must be at least 1");
  if (c.chunk_tokens == 0 || c.gpu_block_tokens == 0)
    throw usage_error("--chunk-tokens must be at least 1");
  if (c.kv_bytes_per_token == 0) throw usage_error("KV bytes per token must be at least 1");
}

// The client's order: round-robin (turn t of every context, then turn t + 1) or sequential;
// each turn follows the previous turn of its context.
std::vector<engine_request> workload_requests(const workload_config& c,
                                              std::vector<workload_request>& meta) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> order;  // (context, turn index)
  for (std::uint64_t a = 0; a < (c.sequential ? c.contexts : c.turns); ++a)
    for (std::uint64_t b = 0; b < (c.sequential ? c.turns : c.contexts); ++b)
      order.emplace_back(c.sequential ? a : b, c.sequential ? b : a);
  std::vector<engine_request> out;
  std::vector<std::size_t> last_turn(c.contexts);
  for (const auto& [ctx, turn] : order) {
    engine_request e;
    // Turn t's prompt: the context, then per earlier turn its output and D new tokens.
    e.prompt_tokens = c.context_tokens + turn * (c.output_tokens + c.turn_tokens);
    e.output_tokens = c.output_tokens;
    e.replica = ctx % c.replicas;
    e.context = ctx;
    if (turn > 0) {
      e.after = last_turn[ctx];
      e.think_s = c.think_s;
    }
    last_turn[ctx] = out.size();
    out.push_back(e);
    workload_request q;
    q.context = ctx;
    q.turn = turn + 1;
    q.replica = e.replica;
    q.prompt_tokens = e.prompt_tokens;
    q.output_tokens = e.output_tokens;
    meta.push_back(q);
  }
  return out;
}

}  // namespace

engine_config engine_config_of(const workload_config& c, const timing_model& t, bool on) {
  engine_config e;
  e.replicas = c.replicas;
  e.max_batched_tokens = c.max_batched_tokens;
  e.max_running = c.max_running;
  e.kv_bytes_per_token = c.kv_bytes_per_token;
  e.chunk_tokens = c.chunk_tokens;
  e.gpu_unit_tokens = c.gpu_block_tokens;
  e.gpu_capacity_units = c.gpu_kv_capacity_bytes / (c.gpu_block_tokens * c.kv_bytes_per_token);
  if (c.l1_capacity_bytes)
    e.l1_capacity_chunks = *c.l1_capacity_bytes / (c.chunk_tokens * c.kv_bytes_per_token);
  e.offload = on;
  e.overlap = c.overlap;
  e.store = c.store;
  e.scope = c.scope;
  e.tier_bw = c.tier_bw;
  e.store_overlap = t.store_overlap;
  e.layers = c.layers;
  e.decode_step_s = t.decode_token_time;
  e.decode_seq_s = t.decode_seq_time;
  e.decode_request_s = t.decode_time;
  return e;
}

workload_outcome replay_workload(const workload_config& c, const timing_model& t) {
  check_workload(c);
  workload_outcome out;
  const auto requests = workload_requests(c, out.requests);
  const auto both =
      run_on_and_off<trace_timed_outcome>(requests, engine_config_of(c, t, true), t, c.inflight);
  const auto& on = both.on;
  const auto& off = both.off;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto& q = out.requests[i];
    const auto& a = on.requests[i];
    const auto& b = off.requests[i];
    q.gpu_hit_tokens = a.gpu_hit_tokens;
    q.loaded_tokens = a.loaded_tokens;
    q.loaded_chunks = a.loaded_chunks;
    q.stored_tokens = a.stored_tokens;
    q.prefill_tokens = a.prefill_tokens;
    q.arrival_s = a.arrival_s;
    q.queue_s = std::max(0.0, a.ready_s - a.arrival_s - a.load_s);
    q.load_s = a.load_s;
    q.store_s = a.store_s;
    q.ttft_s = a.ttft_s();
    q.finish_s = a.finish_s;
    q.decode_s = a.finish_s - a.first_token_s;
    q.off_gpu_hit_tokens = b.gpu_hit_tokens;
    q.off_ttft_s = b.ttft_s();
    q.off_decode_s = b.finish_s - b.first_token_s;
  }
  out.wall_on_s = on.wall_s;
  out.wall_off_s = off.wall_s;
  out.bytes_loaded = on.bytes_loaded;
  out.bytes_stored = on.bytes_stored;
  out.l1_evictions = on.l1_evictions;
  out.steps_on = on.steps;
  return out;
}

}  // namespace cxlprobe::replay
