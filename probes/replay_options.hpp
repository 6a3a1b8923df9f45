// The options of `replay`, as given on the command line, and their registration: what to replay
// (a trace or a workload and its model), the serving engine, the measured timings, and the node
// (result files, the tier and GPU of --exec). Checked and resolved by the plan (replay_probe.cpp).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cxlprobe::probes {

struct replay_options {
  std::string trace;
  std::string workload;
  std::uint64_t block_tokens = 512;
  std::uint64_t kv_bytes_per_token = 0;
  std::string model;
  std::string l1_capacity = "unlimited";
  std::uint64_t contexts = 10;
  std::uint64_t turns = 5;
  std::uint64_t context_tokens = 174000;
  std::uint64_t turn_tokens = 1000;
  std::uint64_t output_tokens = 0;
  std::string order = "round-robin";
  std::uint64_t inflight = 1;
  std::uint64_t replicas = 1;
  std::string gpu_kv_capacity = "40GiB";
  std::uint64_t chunk_tokens = 256;
  std::string think_time = "0";
  std::uint64_t max_batched_tokens = 8192;
  std::uint64_t max_running = 256;
  std::string load_overlap = "none";
  std::string store = "sync";
  std::string l1_scope = "per-replica";
  std::string decode_seq_time = "0";
  std::string observed_ttft;
  std::string restore_method;  // empty: loads at the bulk rate
  std::string prefill_time;
  std::string decode_time;
  std::string decode_token_time;
  std::string decode_step;  // TIME@SEQS[,...]: a fit of both decode terms
  std::string load_bw;
  std::string store_bw;
  std::string tier_bw;
  std::string chunk_overhead = "0";
  double store_overlap = 0;
  std::string from_results;
  std::string tier = "dram";
  std::string gpu = "0";
  bool exec = false;
  bool allow_write = false;
  bool force = false;
  // Options given on the command line that belong to the other mode (filled before the run).
  std::vector<std::string> workload_only_given;
  std::vector<std::string> trace_only_given;
};

// Registers every option of `replay` on cmd, writing into o.
void add_replay_options(CLI::App& cmd, replay_options& o);

}  // namespace cxlprobe::probes
