#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "probes/block_share.hpp"
#include "tests/catch_compat.hpp"

using cxlprobe::probes::block_share;

namespace {

constexpr std::uint64_t kKiB = 1024;

// Runs `threads` threads through round `round`; thread 0 first sleeps so the others run dry
// and must take its blocks. Returns how often each 4 KiB page was visited and bytes per thread.
struct visit {
  std::vector<int> pages;
  std::vector<std::uint64_t> bytes;
  std::vector<std::vector<std::uint64_t>> offsets;  // per thread
};

// `stride`: the distance between the threads' chunks (0: the chunk).
visit run_round(block_share& share, std::size_t threads, std::uint64_t chunk, std::size_t round,
                std::uint64_t stride = 0) {
  visit v;
  std::vector<std::atomic<int>> pages(threads * (stride == 0 ? chunk : stride) / 4096);
  v.bytes.assign(threads, 0);
  v.offsets.resize(threads);
  std::vector<std::thread> ts;
  for (std::size_t w = 0; w < threads; ++w) {
    ts.emplace_back([&, w] {
      if (w == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      v.bytes[w] = share.run(round, w, [&](std::uint64_t off, std::uint64_t len) {
        v.offsets[w].push_back(off);
        for (std::uint64_t p = off; p < off + len; p += 4096)
          pages[p / 4096].fetch_add(1);
      });
    });
  }
  for (auto& t : ts)
    t.join();
  for (auto& p : pages)
    v.pages.push_back(p.load());
  return v;
}

}  // namespace

TEST_CASE("block sharing: every page moved once per round, idle threads take others' blocks",
          "[block_share]") {
  const std::size_t threads = 4;
  const std::uint64_t chunk = 1000 * kKiB;  // 250 pages: the last 64 KiB block is shorter
  block_share share(threads, chunk, 64 * kKiB, 3, true);
  CHECK(share.blocks_per_chunk() == 16);
  for (std::size_t round = 0; round < 3; ++round) {
    const visit v = run_round(share, threads, chunk, round);
    for (int c : v.pages)
      REQUIRE(c == 1);
    std::uint64_t total = 0;
    for (auto b : v.bytes)
      total += b;
    CHECK(total == threads * chunk);
    // Thread 0 slept 50 ms: the others moved (part of) its chunk.
    CHECK(v.bytes[0] < chunk);
    bool someone_stole = false;
    for (std::size_t w = 1; w < threads; ++w) {
      for (auto off : v.offsets[w])
        someone_stole = someone_stole || off < chunk;
    }
    CHECK(someone_stole);
  }
}

TEST_CASE("block sharing off: each thread moves exactly its own chunk", "[block_share]") {
  const std::size_t threads = 3;
  const std::uint64_t chunk = 256 * kKiB;
  block_share share(threads, chunk, 64 * kKiB, 1, false);
  const visit v = run_round(share, threads, chunk, 0);
  for (int c : v.pages)
    REQUIRE(c == 1);
  for (std::size_t w = 0; w < threads; ++w) {
    CHECK(v.bytes[w] == chunk);
    for (auto off : v.offsets[w]) {
      CHECK(off >= w * chunk);
      CHECK(off < (w + 1) * chunk);
    }
  }
}

TEST_CASE("block sharing with a stride: the front of each thread's part, every page of it once",
          "[block_share]") {
  // Tuning rounds move 64 KiB of each thread's 256 KiB: pages 0-15 of each part, none after.
  const std::size_t threads = 3;
  const std::uint64_t chunk = 64 * kKiB, stride = 256 * kKiB;
  block_share share(threads, chunk, 16 * kKiB, 2, true, stride);
  for (std::size_t round = 0; round < 2; ++round) {
    const visit v = run_round(share, threads, chunk, round, stride);
    for (std::size_t p = 0; p < v.pages.size(); ++p) {
      const bool front = p % (stride / 4096) < chunk / 4096;
      REQUIRE(v.pages[p] == (front ? 1 : 0));
    }
    std::uint64_t total = 0;
    for (auto b : v.bytes)
      total += b;
    CHECK(total == threads * chunk);
  }
  CHECK_THROWS_AS(block_share(2, 8192, 4096, 1, true, 4096), std::invalid_argument);
}

TEST_CASE("block sharing: block larger than the chunk is one block, bad sizes refused",
          "[block_share]") {
  block_share whole(2, 8 * kKiB, 1 << 20, 1, true);
  CHECK(whole.blocks_per_chunk() == 1);
  CHECK_THROWS_AS(block_share(2, 5000, 4096, 1, true), std::invalid_argument);
  CHECK_THROWS_AS(block_share(0, 4096, 4096, 1, true), std::invalid_argument);
  CHECK_THROWS_AS(block_share(2, 8192, 1000, 1, true), std::invalid_argument);
}
