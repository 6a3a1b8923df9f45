// The event-driven model of a vLLM + LMCache deployment (issue #20; docs/replay.md has every
// rule). Requests arrive (at a time, or when the client issues them: after the previous turn of
// their context ends plus a think time, at most `inflight` outstanding per replica); each replica
// is one GPU whose scheduler runs steps of continuous batching with chunked prefill (decodes
// first, then prefill chunks up to max_batched_tokens); KV loads and stores move through a
// shared link and tier (transfers.hpp); the GPU prefix cache and the L1 are looked up when a
// request is admitted, and a chunk becomes visible in L1 only once its store has completed.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "replay/timing.hpp"

namespace cxlprobe::replay {

enum class load_overlap { none, layerwise };
enum class store_mode { sync, async };
enum class l1_scope { per_replica, shared };

struct engine_config {
  std::uint64_t replicas = 1;
  std::uint64_t max_batched_tokens = 8192;  // vLLM's max_num_batched_tokens
  std::uint64_t max_running = 256;          // vLLM's max_num_seqs
  std::uint64_t kv_bytes_per_token = 0;
  std::uint64_t chunk_tokens = 256;    // LMCache chunk
  std::uint64_t gpu_unit_tokens = 16;  // prefix-cache granularity (vLLM block, or trace block)
  std::optional<std::uint64_t> gpu_capacity_units;  // per replica; nullopt = unlimited
  std::optional<std::uint64_t> l1_capacity_chunks;  // per replica, or in all when shared
  bool offload = true;                              // false: no L1 at all (offload OFF)
  load_overlap overlap = load_overlap::none;
  store_mode store = store_mode::sync;
  l1_scope scope = l1_scope::per_replica;
  double tier_bw = 0;  // B/s of the tier, shared by every transfer (0: not limiting)
  // Synchronous stores: the share of a store's bytes the GPU does not wait for (moved after the
  // first token, as an asynchronous store would be).
  double store_overlap = 0;
  int layers = 1;  // for layer-wise overlap
  // Decode: a step of n decoding sequences takes decode_step_s + decode_seq_s x n. With
  // decode_request_s > 0 a request's whole decode is instead one step of that length.
  double decode_step_s = 0;
  double decode_seq_s = 0;
  double decode_request_s = 0;
};

// A request and what identifies its prompt's prefix: with hash_ids (a trace), unit i of u tokens
// is named by the id of the trace block holding its last token; otherwise by (context, i).
struct engine_request {
  std::optional<double> arrival_s;   // nullopt: issued by the client (after `after` ends)
  std::optional<std::size_t> after;  // the previous turn of its context
  double think_s = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t output_tokens = 0;
  std::uint64_t replica = 0;
  std::uint64_t context = 0;
  const std::vector<std::uint64_t>* hash_ids = nullptr;
  std::uint64_t block_tokens = 0;  // of hash_ids
};

struct engine_outcome_request {
  double arrival_s = 0;
  double admit_s = 0;
  double ready_s = 0;        // its KV is on the GPU (load done, or nothing to load)
  double first_token_s = 0;  // TTFT = first_token_s - arrival_s
  double finish_s = 0;
  std::uint64_t gpu_hit_tokens = 0;
  std::uint64_t l1_hit_tokens = 0;  // the L1's prefix
  std::uint64_t loaded_tokens = 0;
  std::uint64_t loaded_chunks = 0;
  std::uint64_t prefill_tokens = 0;
  std::uint64_t stored_tokens = 0;
  double load_s = 0;   // admit -> its load's end (0 without a load)
  double store_s = 0;  // its store's duration (0 without one)
  double ttft_s() const { return first_token_s - arrival_s; }
};

struct engine_outcome {
  std::vector<engine_outcome_request> requests;  // in input order
  double wall_s = 0;                             // first arrival to last finish
  std::uint64_t bytes_loaded = 0;
  std::uint64_t bytes_stored = 0;
  std::uint64_t l1_evictions = 0;
  std::uint64_t steps = 0;
};

// `inflight`: requests of one replica the client keeps outstanding (0: no limit; requests with
// an arrival time are never held back). Throws usage_error for an empty or inconsistent input.
engine_outcome run_engine(const std::vector<engine_request>& requests, const engine_config& config,
                          const timing_model& timing, std::uint64_t inflight);

}  // namespace cxlprobe::replay
