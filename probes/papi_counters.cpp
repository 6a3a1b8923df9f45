#include "probes/papi_counters.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#ifdef CXLPROBE_HAVE_PAPI
#include <papi.h>
#include <pthread.h>

#include <mutex>
#endif

namespace cxlprobe::probes {

std::vector<std::string> default_counter_events() {
  return {"PAPI_TOT_CYC", "PAPI_TOT_INS", "PAPI_L3_TCM"};
}

#ifdef CXLPROBE_HAVE_PAPI

namespace {
unsigned long thread_id() {
  return static_cast<unsigned long>(pthread_self());
}

// PAPI's library state is process-wide; initialise it once.
std::string init_papi() {
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    const int v = PAPI_library_init(PAPI_VER_CURRENT);
    if (v != PAPI_VER_CURRENT) {
      error = fmt::format("PAPI_library_init failed ({})",
                          v < 0 ? PAPI_strerror(v) : "version mismatch");
      return;
    }
    if (const int rc = PAPI_thread_init(thread_id); rc != PAPI_OK) {
      error = fmt::format("PAPI_thread_init failed: {}", PAPI_strerror(rc));
    }
  });
  return error;
}
}  // namespace

counter_plan::counter_plan(const std::vector<std::string>& events) {
  if (events.empty()) return;
  if (std::string err = init_papi(); !err.empty()) {
    unavailable_ = err;
    return;
  }
  std::vector<std::string> refused;
  for (const auto& e : events) {
    int set = PAPI_NULL;
    if (PAPI_create_eventset(&set) != PAPI_OK) {
      unavailable_ = "PAPI_create_eventset failed";
      return;
    }
    const int rc = PAPI_add_named_event(set, e.c_str());
    // Adding proves little on its own in VMs: starting the set is the real test.
    bool ok = rc == PAPI_OK;
    int start_rc = PAPI_OK;
    if (ok) {
      start_rc = PAPI_start(set);
      long long v = 0;
      if (start_rc == PAPI_OK) PAPI_stop(set, &v);
      ok = start_rc == PAPI_OK;
    }
    PAPI_cleanup_eventset(set);
    PAPI_destroy_eventset(&set);
    if (ok) {
      usable_.push_back(e);
    } else {
      refused.push_back(fmt::format("{} ({})", e, PAPI_strerror(rc != PAPI_OK ? rc : start_rc)));
    }
  }
  if (!refused.empty()) {
    unavailable_ = "not counted: " + fmt::format("{}", fmt::join(refused, ", ")) +
                   (usable_.empty() ? "; this machine exposes no such counters (a VM?)" : "");
  }
}

thread_counters::thread_counters(const counter_plan& plan) {
  if (!plan.active()) return;
  PAPI_register_thread();
  if (PAPI_create_eventset(&set_) != PAPI_OK) {
    set_ = -1;
    return;
  }
  for (const auto& e : plan.events())
    PAPI_add_named_event(set_, e.c_str());
}

thread_counters::~thread_counters() {
  if (set_ < 0) return;
  if (running_) {
    std::vector<long long> sink(16);
    PAPI_stop(set_, sink.data());
  }
  PAPI_cleanup_eventset(set_);
  PAPI_destroy_eventset(&set_);
  PAPI_unregister_thread();
}

void thread_counters::start() {
  if (set_ >= 0 && PAPI_start(set_) == PAPI_OK) running_ = true;
}

void thread_counters::stop(std::vector<long long>& totals) {
  if (!running_) return;
  std::vector<long long> v(totals.size(), 0);
  if (PAPI_stop(set_, v.data()) == PAPI_OK) {
    for (std::size_t i = 0; i < totals.size(); ++i)
      totals[i] += v[i];
  }
  running_ = false;
}

#else

counter_plan::counter_plan(const std::vector<std::string>& events) {
  if (!events.empty()) unavailable_ = "PAPI not compiled in (install libpapi-dev and reconfigure)";
}
thread_counters::thread_counters(const counter_plan&) {}
thread_counters::~thread_counters() = default;
void thread_counters::start() {}
void thread_counters::stop(std::vector<long long>&) {}

#endif

}  // namespace cxlprobe::probes
