#include "cli/signals.hpp"

#include "core/check.hpp"

namespace cxlprobe::cli {

namespace {
// A signal handler can only reach static storage; this is the run's stop request, not an option.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void on_stop_signal(int sig) {
  g_signal.store(sig, std::memory_order_relaxed);
  g_stop.store(true, std::memory_order_relaxed);
}
}  // namespace

stop_on_signals::stop_on_signals() {
  g_stop.store(false);
  g_signal.store(0);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  CXLP_CHECK_SYS(::sigaction(SIGINT, &sa, &old_int_));
  CXLP_CHECK_SYS(::sigaction(SIGTERM, &sa, &old_term_));
}

stop_on_signals::~stop_on_signals() {
  ::sigaction(SIGINT, &old_int_, nullptr);
  ::sigaction(SIGTERM, &old_term_, nullptr);
}

const std::atomic<bool>& stop_on_signals::flag() const {
  return g_stop;
}
int stop_on_signals::signal_number() const {
  return g_signal.load();
}

}  // namespace cxlprobe::cli
