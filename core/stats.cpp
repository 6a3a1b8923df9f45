#include "core/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace cxlprobe::stats {

double percentile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) throw std::invalid_argument("percentile of an empty set");
  if (p < 0 || p > 1) throw std::invalid_argument("percentile outside [0, 1]");
  const double h = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

summary summarize(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("statistics of an empty set");
  std::vector<double> v(values.begin(), values.end());
  if (std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); })) {
    throw std::invalid_argument("statistics over a NaN value");
  }
  std::sort(v.begin(), v.end());
  summary s;
  s.n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.median = percentile_sorted(v, 0.5);
  s.p5 = percentile_sorted(v, 0.05);
  s.p95 = percentile_sorted(v, 0.95);
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v)
      ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(v.size() - 1));
  }
  s.cv = s.mean != 0 ? s.stddev / std::fabs(s.mean) : 0.0;
  return s;
}

}  // namespace cxlprobe::stats
