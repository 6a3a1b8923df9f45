// The sysfs chain that ties a DAX device or a NUMA node to the CXL devices and PCIe links behind
// it, for kernels and hwloc versions that do not say so directly (hwloc 2.9 writes no CXLDevice
// attribute; on Linux 6.1's pmem route no sysfs link joins a DAX device to its CXL region):
//
//   DAX device  --(its resource lies inside the region's range)-->  CXL region
//   NUMA node   --(its memory blocks lie inside the region's range)-> CXL region
//   CXL region  --targetN--> endpoint decoder --(parent)--> endpoint --uport--> memdev
//   memdev      --(parent in /sys/devices)--> PCI function (its link, its root port)
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "topology/model.hpp"
#include "topology/sysfs.hpp"

namespace cxlprobe::topology::cxl_chain {

// Memdevs under ROOT/sys/bus/cxl/devices: name, sizes, serial, firmware and the PCI function.
std::vector<cxl_memdev> read_memdevs(const sysfs::reader& sys);
// Committed regions (size > 0) with their targets followed down to memdevs and PCI functions.
std::vector<cxl_region> read_regions(const sysfs::reader& sys);
// Memory block size (ROOT/sys/devices/system/memory/block_size_bytes), when readable.
std::optional<std::uint64_t> memory_block_bytes(const sysfs::reader& sys);
// Memory block numbers (memoryN entries) that NUMA node `node` holds.
std::vector<std::uint64_t> node_memory_blocks(const sysfs::reader& sys, unsigned node);

// Merges memdevs and regions into `topo` and ties its DAX devices (by address) and NUMA nodes (by
// memory block, or by a system-ram DAX device's target node) to regions. CXL devices that hwloc
// already named are kept; a disagreement becomes a note.
void add_from_sysfs(topology& topo, const sysfs::reader& sys);
// Ties DAX devices and NUMA nodes to the regions already in `topo` (also after libcxl added some).
void tie_tiers(topology& topo, const sysfs::reader& sys);

}  // namespace cxlprobe::topology::cxl_chain
