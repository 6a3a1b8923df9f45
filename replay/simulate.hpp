// The replay simulations: trace mode (Mooncake trace against an LRU L1) and workload mode
// (multi-turn agentic contexts through a GPU prefix cache and an LMCache-style L1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replay/engine.hpp"
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

// The same trace through the event-driven engine, offload ON and OFF: requests arrive at their
// timestamps (ms, from the first one), queue, batch, load, store; the prefix cache counts trace
// blocks (the finest unit a trace identifies), the L1 engine.chunk_tokens chunks of them.
// Outcomes are in timestamp order (ties in file order), as replay_trace's.
struct trace_timed_outcome {
  engine_outcome on;
  engine_outcome off;
};
trace_timed_outcome replay_trace_timed(const std::vector<trace_request>& requests,
                                       std::uint64_t block_tokens, engine_config engine,
                                       const timing_model& timing);

// ---- workload mode ----

struct workload_config {
  std::uint64_t contexts = 10;
  std::uint64_t turns = 5;
  std::uint64_t context_tokens = 174000;
  std::uint64_t turn_tokens = 1000;
  std::uint64_t output_tokens = 0;
  bool sequential = false;     // default: round-robin (turn t of every context before turn t+1)
  std::uint64_t inflight = 1;  // requests the client keeps outstanding per replica
  double think_s = 0;          // between a turn's end and the next turn of its context
  std::uint64_t replicas = 1;
  std::uint64_t kv_bytes_per_token = 0;
  std::uint64_t chunk_tokens = 256;                // LMCache chunk
  std::uint64_t gpu_block_tokens = 16;             // vLLM block
  std::uint64_t gpu_kv_capacity_bytes = 0;         // GPU prefix cache per replica (0: none kept)
  std::optional<std::uint64_t> l1_capacity_bytes;  // per replica (shared: in all)
  double tier_bw = 0;  // B/s of the tier, shared by every transfer (0: not limiting)
  // The engine (engine.hpp): batching, overlap, stores, L1 scope, decode per step.
  std::uint64_t max_batched_tokens = 8192;
  std::uint64_t max_running = 256;
  load_overlap overlap = load_overlap::none;
  store_mode store = store_mode::sync;
  l1_scope scope = l1_scope::per_replica;
  int layers = 1;
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
  double arrival_s = 0;
  double queue_s = 0;  // arrival -> admitted and its KV on the GPU, less its own load
  double load_s = 0;
  double store_s = 0;
  double ttft_s = 0;
  double finish_s = 0;
  double decode_s = 0;  // first token -> finish
  // offload OFF (GPU prefix cache only)
  std::uint64_t off_gpu_hit_tokens = 0;
  double off_ttft_s = 0;
  double off_decode_s = 0;
};

struct workload_outcome {
  std::vector<workload_request> requests;  // in schedule order
  double wall_on_s = 0;
  double wall_off_s = 0;
  std::uint64_t bytes_loaded = 0;
  std::uint64_t bytes_stored = 0;
  std::uint64_t l1_evictions = 0;
  std::uint64_t steps_on = 0;
};

// Both runs (ON and OFF) of the event-driven engine; the client issues turn t + 1 of a context
// when turn t has ended plus think_s, in the order given, at most `inflight` per replica.
workload_outcome replay_workload(const workload_config& config, const timing_model& timing);
// The engine settings of a workload configuration (offload ON or OFF).
engine_config engine_config_of(const workload_config& config, const timing_model& timing, bool on);

}  // namespace cxlprobe::replay
