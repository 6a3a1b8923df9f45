#include "probes/replay_options.hpp"

namespace cxlprobe::probes {

namespace {

// What is replayed: a trace, or a synthetic workload of a model.
void add_source_options(CLI::App& cmd, replay_options& o) {
  cmd.add_option("--trace", o.trace, "Mooncake JSONL trace to replay (trace mode)")
      ->type_name("FILE");
  cmd.add_option("--workload", o.workload, "Synthetic workload (workload mode): agentic")
      ->type_name("NAME");
  cmd.add_option("--block-tokens", o.block_tokens, "Tokens per hash id of the trace (1 to 1048576)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20))
      ->capture_default_str();
  cmd.add_option("--kv-bytes-per-token", o.kv_bytes_per_token,
                 "KV bytes per token, 1 to 1073741824 (overrides --model)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 30));
  cmd.add_option("--model", o.model,
                 "Model preset: qwen3-30b-a3b, llama-3.1-8b, llama-3.1-70b, qwen2.5-7b");
  cmd.add_option("--l1-capacity", o.l1_capacity, "L1 capacity per replica: a size or 'unlimited'")
      ->capture_default_str();
  cmd.add_option("--contexts", o.contexts, "Workload: long contexts")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000}))
      ->capture_default_str();
  cmd.add_option("--turns", o.turns, "Workload: turns per context")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000}))
      ->capture_default_str();
  cmd.add_option("--context-tokens", o.context_tokens, "Workload: tokens of each context")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1ULL << 24}))
      ->capture_default_str();
  cmd.add_option("--turn-tokens", o.turn_tokens, "Workload: tokens each turn appends")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1ULL << 24}))
      ->capture_default_str();
  cmd.add_option("--output-tokens", o.output_tokens, "Workload: output tokens per request")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1ULL << 24}))
      ->capture_default_str();
  cmd.add_option("--order", o.order, "Workload: round-robin or sequential")->capture_default_str();
  cmd.add_option("--inflight", o.inflight, "Workload: requests in flight per replica")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{4096}))
      ->capture_default_str();
  cmd.add_option("--replicas", o.replicas, "Workload: GPUs (replicas) sharing one tier")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1024}))
      ->capture_default_str();
}

// The serving engine: vLLM's prefix cache and scheduler, LMCache's chunks, loads and stores.
void add_engine_options(CLI::App& cmd, replay_options& o) {
  cmd.add_option("--gpu-kv-capacity", o.gpu_kv_capacity,
                 "vLLM's GPU prefix cache per replica (16-token blocks kept between "
                 "requests, LRU); 0 keeps none. The default is an H100/H200-class GPU's KV "
                 "space after a ~60 GB model: set yours")
      ->capture_default_str();
  cmd.add_option("--think-time", o.think_time,
                 "Workload: time between a turn's end and the next turn of its context")
      ->capture_default_str();
  cmd.add_option("--max-batched-tokens", o.max_batched_tokens,
                 "Tokens per scheduler step (vLLM max_num_batched_tokens): decodes, then "
                 "prefill chunks")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 24))
      ->capture_default_str();
  cmd.add_option("--max-running", o.max_running,
                 "Requests running at once per replica (vLLM max_num_seqs)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{65536}))
      ->capture_default_str();
  cmd.add_option("--load-overlap", o.load_overlap,
                 "none: a request's prefill waits for its whole KV load; layerwise: layer "
                 "i computes while layer i+1 loads")
      ->capture_default_str();
  cmd.add_option("--store", o.store,
                 "sync: the first token (and the GPU) wait for the request's KV store; "
                 "async: the store runs beside later steps. Either way a chunk is visible "
                 "in L1 once stored")
      ->capture_default_str();
  cmd.add_option("--l1-scope", o.l1_scope,
                 "per-replica: each replica its own L1 region; shared: one L1 every "
                 "replica reads")
      ->capture_default_str();
  cmd.add_option("--decode-seq-time", o.decode_seq_time,
                 "Decode: added per sequence in a step (a step takes --decode-token-time + "
                 "this x sequences)")
      ->capture_default_str();
  cmd.add_option("--chunk-tokens", o.chunk_tokens, "LMCache chunk (tokens)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1ULL << 20}))
      ->capture_default_str();
}

// Measured or given timings: prefill, decode, transfer rates and their costs.
void add_timing_options(CLI::App& cmd, replay_options& o) {
  cmd.add_option("--prefill-time", o.prefill_time,
                 "Measured TTFT of lone prompts: TIME@TOKENS[,...], e.g. 40s@174000 (with "
                 "--model) or 40s@174000,0.9s@4000 (a fit of both terms, residual reported)");
  cmd.add_option("--decode-time", o.decode_time,
                 "Decode time per request, e.g. 2s (one unbatched step per request)");
  cmd.add_option("--decode-step", o.decode_step,
                 "Measured decode step times at batch sizes: TIME@SEQUENCES[,...], e.g. "
                 "20ms@1,32ms@64 (fits the per-step and per-sequence terms)");
  cmd.add_option("--decode-token-time", o.decode_token_time,
                 "Decode step time (one token for each running request), e.g. 20ms");
  cmd.add_option("--observed-ttft", o.observed_ttft,
                 "Workload: your stack's TTFTs on this workload, cold=TIME (turn 0), "
                 "turn1=TIME, warm=TIME (mean of later turns): fits your restore rate and "
                 "places it on --from-results' KV curves (analysis.attribution)");
  cmd.add_option("--restore-method", o.restore_method,
                 "Load at the --from-results kv-restore rate of this method at one vLLM "
                 "block: per-block (a copy per block), batch, kernel (the fastest kernel); "
                 "default: the bulk H2D rate");
  cmd.add_option("--load-bw", o.load_bw, "Tier -> GPU bandwidth, e.g. 20GiB/s");
  cmd.add_option("--store-bw", o.store_bw, "GPU -> tier bandwidth");
  cmd.add_option("--tier-bw", o.tier_bw,
                 "Bandwidth of the tier, shared by every load and store running at once");
  cmd.add_option("--chunk-overhead", o.chunk_overhead, "Fixed cost per loaded chunk, e.g. 50us")
      ->capture_default_str();
  cmd.add_option("--store-overlap", o.store_overlap,
                 "Fraction of the store time hidden under prefill")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
}

// The node: result files to take rates from, the tier and GPU of --exec, permissions.
void add_node_options(CLI::App& cmd, replay_options& o) {
  cmd.add_option("--from-results", o.from_results,
                 "Take load/store bandwidth from a dma result file")
      ->type_name("FILE");
  cmd.add_option("--tier", o.tier, "Tier of --from-results, and the L1 tier of --exec")
      ->capture_default_str();
  cmd.add_option("--gpu", o.gpu,
                 "GPU of --from-results (CUDA index or bus id) and of --exec (index)")
      ->capture_default_str();
  cmd.add_flag("--exec", o.exec,
               "Workload mode: perform every load and store for real between an L1 on --tier and a "
               "paged KV pool on --gpu; prefill and decode stay modelled");
  cmd.add_flag("--allow-write", o.allow_write,
               "Permit --exec to write into a DAX device or an existing file");
  cmd.add_flag("--force", o.force, "Use a tier another process maps");
}

}  // namespace

void add_replay_options(CLI::App& cmd, replay_options& o) {
  add_source_options(cmd, o);
  add_engine_options(cmd, o);
  add_timing_options(cmd, o);
  add_node_options(cmd, o);
}

}  // namespace cxlprobe::probes
