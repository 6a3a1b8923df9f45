#include "core/provenance.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace cxlprobe {

namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ' || line.back() == '\r'))
    line.pop_back();
  return line;
}

// "model name : AMD EPYC 9R14 96-Core Processor" from /proc/cpuinfo (x86); "CPU part" elsewhere
// is not a name, so nothing is written then.
std::string cpu_model(const std::string& root) {
  std::ifstream in(root + "proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) break;
    std::string v = line.substr(colon + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    return v;
  }
  return {};
}

// The NVIDIA kernel module's version ("580.159.04"), or empty without one.
std::string gpu_driver(const std::string& root) {
  std::string v = first_line(root + "sys/module/nvidia/version");
  if (!v.empty()) return "nvidia " + v;
  v = first_line(root + "proc/driver/nvidia/version");
  return v;
}

}  // namespace

std::string fnv1a_hex(std::string_view data) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

nlohmann::json machine_facts(const std::string& root_in) {
  std::string root = root_in.empty() ? "/" : root_in;
  if (root.back() != '/') root += '/';
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  struct utsname u {};
  const bool have_uname = ::uname(&u) == 0;
  const std::string machine_id = first_line(root + "etc/machine-id");
  return {{"host", std::string(host)},
          {"machine_id_hash", machine_id.empty() ? std::string() : fnv1a_hex(machine_id)},
          {"boot_id", first_line(root + "proc/sys/kernel/random/boot_id")},
          {"kernel", have_uname ? fmt::format("{} {}", u.release, u.version) : std::string()},
          {"gpu_driver", gpu_driver(root)},
          {"cpu_model", cpu_model(root)}};
}

}  // namespace cxlprobe
