#include "replay/attribution.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/units.hpp"

namespace cxlprobe::replay {

observed_ttft parse_observed_ttft(const std::string& text) {
  observed_ttft o;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, end - pos);
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    if (eq == std::string::npos || (key != "cold" && key != "turn1" && key != "warm"))
      throw usage_error(fmt::format(
          "--observed-ttft '{}': expected cold=TIME,turn1=TIME,warm=TIME (any of them), e.g. "
          "cold=30s,turn1=2.8s,warm=0.9s",
          text));
    const double t = units::parse_seconds(item.substr(eq + 1), "--observed-ttft");
    if (!(t > 0)) throw usage_error("--observed-ttft: every time must be positive");
    (key == "cold" ? o.cold : key == "turn1" ? o.turn1 : o.warm) = t;
    pos = end + 1;
  }
  if (!o.turn1 && !o.warm)
    throw usage_error("--observed-ttft: give turn1= or warm= (a turn that loads its prefix)");
  return o;
}

namespace {

struct warm_turn {
  double chunks = 0;         // loaded chunks
  double loaded_tokens = 0;  // = chunks x chunk tokens
  double prefill_s = 0;      // modelled prefill of the new tokens after the loaded ones
  double observed_s = 0;
};

// Turn t (0-based, t >= 1) loads the full chunks of turn t-1's prompt and prefills the rest.
warm_turn geometry(const attribution_input& in, double t) {
  const double step = static_cast<double>(in.turn_tokens + in.output_tokens);
  const double n = static_cast<double>(in.context_tokens);
  const double chunk = static_cast<double>(in.chunk_tokens);
  warm_turn w;
  w.chunks = std::floor((n + (t - 1) * step) / chunk);
  w.loaded_tokens = w.chunks * chunk;
  w.prefill_s = in.timing.prefill(w.loaded_tokens, n + t * step - w.loaded_tokens);
  return w;
}

// The warm figure stands for turns 2..T-1: their mean geometry.
warm_turn mean_later(const attribution_input& in) {
  warm_turn m;
  const double count = static_cast<double>(std::max<std::uint64_t>(in.turns, 3) - 2);
  for (std::uint64_t t = 2; t < std::max<std::uint64_t>(in.turns, 3); ++t) {
    const warm_turn w = geometry(in, static_cast<double>(t));
    m.chunks += w.chunks / count;
    m.loaded_tokens += w.loaded_tokens / count;
    m.prefill_s += w.prefill_s / count;
  }
  return m;
}

// Where a rate sits on the copy curve (log-log between points).
void place(const attribution_input& in, attribution& a) {
  auto curve = in.copy_curve;
  std::sort(curve.begin(), curve.end(), [](const curve_point& x, const curve_point& y) {
    return x.block_bytes < y.block_bytes;
  });
  if (curve.empty()) return;
  const auto [lo, hi] = std::minmax_element(
      curve.begin(), curve.end(), [](const auto& x, const auto& y) { return x.bps < y.bps; });
  if (a.effective_bps > hi->bps) {
    a.matched = "above";
    return;
  }
  if (a.effective_bps < lo->bps) {
    a.matched = "below";
    a.matched_block_bytes = curve.front().block_bytes;
    return;
  }
  for (std::size_t i = 0; i + 1 < curve.size(); ++i) {
    const auto& p = curve[i];
    const auto& q = curve[i + 1];
    if ((a.effective_bps - p.bps) * (a.effective_bps - q.bps) > 0) continue;
    const double f =
        p.bps == q.bps ? 0.0 : std::log(a.effective_bps / p.bps) / std::log(q.bps / p.bps);
    a.matched_block_bytes =
        std::exp(std::log(p.block_bytes) + f * (std::log(q.block_bytes) - std::log(p.block_bytes)));
    a.matched = "within";
    return;
  }
}

std::string sentence(const attribution_input& in, const attribution& a) {
  std::string s =
      fmt::format("your warm restore runs at {:.2f} GiB/s ({:.1f} ms per {}-token chunk",
                  a.effective_bps / (1ULL << 30), a.per_chunk_s * 1e3, in.chunk_tokens);
  if (a.per_request_separable) s += fmt::format(", plus {:.2f} s per request", a.per_request_s);
  s += ")";
  if (in.link_bps)
    s += fmt::format("; the link allows {:.2f} GiB/s in bulk", *in.link_bps / (1ULL << 30));
  if (in.kernel_bps)
    s += fmt::format(", {:.2f} GiB/s with the best KV kernel", *in.kernel_bps / (1ULL << 30));
  if (a.matched == "within")
    s += fmt::format("; your rate matches one copy per {:.0f} KiB block",
                     *a.matched_block_bytes / 1024);
  else if (a.matched == "below")
    s += fmt::format("; slower than one copy per {:.0f} KiB block, the smallest measured",
                     *a.matched_block_bytes / 1024);
  else if (a.matched == "above")
    s += "; faster than any per-block copy measured";
  if (in.link_bps)
    s += fmt::format(". At the link's rate a warm turn would take {:.2f} s (observed {:.2f} s)",
                     a.warm_floor_s, a.warm_observed_s);
  return s;
}

}  // namespace

attribution attribute(const attribution_input& in) {
  if (in.turns < 2) throw usage_error("--observed-ttft needs --turns 2 or more (a warm turn)");
  std::vector<warm_turn> obs;
  if (in.observed.turn1) {
    obs.push_back(geometry(in, 1));
    obs.back().observed_s = *in.observed.turn1;
  }
  if (in.observed.warm && in.turns >= 3) {
    obs.push_back(mean_later(in));
    obs.back().observed_s = *in.observed.warm;
  }
  if (obs.empty()) throw usage_error("--observed-ttft warm= needs --turns 3 or more; give turn1=");
  attribution a;
  // time - prefill = per_request + per_chunk x chunks; per_request only when the turns load
  // clearly different numbers of chunks (10% apart), else it is folded into per_chunk.
  const auto rest = [](const warm_turn& w) { return w.observed_s - w.prefill_s; };
  if (obs.size() == 2 && std::fabs(obs[1].chunks - obs[0].chunks) > 0.1 * obs[0].chunks) {
    a.per_chunk_s = (rest(obs[1]) - rest(obs[0])) / (obs[1].chunks - obs[0].chunks);
    a.per_request_s = rest(obs[0]) - a.per_chunk_s * obs[0].chunks;
    a.per_request_separable = true;
  } else {
    double r = 0, c = 0;
    for (const auto& w : obs) {
      r += rest(w);
      c += w.chunks;
    }
    a.per_chunk_s = r / c;
  }
  if (!(a.per_chunk_s > 0))
    throw usage_error(
        "--observed-ttft: the warm turns are no slower than their modelled prefill alone; check "
        "--prefill-time (or cold=) against these figures");
  const double chunk_bytes = static_cast<double>(in.chunk_tokens * in.kv_bytes_per_token);
  a.effective_bps = chunk_bytes / a.per_chunk_s;
  if (in.observed.cold)
    a.cold_residual_s =
        *in.observed.cold - in.timing.prefill(0, static_cast<double>(in.context_tokens));
  const warm_turn& last = obs.back();
  a.warm_observed_s = last.observed_s;
  a.warm_floor_s =
      last.prefill_s +
      (in.link_bps ? last.loaded_tokens * static_cast<double>(in.kv_bytes_per_token) / *in.link_bps
                   : 0.0);
  place(in, a);
  a.sentence = sentence(in, a);
  return a;
}

}  // namespace cxlprobe::replay
