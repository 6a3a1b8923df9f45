#include <optional>
#include <string>

#include "probes/array_size.hpp"
#include "tests/catch_compat.hpp"
#include "tests/unit/fixture_topology.hpp"

using cxlprobe::probes::array_size;
using cxlprobe::probes::default_array_size;
using cxlprobe::probes::streaming_size;
using cxlprobe::tiers::memory_room;

namespace {
constexpr std::uint64_t kMiB = 1ULL << 20, kGiB = 1ULL << 30;
}

TEST_CASE("bw arrays stream from memory: 4x every last-level cache together, at least 1 GiB",
          "[array_size]") {
  cxlprobe::topology::topology t;
  CHECK(streaming_size(t) == kGiB);  // no cache known: 64 MiB assumed, the 1 GiB floor holds
  // A two-socket EPYC Genoa: twelve 32 MiB L3 per package. The largest alone gave 1 GiB.
  t.packages = 2;
  t.llc_bytes = 32 * kMiB;
  t.llc_total_bytes = 24 * 32 * kMiB;
  CHECK(streaming_size(t) == 3 * kGiB);
  // Two sockets with one 12 MiB L3 each: the floor.
  CHECK(streaming_size(cxlprobe::test::hwloc_fixture("24em64t-2n6c2t-pci.xml")) == kGiB);
  // The H200 VM reports one 300 MiB L3.
  CHECK(streaming_size(cxlprobe::test::hwloc_fixture("h200-vm.xml")) == 1200 * kMiB);
}

TEST_CASE("bw's default size: the streaming size unless half the tier's room is less",
          "[array_size]") {
  const std::uint64_t streaming = 4 * kGiB;
  // Unknown room (a DAX device, a file): the rule alone.
  const array_size unknown = default_array_size(streaming, std::nullopt, true);
  CHECK(unknown.bytes == streaming);
  CHECK(unknown.note.empty());
  // Plenty of room: the rule.
  const memory_room big{64 * kGiB, "MemAvailable of /proc/meminfo"};
  CHECK(default_array_size(streaming, big, true).bytes == streaming);
  CHECK(default_array_size(streaming, big, true).note.empty());
  // 6 GiB free: one array gets half (3 GiB), copy's two get 1.5 GiB each; the note says why.
  const memory_room small{6 * kGiB, "MemAvailable of /proc/meminfo"};
  const array_size one = default_array_size(streaming, small, false);
  CHECK(one.bytes == 3 * kGiB);
  CHECK(one.note.find("half of MemAvailable of /proc/meminfo (6 GiB)") != std::string::npos);
  CHECK(one.note.find("4x the last-level caches would be 4 GiB") != std::string::npos);
  const array_size two = default_array_size(streaming, small, true);
  CHECK(two.bytes == 1536 * kMiB);
  CHECK(two.note.find("over copy's two arrays") != std::string::npos);
  // Whole 2 MiB: 1000.5 MiB free gives 250 MiB per array of two (not 250.125).
  const memory_room odd{1000 * kMiB + 512 * 1024, "MemFree of node 1"};
  CHECK(default_array_size(streaming, odd, true).bytes == 250 * kMiB);
}
