// Which links a DMA between a memory tier and a GPU crosses, which one is the narrowest, and
// what each GPU's share is when every GPU loads from the tier at once.
//
// CXL.mem traffic ends at the host bridge (the host's decoders), so a tier's legs always run
// from each CXL device up to its host bridge and the GPU's side from the host (or the package
// it hangs off) down to the GPU: a path never turns around inside a PCIe switch.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "topology/model.hpp"

namespace cxlprobe::topology {

// A place bytes can live, as the path analysis sees it. GPU memory NUMA nodes are not tiers.
struct tier_location {
  std::string name;                      // "node:0", "dax:/dev/dax0.0"
  std::optional<unsigned> package;       // socket the memory hangs off
  std::optional<unsigned> node;          // NUMA node the memory is (or is local to)
  std::vector<std::string> cxl_devices;  // PCI bus ids of CXL devices behind it
};

struct hop {
  std::string kind;   // "pcie", "socket" or "nvlink"
  std::string busid;  // the device whose upstream link this is (empty for other kinds)
  std::string label;  // readable: "0000:00:06.0 NVIDIA H200" or "socket interconnect 0->1"
  link_info link;     // pcie only
  double bps = 0;     // nvlink bandwidth when hwloc states it; 0 = unknown
  int sharers = 1;    // GPUs whose path from the same tier crosses this hop
  double ceiling() const { return kind == "pcie" ? link.effective_bps : bps; }
};

// The tier side of a path through one CXL device, from the device up to its host bridge.
struct leg {
  std::string cxl_device;
  std::vector<hop> hops;
  double raw_bps = 0;  // narrowest known hop of the leg; 0 = unknown
  double effective_bps = 0;
};

struct path {
  std::string tier;
  std::string gpu_busid;
  std::string via = "pcie";  // how the GPU reaches the host: "pcie" or "nvlink"; "cpu" for the
                             // CPU's own path to a CXL tier (no GPU, gpu_busid empty)
  std::vector<leg> legs;     // parallel (interleaved) CXL devices; empty for plain DRAM
  std::vector<hop> hops;     // after the legs: socket crossing (if any) and the GPU side
  bool crosses_socket = false;
  // The tier side (all legs together, shared links counted once): aggregate ceiling and what
  // binds it ("cxl:" + the legs, or "cxl:" + a shared uplink's bus id).
  double tier_raw_bps = 0;
  double tier_effective_bps = 0;
  std::string tier_binding;
  int tier_sharers = 1;  // GPUs loading from the tier at once
  // Narrowest element for this GPU alone. 0 / empty = unknown.
  double min_raw_bps = 0;
  double min_effective_bps = 0;
  std::string binding;  // bus id of the binding hop, "cxl:..." for the tier side, "socket"
  // This GPU's share when every GPU loads from the tier at once (capacity / sharers).
  double share_effective_bps = 0;
  std::string share_binding;
  int share_sharers = 1;
  // False when an element without a known ceiling is crossed (the socket interconnect): the
  // figures above are then upper bounds.
  bool floor_known = true;
  std::vector<std::string> notes;
};

// node:N for every NUMA node that is host memory, dax:/dev/NAME for every DAX device.
std::vector<tier_location> memory_tiers(const topology& topo);

// The topology tier a measured tier's bytes live in: node:N and dax:/dev/X as they are; dram
// and file: stand-ins (tmpfs) in the DRAM of the first node with CPUs. nullopt when absent.
std::optional<tier_location> locate_tier(const topology& topo, const std::string& tier);

// One GPU's path, sharers not counted (1 everywhere).
path compute_path(const topology& topo, const tier_location& tier, const gpu& g);
// The CPU's path to a CXL tier: the legs from each CXL device up to its host bridge, nothing
// after (the host's decoders end CXL.mem). nullopt for a tier with no CXL device behind it.
std::optional<path> cpu_path(const topology& topo, const tier_location& tier);
// Every GPU's path from one tier, each hop's sharers counted over them.
std::vector<path> tier_paths(const topology& topo, const tier_location& tier);
// Every GPU path of every tier, then the CPU path of each CXL tier.
std::vector<path> all_paths(const topology& topo);

}  // namespace cxlprobe::topology
