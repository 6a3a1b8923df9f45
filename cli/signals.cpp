#include "cli/signals.hpp"

#include <unistd.h>

#include "core/check.hpp"

namespace cxlprobe::cli {

namespace {
// A signal handler can only reach static storage; this is the run's stop request, not an option.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

// First signal: ask the run to stop (partial results are written, marked incomplete). A second
// one means the run is stuck: leave at once with 130 (only async-signal-safe calls here).
extern "C" void on_stop_signal(int sig) {
  if (g_stop.exchange(true, std::memory_order_relaxed)) {
    static const char msg[] =
        "\ncxlprobe: second signal: exiting at once (exit 130; this run's results are not "
        "written)\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(130);
  }
  g_signal.store(sig, std::memory_order_relaxed);
}
}  // namespace

stop_on_signals::stop_on_signals() {
  g_stop.store(false);
  g_signal.store(0);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESTART;  // slow calls resume; waits that must see the stop poll in slices
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
