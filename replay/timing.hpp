// The timing model of the replay (docs/replay.md has every equation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace cxlprobe::replay {

struct timing_model {
  // Prefill of k new tokens after p cached ones: a*k + b*((p+k)^2 - p^2) seconds.
  double a = 0;
  double b = 0;
  double load_bw = 0;            // B/s from the tier to the GPU (0: loads not modelled)
  double store_bw = 0;           // B/s from the GPU to the tier
  double chunk_overhead = 0;     // seconds per loaded chunk
  double store_overlap = 0;      // share of a sync store's bytes the first token does not wait for
  double decode_time = 0;        // seconds per request, or:
  double decode_token_time = 0;  // seconds per output token (per decode step)
  double decode_seq_time = 0;    // seconds per sequence in a decode step (given, or fitted)
  double decode_fit_rms_relative_residual = 0;
  std::size_t fit_points = 0;  // prefill points a and b were fitted to
  double fit_rms_relative_residual = 0;

  double prefill(double cached_tokens, double new_tokens) const;
};

// a and b from one measured point T0 seconds at n0 tokens and the model's b/a ratio:
//   a = T0 / (n0 + ratio * n0^2), b = ratio * a.
timing_model calibrate(double t0_seconds, double n0_tokens, double ratio);

}  // namespace cxlprobe::replay
