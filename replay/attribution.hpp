// Attribution (issue #20 part 4): an application's observed TTFTs on the agentic workload, read
// against this node's measured curves. From the warm turns it fits what the user's stack spends
// per loaded chunk (and per request when the turns allow), turns that into an effective restore
// rate, and places it on the node's per-block copy curve and beside what the link and the best
// kernel deliver: the floor the software sets beside the floor the hardware sets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "replay/timing.hpp"

namespace cxlprobe::replay {

struct observed_ttft {
  std::optional<double> cold;   // turn 0: nothing cached
  std::optional<double> turn1;  // turn 1: the first that loads its prefix
  std::optional<double> warm;   // the mean of turns 2 and later
};

// "cold=30s,turn1=2.8s,warm=0.9s" (any subset with at least one warm figure). Throws usage_error.
observed_ttft parse_observed_ttft(const std::string& text);

struct curve_point {
  double block_bytes = 0;
  double bps = 0;
};

struct attribution_input {
  std::uint64_t context_tokens = 0;  // N
  std::uint64_t turn_tokens = 0;     // D
  std::uint64_t output_tokens = 0;   // O
  std::uint64_t turns = 0;
  std::uint64_t chunk_tokens = 256;
  std::uint64_t kv_bytes_per_token = 0;
  timing_model timing;  // a, b (prefill)
  observed_ttft observed;
  std::vector<curve_point> copy_curve;  // one copy per block, by block size (may be empty)
  std::optional<double> kernel_bps;     // the best KV kernel measured
  std::optional<double> link_bps;       // bulk H2D
};

struct attribution {
  double per_chunk_s = 0;    // time per loaded chunk, transfer and overheads together
  double per_request_s = 0;  // fixed time per warm request (0 unless separable)
  bool per_request_separable = false;
  double effective_bps = 0;                   // chunk bytes / per_chunk_s
  std::optional<double> matched_block_bytes;  // where the copy curve delivers effective_bps
  std::string matched;  // "within" the curve, "above" its fastest point, "below" its slowest
  std::optional<double> cold_residual_s;  // observed cold - modelled cold
  double warm_floor_s = 0;                // modelled warm TTFT with the load at the link rate
  double warm_observed_s = 0;
  std::string sentence;
};

attribution attribute(const attribution_input& in);

}  // namespace cxlprobe::replay
