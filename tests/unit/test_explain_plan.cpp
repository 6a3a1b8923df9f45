// explain's plan: each tier's capacity read before measuring, every size fitted to it, and the
// reason when a tier cannot hold a measurement. Capacities from the guest's captured sysfs.
#include <string>

#include "cli/explain_plan.hpp"
#include "core/error.hpp"
#include "tests/catch_compat.hpp"
#include "tests/unit/fixture_topology.hpp"

using namespace cxlprobe;
using namespace cxlprobe::cli;

namespace {
constexpr std::uint64_t MiB = 1ULL << 20;
const std::string kDevdax = test::kSysfsCaptures + "qemu-cxl-devdax";
const std::string kRam = test::kSysfsCaptures + "qemu-cxl-system-ram";

plan_sizes quick() {
  plan_sizes w;
  w.bw = 256 * MiB;
  w.dma = {24 * MiB, 256 * MiB};
  w.kv_total = 256 * MiB;
  return w;
}
}  // namespace

TEST_CASE("a DAX device's capacity is its size from the offset, or the range given", "[plan]") {
  const auto whole = capacity_of("dax:/dev/dax0.0", kDevdax);
  CHECK(whole.bytes == 250 * MiB);
  CHECK(whole.align == 2 * MiB);
  const auto tail = capacity_of("dax:/dev/dax0.0@10MiB", kDevdax);
  CHECK(tail.bytes == 240 * MiB);
  const auto range = capacity_of("dax:/dev/dax0.0@2MiB+8MiB", kDevdax);
  CHECK(range.bytes == 8 * MiB);
  CHECK_THROWS_AS(capacity_of("dax:/dev/dax0.0@1MiB", kDevdax), usage_error);
  CHECK_THROWS_AS(capacity_of("dax:/dev/dax0.0@248MiB+8MiB", kDevdax), usage_error);
  CHECK_THROWS_AS(capacity_of("dax:/dev/dax9.0", kDevdax), usage_error);
}

TEST_CASE("a NUMA node's capacity is half its free memory, a missing node is refused", "[plan]") {
  const auto n1 = capacity_of("node:1", kRam);
  REQUIRE(n1.bytes);
  // node1/meminfo: MemFree 131072 kB (the 128 MiB memory block, as onlined).
  CHECK(*n1.bytes == 131072ULL * 1024 / 2);
  try {
    (void)capacity_of("node:5", kRam);
    FAIL("node:5 accepted");
  } catch (const usage_error& e) {
    CHECK(std::string(e.what()).find("NUMA node 5 does not exist") != std::string::npos);
  }
}

TEST_CASE("sizes above the capacity are fitted, below it kept", "[plan]") {
  const auto cap = capacity_of("dax:/dev/dax0.0", kDevdax);
  const auto p = fit_plan("dax:/dev/dax0.0", quick(), cap, 1536 * 1024);
  REQUIRE(p.reason.empty());
  CHECK(p.sizes.bw == 250 * MiB);
  CHECK(p.sizes.dma == std::vector<std::uint64_t>{24 * MiB, 250 * MiB});
  // Whole 1.5 MiB KV blocks on 2 MiB device pages: a multiple of 6 MiB.
  CHECK(p.sizes.kv_total == 246 * MiB);
  REQUIRE(p.notes.size() == 1);
  CHECK(p.notes[0].find("fitted to the device size (250 MiB from offset 0)") != std::string::npos);
  // Enough room: the plan as asked, nothing said.
  tier_capacity big{1ULL << 40, 2 * MiB, "big"};
  const auto same = fit_plan("dram", quick(), big, 1536 * 1024);
  CHECK(same.sizes.bw == 256 * MiB);
  CHECK(same.sizes.dma == quick().dma);
  CHECK(same.notes.empty());
  // Unknown capacity: kept as asked.
  CHECK(fit_plan("file:/x", quick(), tier_capacity{}, 1536 * 1024).sizes.bw == 256 * MiB);
}

TEST_CASE("a tier too small for a measurement gets a reason, not a run", "[plan]") {
  const tier_capacity tiny{2 * MiB, 2 * MiB, "the range given (2 MiB)"};
  const auto p = fit_plan("dax:/dev/dax0.0@0+2MiB", quick(), tiny, 1536 * 1024);
  CHECK(p.reason.find("holds 2 MiB") != std::string::npos);
  CHECK(p.reason.find("below the 4 MiB a measurement needs") != std::string::npos);
  // 8 MiB: DMA sizes collapse to one, KV total to the one multiple of 6 MiB that fits.
  const tier_capacity eight{8 * MiB, 2 * MiB, "the range given (8 MiB)"};
  const auto q = fit_plan("r", quick(), eight, 1536 * 1024);
  CHECK(q.sizes.dma == std::vector<std::uint64_t>{8 * MiB});
  CHECK(q.sizes.kv_total == 6 * MiB);
}
