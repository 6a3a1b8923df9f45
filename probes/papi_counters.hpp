// Hardware (or software) event counters around timed regions, through PAPI when compiled in.
// Counters never fail a probe: when PAPI is absent or cannot add an event (VMs without
// hardware counters), the reason is recorded once and the measurement goes on without them.
#pragma once

#include <string>
#include <vector>

namespace cxlprobe::probes {

class thread_counters;

class counter_plan {
 public:
  // Tries the events once on the calling thread; keeps those that can be added.
  explicit counter_plan(const std::vector<std::string>& events);
  const std::vector<std::string>& events() const { return usable_; }
  // Why some or all requested events are not counted ("" when all are).
  const std::string& unavailable() const { return unavailable_; }
  bool active() const { return !usable_.empty(); }

 private:
  std::vector<std::string> usable_;
  std::string unavailable_;
};

// One event set for one thread (create it on the thread that is counted).
class thread_counters {
 public:
  explicit thread_counters(const counter_plan& plan);
  thread_counters(const thread_counters&) = delete;
  thread_counters& operator=(const thread_counters&) = delete;
  ~thread_counters();
  void start();
  // Adds the counts since start() to `totals` (one entry per plan event).
  void stop(std::vector<long long>& totals);

 private:
  int set_ = -1;
  bool running_ = false;
};

// Default events: cycles, instructions, last-level cache misses.
std::vector<std::string> default_counter_events();

}  // namespace cxlprobe::probes
