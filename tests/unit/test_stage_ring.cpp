// The staged KV ring's sizing rule (probes/stage_ring.hpp): slots sized from the copy engine's
// curve, whole blocks per slot, the final run halved down to one block.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "probes/stage_ring.hpp"
#include "tests/catch_compat.hpp"

using namespace cxlprobe::probes::dma;

namespace {
// A curve shaped like the H200's pinned H2D copies: rising to a plateau past 16 MiB.
const std::vector<ce_point> kCurve{{1ULL << 20, 40e9},   {2ULL << 20, 46e9},    {4ULL << 20, 50e9},
                                   {8ULL << 20, 53e9},   {16ULL << 20, 54.6e9}, {32ULL << 20, 55e9},
                                   {64ULL << 20, 55.2e9}};
}  // namespace

TEST_CASE("stage ring: rate_at interpolates in log size and is flat beyond the ends") {
  CHECK(rate_at(kCurve, 512 << 10) == 40e9);
  CHECK(rate_at(kCurve, 128ULL << 20) == 55.2e9);
  CHECK(rate_at(kCurve, 8ULL << 20) == 53e9);
  // Halfway in log between 8 and 16 MiB (about 11.3 MiB): halfway in rate.
  CHECK(rate_at(kCurve, static_cast<std::uint64_t>(8.0 * (1 << 20) * std::sqrt(2.0))) ==
        approx(53.8e9).epsilon(1e-6));
  CHECK(rate_at({}, 1 << 20) == 0);
}

TEST_CASE("stage ring: the slot is the fewest whole blocks within 0.5% of the curve's best") {
  // Best 55.2 GB/s: 99.5% is 54.924, reached at 28.0 MiB (16 MiB x 2^0.81: between 16 and
  // 32 MiB, in log size).
  const ring_shape small = choose_ring(64 << 10, kCurve);
  CHECK(small.slot_bytes % (64 << 10) == 0);
  CHECK(small.slot_bytes > (27ULL << 20));
  CHECK(small.slot_bytes < (29ULL << 20));
  CHECK(small.expected_rate >= 0.995 * 55.2e9);
  CHECK(rate_at(kCurve, small.slot_bytes - (64 << 10)) < 0.995 * 55.2e9);  // one block fewer
  // vLLM's 1.5 MiB block (16 tokens x 96 KiB): 19 blocks = 28.5 MiB, the first multiple past it.
  const ring_shape vllm = choose_ring(1536 << 10, kCurve);
  CHECK(vllm.blocks_per_slot == 19);
  CHECK(vllm.slot_bytes == 19ULL * (1536 << 10));
  CHECK(vllm.slots == 3);
  CHECK(vllm.rule.find("0.5%") != std::string::npos);
  // The curve of the H200 call where restore ran 2 MiB blocks at 90% (docs/validation.md): its
  // 64 MiB point dipped, a 1% margin took 8 MiB slots (4 blocks), 0.5% takes 6 blocks.
  const std::vector<ce_point> dipped{
      {1ULL << 20, 48.2e9},  {2ULL << 20, 51.6e9},  {4ULL << 20, 53.3e9}, {8ULL << 20, 54.3e9},
      {16ULL << 20, 54.8e9}, {32ULL << 20, 54.8e9}, {64ULL << 20, 54.2e9}};
  CHECK(choose_ring(2 << 20, dipped, 64ULL << 20, 0.01).blocks_per_slot == 4);
  CHECK(choose_ring(2 << 20, dipped).blocks_per_slot == 6);
}

TEST_CASE("stage ring: a block larger than the largest slot is a slot by itself") {
  const ring_shape big = choose_ring(96ULL << 20, kCurve);
  CHECK(big.blocks_per_slot == 1);
  CHECK(big.slot_bytes == 96ULL << 20);
  // Without a curve: the largest slot that the cap allows.
  const ring_shape blind = choose_ring(3ULL << 20, {});
  CHECK(blind.blocks_per_slot == 21);
  CHECK(blind.expected_rate == 0);
}

TEST_CASE("stage ring: --stage-slot takes the nearest whole number of blocks") {
  CHECK(fixed_ring(1536 << 10, 8ULL << 20, kCurve).blocks_per_slot == 5);
  CHECK(fixed_ring(1536 << 10, 9ULL << 20, kCurve).blocks_per_slot == 6);
  CHECK(fixed_ring(24ULL << 20, 8ULL << 20, kCurve).blocks_per_slot == 1);
}

TEST_CASE("stage ring: runs cover every block once and the final run halves to 1 MiB") {
  constexpr std::uint64_t MiB = 1 << 20;
  // 1.5 MiB blocks, 12 per slot (18 MiB), 682 blocks (1 GiB): 56 full slots, 10 left, halved
  // to 5, 3, 1, 1 (one block of 1.5 MiB is the smallest run).
  const auto runs = slot_runs(682, 12, 1536 << 10);
  CHECK(std::accumulate(runs.begin(), runs.end(), std::uint64_t{0}) == 682);
  CHECK(std::count(runs.begin(), runs.end(), 12) == 56);
  CHECK(std::vector<std::uint64_t>(runs.end() - 4, runs.end()) ==
        std::vector<std::uint64_t>{5, 3, 1, 1});
  // 64 KiB blocks, 256 per slot, an exact multiple: the last full slot halves to 16 blocks.
  const auto exact = slot_runs(1024, 256, 64 << 10);
  CHECK(exact == std::vector<std::uint64_t>{256, 256, 256, 128, 64, 32, 16, 16});
  CHECK(slot_runs(1, 16, MiB) == std::vector<std::uint64_t>{1});
  CHECK(slot_runs(0, 16, MiB).empty());
  for (std::uint64_t n : {1ULL, 7ULL, 17ULL, 1000ULL}) {
    const auto r = slot_runs(n, 5, 4 * MiB);
    CHECK(std::accumulate(r.begin(), r.end(), std::uint64_t{0}) == n);
    CHECK(r.back() == 1);
    CHECK(*std::max_element(r.begin(), r.end()) <= 5);
  }
}

TEST_CASE("stage ring: a ring whose runs would not fit behind a latch gets larger slots") {
  // The H200's D2H curve at 16 KiB blocks chose 323 blocks (5.05 MiB): 1 GiB of blocks (65536)
  // then took 203 runs, 609 queued operations, over the 512 a latch holds (timed as submitted).
  ring_shape r;
  r.blocks_per_slot = 323;
  r.slot_bytes = 323ULL * (16 << 10);
  r.rule = "curve";
  REQUIRE(slot_runs(65536, 323, 16 << 10).size() > 170);
  const ring_shape fit = fit_runs(r, 65536, 16 << 10, 170, kCurve);
  CHECK(slot_runs(65536, fit.blocks_per_slot, 16 << 10).size() <= 170);
  CHECK(fit.blocks_per_slot > 323);
  CHECK(fit.blocks_per_slot < 2 * 323);  // grown by eighths: close to the fewest that fit
  CHECK(fit.slot_bytes == fit.blocks_per_slot * (16 << 10));
  CHECK(fit.expected_rate == rate_at(kCurve, fit.slot_bytes));
  CHECK(fit.rule.find("raised to") != std::string::npos);
  // Already fitting: unchanged, rule and all.
  const ring_shape same = fit_runs(fit, 65536, 16 << 10, 170, kCurve);
  CHECK(same.blocks_per_slot == fit.blocks_per_slot);
  CHECK(same.rule == fit.rule);
  // The slot cap wins over the run count: 4 KiB blocks, 4 GiB of them, 64 MiB slots at most.
  r.blocks_per_slot = 100;
  const ring_shape capped = fit_runs(r, 1ULL << 20, 4 << 10, 10, kCurve);
  CHECK(capped.blocks_per_slot == (64ULL << 20) / (4 << 10));
}
