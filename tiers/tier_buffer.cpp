#include "tiers/tier_buffer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/check.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "tiers/memory_room.hpp"

namespace cxlprobe::tiers {

namespace {

// Refuses an anonymous mapping larger than the tier can lend (memory_room.hpp says why).
void check_room(const tier_spec& spec, const map_request& req) {
  const auto room = memory_room_of(spec, req.sysfs_root);
  if (!room || req.bytes <= mappable_part(room->bytes)) return;
  throw usage_error(fmt::format(
      "{}: this run maps {}, but {} is {} and a probe maps at most 90% of it ({}): the rest "
      "would come from swap or the OOM killer. Use {}",
      spec.to_string(), units::format_bytes(req.bytes), room->what,
      units::format_bytes(room->bytes), units::format_bytes(mappable_part(room->bytes)),
      req.smaller));
}

constexpr std::uint64_t kPage = 4096;

std::uint64_t round_up(std::uint64_t v, std::uint64_t a) {
  return (v + a - 1) / a * a;
}

std::string read_small(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

std::string pid_list(const std::vector<int>& pids) {
  std::string s;
  for (std::size_t i = 0; i < pids.size() && i < 8; ++i)
    s += (i ? ", " : "") + std::to_string(pids[i]);
  if (pids.size() > 8) s += ", ...";
  return s;
}

void refuse_if_in_use(const std::string& path, bool force) {
  const auto pids = processes_mapping(path);
  if (!pids.empty() && !force) {
    throw usage_error(fmt::format(
        "'{}' is mapped by another process (pid {}); measuring it could disturb that process "
        "or read data in flux. Stop it, or pass --force if you are sure",
        path, pid_list(pids)));
  }
}

}  // namespace

std::vector<int> processes_mapping(const std::string& path) {
  std::vector<int> pids;
  std::error_code ec;
  std::string canonical = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) canonical = path;
  DIR* proc = ::opendir("/proc");
  if (!proc) return pids;
  const int self = ::getpid();
  while (dirent* e = ::readdir(proc)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0 || pid == self) continue;
    std::ifstream maps(fmt::format("/proc/{}/maps", pid));
    std::string line;
    while (std::getline(maps, line)) {
      // "addr perms offset dev inode   pathname"
      const auto slash = line.find('/');
      if (slash == std::string::npos) continue;
      std::string mapped = line.substr(slash);
      if (const auto del = mapped.find(" (deleted)"); del != std::string::npos) mapped.resize(del);
      if (mapped == canonical || mapped == path) {
        pids.push_back(pid);
        break;
      }
    }
  }
  ::closedir(proc);
  return pids;
}

dax_geometry read_dax_geometry(const std::string& device, const std::string& sysfs_root) {
  const std::string name = std::filesystem::path(device).filename().string();
  std::string root = sysfs_root;
  if (root.empty() || root.back() != '/') root += '/';
  const std::string dir = root + "sys/bus/dax/devices/" + name + "/";
  const std::string size = read_small(dir + "size");
  const std::string align = read_small(dir + "align");
  if (size.empty()) {
    throw usage_error(
        fmt::format("'{}' is not a DAX device (no {}size); list devices with "
                    "`daxctl list` or `cxlprobe topo`",
                    device, dir));
  }
  dax_geometry g;
  g.size = std::strtoull(size.c_str(), nullptr, 0);
  // Older kernels have no align attribute: devdax then maps at 2 MiB.
  g.align = align.empty() ? (2ULL << 20) : std::strtoull(align.c_str(), nullptr, 0);
  if (g.align == 0) g.align = 2ULL << 20;
  return g;
}

void check_dax_range(const std::string& device, const dax_geometry& g, std::uint64_t offset,
                     std::uint64_t length) {
  const std::string a = units::format_bytes(g.align);
  if (offset % g.align != 0) {
    throw usage_error(
        fmt::format("dax offset {} on '{}' is not a multiple of the device "
                    "alignment {}; round it to a multiple of {}",
                    offset, device, a, a));
  }
  if (length == 0 || length % g.align != 0) {
    throw usage_error(
        fmt::format("dax size {} on '{}' is not a (non-zero) multiple of the "
                    "device alignment {}",
                    length, device, a));
  }
  if (offset >= g.size || length > g.size - offset) {
    throw usage_error(
        fmt::format("dax range offset {} + size {} runs past the end of '{}' ({} "
                    "bytes, {}); choose a smaller offset or size",
                    offset, length, device, g.size, units::format_bytes(g.size)));
  }
}

tier_buffer tier_buffer::open(const tier_spec& spec, const map_request& req) {
  if (req.bytes == 0) throw usage_error("a tier buffer of 0 bytes was asked for");
  tier_buffer b;
  b.spec_ = spec;
  switch (spec.kind) {
    case tier_kind::dram:
    case tier_kind::node: {
      if (spec.kind == tier_kind::node) {
        if (numa_available() < 0)
          throw usage_error("tier node:N needs NUMA support (libnuma reports none)");
        if (spec.node > numa_max_node() ||
            !std::filesystem::exists(fmt::format("/sys/devices/system/node/node{}", spec.node))) {
          throw usage_error(
              fmt::format("NUMA node {} does not exist on this machine (nodes 0..{}); "
                          "see `cxlprobe topo`",
                          spec.node, numa_max_node()));
        }
      }
      check_room(spec, req);
      b.map_length_ = round_up(req.bytes, 2ULL << 20);
      void* p = ::mmap(nullptr, b.map_length_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
      if (p == MAP_FAILED) throw system_error("mmap(anonymous)", __FILE__, __LINE__, errno);
      b.data_ = static_cast<std::byte*>(p);
      b.size_ = req.bytes;
      b.writable_ = true;
      b.owns_content_ = true;
      // Fewer TLB misses: ask for transparent huge pages (advice only; page_size() reports).
      ::madvise(p, b.map_length_, MADV_HUGEPAGE);
      if (spec.kind == tier_kind::node) {
        const unsigned long bits = sizeof(unsigned long) * 8;
        std::vector<unsigned long> mask(static_cast<std::size_t>(spec.node) / bits + 1, 0);
        mask[static_cast<std::size_t>(spec.node) / bits] |= 1UL << (spec.node % bits);
        CXLP_CHECK_SYS(
            ::mbind(p, b.map_length_, MPOL_BIND, mask.data(), mask.size() * bits + 1, 0));
      }
      return b;
    }
    case tier_kind::dax: {
      struct stat st {};
      if (::stat(spec.path.c_str(), &st) != 0) {
        throw usage_error(fmt::format("DAX device '{}': {}", spec.path, std::strerror(errno)));
      }
      if (!S_ISCHR(st.st_mode)) {
        throw usage_error(fmt::format("'{}' is not a DAX device (not a character device{})",
                                      spec.path, S_ISDIR(st.st_mode) ? ", a directory" : ""));
      }
      const dax_geometry g = read_dax_geometry(spec.path, req.sysfs_root);
      const std::uint64_t length = spec.length.value_or(round_up(req.bytes, g.align));
      check_dax_range(spec.path, g, spec.offset, length);
      if (length < req.bytes) {
        throw usage_error(fmt::format("dax range on '{}' holds {} but the probe needs {}",
                                      spec.path, units::format_bytes(length),
                                      units::format_bytes(req.bytes)));
      }
      if (req.writes && !req.allow_write) {
        throw usage_error(
            fmt::format("this would write to DAX device '{}' and destroy what it "
                        "holds; pass --allow-write to permit it",
                        spec.path));
      }
      refuse_if_in_use(spec.path, req.force);
      b.fd_ = ::open(spec.path.c_str(), (req.writes ? O_RDWR : O_RDONLY) | O_CLOEXEC);
      if (b.fd_ < 0) {
        throw usage_error(fmt::format("cannot open DAX device '{}': {}{}", spec.path,
                                      std::strerror(errno),
                                      errno == EACCES ? " (run as root?)" : ""));
      }
      void* p = ::mmap(nullptr, length, req.writes ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
                       b.fd_, static_cast<off_t>(spec.offset));
      if (p == MAP_FAILED) {
        const int err = errno;
        b.release();
        throw system_error(
            fmt::format("mmap(\"{}\", MAP_SHARED, offset {})", spec.path, spec.offset), __FILE__,
            __LINE__, err);
      }
      b.data_ = static_cast<std::byte*>(p);
      b.map_length_ = length;
      b.size_ = req.bytes;
      b.alignment_ = g.align;
      b.writable_ = req.writes;
      return b;
    }
    case tier_kind::file:
      break;
  }
  // file:PATH, a stand-in. An existing file is someone's data: read it, write only with
  // --allow-write. A new file is created here, filled by the probe and removed afterwards.
  struct stat st {};
  const bool exists = ::stat(spec.path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    throw usage_error(
        fmt::format("file tier '{}' is a directory; name a file inside it, e.g. "
                    "file:{}/cxlprobe.bin",
                    spec.path, spec.path));
  }
  if (exists && !S_ISREG(st.st_mode)) {
    throw usage_error(fmt::format("file tier '{}' is not a regular file", spec.path));
  }
  if (exists && req.writes && !req.allow_write) {
    throw usage_error(
        fmt::format("file tier '{}' exists; writing would overwrite its content. "
                    "Pass --allow-write, or name a file that does not exist yet",
                    spec.path));
  }
  if (exists) {
    refuse_if_in_use(spec.path, req.force);
    if (static_cast<std::uint64_t>(st.st_size) < req.bytes) {
      throw usage_error(fmt::format("file tier '{}' holds {} but the probe needs {}", spec.path,
                                    units::format_bytes(static_cast<std::uint64_t>(st.st_size)),
                                    units::format_bytes(req.bytes)));
    }
  }
  const bool writes = req.writes || !exists;
  b.fd_ = ::open(spec.path.c_str(),
                 (writes ? O_RDWR : O_RDONLY) | O_CLOEXEC | (exists ? 0 : O_CREAT | O_EXCL), 0600);
  if (b.fd_ < 0) {
    const int err = errno;
    throw usage_error(fmt::format(
        "cannot open file tier '{}': {}{}", spec.path, std::strerror(err),
        err == EACCES || err == EPERM
            ? writes
                  ? " (this user may not write it: change its mode or owner, or run as one who may)"
                  : " (this user may not read it: change its mode or owner, or run as one who may)"
            : ""));
  }
  if (!exists) {
    b.created_path_ = spec.path;
    b.owns_content_ = true;
    if (::ftruncate(b.fd_, static_cast<off_t>(req.bytes)) != 0) {
      const int err = errno;
      b.release();
      throw system_error(fmt::format("ftruncate(\"{}\", {})", spec.path, req.bytes), __FILE__,
                         __LINE__, err);
    }
  }
  void* p =
      ::mmap(nullptr, req.bytes, writes ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, b.fd_, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    b.release();
    throw system_error(fmt::format("mmap(\"{}\", MAP_SHARED)", spec.path), __FILE__, __LINE__, err);
  }
  b.data_ = static_cast<std::byte*>(p);
  b.map_length_ = req.bytes;
  b.size_ = req.bytes;
  b.writable_ = writes;
  return b;
}

tier_buffer::tier_buffer(tier_buffer&& o) noexcept {
  *this = std::move(o);
}

tier_buffer& tier_buffer::operator=(tier_buffer&& o) noexcept {
  if (this != &o) {
    release();
    spec_ = std::move(o.spec_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    map_length_ = std::exchange(o.map_length_, 0);
    alignment_ = o.alignment_;
    fd_ = std::exchange(o.fd_, -1);
    writable_ = o.writable_;
    owns_content_ = o.owns_content_;
    created_path_ = std::exchange(o.created_path_, std::string());
  }
  return *this;
}

tier_buffer::~tier_buffer() {
  release();
}

void tier_buffer::release() noexcept {
  if (data_) ::munmap(data_, map_length_);
  data_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!created_path_.empty()) ::unlink(created_path_.c_str());
  created_path_.clear();
}

std::uint64_t tier_buffer::page_size() const {
  if (spec_.kind == tier_kind::dax) return alignment_;
  if (spec_.kind == tier_kind::file) return kPage;
  // Anonymous memory: THP backs the range when smaps shows AnonHugePages for it.
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  const auto start = reinterpret_cast<std::uintptr_t>(data_);
  bool in_range = false;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') != std::string::npos && line.find(':') > line.find('-')) {
      const std::uintptr_t lo = std::strtoull(line.c_str(), nullptr, 16);
      in_range =
          lo <= start && start < std::strtoull(line.c_str() + line.find('-') + 1, nullptr, 16);
      continue;
    }
    if (in_range && line.rfind("AnonHugePages:", 0) == 0) {
      return std::strtoull(line.c_str() + 14, nullptr, 10) > 0 ? (2ULL << 20) : kPage;
    }
  }
  return kPage;
}

std::string tier_buffer::describe() const {
  std::string s = fmt::format("{} ({} mapped", spec_.to_string(), units::format_bytes(size_));
  if (spec_.kind == tier_kind::dax) s += fmt::format(", align {}", units::format_bytes(alignment_));
  if (spec_.emulated()) s += ", emulated: file-backed stand-in";
  return s + ")";
}

double tier_buffer::placement_on_node(int node) const {
  const std::size_t pages = static_cast<std::size_t>(size_ / kPage);
  const std::size_t step = std::max<std::size_t>(1, pages / 256);
  std::vector<void*> addrs;
  for (std::size_t i = 0; i < pages; i += step)
    addrs.push_back(data_ + i * kPage);
  std::vector<int> status(addrs.size(), -1);
  if (numa_move_pages(0, addrs.size(), addrs.data(), nullptr, status.data(), 0) != 0) {
    throw system_error("numa_move_pages(query)", __FILE__, __LINE__, errno);
  }
  const auto on = std::count(status.begin(), status.end(), node);
  return addrs.empty() ? 0.0 : static_cast<double>(on) / static_cast<double>(addrs.size());
}

}  // namespace cxlprobe::tiers
