#include "topology/cxl_chain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

namespace cxlprobe::topology::cxl_chain {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCxlDevices = "sys/bus/cxl/devices/";

std::optional<std::uint64_t> to_u64(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text->c_str(), &end, 0);
  if (end == text->c_str() || (*end != '\0' && *end != '\n')) return std::nullopt;
  return v;
}

// Names under ROOT/sys/bus/cxl/devices that start with `prefix` and continue with a digit.
std::vector<std::string> cxl_entries(const sysfs::reader& sys, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(sys.root()) / kCxlDevices, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        std::isdigit(static_cast<unsigned char>(name[prefix.size()]))) {
      out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The device's real folder (bus symlinks resolved inside the root), or empty.
fs::path real_dir(const sysfs::reader& sys, const std::string& relative) {
  std::error_code ec;
  fs::path p = fs::canonical(fs::path(sys.root()) / relative, ec);
  return ec ? fs::path() : p;
}

bool looks_like_busid(const std::string& s) {
  // "0000:0d:00.0"
  return s.size() == 12 && s[4] == ':' && s[7] == ':' && s[10] == '.';
}

// Endpoint decoder "decoder2.0" -> memdev name, through endpoint2/uport.
std::string memdev_of_decoder(const sysfs::reader& sys, const std::string& decoder) {
  const fs::path dir = real_dir(sys, kCxlDevices + decoder);
  if (dir.empty()) return {};
  std::error_code ec;
  const fs::path uport = fs::canonical(dir.parent_path() / "uport", ec);
  if (ec) return {};
  const std::string name = uport.filename().string();
  return name.rfind("mem", 0) == 0 ? name : std::string();
}

std::string region_mode(const sysfs::reader& sys, const std::string& name) {
  if (auto m = sys.read(kCxlDevices + name + "/mode"); m && !m->empty()) return *m;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(real_dir(sys, kCxlDevices + name), ec)) {
    const std::string child = e.path().filename().string();
    if (child.rfind("pmem_region", 0) == 0) return "pmem";
    if (child.rfind("dax_region", 0) == 0) return "ram";
  }
  return {};
}

}  // namespace

std::vector<cxl_memdev> read_memdevs(const sysfs::reader& sys) {
  std::vector<cxl_memdev> out;
  for (const auto& name : cxl_entries(sys, "mem")) {
    cxl_memdev m;
    m.name = name;
    m.source = "sysfs";
    const std::string base = kCxlDevices + name + "/";
    m.ram_bytes = to_u64(sys.read(base + "ram/size")).value_or(0);
    m.pmem_bytes = to_u64(sys.read(base + "pmem/size")).value_or(0);
    if (auto s = to_u64(sys.read(base + "serial"))) m.serial = fmt::format("{:#x}", *s);
    m.firmware = sys.read(base + "firmware_version").value_or("");
    if (auto n = sys.read(base + "numa_node"); n && !n->empty() && (*n)[0] != '-') {
      m.numa_node = std::atoi(n->c_str());
    }
    const fs::path dir = real_dir(sys, kCxlDevices + name);
    if (const std::string parent = dir.parent_path().filename().string(); looks_like_busid(parent))
      m.pci_busid = parent;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<cxl_region> read_regions(const sysfs::reader& sys) {
  std::vector<cxl_region> out;
  for (const auto& name : cxl_entries(sys, "region")) {
    const std::string base = kCxlDevices + name + "/";
    const auto start = to_u64(sys.read(base + "resource"));
    const auto size = to_u64(sys.read(base + "size"));
    if (!start || !size || *size == 0) continue;  // not committed: decodes nothing yet
    cxl_region r;
    r.name = name;
    r.source = "sysfs";
    r.start = *start;
    r.size = *size;
    r.mode = region_mode(sys, name);
    if (auto w = to_u64(sys.read(base + "interleave_ways")))
      r.interleave_ways = static_cast<int>(*w);
    r.interleave_granularity = to_u64(sys.read(base + "interleave_granularity"));
    r.root_decoder = real_dir(sys, kCxlDevices + name).parent_path().filename().string();
    for (int k = 0; k < r.interleave_ways.value_or(0); ++k) {
      const auto target = sys.read(base + fmt::format("target{}", k));
      if (!target || target->empty()) continue;
      r.targets.push_back(*target);
      const std::string mem = memdev_of_decoder(sys, *target);
      if (mem.empty()) continue;
      r.memdevs.push_back(mem);
      const std::string parent = real_dir(sys, kCxlDevices + mem).parent_path().filename().string();
      if (looks_like_busid(parent)) r.pci_busids.push_back(parent);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<std::uint64_t> memory_block_bytes(const sysfs::reader& sys) {
  // The kernel prints it in hex without a prefix ("8000000").
  const auto text = sys.read("sys/devices/system/memory/block_size_bytes");
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text->c_str(), &end, 16);
  if (end == text->c_str() || v == 0) return std::nullopt;
  return v;
}

std::vector<std::uint64_t> node_memory_blocks(const sysfs::reader& sys, unsigned node) {
  std::vector<std::uint64_t> out;
  std::error_code ec;
  const fs::path dir = fs::path(sys.root()) / fmt::format("sys/devices/system/node/node{}", node);
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 6 && name.compare(0, 6, "memory") == 0 &&
        std::all_of(name.begin() + 6, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      out.push_back(std::strtoull(name.c_str() + 6, nullptr, 10));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

const cxl_region* region_at(const topology& topo, std::uint64_t address) {
  for (const auto& r : topo.regions) {
    if (r.contains(address)) return &r;
  }
  return nullptr;
}

// Gives a tier the CXL devices of its regions, unless hwloc named them already; a disagreement
// between hwloc and the chain is kept as a note (hwloc's answer stays).
void adopt(std::vector<std::string>& devices, std::optional<int>& ways,
           const std::vector<const cxl_region*>& regions, const std::string& tier,
           std::vector<std::string>& notes) {
  std::vector<std::string> chain;
  std::set<int> all_ways;
  for (const auto* r : regions) {
    for (const auto& b : r->pci_busids) {
      if (std::find(chain.begin(), chain.end(), b) == chain.end()) chain.push_back(b);
    }
    if (r->interleave_ways) all_ways.insert(*r->interleave_ways);
  }
  if (chain.empty()) return;
  if (devices.empty()) {
    devices = chain;
    if (all_ways.size() == 1) ways = *all_ways.begin();
    return;
  }
  auto a = devices, b = chain;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b) {
    notes.push_back(
        fmt::format("{}: hwloc names CXL device(s) {}, the sysfs region chain {}; "
                    "hwloc's are used",
                    tier, fmt::join(devices, "+"), fmt::join(chain, "+")));
  }
}

void tie_dax(topology& topo) {
  for (auto& d : topo.dax) {
    if (!d.start) continue;
    const cxl_region* r = region_at(topo, *d.start);
    if (!r) continue;
    d.cxl_region = r->name;
    adopt(d.cxl_devices, d.interleave_ways, {r}, "dax:/dev/" + d.name, topo.notes);
  }
}

void tie_nodes(topology& topo, const sysfs::reader& sys) {
  const auto block = memory_block_bytes(sys);
  for (auto& n : topo.numa) {
    std::vector<const cxl_region*> found;
    auto add = [&](const cxl_region* r) {
      if (r && std::find(found.begin(), found.end(), r) == found.end()) found.push_back(r);
    };
    // Memory onlined from a region (kmem, or firmware-committed CXL memory on 6.3+) sits in
    // memory blocks whose addresses lie in the region.
    if (block) {
      for (const auto b : node_memory_blocks(sys, n.os_index))
        add(region_at(topo, b * *block));
    }
    for (const auto& d : topo.dax) {
      if (d.mode == "system-ram" && d.target_node && *d.target_node == static_cast<int>(n.os_index))
        add(topo.find_region(d.cxl_region));
    }
    if (found.empty()) continue;
    n.cxl_regions.clear();
    for (const auto* r : found)
      n.cxl_regions.push_back(r->name);
    adopt(n.cxl_devices, n.interleave_ways, found, fmt::format("node:{}", n.os_index), topo.notes);
  }
}

void merge_memdev(topology& topo, const cxl_memdev& m) {
  for (auto& existing : topo.cxl) {
    if (existing.name != m.name) continue;
    if (existing.pci_busid.empty()) existing.pci_busid = m.pci_busid;
    if (!existing.ram_bytes) existing.ram_bytes = m.ram_bytes;
    if (!existing.pmem_bytes) existing.pmem_bytes = m.pmem_bytes;
    if (existing.serial.empty()) existing.serial = m.serial;
    if (existing.firmware.empty()) existing.firmware = m.firmware;
    if (!existing.numa_node) existing.numa_node = m.numa_node;
    existing.source += existing.source.empty() ? m.source : "," + m.source;
    return;
  }
  topo.cxl.push_back(m);
}

}  // namespace

void tie_tiers(topology& topo, const sysfs::reader& sys) {
  if (topo.regions.empty()) return;
  tie_dax(topo);
  tie_nodes(topo, sys);
}

void add_from_sysfs(topology& topo, const sysfs::reader& sys) {
  for (const auto& m : read_memdevs(sys))
    merge_memdev(topo, m);
  for (auto& r : read_regions(sys)) {
    auto it = std::find_if(topo.regions.begin(), topo.regions.end(),
                           [&](const cxl_region& x) { return x.name == r.name; });
    if (it == topo.regions.end()) {
      topo.regions.push_back(std::move(r));
    } else {
      *it = std::move(r);
    }
  }
  tie_tiers(topo, sys);
}

}  // namespace cxlprobe::topology::cxl_chain
