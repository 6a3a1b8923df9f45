#include "core/error.hpp"
#include "tests/catch_compat.hpp"
#include "topology/pcie.hpp"

using namespace cxlprobe::topology;

TEST_CASE("raw ceilings for Gen1..Gen6 at x1..x16 match hand-computed values", "[pcie]") {
  // lanes x GT/s x encoding / 8, in GB/s per direction.
  struct row {
    int gen;
    int width;
    double gbps;
  };
  const row rows[] = {
      {1, 1, 0.25},      {1, 16, 4.0},       {2, 1, 0.5},        {2, 8, 4.0},
      {2, 16, 8.0},      {3, 1, 0.984615},   {3, 4, 3.938462},   {3, 16, 15.753846},
      {4, 1, 1.969231},  {4, 8, 15.753846},  {4, 16, 31.507692}, {5, 1, 3.938462},
      {5, 8, 31.507692}, {5, 16, 63.015385}, {6, 1, 7.5625},     {6, 16, 121.0},
  };
  for (const auto& r : rows) {
    INFO("Gen" << r.gen << " x" << r.width);
    CHECK(pcie::raw_bps(r.gen, r.width) / 1e9 == approx(r.gbps).epsilon(1e-6));
  }
  CHECK_THROWS_AS(pcie::raw_bps(7, 16), cxlprobe::usage_error);
  CHECK_THROWS_AS(pcie::raw_bps(5, 0), cxlprobe::usage_error);
}

TEST_CASE("effective ceiling subtracts TLP overhead", "[pcie]") {
  // Gen5 x16 at 256 B payload and 24 B overhead: 63.015385 x 256 / 280 = 57.614 GB/s.
  CHECK(pcie::effective_bps(pcie::raw_bps(5, 16)) / 1e9 == approx(57.6140663).epsilon(1e-6));
  CHECK(pcie::effective_bps(pcie::raw_bps(5, 16), 128) / 1e9 ==
        approx(63.015385 * 128 / 152).epsilon(1e-6));
  CHECK(pcie::effective_bps(1e9, 512, 0) == approx(1e9));
  CHECK_THROWS_AS(pcie::effective_bps(1e9, 0), cxlprobe::usage_error);
}

TEST_CASE("generation and width are inferred from hwloc's GB/s, ambiguity is reported", "[pcie]") {
  const auto h200 = pcie::infer_from_gbps(63.015385);
  REQUIRE(h200.unique());
  CHECK(h200.candidates[0] == std::make_pair(5, 16));
  const auto v100 = pcie::infer_from_gbps(15.753846);
  CHECK_FALSE(v100.unique());
  CHECK(v100.candidates.size() == 3);  // Gen3 x16, Gen4 x8, Gen5 x4
  const link_info l = pcie::link_from_hwloc(15.753846f);
  CHECK_FALSE(l.gen.has_value());
  CHECK(l.candidates.size() == 3);
  CHECK(l.raw_bps / 1e9 == approx(15.753846).epsilon(1e-4));
  CHECK(pcie::infer_from_gbps(0).candidates.empty());
}

TEST_CASE("links from sysfs text", "[pcie]") {
  const link_info l = pcie::link_from_sysfs("32.0 GT/s PCIe", "16", "32.0 GT/s PCIe", "16");
  CHECK(l.gen == 5);
  CHECK(l.width == 16);
  CHECK(l.max_gen == 5);
  CHECK(l.source == "sysfs");
  CHECK(l.raw_bps / 1e9 == approx(63.015385).epsilon(1e-6));
  const link_info down = pcie::link_from_sysfs("16.0 GT/s PCIe", "8", "32.0 GT/s PCIe", "16");
  CHECK(down.gen == 4);
  CHECK(down.max_gen == 5);
  CHECK(down.max_width == 16);
  const link_info unknown = pcie::link_from_sysfs("Unknown", "0", "", "");
  CHECK_FALSE(unknown.known());
  link_info p = l;
  pcie::set_payload(p, 512, true);
  CHECK(p.effective_bps == approx(pcie::effective_bps(p.raw_bps, 512)));
  CHECK(p.payload_known);
}
