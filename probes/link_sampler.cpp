#include "probes/link_sampler.hpp"

#include <chrono>
#include <filesystem>

#include "topology/link_state.hpp"

namespace cxlprobe::probes {

namespace {
constexpr auto kPeriod = std::chrono::milliseconds(2);

// The PCI function above `busid` in sysfs (its parent directory), when it is one.
std::string parent_function(const std::string& root, const std::string& busid) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dev = fs::canonical(fs::path(root) / "sys/bus/pci/devices" / busid, ec);
  if (ec) return "";
  const std::string up = dev.parent_path().filename().string();
  return fs::exists(fs::path(root) / "sys/bus/pci/devices" / up, ec) ? up : "";
}
}  // namespace

link_sampler::link_sampler(std::string busid, std::string root)
    : sys_(root), busid_(std::move(busid)), port_(parent_function(sys_.root(), busid_)) {
  sample();  // at least one reading, even for a copy shorter than the period
  thread_ = std::thread([this] {
    while (!stop_.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(kPeriod);
      sample();
    }
  });
}

link_sampler::~link_sampler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void link_sampler::sample() {
  const topology::link_reading r = sys_.pci_link(busid_);
  if (!r.gen || !r.width) return;
  ++samples_;
  if (!slowest_ || r.raw_bps < slowest_->raw_bps) slowest_ = r;
}

std::optional<topology::link_info> link_sampler::finish() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (!slowest_) return std::nullopt;
  std::vector<topology::link_reading> rs{*slowest_};
  if (!port_.empty()) {
    topology::link_reading up = sys_.pci_link(port_);
    up.end = "port";
    // Only the port's capability counts here: its current state was read once, not sampled.
    up.gen.reset();
    up.width.reset();
    up.raw_bps = 0;
    if (up.max_gen || up.max_width) rs.push_back(up);
  }
  return topology::links::combine(rs, /*under_load=*/true);
}

}  // namespace cxlprobe::probes
