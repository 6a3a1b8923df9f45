// A topology's identity: what stays the same while a machine runs (packages, cores, NUMA nodes
// and their memory, GPUs, DAX devices), not what changes (link states, free memory). Used to tell
// a document's machine apart and to refuse measuring this machine under another one's topology.
#pragma once

#include <string>
#include <vector>

#include "topology/model.hpp"

namespace cxlprobe::topology {

// FNV-1a of the identity, 16 hex digits.
std::string fingerprint(const topology& t);

// What differs between two machines in NUMA nodes and GPUs, in words ("NUMA nodes: 0,1 in the
// file, 0 here"); empty when they agree.
std::vector<std::string> machine_differences(const topology& file, const topology& here);

}  // namespace cxlprobe::topology
