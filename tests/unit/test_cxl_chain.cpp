// The DAX/NUMA -> CXL region -> memdev -> PCI chain on sysfs captured from the kernel's real CXL
// stack (QEMU CXL Type-3, Linux 6.1, hwloc 2.9: no CXLDevice attribute), see tests/vm.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "report/floor.hpp"
#include "report/topology_view.hpp"
#include "tests/catch_compat.hpp"
#include "tests/unit/fixture_topology.hpp"
#include "topology/cxl_chain.hpp"
#include "topology/json.hpp"
#include "topology/loader.hpp"
#include "topology/paths.hpp"

using namespace cxlprobe;
using namespace cxlprobe::topology;

namespace {
const std::string kSysDevdax = test::kSysfsCaptures + "qemu-cxl-devdax";
const std::string kSysRam = test::kSysfsCaptures + "qemu-cxl-system-ram";

bool has_text(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

topology::topology guest(const std::string& tag) {
  load_options o;
  o.xml_path = test::kFixtures + "hwloc/qemu-cxl-" + tag + ".xml";
  o.fsroot = test::kSysfsCaptures + "qemu-cxl-" + tag;
  return load(o);
}
}  // namespace

TEST_CASE("CXL regions from sysfs: address range, interleave, targets down to the PCI function",
          "[cxl]") {
  const auto regions = cxl_chain::read_regions(sysfs::reader(kSysDevdax));
  REQUIRE(regions.size() == 1);
  const auto& r = regions[0];
  CHECK(r.name == "region0");
  CHECK(r.start == 0x390000000ULL);
  CHECK(r.size == 256ULL << 20);
  CHECK(r.mode == "pmem");
  CHECK(r.interleave_ways == 1);
  CHECK(r.interleave_granularity == 256);
  CHECK(r.root_decoder == "decoder0.0");
  CHECK(r.targets == std::vector<std::string>{"decoder2.0"});
  CHECK(r.memdevs == std::vector<std::string>{"mem0"});
  CHECK(r.pci_busids == std::vector<std::string>{"0000:0d:00.0"});
  CHECK(r.contains(0x390600000ULL));
  CHECK_FALSE(r.contains(0x3a0000000ULL));
}

TEST_CASE("CXL memdevs from sysfs: sizes, serial and the PCI function above", "[cxl]") {
  const auto mems = cxl_chain::read_memdevs(sysfs::reader(kSysDevdax));
  REQUIRE(mems.size() == 1);
  CHECK(mems[0].name == "mem0");
  CHECK(mems[0].pci_busid == "0000:0d:00.0");
  CHECK(mems[0].pmem_bytes == 256ULL << 20);
  CHECK(mems[0].ram_bytes == 0);
  CHECK(mems[0].serial == "0x1234");
}

TEST_CASE("hwloc 2.9 XML plus sysfs: dax0.0 is tied to region0, mem0 and its link", "[cxl]") {
  const auto t = guest("devdax");
  const auto* d = t.find_dax("dax0.0");
  REQUIRE(d);
  CHECK(d->mode == "devdax");
  CHECK(d->start == 0x390600000ULL);
  CHECK(d->cxl_region == "region0");
  CHECK(d->cxl_devices == std::vector<std::string>{"0000:0d:00.0"});
  CHECK(d->interleave_ways == 1);
  const auto* m = t.find_memdev("mem0");
  REQUIRE(m);
  CHECK(m->source == "hwloc,sysfs");
  const auto* dev = t.find_pci("0000:0d:00.0");
  REQUIRE(dev);
  CHECK(dev->link.gen == 1);
  CHECK(dev->link.width == 1);
  const std::string text = report::render_topology(t);
  CHECK(has_text(text, "dax0.0 -> region0 -> mem0 -> 0000:0d:00.0  Gen1 x1"));
  CHECK(has_text(text, "port above 0000:0c:00.0"));
  // Without the chain (the XML alone) nothing ties them: the old behaviour.
  const auto bare = test::hwloc_fixture("qemu-cxl-devdax.xml");
  CHECK(bare.find_dax("dax0.0")->cxl_devices.empty());
}

TEST_CASE("the dax tier's path names the CXL device's link, the CPU floor binds there", "[cxl]") {
  const auto t = guest("devdax");
  const auto loc = locate_tier(t, "dax:/dev/dax0.0@2097152+4194304");
  REQUIRE(loc);
  CHECK(loc->cxl_devices == std::vector<std::string>{"0000:0d:00.0"});
  const auto p = cpu_path(t, *loc);
  REQUIRE(p);
  REQUIRE(p->legs.size() == 1);
  CHECK(p->legs[0].cxl_device == "0000:0d:00.0");
  CHECK(p->tier_binding == "cxl:0000:0d:00.0");
  // Gen1 x1: 2.5 GT/s x 8/10 / 8 = 0.25 GB/s raw.
  CHECK(p->tier_raw_bps == approx(0.25e9));
  const auto floors = report::analyse_floors(t, {});
  REQUIRE(floors.size() == 1);
  CHECK(floors[0].consumer == "cpu");
  CHECK(floors[0].binding == "cxl:0000:0d:00.0");
  CHECK(has_text(floors[0].sentence, "dax:/dev/dax0.0 -> CPU: the CXL side (0000:0d:00.0)"));
  CHECK(has_text(floors[0].elements[0].label, "[link 0000:0d:00.0 Gen1 x1]"));
}

TEST_CASE("after system-ram the CPU-less node is tied by its memory blocks", "[cxl]") {
  const auto t = guest("system-ram");
  const auto* n1 = t.find_node(1);
  REQUIRE(n1);
  CHECK(n1->cpu_less == true);
  CHECK(n1->cxl_regions == std::vector<std::string>{"region0"});
  CHECK(n1->cxl_devices == std::vector<std::string>{"0000:0d:00.0"});
  CHECK(t.find_node(0)->cxl_devices.empty());
  CHECK(t.find_dax("dax0.0")->mode == "system-ram");
  CHECK(t.find_dax("dax0.0")->target_node == 1);
  CHECK(cxl_chain::memory_block_bytes(sysfs::reader(kSysRam)) == 128ULL << 20);
  CHECK(cxl_chain::node_memory_blocks(sysfs::reader(kSysRam), 1) ==
        std::vector<std::uint64_t>{115});
  const auto loc = locate_tier(t, "node:1");
  REQUIRE(loc);
  CHECK(cpu_path(t, *loc)->tier_binding == "cxl:0000:0d:00.0");
  CHECK(has_text(report::render_topology(t), "node:1 -> region0 -> mem0 -> 0000:0d:00.0"));
}

TEST_CASE("a DAX device outside every region stays untied, hwloc's answer wins a disagreement",
          "[cxl]") {
  auto t = guest("devdax");
  auto& d = t.dax[0];
  d.cxl_devices.clear();
  d.cxl_region.clear();
  d.start = 0x1000000000ULL;  // past region0
  cxl_chain::tie_tiers(t, sysfs::reader(kSysDevdax));
  CHECK(d.cxl_region.empty());
  CHECK(d.cxl_devices.empty());
  d.start = 0x390600000ULL;
  d.cxl_devices = {"0000:99:00.0"};  // as if hwloc >= 2.10 had said so
  t.notes.clear();
  cxl_chain::tie_tiers(t, sysfs::reader(kSysDevdax));
  CHECK(d.cxl_devices == std::vector<std::string>{"0000:99:00.0"});
  REQUIRE(t.notes.size() == 1);
  CHECK(has_text(t.notes[0],
                 "hwloc names CXL device(s) 0000:99:00.0, the sysfs region "
                 "chain 0000:0d:00.0"));
}

TEST_CASE("an uncommitted region (size 0) decodes nothing and is left out", "[cxl]") {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / "cxlprobe-uncommitted";
  fs::remove_all(root);
  fs::create_directories(root / "sys/bus/cxl/devices/region1");
  std::ofstream(root / "sys/bus/cxl/devices/region1/resource") << "0x390000000\n";
  std::ofstream(root / "sys/bus/cxl/devices/region1/size") << "0x0\n";
  CHECK(cxl_chain::read_regions(sysfs::reader(root.string())).empty());
  fs::remove_all(root);
}

TEST_CASE("the regions survive a JSON round trip", "[cxl]") {
  const auto t = guest("devdax");
  const auto back = topology_from_json(to_json(t, false));
  REQUIRE(back.regions.size() == 1);
  CHECK(back.regions[0].pci_busids == std::vector<std::string>{"0000:0d:00.0"});
  CHECK(back.find_dax("dax0.0")->cxl_region == "region0");
}
