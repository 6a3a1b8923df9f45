#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>

#include "core/error.hpp"
#include "probes/pinned_workers.hpp"
#include "tests/catch_compat.hpp"

using namespace cxlprobe;
using namespace cxlprobe::probes;

TEST_CASE("spread placement takes CPUs evenly", "[workers]") {
  std::vector<int> cpus;
  for (int i = 0; i < 16; ++i)
    cpus.push_back(i);
  CHECK(spread_cpus(cpus, 8) == std::vector<int>{0, 2, 4, 6, 8, 10, 12, 14});
  CHECK(spread_cpus(cpus, 1) == std::vector<int>{0});
  CHECK(spread_cpus(cpus, 16) == cpus);
  CHECK(spread_cpus({3, 5, 7}, 2) == std::vector<int>{3, 5});
  CHECK_THROWS_AS(spread_cpus(cpus, 17), usage_error);
  CHECK_THROWS_AS(spread_cpus(cpus, 0), usage_error);
}

TEST_CASE("compact placement packs the first cores, one thread per core first", "[workers]") {
  const std::vector<int> cpus{0, 1, 2, 3, 4, 5, 6, 7};
  // Siblings numbered apart (Linux on most x86 servers): CPU i and i + 4 share a core.
  auto apart = [](int c) { return std::vector<int>{c % 4, c % 4 + 4}; };
  CHECK(compact_cpus(cpus, 3, apart) == std::vector<int>{0, 1, 2});
  CHECK(compact_cpus(cpus, 6, apart) == std::vector<int>{0, 1, 2, 3, 4, 5});
  // Siblings adjacent (some VMs and ARM servers): 0 and 1 share a core.
  auto adjacent = [](int c) { return std::vector<int>{c / 2 * 2, c / 2 * 2 + 1}; };
  CHECK(compact_cpus(cpus, 3, adjacent) == std::vector<int>{0, 2, 4});
  CHECK(compact_cpus(cpus, 5, adjacent) == std::vector<int>{0, 2, 4, 6, 1});
  // No sibling information: the list's order.
  auto alone = [](int) { return std::vector<int>{}; };
  CHECK(compact_cpus({5, 9, 2}, 2, alone) == std::vector<int>{5, 9});
  CHECK_THROWS_AS(compact_cpus(cpus, 9, alone), usage_error);
  CHECK_THROWS_AS(compact_cpus(cpus, 0, alone), usage_error);
  // Every CPU this process may use sits on a node (0 without NUMA support).
  for (int c : allowed_cpus())
    CHECK(node_of_cpu(c) >= 0);
  // This machine's own sysfs: a CPU is its own sibling when the kernel says anything.
  const auto own = smt_siblings(allowed_cpus().front());
  if (!own.empty()) CHECK(std::find(own.begin(), own.end(), allowed_cpus().front()) != own.end());
}

TEST_CASE("pinned workers: prepared once, no round starts before the last one ended", "[workers]") {
  const auto cpus = allowed_cpus();
  REQUIRE_FALSE(cpus.empty());
  worker_plan plan{{cpus[0], cpus.back()}, 1, 4};
  std::atomic<int> prepared{0};
  std::atomic<int> warm{0};
  std::atomic<int> timed{0};
  std::atomic<int> done[5] = {};  // bodies finished per round (warm-up round first)
  std::atomic<bool> overlap{false};
  const auto rounds = run_pinned(
      plan, [&](int) { ++prepared; },
      [&](int, int round) {
        const int g = round + 1;
        // The barrier: every worker finished round g - 1 before anyone starts round g.
        if (g > 0 && done[g - 1].load() != 2) overlap = true;
        (round < 0 ? warm : timed)++;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ++done[g];
      },
      nullptr);
  CHECK(prepared == 2);
  CHECK(warm == 2);
  CHECK(timed == 8);
  CHECK_FALSE(overlap.load());
  REQUIRE(rounds.size() == 4);
  for (const auto& r : rounds) {
    CHECK(r.span() >= 0.001);
    CHECK(r.end[0] >= r.start[0]);
  }
}

TEST_CASE("pinned workers: an exception in a worker reaches the caller, a stop ends early",
          "[workers]") {
  const auto cpus = allowed_cpus();
  worker_plan plan{{cpus[0], cpus[0]}, 0, 3};
  CHECK_THROWS_AS(run_pinned(
                      plan, [](int) {},
                      [](int w, int round) {
                        if (w == 1 && round == 1) throw std::runtime_error("worker failed");
                      },
                      nullptr),
                  std::runtime_error);
  std::atomic<bool> stop{false};
  const auto rounds = run_pinned(
      plan, [](int) {},
      [&](int, int round) {
        if (round == 0) stop = true;
      },
      &stop);
  CHECK(rounds.size() == 1);
}
