// PCIe link arithmetic, in one place. Rates are per direction, in B/s.
//   raw       = lanes x GT/s x encoding / 8
//   effective = raw x payload / (payload + overhead)   (per-packet bytes)
// encoding: 8b/10b for Gen1-2, 128b/130b for Gen3-5, FLIT 242/256 for Gen6.
// overhead: 24 B per TLP for Gen1-5 (framing 2-4, sequence 2, header 12-16, LCRC 4); 16 B for
// Gen6 in FLIT mode, where sequence numbers, CRC and FEC live in the flit and are already paid
// for by 242/256: only the TLP header remains per packet (Gen6 x16 at 256 B: 121.0 x 256 / 272
// = 113.88 GB/s).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "topology/model.hpp"

namespace cxlprobe::topology::pcie {

inline constexpr int kDefaultPayload = 256;
inline constexpr int kDefaultOverhead = 24;
inline constexpr int kFlitOverhead = 16;
// The fastest link there is, Gen6 x32 (242 GB/s): a figure above it is a corrupt reading.
double max_raw_bps();
// Per-packet overhead for a generation (unknown: Gen1-5's 24 B).
int packet_overhead(std::optional<int> gen);

// Per-lane transfer rate of a generation (2.5, 5, 8, 16, 32, 64 GT/s). Throws usage_error
// outside 1..6.
double gts_for_gen(int gen);
// The generation whose rate is `gts` (within 1%), or nullopt.
std::optional<int> gen_for_gts(double gts);
double encoding_efficiency(int gen);

double raw_bps(int gen, int width);
double effective_bps(double raw, int payload = kDefaultPayload, int overhead = kDefaultOverhead);

// hwloc reports a link as one GB/s figure (raw, per direction). Several gen/width pairs can give
// the same figure (Gen3 x16 = Gen4 x8 = Gen5 x4): all of them are returned.
struct inference {
  std::vector<std::pair<int, int>> candidates;  // (gen, width)
  bool unique() const { return candidates.size() == 1; }
};
inference infer_from_gbps(double gbps);

// One end's reading from what sysfs says: "32.0 GT/s PCIe" and "16", current and max. Unknown
// fields stay unset.
link_reading reading_from_sysfs(const std::string& busid, const std::string& speed,
                                const std::string& width, const std::string& max_speed,
                                const std::string& max_width);
// One end's reading from hwloc's GB/s figure (0 = none). `is_maximum`: written by hwloc's NVML or
// RSMI backend (a GPU's maximum). Recognises hwloc's Gen2 figure computed with 128b/130b
// (0.615385 GB/s per lane) and RSMI's whole-GB/s truncation; refuses figures above Gen6 x32.
link_reading reading_from_hwloc(const std::string& busid, double gbps, bool is_maximum);
// A link of one reading (tests, callers with a single end).
link_info link_from_sysfs(const std::string& speed, const std::string& width,
                          const std::string& max_speed, const std::string& max_width);
link_info link_from_hwloc(double gbps);
// Recomputes effective_bps for a payload size (bytes), marking it known or assumed.
void set_payload(link_info& link, int payload_bytes, bool known);

std::string describe(const link_info& link);  // "Gen5 x16, 63.02 GB/s raw"
std::string gen_width(int gen, int width);    // "Gen5 x16"

}  // namespace cxlprobe::topology::pcie
