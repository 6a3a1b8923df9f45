// The replay simulations: trace mode (Mooncake trace against an LRU L1) and workload mode
// (multi-turn agentic contexts through a GPU prefix cache and an LMCache-style L1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replay/timing.hpp"
#include "replay/trace.hpp"

namespace cxlprobe::replay {

// ---- trace mode ----

struct trace_config {
  std::uint64_t block_tokens = 512;
  std::uint64_t kv_bytes_per_token = 0;
  std::optional<std::uint64_t> l1_capacity_bytes;  // nullopt = unlimited
};

struct trace_request_outcome {
  std::uint64_t input_tokens = 0;
  std::uint64_t hit_tokens = 0;
  std::uint64_t stored_tokens = 0;
  std::uint64_t output_tokens = 0;
};

struct trace_outcome {
  std::uint64_t requests = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t hit_tokens = 0;
  std::uint64_t l1_evictions = 0;
  std::uint64_t bytes_loaded = 0;
  std::uint64_t bytes_stored = 0;
  std::uint64_t capacity_blocks = 0;               // 0 with unlimited
  std::vector<trace_request_outcome> per_request;  // in replay (timestamp) order
};

// Requests in timestamp order (ties in file order). A request's hit is the longest prefix of its
// hash_ids present in L1; hit tokens = min(hit blocks x block tokens, input_length). Then every
// block of the request is touched or inserted in order, evicting least-recently-used blocks
// beyond floor(capacity / (block tokens x KV bytes per token)).
trace_outcome replay_trace(std::vector<trace_request> requests, const trace_config& config);

// ---- workload mode ----

struct workload_config {
  std::uint64_t contexts = 10;
  std::uint64_t turns = 5;
  std::uint64_t context_tokens = 174000;
  std::uint64_t turn_tokens = 1000;
  std::uint64_t output_tokens = 0;
  bool sequential = false;  // default: round-robin (turn t of every context before turn t+1)
  std::uint64_t inflight = 1;
  std::uint64_t replicas = 1;
  std::uint64_t kv_bytes_per_token = 0;
  std::uint64_t chunk_tokens = 256;         // LMCache chunk
  std::uint64_t gpu_block_tokens = 16;      // vLLM block
  std::uint64_t gpu_kv_capacity_bytes = 0;  // GPU prefix cache; 0 = none kept between requests
  std::optional<std::uint64_t> l1_capacity_bytes;  // per replica; nullopt = unlimited
  double tier_bw = 0;  // B/s shared by every replica and in-flight request (0: not shared)
};

struct workload_request {
  std::uint64_t context = 0;
  std::uint64_t turn = 0;  // 1-based
  std::uint64_t replica = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t output_tokens = 0;
  // offload ON
  std::uint64_t gpu_hit_tokens = 0;
  std::uint64_t loaded_tokens = 0;
  std::uint64_t loaded_chunks = 0;
  std::uint64_t stored_tokens = 0;
  std::uint64_t prefill_tokens = 0;
  double load_s = 0;
  double prefill_s = 0;
  double store_s = 0;
  double decode_s = 0;
  double ttft_s = 0;
  // offload OFF (GPU prefix cache only)
  std::uint64_t off_gpu_hit_tokens = 0;
  double off_prefill_s = 0;
  double off_ttft_s = 0;
};

struct workload_outcome {
  std::vector<workload_request> requests;  // in schedule order
  double wall_on_s = 0;
  double wall_off_s = 0;
  std::uint64_t bytes_loaded = 0;
  std::uint64_t bytes_stored = 0;
  std::uint64_t l1_evictions = 0;
  double load_bw_used = 0;  // per-load bandwidth after sharing, B/s
};

workload_outcome replay_workload(const workload_config& config, const timing_model& timing);

}  // namespace cxlprobe::replay
