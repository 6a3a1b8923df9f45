#include "replay/fit.hpp"

#include <cmath>

#include "core/error.hpp"

namespace cxlprobe::replay {

namespace {

double rms_relative(const prefill_fit& f, const std::vector<std::pair<double, double>>& points) {
  double sum = 0;
  for (const auto& [t, n] : points) {
    const double e = (f.a * n + f.b * n * n) / t - 1.0;
    sum += e * e;
  }
  return std::sqrt(sum / static_cast<double>(points.size()));
}

}  // namespace

prefill_fit fit_prefill(const std::vector<std::pair<double, double>>& points, double model_ratio) {
  if (points.empty()) throw usage_error("--prefill-time: give at least one TIME@TOKENS point");
  for (const auto& [t, n] : points) {
    if (!(t > 0) || !(n > 0))
      throw usage_error("--prefill-time: every point needs a positive time and token count");
  }
  prefill_fit f;
  f.points = points.size();
  if (points.size() == 1) {
    const auto [t0, n0] = points[0];
    f.a = t0 / (n0 + model_ratio * n0 * n0);
    f.b = model_ratio * f.a;
    f.ratio_from_model = true;
    return f;
  }
  // Weighted by 1/T: minimise sum((a x + b y - 1)^2) with x = n / T, y = n^2 / T.
  double xx = 0, xy = 0, yy = 0, x1 = 0, y1 = 0;
  for (const auto& [t, n] : points) {
    const double x = n / t, y = n * n / t;
    xx += x * x;
    xy += x * y;
    yy += y * y;
    x1 += x;
    y1 += y;
  }
  const double det = xx * yy - xy * xy;
  if (!(std::fabs(det) > 1e-12 * xx * yy))
    throw usage_error(
        "--prefill-time: the points cannot separate the linear and the quadratic term; give "
        "points at different prompt lengths (e.g. 40s@174000,0.9s@4000)");
  f.a = (x1 * yy - y1 * xy) / det;
  f.b = (y1 * xx - x1 * xy) / det;
  if (f.b < 0) {
    f.b = 0;
    f.a = x1 / xx;
  } else if (f.a < 0) {
    f.a = 0;
    f.b = y1 / yy;
  }
  f.rms_relative_residual = rms_relative(f, points);
  return f;
}

}  // namespace cxlprobe::replay
