#include "topology/loader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <hwloc.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "core/check.hpp"
#include "core/error.hpp"
#include "core/input_file.hpp"
#include "topology/cxl_chain.hpp"
#include "topology/gpu_rule.hpp"
#include "topology/hwloc_loader.hpp"
#include "topology/library_sources.hpp"
#include "topology/link_state.hpp"
#include "topology/sysfs.hpp"

namespace cxlprobe::topology {

namespace {

constexpr auto kXmlCheckTimeout = std::chrono::seconds(20);

[[noreturn]] void bad_file(const std::string& path, const std::string& why) {
  throw usage_error(fmt::format("topology file '{}': {}", path, why));
}

// hwloc refuses exports of a newer major format and says why only when HWLOC_XML_VERBOSE is
// set; the reason is given here in hwloc's words, with the way out.
void refuse_newer_format(const std::string& path, const std::string& head) {
  const auto tag = head.find("<topology");
  if (tag == std::string::npos) return;
  const auto v = head.find("version=\"", tag);
  if (v == std::string::npos) return;
  const int major = std::atoi(head.c_str() + v + 9);
  const int ours = HWLOC_API_VERSION >> 16;
  if (major <= ours) return;
  const auto end = head.find('"', v + 9);
  const std::string version = head.substr(v + 9, end == std::string::npos ? 0 : end - v - 9);
  bad_file(path, fmt::format("hwloc {}.x cannot import XML version {} > {} (exported by a newer "
                             "hwloc); export it again with `lstopo --of xml --export-xml-flags "
                             "v2` or with hwloc {}.x",
                             ours, version, ours, ours));
}

// Loads the XML in a child process and reports how that went, so a file that crashes or hangs
// hwloc leaves this process intact.
void trial_load_in_child(const std::string& path) {
  int fds[2];
  CXLP_CHECK_SYS(::pipe2(fds, O_CLOEXEC));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw system_error("fork (XML trial load)", __FILE__, __LINE__, errno);
  }
  if (pid == 0) {
    ::close(fds[0]);
    // A crash here is the finding the parent reports: die of the signal itself, without the
    // parent's handlers (a sanitizer's or a fuzzer's would report the child as the crash).
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, SIG_DFL);
    // hwloc prints its own parser complaints on stderr; the parent reports one clear error.
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    std::string msg;
    int rc = 0;
    try {
      (void)detail::load_hwloc(path, std::nullopt);
    } catch (const std::exception& e) {
      msg = e.what();
      rc = 1;
    }
    if (!msg.empty()) (void)!::write(fds[1], msg.data(), msg.size());
    ::_exit(rc);
  }
  ::close(fds[1]);
  std::string msg;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + kXmlCheckTimeout;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      ::close(fds[0]);
      throw system_error("waitpid (XML trial load)", __FILE__, __LINE__, errno);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ::close(fds[0]);
      bad_file(path, "hwloc did not finish loading it within 20 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  char buf[1024];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
    msg.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  if (WIFSIGNALED(status)) {
    bad_file(path, fmt::format("hwloc crashed while loading it (signal {}, {}); the file is "
                               "malformed (hwloc 2.9 needs complete_cpuset and complete_nodeset "
                               "on Machine and PU objects); re-export it with `lstopo --of xml`",
                               WTERMSIG(status), strsignal(WTERMSIG(status))));
  }
  if (WEXITSTATUS(status) != 0) {
    if (!msg.empty()) throw usage_error(msg);
    // No message: the child died inside hwloc (a sanitizer turns the crash into an exit code).
    bad_file(path, fmt::format("hwloc crashed while loading it (exit status {}); the file is "
                               "malformed; re-export it with `lstopo --of xml`",
                               WEXITSTATUS(status)));
  }
}

// hwloc sizes its bitmaps by the largest index: an export with os_index="2000000000" takes
// seconds and a gigabyte per load. No machine has indexes near 2^20 (Linux caps CPUs at 8192).
constexpr unsigned long kMaxOsIndex = 1UL << 20;
constexpr std::uintmax_t kMaxXmlBytes = 256ULL << 20;

void refuse_absurd_indexes(const std::string& path, std::uintmax_t size) {
  if (size > kMaxXmlBytes) {
    bad_file(path, fmt::format("is {} bytes; an lstopo export of the largest machines is a few "
                               "MiB (the limit is 256 MiB)",
                               size));
  }
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // A PU or NUMA node without os_index gets hwloc's unknown index (2^32-1) and a 512 MiB bitmap
  // (a fuzzed 5 KB file took 1.7 s and 530 MB); every lstopo export writes one.
  for (const std::string kind : {"PU", "NUMANode"}) {
    const std::string open = "<object type=\"" + kind + "\"";
    for (auto at = text.find(open); at != std::string::npos; at = text.find(open, at + 1)) {
      const auto end = std::min(text.find('>', at), text.size());
      if (std::string_view(text).substr(at, end - at).find(" os_index=\"") ==
          std::string_view::npos) {
        bad_file(path, fmt::format("a {} object without os_index (at byte {}); the file is "
                                   "damaged or not an lstopo export",
                                   kind, at));
      }
    }
  }
  static const std::string key = "os_index=\"";
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const unsigned long v = std::strtoul(text.c_str() + at + key.size(), nullptr, 10);
    if (v >= kMaxOsIndex) {
      bad_file(path, fmt::format("os_index=\"{}\" is beyond any machine (limit {}); the file is "
                                 "damaged or not an lstopo export",
                                 v, kMaxOsIndex));
    }
  }
}

}  // namespace

void check_xml_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    bad_file(path,
             fmt::format("{}; give the path of an `lstopo --of xml` export", std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) bad_file(path, "is a directory, not an XML file");
  // A FIFO or device would block or never end: only regular files (never opened otherwise).
  check_input_file(path, "topology file");
  std::ifstream in(path, std::ios::binary);
  if (!in) bad_file(path, fmt::format("cannot be read: {}", std::strerror(errno)));
  if (st.st_size == 0) bad_file(path, "is empty");
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  const auto first = head.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || head[first] != '<') {
    bad_file(path, "is not XML (an hwloc topology export starts with '<?xml' or '<topology')");
  }
  refuse_newer_format(path, head);
  refuse_absurd_indexes(path, static_cast<std::uintmax_t>(st.st_size));
  trial_load_in_child(path);
}

namespace {

// What sysfs adds to hwloc's view: exact link readings at both ends, drivers, DAX devices, NUMA
// node CPUs and memory tiers, and the CXL chain (memdevs, regions, which tier sits on which).
void add_from_sysfs(topology& topo, const sysfs::reader& sys) {
  for (auto& d : topo.pci) {
    if (d.kind == pci_kind::host_bridge) continue;
    link_reading r = sys.pci_link(d.busid);
    if (r.gen || r.max_gen) {
      d.reading = r;
    } else if (d.reading) {
      d.reading->payload_bytes = r.payload_bytes;
    }
    d.driver = sys.driver(d.busid);
  }
  links::resolve_links(topo);
  // Live, a VGA-class GPU without an OS device (hwloc without its CUDA/NVML plugins) is known
  // by the driver bound to it.
  list_gpus(topo);
  for (const auto& s : sys.dax_devices()) {
    dax_device* d = nullptr;
    for (auto& existing : topo.dax) {
      if (existing.name == s.name) d = &existing;
    }
    if (!d) {
      topo.dax.push_back(s);
      continue;
    }
    d->size = s.size ? s.size : d->size;
    d->align = s.align ? s.align : d->align;
    d->mode = s.mode;
    d->start = s.start ? s.start : d->start;
    d->target_node = s.target_node ? s.target_node : d->target_node;
    d->numa_node = s.numa_node ? s.numa_node : d->numa_node;
    d->source += ",sysfs";
  }
  for (const auto& s : sys.numa_nodes()) {
    for (auto& n : topo.numa) {
      if (n.os_index != s.os_index) continue;
      n.cpu_less = s.cpu_less;
      n.cpus = s.cpus;
      if (s.memory_tier) n.memory_tier = s.memory_tier;
    }
  }
  cxl_chain::add_from_sysfs(topo, sys);
}

}  // namespace

topology load(const load_options& options) {
  if (options.xml_path) {
    check_xml_file(*options.xml_path);
    topology topo = detail::load_hwloc(options.xml_path, std::nullopt);
    if (options.fsroot) {
      // A snapshot taken on the machine the XML describes (tests/fixtures/sysfs/qemu-cxl-*).
      add_from_sysfs(topo, sysfs::reader(*options.fsroot));
      return topo;
    }
    topo.notes.push_back(
        "loaded from an XML file: CPU-less nodes, DAX modes and link payload sizes of the "
        "described machine are unknown");
    return topo;
  }
  topology topo = detail::load_hwloc(std::nullopt, options.fsroot);
  const sysfs::reader sys(options.fsroot.value_or("/"));
  add_from_sysfs(topo, sys);
  if (options.use_libraries && !options.fsroot) {
    detail::add_from_libdaxctl(topo);
    const std::size_t regions = topo.regions.size();
    detail::add_from_libcxl(topo);
    // Only when libcxl found regions sysfs did not list is there anything new to tie.
    if (topo.regions.size() != regions) cxl_chain::tie_tiers(topo, sys);
  }
  return topo;
}

}  // namespace cxlprobe::topology
