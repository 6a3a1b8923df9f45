#include "topology/fingerprint.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/provenance.hpp"

namespace cxlprobe::topology {

namespace {

std::vector<std::string> node_list(const topology& t) {
  std::vector<std::string> out;
  for (const auto& n : t.numa)
    out.push_back(fmt::format("{}", n.os_index));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> gpu_list(const topology& t) {
  std::vector<std::string> out;
  for (const auto& g : t.gpus)
    out.push_back(fmt::format("{} [{:04x}:{:04x}]", g.busid, g.vendor_id, g.device_id));
  std::sort(out.begin(), out.end());
  return out;
}

std::string words(const std::vector<std::string>& v) {
  return v.empty() ? "none" : fmt::format("{}", fmt::join(v, ", "));
}

}  // namespace

std::string fingerprint(const topology& t) {
  std::string id = fmt::format("packages={} cores={} pus={};", t.packages, t.cores, t.pus);
  for (const auto& n : t.numa)
    id += fmt::format("node{}:{}MiB;", n.os_index, n.bytes >> 20);
  for (const auto& g : gpu_list(t))
    id += "gpu " + g + ";";
  for (const auto& d : t.dax)
    id += fmt::format("{}:{};", d.name, d.size);
  return fnv1a_hex(id);
}

std::vector<std::string> machine_differences(const topology& file, const topology& here) {
  std::vector<std::string> out;
  const auto nf = node_list(file), nh = node_list(here);
  if (nf != nh)
    out.push_back(fmt::format("NUMA nodes {} in the file, {} here", words(nf), words(nh)));
  const auto gf = gpu_list(file), gh = gpu_list(here);
  if (gf != gh) out.push_back(fmt::format("GPUs {} in the file, {} here", words(gf), words(gh)));
  return out;
}

}  // namespace cxlprobe::topology
