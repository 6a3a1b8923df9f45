#include "topology/gpu_rule.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace cxlprobe::topology {

namespace {

constexpr std::array<const char*, 5> kGpuBackends{"CUDA", "NVML", "RSMI", "LevelZero", "OpenCL"};
constexpr std::array<const char*, 5> kGpuDrivers{"nvidia", "amdgpu", "i915", "xe", "nouveau"};

bool gpu_vendor(std::uint16_t vendor) {
  return vendor == 0x10de || vendor == 0x1002 || vendor == 0x8086;
}

bool proper_prefix(const std::string& prefix, const std::string& text) {
  if (prefix.size() >= text.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  return s;
}

}  // namespace

bool is_gpu(const pci_device& d) {
  for (const auto& k : d.os_kinds) {
    if (std::find(kGpuBackends.begin(), kGpuBackends.end(), k) != kGpuBackends.end()) return true;
  }
  const bool driver =
      std::find(kGpuDrivers.begin(), kGpuDrivers.end(), d.driver) != kGpuDrivers.end();
  switch (d.class_id) {
    case 0x0302:
      return true;
    case 0x1200:
    case 0x0380:
      return gpu_vendor(d.vendor_id);
    case 0x0300:
      return driver && gpu_vendor(d.vendor_id);
    default:
      return false;
  }
}

void list_gpus(topology& topo) {
  for (std::size_t i = 0; i < topo.pci.size(); ++i) {
    const auto& d = topo.pci[i];
    if (d.kind != pci_kind::device || !is_gpu(d)) continue;
    const bool listed = std::any_of(topo.gpus.begin(), topo.gpus.end(), [&](const gpu& g) {
      return g.pci_index == static_cast<int>(i);
    });
    if (listed) continue;
    gpu g;
    g.busid = d.busid;
    g.vendor_id = d.vendor_id;
    g.device_id = d.device_id;
    g.name = d.name;
    g.pci_index = static_cast<int>(i);
    topo.gpus.push_back(std::move(g));
  }
}

std::string better_name(const std::string& pci_name, const std::string& model) {
  const std::string m = trimmed(model);
  if (m.empty()) return pci_name;
  // "GA100 [A100 PCIe 80GB]": the part in brackets is the marketing name.
  const auto open = pci_name.find('[');
  const auto close = pci_name.rfind(']');
  const std::string bracketed =
      open != std::string::npos && close != std::string::npos && close > open
          ? pci_name.substr(open + 1, close - open - 1)
          : std::string();
  if (proper_prefix(m, pci_name) || proper_prefix(m, bracketed)) return pci_name;
  return m;
}

}  // namespace cxlprobe::topology
