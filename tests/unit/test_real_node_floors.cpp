// Floors on node shapes our VMs never show: idle root ports, GPU kinds, two sockets, NVLink,
// shared CXL uplinks, hwloc quirks, Gen6 math. Each case: its fixture, the floor, what binds,
// and the note.
#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "probes/link_sampler.hpp"
#include "report/floor.hpp"
#include "tests/catch_compat.hpp"
#include "tests/unit/fixture_topology.hpp"
#include "topology/link_state.hpp"
#include "topology/loader.hpp"
#include "topology/paths.hpp"
#include "topology/pcie.hpp"
#include "topology/sysfs.hpp"

using namespace cxlprobe;
using namespace cxlprobe::topology;

namespace {
const std::string& kFix = test::kFixtures;

topology::topology fixture(const std::string& name) {
  return test::hwloc_fixture(name);
}

bool has(const std::vector<std::string>& notes, const std::string& needle) {
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& n) { return n.find(needle) != std::string::npos; });
}

const path& path_of(const std::vector<path>& ps, const std::string& tier, const std::string& gpu) {
  const auto it = std::find_if(ps.begin(), ps.end(),
                               [&](const path& p) { return p.tier == tier && p.gpu_busid == gpu; });
  REQUIRE(it != ps.end());
  return *it;
}
}  // namespace

TEST_CASE("an idle root port does not set the floor: the GPU's maximum does", "[floors]") {
  const auto t = fixture("link-idle-root-port.xml");
  REQUIRE(t.gpus.size() == 1);
  const auto& link = t.pci[static_cast<std::size_t>(t.gpus[0].pci_index)].link;
  CHECK(link.readings.size() == 2);  // the GPU's and the root port's
  CHECK(link.ceiling_from == "highest reading");
  CHECK(link.raw_bps / 1e9 == approx(15.753846).epsilon(1e-6));
  CHECK(link.current_raw_bps / 1e9 == approx(2.0).epsilon(1e-6));
  CHECK(link.state == "power saving");
  CHECK_FALSE(link.downtrained);
  CHECK(has(link.notes, "port 0000:3a:00.0 reads 2.00 GB/s"));
  // The root port's own figure is not a second hop.
  const auto ps = all_paths(t);
  const path p = path_of(ps, "node:0", "0000:3b:00.0");
  CHECK(p.hops.size() == 1);
  CHECK(p.binding == "0000:3b:00.0");
  CHECK(p.min_effective_bps / 1e9 == approx(15.753846 * 256 / 280).epsilon(1e-6));  // 14.40
  const auto floors = report::analyse_floors(t, {});
  REQUIRE(floors.size() == 1);
  CHECK(floors[0].binding == "0000:3b:00.0");
  CHECK(*floors[0].binding_bps / 1e9 == approx(14.4035).epsilon(1e-4));
  CHECK(has(floors[0].notes, "power saving"));
}

TEST_CASE("live links read at both ends from sysfs: power saving, downtrained, smaller maximum",
          "[floors][sysfs]") {
  const sysfs::reader r(kFix + "sysfs/links");
  auto both = [&](const char* port, const char* dev, bool load = false) {
    auto p = r.pci_link(port);
    p.end = "port";
    return links::combine({r.pci_link(dev), p}, load);
  };
  const link_info idle = both("0000:00:01.0", "0000:01:00.0");
  CHECK(idle.state == "power saving");
  CHECK_FALSE(idle.downtrained);
  CHECK(idle.ceiling_from == "capability");
  CHECK(idle.raw_bps / 1e9 == approx(63.015385).epsilon(1e-6));  // Gen5 x16, not Gen1
  CHECK(idle.current_raw_bps / 1e9 == approx(4.0).epsilon(1e-6));
  const link_info busy = both("0000:00:01.0", "0000:01:00.0", true);
  CHECK(busy.state == "downtrained");  // slow while a transfer runs is a fault
  CHECK(busy.downtrained);
  const link_info narrow = both("0000:00:02.0", "0000:02:00.0");
  CHECK(narrow.state == "downtrained");
  CHECK(narrow.downtrained);
  CHECK(has(narrow.notes, "downtrained"));
  CHECK(narrow.width == 8);
  CHECK(narrow.max_width == 16);
  const link_info gen4 = both("0000:00:03.0", "0000:03:00.0");
  CHECK(gen4.max_gen == 4);  // the Gen4 port caps the Gen5 device
  CHECK(gen4.state == "at capability");
  CHECK(gen4.raw_bps / 1e9 == approx(31.507692).epsilon(1e-6));
}

TEST_CASE("GPU kinds: OS devices and classes decide, BMC display chips are not GPUs",
          "[floors][gpu]") {
  const auto t = fixture("gpu-kinds-quirks.xml");
  std::vector<std::string> ids;
  for (const auto& g : t.gpus)
    ids.push_back(g.busid);
  // RTX 4090 (VGA with CUDA), MI300A (1200 with RSMI), Max 1550 (0380 Intel), H100 (0302).
  CHECK(ids ==
        std::vector<std::string>{"0000:05:00.0", "0000:06:00.0", "0000:07:00.0", "0000:08:00.0"});
  const auto h100 = std::find_if(t.gpus.begin(), t.gpus.end(),
                                 [](const gpu& g) { return g.busid == "0000:08:00.0"; });
  CHECK(h100->name == "GH100 [H100 SXM5 80GB]");  // "H100 SXM5 8" was cut short
  const auto rtx = std::find_if(t.gpus.begin(), t.gpus.end(),
                                [](const gpu& g) { return g.busid == "0000:05:00.0"; });
  CHECK(rtx->name == "NVIDIA GeForce RTX 4090");
}

TEST_CASE("hwloc quirks: Gen2 per-lane figure, RSMI truncation, absurd speeds", "[floors][pcie]") {
  const auto t = fixture("gpu-kinds-quirks.xml");
  const auto& mi300 = t.find_pci("0000:06:00.0")->link;
  CHECK(mi300.raw_bps / 1e9 == approx(31.507692).epsilon(1e-6));  // 31.0 from RSMI
  CHECK(has(mi300.notes, "whole-GB/s"));
  const auto& nic = t.find_pci("0000:09:00.0")->link;
  CHECK(nic.max_gen == 2);
  CHECK(nic.max_width == 8);
  CHECK(nic.raw_bps / 1e9 == approx(4.0).epsilon(1e-6));
  CHECK(has(nic.notes, "0.615385"));
  const auto& ssd = t.find_pci("0000:0a:00.0")->link;
  CHECK_FALSE(ssd.known());
  CHECK(has(ssd.notes, "above Gen6 x32"));
  const auto ps = all_paths(t);
  CHECK(path_of(ps, "node:0", "0000:06:00.0").min_effective_bps / 1e9 ==
        approx(31.507692 * 256 / 280).epsilon(1e-6));
}

TEST_CASE("hwloc quirks that are errors: duplicates and a newer XML format", "[floors]") {
  auto refused = [](const std::string& name, const std::string& needle) {
    try {
      (void)fixture(name);
      FAIL("accepted " << name);
    } catch (const usage_error& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
  };
  refused("dup-numa.xml", "NUMA node os_index 0 appears twice");
  refused("dup-gpu.xml", "GPU bus id 0000:05:00.0 appears twice");
  refused("hwloc3-export.xml", "cannot import XML version 3.0");
}

TEST_CASE("a socket crossing is an element: unknown unless the matrix measured it",
          "[floors][socket]") {
  const auto t = fixture("two-socket-gpu-far.xml");
  const auto ps = all_paths(t);
  const path far = path_of(ps, "node:0", "0000:81:00.0");
  CHECK(far.crosses_socket);
  CHECK_FALSE(far.floor_known);
  CHECK(has(far.notes, "floor unknown: crosses sockets, not measured"));
  const path near = path_of(ps, "node:1", "0000:81:00.0");
  CHECK_FALSE(near.crosses_socket);
  CHECK(near.floor_known);
  // Unmeasured: the sentence says so.
  auto floors = report::analyse_floors(t, {});
  const auto unmeasured =
      std::find_if(floors.begin(), floors.end(), [](const auto& f) { return f.tier == "node:0"; });
  REQUIRE(unmeasured != floors.end());
  CHECK_FALSE(unmeasured->floor_known);
  CHECK(unmeasured->sentence.find("floor unknown: crosses sockets, not measured") !=
        std::string::npos);
  // Measured: CPUs of node 1 (by the GPU) reading node 0 at 30 GB/s bind below the GPU link
  // (57.61) and the node's local read (80).
  result m;
  m.probe = "bw";
  m.params = {{"tier", "node:0"}, {"op", "read"}, {"cpu_node", 1}};
  const std::vector<double> samples{30e9, 30e9, 30e9};
  m.add_summary("bandwidth", "B/s", samples);
  result local;  // the node read by its own CPUs, faster than across the interconnect
  local.probe = "bw";
  local.params = {{"tier", "node:0"}, {"op", "read"}};
  const std::vector<double> fast{80e9, 80e9, 80e9};
  local.add_summary("bandwidth", "B/s", fast);
  floors = report::analyse_floors(t, {m, local});
  REQUIRE(floors.size() == 1);
  CHECK(floors[0].floor_known);
  CHECK(floors[0].binding == "socket");
  CHECK(*floors[0].binding_bps == approx(30e9));
  CHECK(floors[0].sentence.find("socket interconnect (measured)") != std::string::npos);
}

TEST_CASE("NVLink-attached GPUs (POWER8 with NVLink): the path is not PCIe", "[floors][nvlink]") {
  const auto t = fixture("power8gpudistances.xml");
  REQUIRE(t.gpus.size() == 4);
  REQUIRE(t.gpus[0].cpu_links.size() == 1);
  CHECK(t.gpus[0].cpu_links[0].kind == "nvlink");
  CHECK(t.gpus[0].cpu_links[0].package == 0u);
  CHECK(t.gpus[0].cpu_links[0].bps == approx(40e9));  // hwloc: 40000 MB/s
  const auto ps = all_paths(t);
  const path p = path_of(ps, "node:0", t.gpus[0].busid);
  CHECK(p.via == "nvlink");
  CHECK(p.binding == "nvlink");
  CHECK(p.min_effective_bps == approx(40e9));
  CHECK(has(p.notes, "not PCIe"));
  // GPUs of the other socket reach node 0 through it, then their own NVLink.
  const path far = path_of(ps, "node:0", t.gpus[2].busid);
  CHECK(far.crosses_socket);
  CHECK_FALSE(far.floor_known);
}

TEST_CASE("two GPUs sharing one CXL device: topo's per-GPU share equals explain's",
          "[floors][cxl]") {
  const auto t = fixture("cxl-dax-two-gpus.xml");
  const auto ps = all_paths(t);
  const auto floors = report::analyse_floors(t, {});
  int cpu_entries = 0;
  for (const auto& f : floors) {
    INFO(f.tier << " -> " << f.gpu);
    if (f.consumer == "cpu") {
      // The CPUs' own path to the CXL tier: bound by the CXL side alone, not shared by GPUs.
      ++cpu_entries;
      CHECK(f.binding_kind == "cxl");
      continue;
    }
    const path p = path_of(ps, f.tier, f.gpu);
    CHECK(p.share_effective_bps == approx(*f.binding_bps));
    CHECK(p.share_binding == f.binding);
    if (f.tier.rfind("dax:", 0) == 0) {
      CHECK(p.share_sharers == 2);
      CHECK(p.share_effective_bps == approx(p.min_effective_bps / 2));
    }
  }
  CHECK(cpu_entries == 1);
}

TEST_CASE("Gen6 FLIT math and a payload learned later", "[floors][pcie]") {
  // Gen6 x16: 16 x 64 GT/s x 242/256 / 8 = 121.0 GB/s raw; 16 B per packet at 256 B payload:
  // 121.0 x 256 / 272 = 113.88 GB/s (Gen5's 24 B would give 110.63).
  CHECK(pcie::packet_overhead(6) == 16);
  CHECK(pcie::packet_overhead(5) == 24);
  link_reading r = pcie::reading_from_sysfs("x", "64.0 GT/s PCIe", "16", "64.0 GT/s PCIe", "16");
  link_info l = links::combine({r});
  CHECK(l.raw_bps / 1e9 == approx(121.0).epsilon(1e-9));
  CHECK(l.effective_bps / 1e9 == approx(121.0 * 256 / 272).epsilon(1e-9));
  // A payload read from config space changes the effective ceiling, not only the payload.
  r.payload_bytes = 512;
  l = links::combine({r});
  CHECK(l.payload_known);
  CHECK(l.effective_bps / 1e9 == approx(121.0 * 512 / 528).epsilon(1e-9));
  link_info g5 = pcie::link_from_sysfs("32.0 GT/s PCIe", "16", "32.0 GT/s PCIe", "16");
  pcie::set_payload(g5, 128, true);
  CHECK(g5.effective_bps / 1e9 == approx(63.015385 * 128 / 152).epsilon(1e-6));
}

TEST_CASE("hwloc 1.x nesting: a NUMANode containing its Package gives the node's package",
          "[floors][socket]") {
  const auto t = fixture("v1-numa-contains-package.xml");
  REQUIRE(t.numa.size() == 2);
  CHECK(t.numa[0].package == 0u);
  CHECK(t.numa[1].package == 1u);
  REQUIRE(t.gpus.size() == 1);
  const auto ps = all_paths(t);
  const path far = path_of(ps, "node:0", "0004:01:00.0");
  CHECK(far.crosses_socket);  // before, packages were unknown and the hop silently skipped
  CHECK(has(far.notes, "floor unknown: crosses sockets, not measured"));
  CHECK_FALSE(path_of(ps, "node:1", "0004:01:00.0").crosses_socket);
}

TEST_CASE("review: a bidir DMA figure is no D2H figure, a port without a figure no second end",
          "[floors]") {
  const auto t = fixture("h200-vm.xml");
  result bidir;
  bidir.probe = "dma";
  bidir.params = {
      {"tier", "dram"}, {"dir", "bidir"}, {"gpu_busid", "0000:00:06.0"}, {"size", 1 << 30}};
  const std::vector<double> v{90e9, 90e9, 90e9};
  bidir.add_summary("bandwidth", "B/s", v);
  result h2d = bidir;
  h2d.params["dir"] = "h2d";
  const auto floors = report::analyse_floors(t, {bidir, h2d});
  REQUIRE(floors.size() == 1);
  CHECK(floors[0].measured_h2d_bps == approx(90e9));
  CHECK_FALSE(floors[0].measured_d2h_bps.has_value());  // was 0 from an empty d2h slot
  // hwloc writes 0 on a port it knows nothing of: one end's figure, state unknown.
  auto port = pcie::reading_from_hwloc("0000:00:01.0", 0.0, false);
  port.end = "port";
  const link_info l =
      links::combine({pcie::reading_from_hwloc("0000:01:00.0", 63.015385, false), port});
  CHECK(l.state == "unknown");
  CHECK(l.raw_bps / 1e9 == approx(63.015385).epsilon(1e-6));
}

TEST_CASE("a GPU-memory NUMA node is no host tier", "[floors][nvlink]") {
  const auto t = fixture("gpu-memory-node.xml");
  REQUIRE(t.numa.size() == 2);
  CHECK(t.numa[1].subtype == "GPUMemory");
  const auto tiers = memory_tiers(t);
  REQUIRE(tiers.size() == 1);
  CHECK(tiers[0].name == "node:0");
  const auto floors = report::analyse_floors(t, {});
  REQUIRE(floors.size() == 1);
  CHECK(floors[0].tier == "node:0");
  CHECK(floors[0].binding == "0035:01:00.0");
}

TEST_CASE("the link sampled during a copy: slow under load is downtrained", "[floors][sysfs]") {
  {
    probes::link_sampler s("0000:01:00.0", kFix + "sysfs/links");  // 2.5 of 32 GT/s
    const auto l = s.finish();
    REQUIRE(l.has_value());
    CHECK(l->gen == 1);
    CHECK(l->max_gen == 5);
    CHECK(l->downtrained);  // idle it would be power saving; during a transfer it is a fault
  }
  // A Gen5 device under a Gen4 port runs at Gen4: its capability, not a fault.
  probes::link_sampler ok("0000:03:00.0", kFix + "sysfs/links");
  const auto l = ok.finish();
  REQUIRE(l.has_value());
  CHECK(l->gen == 4);
  CHECK(l->max_gen == 4);
  CHECK_FALSE(l->downtrained);
  CHECK(l->state == "at capability");
  probes::link_sampler none("0000:7f:00.0", kFix + "sysfs/links");
  CHECK_FALSE(none.finish().has_value());
}

TEST_CASE("NVLink-C2C (Grace Hopper), known from CUDA only: not PCIe, floor unknown",
          "[floors][nvlink]") {
  // hwloc exports no C2C link: the H200 fixture's GPU marked as CUDA would mark a GH200's
  // (cudaDevAttrPageableMemoryAccessUsesHostPageTables = 1).
  auto t = fixture("h200-vm.xml");
  REQUIRE(t.gpus.size() == 1);
  mark_coherent_link(t.gpus[0], false);
  CHECK(t.gpus[0].cpu_links.empty());  // a PCIe GPU (the H200 reads 0) stays on PCIe
  mark_coherent_link(t.gpus[0], true);
  REQUIRE(t.gpus[0].cpu_links.size() == 1);
  CHECK(t.gpus[0].cpu_links[0].kind == "nvlink-c2c");
  const auto ps = all_paths(t);
  const path p = path_of(ps, "node:0", t.gpus[0].busid);
  CHECK(p.via == "nvlink-c2c");
  CHECK_FALSE(p.floor_known);
  CHECK(p.binding != t.gpus[0].busid);  // the GPU's PCIe link carries no data here
  CHECK(std::none_of(p.hops.begin(), p.hops.end(), [](const hop& h) { return h.kind == "pcie"; }));
  CHECK(has(p.notes, "NVLink-C2C"));
  CHECK(has(p.notes, "not PCIe"));
  CHECK(has(p.notes, "floor unknown"));
  // A GPU that hwloc gave an NVLink keeps it (POWER9 also reads 1).
  auto power = fixture("power8gpudistances.xml");
  mark_coherent_link(power.gpus[0], true);
  REQUIRE(power.gpus[0].cpu_links.size() == 1);
  CHECK(power.gpus[0].cpu_links[0].kind == "nvlink");
}
