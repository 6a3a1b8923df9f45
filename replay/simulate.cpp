#include "replay/simulate.hpp"

#include <fmt/format.h>

#include <algorithm>
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

// Block keys of one context: the context id in the high bits, the block index below, so that
// prompts of one conversation share their prefix blocks.
std::uint64_t key(std::uint64_t context, std::uint64_t index) {
  return (context << 32) | index;
}

struct replica_state {
  lru_cache gpu;
  lru_cache gpu_off;
  lru_cache l1;
  double compute_on = 0;
  double transfer_on = 0;
  double compute_off = 0;
};

// Longest prefix (in blocks of `block`) of a prompt of `tokens` present in `cache`.
std::uint64_t prefix_blocks(const lru_cache& cache, std::uint64_t context,
                            std::uint64_t full_blocks) {
  std::uint64_t n = 0;
  while (n < full_blocks && cache.contains(key(context, n)))
    ++n;
  return n;
}

}  // namespace

workload_outcome replay_workload(const workload_config& c, const timing_model& t) {
  if (c.contexts == 0 || c.turns == 0)
    throw usage_error("--contexts and --turns must be at least 1");
  if (c.context_tokens == 0) throw usage_error("--context-tokens must be at least 1");
  if (c.replicas == 0 || c.inflight == 0)
    throw usage_error("--replicas and --inflight must be at least 1");
  if (c.chunk_tokens == 0 || c.gpu_block_tokens == 0)
    throw usage_error("--chunk-tokens must be at least 1");
  if (c.kv_bytes_per_token == 0) throw usage_error("KV bytes per token must be at least 1");
  workload_outcome out;
  const std::uint64_t gpu_block_bytes = c.gpu_block_tokens * c.kv_bytes_per_token;
  const std::uint64_t chunk_bytes = c.chunk_tokens * c.kv_bytes_per_token;
  std::vector<replica_state> replicas;
  for (std::uint64_t r = 0; r < c.replicas; ++r) {
    const std::uint64_t gpu_blocks = c.gpu_kv_capacity_bytes / gpu_block_bytes;
    std::optional<std::uint64_t> l1_chunks;
    if (c.l1_capacity_bytes) l1_chunks = *c.l1_capacity_bytes / chunk_bytes;
    replicas.push_back(
        {lru_cache(gpu_blocks), lru_cache(gpu_blocks), lru_cache(l1_chunks), 0, 0, 0});
  }
  // Loads of every replica and in-flight request share the tier.
  timing_model tm = t;
  const double sharers = static_cast<double>(c.replicas * c.inflight);
  if (c.tier_bw > 0)
    tm.load_bw = tm.load_bw > 0 ? std::min(tm.load_bw, c.tier_bw / sharers) : c.tier_bw / sharers;
  if (c.tier_bw > 0 && tm.store_bw > 0) tm.store_bw = std::min(tm.store_bw, c.tier_bw / sharers);
  out.load_bw_used = tm.load_bw;

  std::vector<std::pair<std::uint64_t, std::uint64_t>> order;  // (context, turn index)
  if (c.sequential) {
    for (std::uint64_t ctx = 0; ctx < c.contexts; ++ctx)
      for (std::uint64_t turn = 0; turn < c.turns; ++turn)
        order.emplace_back(ctx, turn);
  } else {
    for (std::uint64_t turn = 0; turn < c.turns; ++turn)
      for (std::uint64_t ctx = 0; ctx < c.contexts; ++ctx)
        order.emplace_back(ctx, turn);
  }
  for (const auto& [ctx, turn] : order) {
    workload_request q;
    q.context = ctx;
    q.turn = turn + 1;
    q.replica = ctx % c.replicas;
    // Turn t's prompt: the context, then per earlier turn its output and D new tokens.
    q.prompt_tokens = c.context_tokens + turn * (c.output_tokens + c.turn_tokens);
    q.output_tokens = c.output_tokens;
    auto& rep = replicas[q.replica];
    const std::uint64_t L = q.prompt_tokens;
    const std::uint64_t gpu_full = L / c.gpu_block_tokens;
    const std::uint64_t chunk_full = L / c.chunk_tokens;  // a partial last chunk is not stored

    // ON: GPU prefix cache first; the connector is asked only for what it lacks.
    q.gpu_hit_tokens = prefix_blocks(rep.gpu, ctx, gpu_full) * c.gpu_block_tokens;
    const std::uint64_t l1_prefix = prefix_blocks(rep.l1, ctx, chunk_full) * c.chunk_tokens;
    q.loaded_tokens = l1_prefix > q.gpu_hit_tokens ? l1_prefix - q.gpu_hit_tokens : 0;
    q.loaded_chunks = l1_prefix > q.gpu_hit_tokens
                          ? l1_prefix / c.chunk_tokens - q.gpu_hit_tokens / c.chunk_tokens
                          : 0;
    const std::uint64_t cached = std::max(q.gpu_hit_tokens, l1_prefix);
    q.prefill_tokens = L - cached;
    for (std::uint64_t i = 0; i < chunk_full; ++i) {
      if (rep.l1.touch(key(ctx, i))) q.stored_tokens += c.chunk_tokens;
    }
    for (std::uint64_t i = 0; i < (L + c.gpu_block_tokens - 1) / c.gpu_block_tokens; ++i)
      rep.gpu.touch(key(ctx, i));
    q.load_s = tm.load(static_cast<double>(q.loaded_tokens * c.kv_bytes_per_token),
                       static_cast<double>(q.loaded_chunks));
    q.prefill_s = tm.prefill(static_cast<double>(cached), static_cast<double>(q.prefill_tokens));
    q.store_s = tm.exposed_store(static_cast<double>(q.stored_tokens * c.kv_bytes_per_token));
    q.decode_s = tm.decode(static_cast<double>(q.output_tokens));
    q.ttft_s = q.load_s + q.prefill_s + q.store_s;
    rep.compute_on += q.prefill_s + q.decode_s;
    rep.transfer_on += q.load_s + q.store_s;
    out.bytes_loaded += q.loaded_tokens * c.kv_bytes_per_token;
    out.bytes_stored += q.stored_tokens * c.kv_bytes_per_token;

    // OFF: the same GPU prefix cache, no tier.
    q.off_gpu_hit_tokens = prefix_blocks(rep.gpu_off, ctx, gpu_full) * c.gpu_block_tokens;
    for (std::uint64_t i = 0; i < (L + c.gpu_block_tokens - 1) / c.gpu_block_tokens; ++i)
      rep.gpu_off.touch(key(ctx, i));
    q.off_prefill_s = tm.prefill(static_cast<double>(q.off_gpu_hit_tokens),
                                 static_cast<double>(L - q.off_gpu_hit_tokens));
    q.off_ttft_s = q.off_prefill_s;
    rep.compute_off += q.off_prefill_s + q.decode_s;
    out.requests.push_back(q);
  }
  for (const auto& rep : replicas) {
    // GPU work of one replica is serial; with K requests in flight their tier transfers overlap
    // one another (an approximation, docs/replay.md).
    out.wall_on_s =
        std::max(out.wall_on_s, rep.compute_on + rep.transfer_on / static_cast<double>(c.inflight));
    out.wall_off_s = std::max(out.wall_off_s, rep.compute_off);
    out.l1_evictions += rep.l1.evictions();
  }
  return out;
}

}  // namespace cxlprobe::replay
