#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "tests/catch_compat.hpp"
#include "tests/unit/fixture_topology.hpp"
#include "topology/json.hpp"
#include "topology/loader.hpp"
#include "topology/paths.hpp"
#include "topology/sysfs.hpp"

using namespace cxlprobe;
using namespace cxlprobe::topology;

namespace {
const std::string kHwloc = test::kFixtures + "hwloc/";

topology::topology load_fixture(const std::string& name) {
  return test::hwloc_fixture(name);
}
}  // namespace

TEST_CASE("every hwloc fixture loads", "[topology]") {
  for (const char* name :
       {"24em64t-2n6c2t-pci.xml", "32em64t-2n8c2t-pci-wholeio.xml", "8intel64-4n2t-memattrs.xml",
        "96em64t-4n4d3ca2co-pci.xml", "cxlmem+dax.v2.xml", "h200-vm.xml", "nvidiaDGX2.xml",
        "power8gpudistances.xml", "cxl-dax-one-device-gpu.xml", "cxl-dax-interleaved-gpu.xml"}) {
    INFO(name);
    const auto t = load_fixture(name);
    CHECK_FALSE(t.numa.empty());
    CHECK(t.pus > 0);
    const json j = to_json(t);  // serialisable, paths included
    CHECK(j.contains("paths"));
  }
}

TEST_CASE("last-level caches: the largest one and all together, also from older records",
          "[topology]") {
  // Two sockets, a 12 MiB L3 each: a run on both holds 24 MiB.
  const auto two = load_fixture("24em64t-2n6c2t-pci.xml");
  CHECK(two.llc_bytes == std::optional<std::uint64_t>(12ULL << 20));
  CHECK(two.llc_total_bytes == std::optional<std::uint64_t>(24ULL << 20));
  CHECK(two.all_llc_bytes() == std::optional<std::uint64_t>(24ULL << 20));
  // Sixteen 16 MiB L3 caches.
  CHECK(load_fixture("96em64t-4n4d3ca2co-pci.xml").all_llc_bytes() ==
        std::optional<std::uint64_t>(256ULL << 20));
  CHECK(load_fixture("h200-vm.xml").all_llc_bytes() == std::optional<std::uint64_t>(300ULL << 20));
  const topology::topology back = topology_from_json(to_json(two));
  CHECK(back.llc_total_bytes == two.llc_total_bytes);
  // A record written before llc_total_bytes existed: the largest cache once per package.
  json old = to_json(two);
  old.erase("llc_total_bytes");
  const topology::topology older = topology_from_json(old);
  CHECK_FALSE(older.llc_total_bytes.has_value());
  CHECK(older.all_llc_bytes() == std::optional<std::uint64_t>(24ULL << 20));
  topology::topology none;
  CHECK_FALSE(none.all_llc_bytes().has_value());
}

TEST_CASE("h200-vm.xml: one NVIDIA GPU (3D controller) at Gen5 x16, 63.0 GB/s raw", "[topology]") {
  const auto t = load_fixture("h200-vm.xml");
  REQUIRE(t.gpus.size() == 1);
  const auto& g = t.gpus[0];
  CHECK(g.busid == "0000:00:06.0");
  CHECK(g.vendor_id == 0x10de);
  CHECK(g.name == "NVIDIA H200");
  const auto& d = t.pci[static_cast<std::size_t>(g.pci_index)];
  CHECK(d.class_id == 0x0302);
  CHECK(d.link.gen == 5);
  CHECK(d.link.width == 16);
  CHECK(d.link.raw_bps / 1e9 == approx(63.015).epsilon(1e-4));
  REQUIRE(t.numa.size() == 1);
  const json j = to_json(t);
  CHECK(j["gpus"][0]["link"]["gen"] == 5);
  CHECK(j["gpus"][0]["link"]["width"] == 16);
  CHECK(j["gpus"][0]["busid"].is_string());
  const auto paths = all_paths(t);
  REQUIRE(paths.size() == 1);
  CHECK(paths[0].binding == "0000:00:06.0");
  CHECK(paths[0].min_raw_bps / 1e9 == approx(63.015).epsilon(1e-4));
  CHECK_FALSE(paths[0].crosses_socket);
}

TEST_CASE("cxlmem+dax.v2.xml lists dax0.0 and the CXL memdevs with their bridges", "[topology]") {
  const auto t = load_fixture("cxlmem+dax.v2.xml");
  REQUIRE(t.dax.size() == 1);
  CHECK(t.dax[0].name == "dax0.0");
  CHECK(t.dax[0].size == 1073741824ULL);
  CHECK(t.dax[0].dax_type == "SPM");
  REQUIRE(t.cxl.size() == 4);
  for (const auto& m : t.cxl) {
    INFO(m.name);
    const int idx = t.pci_index(m.pci_busid);
    REQUIRE(idx >= 0);
    CHECK(t.pci[static_cast<std::size_t>(idx)].class_id == 0x0502);
    // memdev -> switch downstream port -> switch upstream -> ... -> host bridge
    const auto chain = t.chain_to_host(idx);
    CHECK(chain.size() >= 4);
    CHECK(t.pci[static_cast<std::size_t>(chain.back())].kind == pci_kind::host_bridge);
  }
  const auto mem1 =
      std::find_if(t.cxl.begin(), t.cxl.end(), [](auto& m) { return m.name == "mem1"; });
  REQUIRE(mem1 != t.cxl.end());
  CHECK(mem1->ram_bytes == 256ULL << 20);
  CHECK(mem1->pmem_bytes == 256ULL << 20);
  CHECK(mem1->pci_busid == "0000:16:00.0");
  CHECK(t.gpus.empty());  // the QEMU VGA (0300, vendor 1234) is not a GPU
}

TEST_CASE("a DAX device backed by one CXL device: that device's narrow link binds", "[topology]") {
  const auto t = load_fixture("cxl-dax-one-device-gpu.xml");
  REQUIRE(t.dax.size() == 1);
  CHECK(t.dax[0].cxl_devices == std::vector<std::string>{"0000:11:00.0"});
  REQUIRE(t.gpus.size() == 1);
  const auto tiers = memory_tiers(t);
  const auto dax =
      std::find_if(tiers.begin(), tiers.end(), [](auto& x) { return x.name == "dax:/dev/dax0.0"; });
  REQUIRE(dax != tiers.end());
  const path p = compute_path(t, *dax, t.gpus[0]);
  REQUIRE(p.legs.size() == 1);
  CHECK(p.binding == "cxl:0000:11:00.0");
  CHECK(p.min_raw_bps / 1e9 == approx(0.25));
  CHECK(p.legs[0].hops.back().busid != "");  // the leg runs up to its host bridge
  const path dram = compute_path(t, tiers[0], t.gpus[0]);
  CHECK(dram.binding == "0000:00:05.0");  // plain DRAM: the GPU link binds
}

TEST_CASE("two CXL legs behind one switch uplink: the shared uplink binds, not their sum",
          "[topology]") {
  const auto t = load_fixture("cxl-dax-interleaved-gpu.xml");
  REQUIRE(t.dax.size() == 1);
  CHECK(t.dax[0].cxl_devices == std::vector<std::string>{"0000:11:00.0", "0000:15:00.0"});
  CHECK(t.dax[0].interleave_ways == 2);
  const auto tiers = memory_tiers(t);
  const path p = compute_path(t, tiers.back(), t.gpus.at(0));
  REQUIRE(p.legs.size() == 2);
  // Both legs climb through the switch's upstream link 0000:0d:00.0 (0.25 GB/s): that link
  // carries both, so the tier side is 0.25, not 0.25 + 0.25.
  CHECK(p.binding == "cxl:0000:0d:00.0");
  CHECK(p.min_raw_bps / 1e9 == approx(0.25));
  CHECK(p.tier_effective_bps == approx(0.25e9 * 256 / 280));
  REQUIRE_FALSE(p.notes.empty());
  CHECK(p.notes[0].find("share 0000:0d:00.0") != std::string::npos);
}

TEST_CASE("two sockets: a GPU on the far socket crosses the interconnect", "[topology]") {
  const auto t = load_fixture("nvidiaDGX2.xml");
  CHECK(t.gpus.size() == 16);
  const auto paths = all_paths(t);
  const auto crossing =
      std::count_if(paths.begin(), paths.end(), [](auto& p) { return p.crosses_socket; });
  CHECK(crossing == 16);  // each GPU is far from exactly one of the two nodes
  for (const auto& p : paths) {
    // PCIe switch trees: several hops, every one at 15.75 GB/s (Gen3 x16 or an equal pair).
    CHECK(p.hops.size() >= 3);
    CHECK(p.min_raw_bps / 1e9 == approx(15.7538).epsilon(1e-3));
  }
}

TEST_CASE("bad topology files get a clear error naming the file", "[topology]") {
  auto expect = [](const std::string& path, const std::string& needle) {
    load_options o;
    o.xml_path = path;
    try {
      (void)load(o);
      FAIL("accepted " << path);
    } catch (const usage_error& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK(msg.find(path) != std::string::npos);
      CHECK(msg.find(needle) != std::string::npos);
    }
  };
  expect("/nonexistent/topo.xml", "No such file");
  expect(kHwloc, "directory");
  expect("/dev/null", "empty");
  expect(kHwloc + "COPYING", "not XML");
  expect(kHwloc + "bad-no-complete-sets.xml", "crashed");
  expect(std::string(CXLPROBE_TEST_FIXTURES) + "/README.md", "not XML");
}

TEST_CASE("sysfs reader on a snapshot: DAX modes, CPU-less nodes, cpulists", "[topology][sysfs]") {
  const sysfs::reader r(CXLPROBE_TEST_FSROOT);
  const auto dax = r.dax_devices();
  REQUIRE(dax.size() == 8);
  const auto d0 = std::find_if(dax.begin(), dax.end(), [](auto& d) { return d.name == "dax0.0"; });
  REQUIRE(d0 != dax.end());
  CHECK(d0->size == 536870912ULL);
  CHECK(d0->align == 2097152ULL);
  CHECK(d0->target_node == 3);
  CHECK(d0->mode == "devdax");
  const auto kmem =
      std::count_if(dax.begin(), dax.end(), [](auto& d) { return d.mode == "system-ram"; });
  CHECK(kmem > 0);
  const auto nodes = r.numa_nodes();
  REQUIRE_FALSE(nodes.empty());
  const auto cpuless =
      std::count_if(nodes.begin(), nodes.end(), [](auto& n) { return n.cpu_less.value_or(false); });
  CHECK(cpuless > 0);
  CHECK(sysfs::count_cpulist("0-3,8,10-11") == 7);
  CHECK(sysfs::count_cpulist("") == 0);
  CHECK_THROWS_AS(sysfs::count_cpulist("3-1"), usage_error);
  CHECK_THROWS_AS(sysfs::count_cpulist("a"), usage_error);
}

TEST_CASE("live load from a sysfs snapshot (HWLOC_FSROOT)", "[topology][sysfs]") {
  load_options o;
  o.fsroot = CXLPROBE_TEST_FSROOT;
  const auto t = load(o);
  CHECK(t.source.rfind("fsroot:", 0) == 0);
  CHECK(t.dax.size() == 8);
  CHECK(t.numa.size() > 1);
  const auto cpuless = std::count_if(t.numa.begin(), t.numa.end(),
                                     [](auto& n) { return n.cpu_less.value_or(false); });
  CHECK(cpuless > 0);
}
