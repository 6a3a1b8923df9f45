// Several GPUs at once: each GPU's figure from its own events, the aggregate keyed by the GPU
// set, and floors that credit each GPU with its own bytes only.
#include "probes/dma_results.hpp"
#include "report/floor.hpp"
#include "tests/catch_compat.hpp"
#include "tests/unit/fixture_topology.hpp"
#include "topology/paths.hpp"

using namespace cxlprobe;

namespace {
result point(const std::string& tier, std::vector<double> aggregate) {
  result r;
  r.probe = "dma";
  r.params = {{"tier", tier}, {"pattern", "bulk"}, {"engine", "ce"}, {"streams", 1},
              {"dir", "h2d"}, {"size", 1 << 30},   {"gpus", "0,1"},  {"gpu_busid", "0000:00:05.0"}};
  r.add_summary("bandwidth", "B/s", aggregate);
  return r;
}
}  // namespace

TEST_CASE("dma rows: one per GPU from its own samples, then the aggregate keyed by the set",
          "[dma]") {
  const std::vector<probes::dma::gpu_samples> gpus{
      {0, "0000:00:05.0", {50e9, 52e9, 51e9}, {{26e9, 26e9, 26e9}, {24e9, 26e9, 25e9}}},
      {1, "0000:00:07.0", {40e9, 41e9, 42e9}, {}}};
  const auto rows = probes::dma::per_gpu_rows(point("dram", {90e9, 93e9, 92e9}), gpus);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].params["gpu_busid"] == "0000:00:05.0");
  CHECK(rows[0].params["gpus"] == "0");
  CHECK(rows[0].params["concurrent_gpus"] == "0,1");
  CHECK(*rows[0].find("bandwidth", "median")->value == approx(51e9));
  CHECK(*rows[0].find("bandwidth_stream0", "median")->value == approx(26e9));
  CHECK(*rows[0].find("bandwidth_stream1", "median")->value == approx(25e9));
  CHECK(*rows[1].find("bandwidth", "median")->value == approx(41e9));
  CHECK(rows[1].find("bandwidth_stream0", "median") == nullptr);  // one stream: none
  CHECK(rows[2].params["gpu_busid"].is_null());
  CHECK(rows[2].params["aggregate"] == true);
  CHECK(rows[2].params["gpu_set"] == json::array({"0000:00:05.0", "0000:00:07.0"}));
  CHECK(*rows[2].find("bandwidth", "median")->value == approx(92e9));
  // One GPU: its row alone, streams included.
  const auto one = probes::dma::per_gpu_rows(point("dram", {51e9}), {gpus[0]});
  REQUIRE(one.size() == 1);
  CHECK(one[0].find("bandwidth_stream1", "median") != nullptr);
}

TEST_CASE("floors give each GPU its own measured figure, never the aggregate", "[dma][floors]") {
  const auto t = test::hwloc_fixture("cxl-dax-two-gpus.xml");
  const std::vector<probes::dma::gpu_samples> gpus{{0, "0000:00:05.0", {50e9, 50e9, 50e9}, {}},
                                                   {1, "0000:00:07.0", {40e9, 40e9, 40e9}, {}}};
  const auto rows = probes::dma::per_gpu_rows(point("dram", {90e9, 90e9, 90e9}), gpus);
  const auto floors = report::analyse_floors(t, rows);
  REQUIRE(floors.size() == 2);
  for (const auto& f : floors) {
    INFO(f.gpu);
    REQUIRE(f.measured_h2d_bps.has_value());
    CHECK(*f.measured_h2d_bps == approx(f.gpu == "0000:00:05.0" ? 50e9 : 40e9));
    // Each against its own share of its path (here its own Gen5 x16 link).
    CHECK(*f.h2d_fraction == approx(*f.measured_h2d_bps / *f.binding_bps));
  }
}

TEST_CASE("a measured tier is located in the topology, DAX ranges included", "[dma][topology]") {
  const auto t = test::hwloc_fixture("cxl-dax-two-gpus.xml");
  CHECK(topology::locate_tier(t, "dram")->name == "node:0");
  CHECK(topology::locate_tier(t, "file:/dev/shm/x")->name == "node:0");
  CHECK(topology::locate_tier(t, "dax:/dev/dax0.0@2MiB+64MiB")->name == "dax:/dev/dax0.0");
  CHECK_FALSE(topology::locate_tier(t, "node:7").has_value());
}

TEST_CASE("explain states KV restore beside bulk: per-block copy and the best kernel",
          "[dma][floors]") {
  const auto t = test::hwloc_fixture("h200-vm.xml");
  auto kv = [](const std::string& method, const std::string& kernel, double block, double bps) {
    result r;
    r.probe = "dma";
    r.params = {{"tier", "dram"}, {"pattern", "kv-restore"},     {"method", method},
                {"block", block}, {"gpu_busid", "0000:00:06.0"}, {"dir", "h2d"}};
    if (!kernel.empty()) r.params["kernel"] = kernel;
    const std::vector<double> v{bps, bps, bps};
    r.add_summary("bandwidth", "B/s", v);
    return r;
  };
  result bulk = point("dram", {55e9, 55e9, 55e9});
  bulk.params["gpu_busid"] = "0000:00:06.0";
  const auto floors = report::analyse_floors(
      t, {bulk, kv("copy", "", 16384, 5.5e9), kv("kernel", "staged", 16384, 53.9e9),
          kv("kernel", "lsu", 16384, 51e9), kv("copy", "", 1572864, 47e9),
          kv("kernel", "staged", 1572864, 52e9)});
  REQUIRE(floors.size() == 1);
  const auto& k = floors[0].kv_restore;
  REQUIRE(k.size() == 2);
  CHECK(k[0].block_bytes == 16384);
  CHECK(*k[0].per_block_copy_bps == approx(5.5e9));
  CHECK(*k[0].kernel_bps == approx(53.9e9));  // the best kernel, not the last
  CHECK(k[0].kernel == "staged");
  CHECK(*k[0].kernel_of_bulk == approx(53.9 / 55));
  CHECK(floors[0].sentence.find("KV restore in 16 KiB blocks: one copy per block 5.50 GB/s") !=
        std::string::npos);
  CHECK(floors[0].sentence.find("staged kernel 53.90 GB/s (98% of bulk H2D)") != std::string::npos);
  const json j = report::to_json(floors);
  CHECK(j[0]["kv_restore"][1]["block_bytes"] == 1572864);
}
