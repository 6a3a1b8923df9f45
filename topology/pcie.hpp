// PCIe link arithmetic, in one place. Rates are per direction, in B/s.
//   raw       = lanes x GT/s x encoding / 8
//   effective = raw x payload / (payload + overhead)   (TLP header/framing per packet)
// encoding: 8b/10b for Gen1-2, 128b/130b for Gen3-5, FLIT 242/256 for Gen6.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "topology/model.hpp"

namespace cxlprobe::topology::pcie {

inline constexpr int kDefaultPayload = 256;
inline constexpr int kDefaultOverhead = 24;

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

// A link from what sysfs says: "32.0 GT/s PCIe" and "16". nullopt-free: unknown stays unknown.
link_info link_from_sysfs(const std::string& speed, const std::string& width,
                          const std::string& max_speed, const std::string& max_width);
// A link from hwloc's GB/s figure (0 = unknown).
link_info link_from_hwloc(double gbps);
// Recomputes effective_bps for a payload size (bytes), marking it known or assumed.
void set_payload(link_info& link, int payload_bytes, bool known);

std::string describe(const link_info& link);  // "Gen5 x16, 63.02 GB/s raw"

}  // namespace cxlprobe::topology::pcie
