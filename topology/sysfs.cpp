#include "topology/sysfs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "topology/pcie.hpp"

namespace cxlprobe::topology::sysfs {

namespace fs = std::filesystem;

namespace {

std::optional<long long> to_integer(const std::optional<std::string>& text, int base = 0) {
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(text->c_str(), &end, base);
  if (end == text->c_str()) return std::nullopt;
  return v;
}

}  // namespace

reader::reader(std::string root) : root_(std::move(root)) {
  if (root_.empty()) root_ = "/";
  if (root_.back() != '/') root_ += '/';
}

std::optional<std::string> reader::read(const std::string& relative) const {
  std::ifstream in(root_ + relative);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string s = buf.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

link_reading reader::pci_link(const std::string& busid) const {
  const std::string dir = "sys/bus/pci/devices/" + busid + "/";
  link_reading r = pcie::reading_from_sysfs(busid, read(dir + "current_link_speed").value_or(""),
                                            read(dir + "current_link_width").value_or(""),
                                            read(dir + "max_link_speed").value_or(""),
                                            read(dir + "max_link_width").value_or(""));
  r.payload_bytes = max_payload(busid);
  return r;
}

std::string reader::driver(const std::string& busid) const {
  std::error_code ec;
  const fs::path link =
      fs::read_symlink(fs::path(root_) / "sys/bus/pci/devices" / busid / "driver", ec);
  return ec ? std::string() : link.filename().string();
}

std::optional<int> reader::max_payload(const std::string& busid) const {
  std::ifstream in(root_ + "sys/bus/pci/devices/" + busid + "/config", std::ios::binary);
  if (!in) return std::nullopt;
  std::string cfg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (cfg.size() < 0x40) return std::nullopt;
  auto byte = [&](std::size_t off) { return static_cast<unsigned char>(cfg[off]); };
  // Status register bit 4: the capability list exists.
  if ((byte(0x06) & 0x10) == 0) return std::nullopt;
  std::size_t ptr = byte(0x34) & 0xfc;
  for (int guard = 0; ptr >= 0x40 && ptr + 0x0a <= cfg.size() && guard < 48; ++guard) {
    if (byte(ptr) == 0x10) {  // PCI Express capability
      const unsigned devctl = byte(ptr + 8) | (byte(ptr + 9) << 8);
      return 128 << ((devctl >> 5) & 0x7);
    }
    ptr = byte(ptr + 1) & 0xfc;
  }
  return std::nullopt;  // unprivileged reads stop at 64 bytes: payload stays unknown
}

std::vector<dax_device> reader::dax_devices() const {
  std::vector<dax_device> out;
  std::error_code ec;
  const fs::path dir = fs::path(root_) / "sys/bus/dax/devices";
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("dax", 0) != 0) continue;
    const std::string base = "sys/bus/dax/devices/" + name + "/";
    dax_device d;
    d.name = name;
    d.source = "sysfs";
    if (const auto v = to_integer(read(base + "size"))) d.size = static_cast<std::uint64_t>(*v);
    if (const auto v = to_integer(read(base + "align"))) d.align = static_cast<std::uint64_t>(*v);
    if (const auto v = to_integer(read(base + "resource")); v && *v > 0) {
      d.start = static_cast<std::uint64_t>(*v);
    }
    if (const auto v = to_integer(read(base + "target_node")); v && *v >= 0) {
      d.target_node = static_cast<int>(*v);
    }
    if (const auto v = to_integer(read(base + "numa_node")); v && *v >= 0) {
      d.numa_node = static_cast<int>(*v);
    }
    const fs::path driver = fs::read_symlink(entry.path() / "driver", ec);
    if (!ec) {
      const std::string drv = driver.filename().string();
      d.mode = drv == "kmem" ? "system-ram" : drv == "device_dax" ? "devdax" : drv;
    }
    ec.clear();
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<numa_node> reader::numa_nodes() const {
  std::vector<numa_node> out;
  std::error_code ec;
  const fs::path dir = fs::path(root_) / "sys/devices/system/node";
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("node", 0) != 0 || name.size() < 5 ||
        !std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    numa_node n;
    n.os_index = static_cast<unsigned>(std::stoul(name.substr(4)));
    const std::string base = "sys/devices/system/node/" + name + "/";
    if (const auto cpus = read(base + "cpulist")) {
      n.cpus = *cpus;
      n.cpu_less = count_cpulist(*cpus) == 0;
    }
    if (const auto meminfo = read(base + "meminfo")) {
      // "Node 0 MemTotal:       16384 kB"
      const auto pos = meminfo->find("MemTotal:");
      if (pos != std::string::npos) {
        n.bytes = std::strtoull(meminfo->c_str() + pos + 9, nullptr, 10) * 1024ULL;
      }
    }
    out.push_back(std::move(n));
  }
  // Memory tiers: /sys/devices/virtual/memory_tiering/memory_tierN/nodelist ("0-1,3").
  const fs::path tiers = fs::path(root_) / "sys/devices/virtual/memory_tiering";
  if (fs::is_directory(tiers, ec)) {
    for (const auto& entry : fs::directory_iterator(tiers, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("memory_tier", 0) != 0) continue;
      const int tier = std::atoi(name.c_str() + 11);
      const auto list = read("sys/devices/virtual/memory_tiering/" + name + "/nodelist");
      if (!list) continue;
      std::stringstream ss(*list);
      std::string part;
      while (std::getline(ss, part, ',')) {
        const auto dash = part.find('-');
        const unsigned lo = static_cast<unsigned>(std::atoi(part.c_str()));
        const unsigned hi = dash == std::string::npos
                                ? lo
                                : static_cast<unsigned>(std::atoi(part.c_str() + dash + 1));
        for (auto& n : out) {
          if (n.os_index >= lo && n.os_index <= hi) n.memory_tier = tier;
        }
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.os_index < b.os_index; });
  return out;
}

unsigned count_cpulist(const std::string& cpulist) {
  unsigned count = 0;
  std::stringstream ss(cpulist);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part.empty()) continue;
    char* end = nullptr;
    const unsigned long lo = std::strtoul(part.c_str(), &end, 10);
    if (end == part.c_str()) throw usage_error(fmt::format("malformed cpulist '{}'", cpulist));
    unsigned long hi = lo;
    if (*end == '-') {
      const char* start = end + 1;
      hi = std::strtoul(start, &end, 10);
      if (end == start || hi < lo)
        throw usage_error(fmt::format("malformed cpulist '{}'", cpulist));
    }
    if (*end != '\0') throw usage_error(fmt::format("malformed cpulist '{}'", cpulist));
    count += static_cast<unsigned>(hi - lo + 1);
  }
  return count;
}

}  // namespace cxlprobe::topology::sysfs
