// Prefill calibration from measured points (issue #20): T = a n + b n^2 for a prompt of n tokens.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace cxlprobe::replay {

struct prefill_fit {
  double a = 0;  // seconds per token (linear layers)
  double b = 0;  // seconds per token^2 (causal attention)
  // sqrt(mean(((a n + b n^2) / T - 1)^2)) over the points: 0 for one point or an exact fit.
  double rms_relative_residual = 0;
  std::size_t points = 0;
  bool ratio_from_model = false;  // one point: b / a is the model's
};

// points: (seconds, tokens). One point: b / a = model_ratio (the model's geometry) and the scale
// from the point. Two or more: least squares of the relative error, a and b kept >= 0 (a fit
// that wants a negative term drops it and refits the other). Throws usage_error for no point, a
// point that is not positive, or points that cannot fix two terms (all at one length).
prefill_fit fit_prefill(const std::vector<std::pair<double, double>>& points, double model_ratio);

// Decode calibration: a step of n running sequences takes step_s + seq_s x n.
struct decode_fit {
  double step_s = 0;
  double seq_s = 0;
  double rms_relative_residual = 0;
};

// points: (seconds per step, sequences in the step). One point: a constant step time. Two or
// more at different batch sizes: least squares of the relative error, both terms >= 0.
decode_fit fit_decode(const std::vector<std::pair<double, double>>& points);

}  // namespace cxlprobe::replay
