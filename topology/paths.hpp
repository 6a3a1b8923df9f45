// Which links a DMA between a memory tier and a GPU crosses, and which one is the narrowest.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "topology/model.hpp"

namespace cxlprobe::topology {

// A place bytes can live, as the path analysis sees it.
struct tier_location {
  std::string name;                      // "node:0", "dax:/dev/dax0.0"
  std::optional<unsigned> package;       // socket the memory hangs off
  std::vector<std::string> cxl_devices;  // PCI bus ids of CXL devices behind it
};

struct hop {
  std::string kind;   // "pcie" or "socket"
  std::string busid;  // the device whose upstream link this is (empty for "socket")
  std::string label;  // readable: "0000:00:06.0 NVIDIA H200" or "socket interconnect 0->1"
  link_info link;
};

// The tier side of a path through one CXL device.
struct leg {
  std::string cxl_device;
  std::vector<hop> hops;
  double raw_bps = 0;  // narrowest known hop of the leg; 0 = unknown
  double effective_bps = 0;
};

struct path {
  std::string tier;
  std::string gpu_busid;
  std::vector<leg> legs;  // parallel (interleaved) CXL devices; empty for plain DRAM
  std::vector<hop> hops;  // after the legs: socket crossing (if any) and the GPU side
  bool crosses_socket = false;
  bool through_switch = false;  // tier device and GPU meet at a bridge below the host bridge
  // Narrowest element: the legs together (their sum) or one hop. 0 / empty = unknown.
  double min_raw_bps = 0;
  double min_effective_bps = 0;
  std::string binding;  // bus id of the binding hop, or "cxl:" + bus ids of the legs
};

// node:N for every NUMA node and dax:/dev/NAME for every DAX device.
std::vector<tier_location> memory_tiers(const topology& topo);

path compute_path(const topology& topo, const tier_location& tier, const gpu& g);
std::vector<path> all_paths(const topology& topo);

}  // namespace cxlprobe::topology
