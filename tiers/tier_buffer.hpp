// Memory of one tier, mapped into this process. RAII: the destructor unmaps, closes, and removes
// a stand-in file that this object created. Safety rules live here, in one place:
//   - writing into a DAX device or an existing file needs allow_write;
//   - a DAX device or file that another process maps is refused unless force;
//   - DAX offsets and sizes must respect the device's alignment and size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tiers/tier_spec.hpp"

namespace cxlprobe::tiers {

struct map_request {
  std::uint64_t bytes = 0;       // how much the probe needs
  bool writes = false;           // the probe stores into this tier
  bool allow_write = false;      // --allow-write
  bool force = false;            // --force
  std::string sysfs_root = "/";  // where DAX size/alignment are read (tests use a fixture)
  // What the user changes to ask for less, named when the tier cannot lend `bytes`.
  std::string smaller = "a smaller --size";
};

class tier_buffer {
 public:
  // Throws usage_error (bad or unsafe request) or system_error (a call failed).
  static tier_buffer open(const tier_spec& spec, const map_request& request);

  tier_buffer(tier_buffer&& other) noexcept;
  tier_buffer& operator=(tier_buffer&& other) noexcept;
  tier_buffer(const tier_buffer&) = delete;
  tier_buffer& operator=(const tier_buffer&) = delete;
  ~tier_buffer();

  std::byte* data() const { return data_; }
  std::uint64_t size() const { return size_; }
  const tier_spec& spec() const { return spec_; }
  std::uint64_t alignment() const { return alignment_; }
  bool writable() const { return writable_; }
  // True when this object created the backing file (its content is ours to fill).
  bool owns_content() const { return owns_content_; }
  // Page size backing the mapping as far as known (4096, 2 MiB for THP or devdax alignment).
  std::uint64_t page_size() const;
  std::string describe() const;

  // node:N: fraction of sampled pages that sit on node N (call after the pages were touched).
  double placement_on_node(int node) const;

 private:
  tier_buffer() = default;
  void release() noexcept;

  tier_spec spec_;
  std::byte* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t map_length_ = 0;
  std::uint64_t alignment_ = 4096;
  int fd_ = -1;
  bool writable_ = false;
  bool owns_content_ = false;
  std::string created_path_;
};

// PIDs (other than this process) whose /proc/PID/maps mention `path`.
std::vector<int> processes_mapping(const std::string& path);

// DAX device facts from sysfs (ROOT/sys/bus/dax/devices/NAME/{size,align}).
struct dax_geometry {
  std::uint64_t size = 0;
  std::uint64_t align = 0;
};
// Throws usage_error when `device` (e.g. /dev/dax0.0) has no DAX sysfs entry.
dax_geometry read_dax_geometry(const std::string& device, const std::string& sysfs_root = "/");
// Checks an offset/length against the geometry. Throws usage_error naming the problem.
void check_dax_range(const std::string& device, const dax_geometry& g, std::uint64_t offset,
                     std::uint64_t length);

}  // namespace cxlprobe::tiers
