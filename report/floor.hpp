// The floor analysis: for each (memory tier, GPU) pair, the elements a transfer crosses side by
// side (the tier's CPU-side bandwidth, every link's raw and effective ceiling, the measured DMA),
// which one binds, the headroom of the others, and the share when several GPUs load through one
// link or device at once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "topology/model.hpp"

namespace cxlprobe::report {

struct floor_element {
  std::string kind;   // "tier" (CPU-side bandwidth), "link", "cxl" (devices behind the tier),
                      // "socket", "nvlink"
  std::string name;   // bus id, tier name, or a description
  std::string label;  // readable
  std::optional<double> raw_bps;
  std::optional<double>
      capacity_bps;                // what this element can carry for this GPU (effective / sharers)
  int sharers = 1;                 // GPUs loading through it at once
  std::optional<double> headroom;  // capacity / binding capacity - 1
};

// KV-cache restore (scattered blocks, host tier -> GPU slots) at one block size: the software
// floor (one cudaMemcpyAsync per block) beside the best kernel the probe measured.
struct kv_figure {
  double block_bytes = 0;
  std::optional<double> per_block_copy_bps;
  std::optional<double> kernel_bps;
  std::string kernel;                    // which kernel gave kernel_bps (e.g. "staged")
  std::optional<double> kernel_of_bulk;  // kernel_bps / measured bulk H2D
};

struct floor_entry {
  std::string tier;              // as measured: dram, node:N, dax:..., file:...
  std::string path_tier;         // the topology tier its path was computed for
  std::string gpu;               // bus id; "cpu" for the CPUs' own path to a CXL tier
  std::string consumer = "gpu";  // "gpu", or "cpu" (no DMA: the CPUs load the tier)
  std::vector<floor_element> elements;
  std::string binding;  // name of the binding element
  std::string binding_kind;
  std::optional<double> binding_bps;
  std::optional<double> measured_h2d_bps;
  std::optional<double> measured_d2h_bps;
  std::optional<double> h2d_fraction;           // measured h2d / binding capacity
  std::optional<double> measured_cpu_read_bps;  // consumer cpu: the CPUs' measured read
  std::string via = "pcie";                     // how the GPU reaches the host
  bool floor_known = true;                      // false: an unmeasured socket hop is crossed
  bool link_downtrained = false;                // a PCIe link on the path runs below its capability
  std::vector<std::string> notes;
  std::vector<kv_figure> kv_restore;  // by block size, when explain measured KV restore
  std::string sentence;
};

// `results` may hold bw (read) and dma (bulk) results; missing ones leave those elements
// unmeasured. Tiers measured as dram or file: map to the node of the CPUs (node 0 when unknown).
std::vector<floor_entry> analyse_floors(const topology::topology& topo,
                                        const std::vector<result>& results);

json to_json(const std::vector<floor_entry>& floors);
std::string render_floors(const json& floors);

}  // namespace cxlprobe::report
