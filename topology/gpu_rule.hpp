// Which PCI devices are GPUs, and which name to show for them.
#pragma once

#include <string>

#include "topology/model.hpp"

namespace cxlprobe::topology {

// A GPU is a device with a CUDA, NVML, RSMI, LevelZero or OpenCL OS device, or of PCI class
// 0302 (3D controller), or 1200 (processing accelerator: APUs whose only OS device is RSMI) or
// 0380 from a GPU vendor (NVIDIA, AMD, Intel). Class 0300 (VGA) counts only with such an OS
// device or, live, a GPU driver bound: server and BMC display chips (ASPEED, Matrox, old ATI
// server VGA) are VGA devices without one.
bool is_gpu(const pci_device& d);

// Appends to topo.gpus every PCI device that is a GPU and not listed yet, in PCI order (run
// once the OS devices are known, and again live once the drivers are).
void list_gpus(topology& topo);

// The name to show: an OS device's model string, unless it is cut short (a proper prefix of the
// PCI name or of the PCI name's bracketed marketing name), where the PCI name says more.
std::string better_name(const std::string& pci_name, const std::string& model);

}  // namespace cxlprobe::topology
