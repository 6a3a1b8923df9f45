// Summary statistics over repeated measurements.
#pragma once

#include <cstddef>
#include <span>

namespace cxlprobe::stats {

struct summary {
  std::size_t n = 0;
  double median = 0;
  double min = 0;
  double max = 0;
  double p5 = 0;
  double p95 = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 for one sample
  double cv = 0;      // stddev / mean; 0 when the mean is 0
};

// Percentile p in [0, 1] of sorted values, linear interpolation between closest ranks
// (Hyndman-Fan type 7, as numpy's default). Throws std::invalid_argument when empty.
double percentile_sorted(std::span<const double> sorted, double p);

// Throws std::invalid_argument when `values` is empty or holds NaN.
summary summarize(std::span<const double> values);

}  // namespace cxlprobe::stats
