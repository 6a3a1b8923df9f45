// Reads what hwloc does not give from a sysfs tree with a configurable root ("/" live, a fixture
// folder in tests): link speed/width (current and max), max payload size from config space, DAX
// devices (size, align, mode, target node), NUMA nodes (cpulist, memory, memory tier).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "topology/model.hpp"

namespace cxlprobe::topology::sysfs {

class reader {
 public:
  explicit reader(std::string root = "/");

  const std::string& root() const { return root_; }

  // Link of the PCI device `busid` from its current_link_* and max_link_* files; payload from
  // config space when readable (root only beyond 64 bytes). Unknown fields stay unset.
  link_reading pci_link(const std::string& busid) const;
  // The kernel driver bound to the PCI device ("nvidia"), empty when none or unreadable.
  std::string driver(const std::string& busid) const;
  // Max payload size in bytes from the PCI Express capability's Device Control register.
  std::optional<int> max_payload(const std::string& busid) const;

  std::vector<dax_device> dax_devices() const;
  std::vector<numa_node> numa_nodes() const;

  // File content without the trailing newline, or nullopt when unreadable.
  std::optional<std::string> read(const std::string& relative) const;

 private:
  std::string root_;
};

// Parses a kernel cpulist ("0-3,8,10-11") into the number of CPUs. Throws usage_error on
// malformed text.
unsigned count_cpulist(const std::string& cpulist);

}  // namespace cxlprobe::topology::sysfs
