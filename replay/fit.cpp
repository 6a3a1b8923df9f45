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

decode_fit fit_decode(const std::vector<std::pair<double, double>>& points) {
  if (points.empty()) throw usage_error("--decode-step: give at least one TIME@SEQUENCES point");
  for (const auto& [t, n] : points) {
    if (!(t > 0) || !(n >= 1))
      throw usage_error("--decode-step: every point needs a positive time and 1 or more sequences");
  }
  decode_fit f;
  if (points.size() == 1) {
    f.step_s = points[0].first;
    return f;
  }
  // Weighted by 1/T: minimise sum((a u + b v - 1)^2) with u = 1 / T, v = n / T.
  double uu = 0, uv = 0, vv = 0, u1 = 0, v1 = 0;
  for (const auto& [t, n] : points) {
    const double u = 1 / t, v = n / t;
    uu += u * u;
    uv += u * v;
    vv += v * v;
    u1 += u;
    v1 += v;
  }
  const double det = uu * vv - uv * uv;
  if (!(std::fabs(det) > 1e-12 * uu * vv))
    throw usage_error(
        "--decode-step: the points cannot separate the per-step and per-sequence terms; give "
        "points at different batch sizes (e.g. 20ms@1,32ms@64)");
  f.step_s = (u1 * vv - v1 * uv) / det;
  f.seq_s = (v1 * uu - u1 * uv) / det;
  if (f.seq_s < 0) {
    f.seq_s = 0;
    f.step_s = u1 / uu;
  } else if (f.step_s < 0) {
    f.step_s = 0;
    f.seq_s = v1 / vv;
  }
  double sum = 0;
  for (const auto& [t, n] : points) {
    const double e = (f.step_s + f.seq_s * n) / t - 1;
    sum += e * e;
  }
  f.rms_relative_residual = std::sqrt(sum / static_cast<double>(points.size()));
  return f;
}

}  // namespace cxlprobe::replay
