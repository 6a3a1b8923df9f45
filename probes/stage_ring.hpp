// How the staged KV path (dma --kernel staged) shapes its device ring: the copy engine moves
// whole runs of contiguous blocks (a slot's worth) while the GPU scatters the previous slot, so
// the pattern's rate is the copy engine's rate at the slot size. The slot is therefore sized
// from the copy engine's measured rate curve, not from a constant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cxlprobe::probes::dma {

// One point of the copy engine's curve: bytes per copy and the rate it reached (B/s).
struct ce_point {
  std::uint64_t bytes = 0;
  double rate = 0;
};

struct ring_shape {
  std::uint64_t blocks_per_slot = 1;
  std::uint64_t slot_bytes = 0;  // blocks_per_slot x block
  std::size_t slots = 3;
  double expected_rate = 0;  // the curve's rate at slot_bytes (B/s), 0 without a curve
  std::string rule;          // how the slot was chosen, for the result's params
};

// The curve's rate at `bytes`: linear in log(bytes) between points, flat beyond the ends.
// The curve must be sorted by bytes; empty gives 0.
double rate_at(const std::vector<ce_point>& curve, std::uint64_t bytes);

// The smallest whole number of blocks per slot whose rate on the curve is within `tolerance`
// (a fraction) of the curve's best, with a slot of at most `max_slot` bytes (a block larger
// than that is a slot by itself). Three slots: one being filled, one being scattered, one free,
// so neither side waits while the other works. The default 0.5%: every run of the ring also
// pays a hand-off between the copy and kernel streams that the curve's back-to-back copies do
// not; on the H200 machine restore with 8 MiB slots ran 1.5-3% under the curve's 8 MiB point
// while slots of 12 MiB and more ran within 1% of theirs (docs/validation.md), and a 1% margin
// chose 8 MiB slots where a noisy curve point sat near the plateau.
ring_shape choose_ring(std::uint64_t block, const std::vector<ce_point>& curve,
                       std::uint64_t max_slot = 64ULL << 20, double tolerance = 0.005);

// `r` with more blocks per slot, when needed, so that `count` blocks go in at most `max_runs`
// runs (slot_runs), within `max_slot` bytes: every run costs a few queued operations, and a
// repetition queueing more than a latch holds is timed as submitted instead of released at once.
ring_shape fit_runs(ring_shape r, std::uint64_t count, std::uint64_t block, std::size_t max_runs,
                    const std::vector<ce_point>& curve, std::uint64_t max_slot = 64ULL << 20);

// A fixed slot size (dma --stage-slot): the whole number of blocks nearest to it, at least one.
ring_shape fixed_ring(std::uint64_t block, std::uint64_t slot_bytes,
                      const std::vector<ce_point>& curve);

// Runs of blocks per transfer: `count` blocks in slots of `per_slot`, where the final run is
// halved until it holds one block or at most `tail_bytes`, so the scatter (restore) or gather
// (offload) left outside the copies is a small run's, not a whole slot's. Halving further would
// cost more in per-copy overhead (a few microseconds) than a scatter of 1 MiB on the GPU takes.
// Returns the block count of each run, in order.
std::vector<std::uint64_t> slot_runs(std::uint64_t count, std::uint64_t per_slot,
                                     std::uint64_t block, std::uint64_t tail_bytes = 1ULL << 20);

}  // namespace cxlprobe::probes::dma
