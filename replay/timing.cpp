#include "replay/timing.hpp"

namespace cxlprobe::replay {

double timing_model::prefill(double p, double k) const {
  return a * k + b * ((p + k) * (p + k) - p * p);
}

timing_model calibrate(double t0, double n0, double ratio) {
  timing_model m;
  m.a = t0 / (n0 + ratio * n0 * n0);
  m.b = ratio * m.a;
  return m;
}

}  // namespace cxlprobe::replay
