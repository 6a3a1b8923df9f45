#include "replay/timing.hpp"

namespace cxlprobe::replay {

double timing_model::prefill(double p, double k) const {
  return a * k + b * ((p + k) * (p + k) - p * p);
}

double timing_model::load(double bytes, double chunks) const {
  if (bytes <= 0) return 0;
  return (load_bw > 0 ? bytes / load_bw : 0) + chunk_overhead * chunks;
}

double timing_model::exposed_store(double bytes) const {
  if (bytes <= 0 || store_bw <= 0) return 0;
  return bytes / store_bw * (1.0 - store_overlap);
}

double timing_model::decode(double output_tokens) const {
  return decode_time + decode_token_time * output_tokens;
}

timing_model calibrate(double t0, double n0, double ratio) {
  timing_model m;
  m.a = t0 / (n0 + ratio * n0 * n0);
  m.b = ratio * m.a;
  return m;
}

}  // namespace cxlprobe::replay
