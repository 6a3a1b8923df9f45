// The topology model: where bytes can live (NUMA nodes, DAX devices, CXL memdevs), the GPUs, and
// how everything hangs off the PCI tree. Loaders fill it; probes and the floor analysis read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cxlprobe::topology {

// One PCIe link: the one between a device and the port above it. Rates per direction, B/s.
struct link_info {
  std::optional<int> gen;     // PCIe generation 1..6
  std::optional<int> width;   // lanes
  std::optional<double> gts;  // per-lane transfer rate, GT/s
  std::optional<int> max_gen;
  std::optional<int> max_width;
  double raw_bps = 0;                   // lanes x GT/s x encoding / 8; 0 = unknown
  double effective_bps = 0;             // raw x payload / (payload + overhead)
  int payload_bytes = 256;              // max payload size used for effective_bps
  bool payload_known = false;           // read from config space (else the default was assumed)
  std::string source = "none";          // "sysfs", "hwloc", "none"
  std::vector<std::string> candidates;  // gen/width pairs that fit hwloc's GB/s when ambiguous

  bool known() const { return raw_bps > 0; }
};

enum class pci_kind { host_bridge, bridge, device };

struct pci_device {
  pci_kind kind = pci_kind::device;
  std::string busid;      // "0000:00:06.0"; empty for host bridges
  std::string bus_range;  // bridges: downstream buses "0000:[0d-16]"
  std::uint16_t class_id = 0;
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::string name;  // best known name (GPU model, OS device names)
  int parent = -1;   // index of the upstream bridge in topology::pci, -1 for host bridges
  std::optional<unsigned> package;      // socket of the host bridge's locality
  std::vector<unsigned> numa_nodes;     // NUMA nodes local to the host bridge
  std::vector<std::string> os_devices;  // names hwloc attached: "vda", "mem0", "dax0.0"
  link_info link;
};

struct numa_node {
  unsigned os_index = 0;
  std::uint64_t bytes = 0;
  std::optional<bool> cpu_less;  // known on live systems only
  std::string cpus;              // cpulist as the kernel prints it, when known
  std::string subtype;           // hwloc subtype, e.g. "GPUMemory", "NVM"
  std::optional<int> memory_tier;
  std::optional<unsigned> package;
  std::vector<std::string> cxl_devices;  // PCI bus ids (hwloc >= 2.10 "CXLDevice")
  std::optional<int> interleave_ways;
};

struct dax_device {
  std::string name;  // "dax0.0"
  std::uint64_t size = 0;
  std::optional<std::uint64_t> align;
  std::string mode = "unknown";  // "devdax", "system-ram", "unknown"
  std::optional<int> target_node;
  std::optional<int> numa_node;          // node the device is local to
  std::string dax_type;                  // hwloc DAXType: SPM, NVM
  std::vector<std::string> cxl_devices;  // PCI bus ids of the CXL device(s) behind it
  std::optional<int> interleave_ways;
  std::string source;  // "hwloc", "sysfs", "libdaxctl" (comma-joined when several added facts)
};

struct cxl_memdev {
  std::string name;  // "mem0"
  std::uint64_t ram_bytes = 0;
  std::uint64_t pmem_bytes = 0;
  std::string pci_busid;
  std::optional<int> numa_node;
  std::string serial;
  std::string firmware;
};

struct gpu {
  std::string busid;
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::string name;
  int pci_index = -1;             // index in topology::pci
  std::optional<int> cuda_index;  // filled by the GPU probes when CUDA sees the device
};

struct topology {
  std::string source;  // "live" or "xml:PATH"
  std::string hwloc_version;
  unsigned packages = 0;
  unsigned cores = 0;
  unsigned pus = 0;
  std::optional<std::uint64_t> llc_bytes;  // largest last-level cache
  std::vector<numa_node> numa;
  std::vector<pci_device> pci;
  std::vector<dax_device> dax;
  std::vector<cxl_memdev> cxl;
  std::vector<gpu> gpus;
  std::vector<std::string> notes;  // what was not available (e.g. "libcxl not compiled in")

  const pci_device* find_pci(const std::string& busid) const;
  int pci_index(const std::string& busid) const;  // -1 when absent
  const numa_node* find_node(unsigned os_index) const;
  const dax_device* find_dax(const std::string& name) const;
  // Upstream chain of pci[index]: the device itself first, its host bridge last.
  std::vector<int> chain_to_host(int index) const;
};

}  // namespace cxlprobe::topology
