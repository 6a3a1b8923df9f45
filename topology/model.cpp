#include "topology/model.hpp"

#include <algorithm>

namespace cxlprobe::topology {

std::optional<std::uint64_t> topology::all_llc_bytes() const {
  if (llc_total_bytes) return llc_total_bytes;
  if (!llc_bytes) return std::nullopt;
  return *llc_bytes * std::max(1U, packages);
}

const pci_device* topology::find_pci(const std::string& busid) const {
  const int i = pci_index(busid);
  return i < 0 ? nullptr : &pci[static_cast<std::size_t>(i)];
}

int topology::pci_index(const std::string& busid) const {
  if (busid.empty()) return -1;
  for (std::size_t i = 0; i < pci.size(); ++i) {
    if (pci[i].busid == busid) return static_cast<int>(i);
  }
  return -1;
}

const numa_node* topology::find_node(unsigned os_index) const {
  for (const auto& n : numa) {
    if (n.os_index == os_index) return &n;
  }
  return nullptr;
}

const dax_device* topology::find_dax(const std::string& name) const {
  for (const auto& d : dax) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const cxl_region* topology::find_region(const std::string& name) const {
  for (const auto& r : regions) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const cxl_memdev* topology::find_memdev(const std::string& name) const {
  for (const auto& m : cxl) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::vector<int> topology::chain_to_host(int index) const {
  std::vector<int> chain;
  // The tree has no cycles, but a bound keeps a corrupt model from looping forever.
  while (index >= 0 && chain.size() <= pci.size()) {
    chain.push_back(index);
    index = pci[static_cast<std::size_t>(index)].parent;
  }
  return chain;
}

void mark_coherent_link(gpu& g, bool uses_host_page_tables) {
  if (!uses_host_page_tables || !g.cpu_links.empty()) return;
  g.cpu_links.push_back({"nvlink-c2c", std::nullopt, 0});
}

}  // namespace cxlprobe::topology
