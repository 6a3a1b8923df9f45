#include "replay/fit.hpp"

#include <cmath>

#include "core/error.hpp"
#include "replay/timing.hpp"

namespace cxlprobe::replay {

namespace {

struct two_terms {
  double p = 0, q = 0, rms_relative_residual = 0;
};

// T_i ~ p f(n_i) + q g(n_i) by least squares of the relative error: with x = f(n)/T and
// y = g(n)/T, minimise sum((p x + q y - 1)^2); p, q >= 0 (a fit that wants a negative term drops
// it and refits the other). Throws usage_error(`inseparable`) when the points cannot tell the
// two terms apart.
template <typename F, typename G>
two_terms fit_relative(const std::vector<std::pair<double, double>>& points, F f, G g,
                       const char* inseparable) {
  double xx = 0, xy = 0, yy = 0, x1 = 0, y1 = 0;
  for (const auto& [t, n] : points) {
    const double x = f(n) / t, y = g(n) / t;
    xx += x * x;
    xy += x * y;
    yy += y * y;
    x1 += x;
    y1 += y;
  }
  const double det = xx * yy - xy * xy;
  if (!(std::fabs(det) > 1e-12 * xx * yy)) throw usage_error(inseparable);
  two_terms r{(x1 * yy - y1 * xy) / det, (y1 * xx - x1 * xy) / det, 0};
  if (r.q < 0) {
    r = {x1 / xx, 0, 0};
  } else if (r.p < 0) {
    r = {0, y1 / yy, 0};
  }
  double sum = 0;
  for (const auto& [t, n] : points) {
    const double e = (r.p * f(n) + r.q * g(n)) / t - 1.0;
    sum += e * e;
  }
  r.rms_relative_residual = std::sqrt(sum / static_cast<double>(points.size()));
  return r;
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
    const timing_model t = calibrate(points[0].first, points[0].second, model_ratio);
    f.a = t.a;
    f.b = t.b;
    f.ratio_from_model = true;
    return f;
  }
  const auto r = fit_relative(
      points, [](double n) { return n; }, [](double n) { return n * n; },
      "--prefill-time: the points cannot separate the linear and the quadratic term; give points "
      "at different prompt lengths (e.g. 40s@174000,0.9s@4000)");
  f.a = r.p;
  f.b = r.q;
  f.rms_relative_residual = r.rms_relative_residual;
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
  const auto r = fit_relative(
      points, [](double) { return 1.0; }, [](double n) { return n; },
      "--decode-step: the points cannot separate the per-step and per-sequence terms; give points "
      "at different batch sizes (e.g. 20ms@1,32ms@64)");
  f.step_s = r.p;
  f.seq_s = r.q;
  f.rms_relative_residual = r.rms_relative_residual;
  return f;
}

}  // namespace cxlprobe::replay
