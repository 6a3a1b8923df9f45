#include "probes/stage_ring.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cxlprobe::probes::dma {

double rate_at(const std::vector<ce_point>& curve, std::uint64_t bytes) {
  if (curve.empty()) return 0;
  if (bytes <= curve.front().bytes) return curve.front().rate;
  if (bytes >= curve.back().bytes) return curve.back().rate;
  const auto hi =
      std::find_if(curve.begin(), curve.end(), [&](const ce_point& p) { return p.bytes >= bytes; });
  const auto lo = hi - 1;
  const double t = std::log(static_cast<double>(bytes) / static_cast<double>(lo->bytes)) /
                   std::log(static_cast<double>(hi->bytes) / static_cast<double>(lo->bytes));
  return lo->rate + t * (hi->rate - lo->rate);
}

namespace {

// The whole number of blocks a slot of at most max_slot bytes holds (a larger block: one).
std::uint64_t most_blocks(std::uint64_t block, std::uint64_t max_slot) {
  return std::max<std::uint64_t>(1, max_slot / block);
}

// `r` with m blocks per slot: its bytes and the curve's rate there follow.
ring_shape& set_blocks(ring_shape& r, std::uint64_t m, std::uint64_t block,
                       const std::vector<ce_point>& curve) {
  r.blocks_per_slot = m;
  r.slot_bytes = m * block;
  r.expected_rate = rate_at(curve, r.slot_bytes);
  return r;
}

}  // namespace

ring_shape choose_ring(std::uint64_t block, const std::vector<ce_point>& curve,
                       std::uint64_t max_slot, double tolerance) {
  ring_shape r;
  const std::uint64_t most = most_blocks(block, max_slot);
  std::uint64_t chosen = most;
  if (curve.empty()) {
    r.rule = fmt::format("no copy-engine curve: the largest slot up to {} bytes", max_slot);
  } else {
    double best = 0;
    for (const auto& p : curve)
      best = std::max(best, p.rate);
    for (std::uint64_t m = 1; m <= most; ++m) {
      if (rate_at(curve, m * block) >= (1 - tolerance) * best) {
        chosen = m;
        break;
      }
    }
    r.rule = fmt::format(
        "smallest whole number of blocks whose copy-engine rate is within {:.1f}% of the "
        "curve's best ({:.2f} GB/s), at most {} bytes",
        tolerance * 100, best / 1e9, max_slot);
  }
  return set_blocks(r, chosen, block, curve);
}

ring_shape fit_runs(ring_shape r, std::uint64_t count, std::uint64_t block, std::size_t max_runs,
                    const std::vector<ce_point>& curve, std::uint64_t max_slot) {
  const std::uint64_t most = most_blocks(block, max_slot);
  std::uint64_t m = r.blocks_per_slot;
  // Past the curve's knee a larger slot costs no rate, only ring memory (3 slots, at most
  // max_slot each); growing by an eighth at a time lands close to the fewest blocks that fit.
  while (m < most && slot_runs(count, m, block).size() > max_runs)
    m = std::min(most, m + std::max<std::uint64_t>(1, m / 8));
  if (m == r.blocks_per_slot) return r;
  set_blocks(r, m, block, curve);
  r.rule += fmt::format(
      "; raised to {} blocks so that a repetition is at most {} runs (what a "
      "latch holds queued)",
      m, max_runs);
  return r;
}

ring_shape fixed_ring(std::uint64_t block, std::uint64_t slot_bytes,
                      const std::vector<ce_point>& curve) {
  ring_shape r;
  r.rule = fmt::format("--stage-slot {} bytes", slot_bytes);
  return set_blocks(r, std::max<std::uint64_t>(1, (slot_bytes + block / 2) / block), block, curve);
}

std::vector<std::uint64_t> slot_runs(std::uint64_t count, std::uint64_t per_slot,
                                     std::uint64_t block, std::uint64_t tail_bytes) {
  std::vector<std::uint64_t> runs;
  if (count == 0 || per_slot == 0) return runs;
  const std::uint64_t full = count / per_slot;
  const std::uint64_t rest = count % per_slot;
  // Every slot but the final one at full size; the final run (a full slot, or the remainder)
  // halves down to one block or tail_bytes.
  std::uint64_t tail = rest ? rest : per_slot;
  const std::uint64_t leading = rest ? full : full - 1;
  runs.assign(leading, per_slot);
  while (tail > 1 && tail * block > tail_bytes) {
    const std::uint64_t first = tail - tail / 2;
    runs.push_back(first);
    tail -= first;
  }
  runs.push_back(tail);
  return runs;
}

}  // namespace cxlprobe::probes::dma
