// Fleet analysis: the same measurements from many nodes' result files, side by side, with the
// fleet's median and spread, and the nodes that differ (issue #21): a measurement below the
// median by more than a threshold (with its robust z-score), a link running below its
// capability, a topology whose fingerprint differs from the majority's.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/document.hpp"

namespace cxlprobe::report {

// A tier by its role, so runs of two nodes line up: dram, node:N, the DAX device (any range of
// it), explain's stand-in file (its name carries a process id), or the file named.
std::string tier_role(const std::string& tier);

// One node's comparable figures, read from its result document(s).
struct node_figures {
  std::string node;  // host name (meta.host), else the file's stem
  std::string file;
  std::string fingerprint;  // context.machine.topology_fingerprint
  // measurement -> B/s. Keys name tiers by role (dram, node:N, dax:/dev/daxX.Y, stand-in) and
  // GPUs by their place in the node (GPU 0 = lowest PCI bus id), so nodes line up.
  std::map<std::string, double> values;
  std::vector<std::string> downtrained;  // "GPU k" links seen below capability
};

node_figures read_node(const document& doc, const std::string& file);
// Nodes that share a host name (several slurmd on one host, a folder of runs from one machine)
// are named by their file's stem instead, so every file keeps its own row. Returns how many
// were renamed.
std::size_t name_by_file_where_hosts_repeat(std::vector<node_figures>& nodes);

struct fleet_outlier {
  std::string node;
  std::string measurement;
  double value = 0;
  double median = 0;
  double below = 0;     // (median - value) / median
  double robust_z = 0;  // (value - median) / (1.4826 MAD); 0 when MAD is 0
};

struct fleet_measurement {
  std::string name;
  std::size_t nodes = 0;
  double median = 0, min = 0, max = 0, mad = 0;
};

struct fleet_analysis {
  std::vector<std::string> nodes;
  std::vector<fleet_measurement> measurements;
  std::vector<fleet_outlier> outliers;
  std::vector<std::pair<std::string, std::string>> downtrained;  // node, link
  std::string majority_fingerprint;
  std::vector<std::string> topology_differs;  // nodes
  bool uniform() const {
    return outliers.empty() && downtrained.empty() && topology_differs.empty();
  }
};

// threshold: a fraction (0.10: 10% below the median). A node is also flagged when its robust
// z-score is below -3.5 and it sits more than half the threshold below the median.
fleet_analysis analyse_fleet(const std::vector<node_figures>& nodes, double threshold);

json to_json(const fleet_analysis& a, const std::vector<node_figures>& nodes);
// Nodes x measurements (GB/s), a row per node, from to_json's document.
std::string fleet_csv(const json& fleet);
// The same table for people: a header row, a row per node (an outlier's cell carries its share
// below the median, e.g. "9.41 (-25%)"), then the fleet's median.
std::vector<std::vector<std::string>> fleet_rows(const json& fleet);
// What differs, a sentence per finding (outliers, links below capability, other topologies,
// failed nodes); empty for a uniform fleet.
std::vector<std::string> fleet_findings(const json& fleet);

}  // namespace cxlprobe::report
