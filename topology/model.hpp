// The topology model: where bytes can live (NUMA nodes, DAX devices, CXL memdevs), the GPUs, and
// how everything hangs off the PCI tree. Loaders fill it; probes and the floor analysis read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cxlprobe::topology {

// One end's view of a PCIe link: what sysfs or hwloc says for one PCI function. The link status
// registers of a downstream port (root port, switch downstream port) describe the link below it;
// those of a device or switch upstream port the link above it: one physical link, two readings.
struct link_reading {
  std::string busid;
  std::string end = "device";  // "device" (below the link) or "port" (the downstream port above)
  std::string source;          // "sysfs" or "hwloc"
  // "current+max" (sysfs: both), "current" (hwloc from config space: the state when exported),
  // "max" (hwloc's NVML/RSMI backends write a GPU's maximum, not its state)
  std::string kind = "current";
  std::optional<int> gen;
  std::optional<int> width;
  std::optional<int> max_gen;
  std::optional<int> max_width;
  double raw_bps = 0;                           // the figure read; 0 = none
  std::vector<std::pair<int, int>> candidates;  // (gen, width) pairs that give raw_bps
  std::optional<int> payload_bytes;             // max payload size from config space
  std::string quirk;                            // how an odd figure was read, or why refused
};

// One physical PCIe link (the one above a device), from the readings of both ends. Rates are
// per direction, B/s. The ceiling is the capability (the smaller of the ends' maxima); the current
// state is kept beside it, because idle links train down and busy ones should not.
struct link_info {
  std::optional<int> gen;        // current state: generation 1..6
  std::optional<int> width;      // current state: lanes
  std::optional<double> gts;     // current per-lane transfer rate, GT/s
  std::optional<int> max_gen;    // capability
  std::optional<int> max_width;  // capability
  double raw_bps = 0;        // ceiling: lanes x GT/s x encoding / 8 at the capability; 0 = unknown
  double effective_bps = 0;  // raw x payload / (payload + per-packet overhead)
  double current_raw_bps = 0;           // the current state's raw rate; 0 = unknown
  int payload_bytes = 256;              // max payload size used for effective_bps
  bool payload_known = false;           // read from config space (else the default was assumed)
  std::string source = "none";          // "sysfs", "hwloc", "none"
  std::string ceiling_from = "none";    // "capability", "maximum", "highest reading", "reading"
  std::string state = "unknown";        // "at capability", "power saving", "downtrained", "unknown"
  bool downtrained = false;             // width below capability, or speed below it under load
  std::vector<std::string> candidates;  // gen/width pairs that fit hwloc's GB/s when ambiguous
  std::vector<link_reading> readings;   // what each end said
  std::vector<std::string> notes;       // state, disagreements, quirks, in words

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
  std::vector<std::string> os_kinds;    // OS device backends: "CUDA", "NVML", "RSMI", "OpenCL"...
  std::string driver;                   // kernel driver bound (live sysfs), e.g. "nvidia"
  std::optional<link_reading> reading;  // this function's own link registers, as loaded
  link_info link;  // the physical link above this device (empty on downstream ports: theirs is
                   // the link below, merged into the device under them)
};

struct numa_node {
  unsigned os_index = 0;
  std::uint64_t bytes = 0;
  std::optional<bool> cpu_less;  // known on live systems only
  std::string cpus;              // cpulist as the kernel prints it, when known
  std::string subtype;           // hwloc subtype, e.g. "GPUMemory", "NVM"
  std::optional<int> memory_tier;
  std::optional<unsigned> package;
  std::vector<std::string> cxl_devices;  // PCI bus ids (hwloc >= 2.10 "CXLDevice", or the chain)
  std::optional<int> interleave_ways;
  std::vector<std::string> cxl_regions;  // CXL regions whose memory this node holds
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
  std::optional<std::uint64_t> start;  // host physical address (sysfs "resource")
  std::string cxl_region;              // the CXL region holding that address, e.g. "region0"
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
  std::string source;  // "hwloc", "sysfs", "libcxl" (comma-joined)
};

// A CXL region: a host physical address range decoded across one or more memdevs (interleaved).
// Read from /sys/bus/cxl (or libcxl); the chain region -> target decoders -> endpoints -> memdevs
// -> PCI devices is what ties a DAX device or NUMA node to the PCIe link that carries its bytes.
struct cxl_region {
  std::string name;  // "region0"
  std::uint64_t start = 0;
  std::uint64_t size = 0;
  std::string mode;  // "pmem", "ram", or empty when unknown
  std::optional<int> interleave_ways;
  std::optional<std::uint64_t> interleave_granularity;
  std::string root_decoder;             // "decoder0.0" (the CXL fixed memory window)
  std::vector<std::string> targets;     // endpoint decoders in position order: "decoder2.0"
  std::vector<std::string> memdevs;     // "mem0", in target order
  std::vector<std::string> pci_busids;  // the memdevs' PCI functions, in target order
  std::string source;                   // "sysfs", "libcxl" (comma-joined)

  bool contains(std::uint64_t address) const {
    return size > 0 && address >= start && address - start < size;
  }
};

// A GPU's link to a CPU that is not PCIe: NVLink (POWER8/9, from hwloc's NVLinkBandwidth), or
// NVLink-C2C (Grace Hopper/Blackwell). hwloc reports no C2C (its NVML backend does not query
// C2C fields); a live run learns it from CUDA (mark_coherent_link).
struct cpu_link {
  std::string kind;  // "nvlink" or "nvlink-c2c"
  std::optional<unsigned> package;
  double bps = 0;  // per direction, 0 = unknown
};

struct gpu {
  std::string busid;
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::string name;
  int pci_index = -1;             // index in topology::pci
  std::optional<int> cuda_index;  // filled by the GPU probes when CUDA sees the device
  std::vector<cpu_link> cpu_links;
};

// CUDA's cudaDevAttrPageableMemoryAccessUsesHostPageTables is 1 only where the GPU walks the
// CPU's page tables over a coherent link (address translation services): NVLink-C2C on Grace
// Hopper and Grace Blackwell, NVLink on POWER9. A GPU so marked that hwloc gave no NVLink gets
// an "nvlink-c2c" link of unknown bandwidth: its PCIe function carries no data, so a PCIe
// ceiling would be wrong.
void mark_coherent_link(gpu& g, bool uses_host_page_tables);

struct topology {
  std::string source;  // "live" or "xml:PATH"
  std::string hwloc_version;
  unsigned packages = 0;
  unsigned cores = 0;
  unsigned pus = 0;
  std::optional<std::uint64_t> llc_bytes;  // largest last-level cache
  // Every last-level cache together (a two-socket node has two, an EPYC package one per CCD):
  // what a run with threads on all of them can hold.
  std::optional<std::uint64_t> llc_total_bytes;
  std::vector<numa_node> numa;
  std::vector<pci_device> pci;
  std::vector<dax_device> dax;
  std::vector<cxl_memdev> cxl;
  std::vector<cxl_region> regions;
  std::vector<gpu> gpus;
  std::vector<std::string> notes;  // what was not available (e.g. "libcxl not compiled in")

  // llc_total_bytes, or from a record without it the largest cache once per package.
  std::optional<std::uint64_t> all_llc_bytes() const;

  const pci_device* find_pci(const std::string& busid) const;
  int pci_index(const std::string& busid) const;  // -1 when absent
  const numa_node* find_node(unsigned os_index) const;
  const dax_device* find_dax(const std::string& name) const;
  const cxl_region* find_region(const std::string& name) const;
  const cxl_memdev* find_memdev(const std::string& name) const;
  // Upstream chain of pci[index]: the device itself first, its host bridge last.
  std::vector<int> chain_to_host(int index) const;
};

}  // namespace cxlprobe::topology
