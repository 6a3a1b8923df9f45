// Samples a PCI device's link (sysfs current_link_speed/width, both ends) on a thread while
// timed copies run: an idle link trains down, a busy one must not, so the state seen during the
// copy tells power saving from a downtrained link.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include "topology/model.hpp"
#include "topology/sysfs.hpp"

namespace cxlprobe::probes {

class link_sampler {
 public:
  // `root`: the sysfs root ("/" live, a fixture folder in tests). Starts sampling at once.
  link_sampler(std::string busid, std::string root = "/");
  link_sampler(const link_sampler&) = delete;
  link_sampler& operator=(const link_sampler&) = delete;
  ~link_sampler();

  // Stops sampling and returns the slowest state seen under load, combined with the port above
  // (links::combine with under_load): nullopt when sysfs has no link files for the device.
  std::optional<topology::link_info> finish();

 private:
  void sample();

  topology::sysfs::reader sys_;
  std::string busid_;
  std::string port_;  // the downstream port above, when the device's sysfs parent is one
  std::atomic<bool> stop_{false};
  std::optional<topology::link_reading> slowest_;
  int samples_ = 0;
  std::thread thread_;
};

}  // namespace cxlprobe::probes
