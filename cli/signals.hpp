// SIGINT/SIGTERM -> a stop flag that probes poll; restores the old handlers on destruction.
#pragma once

#include <atomic>
#include <csignal>

namespace cxlprobe::cli {

class stop_on_signals {
 public:
  stop_on_signals();
  stop_on_signals(const stop_on_signals&) = delete;
  stop_on_signals& operator=(const stop_on_signals&) = delete;
  ~stop_on_signals();

  const std::atomic<bool>& flag() const;
  int signal_number() const;  // the signal that set the flag, 0 if none

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace cxlprobe::cli
