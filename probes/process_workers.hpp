// Worker processes that start together: each child sets up, says it is ready, waits for the go,
// measures, and sends back one line of text. A child that dies or hangs is reported after a
// timeout and killed; children die with the parent (PR_SET_PDEATHSIG), so none stray.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cxlprobe::probes {

struct process_outcome {
  bool ok = false;
  std::string output;   // what the worker returned (on success)
  std::string problem;  // why not (crashed, timed out, exited with N)
};

// setup(k) runs in child k before "ready"; work(k) runs after "go" and returns the child's
// answer. Both run in the child: they must not rely on state a fork cannot carry (threads,
// CUDA contexts of the parent). When *stop (may be null) becomes true, every child still
// running is killed within ~50 ms and reported as stopped. Children take the default action
// for SIGINT/SIGTERM, so a Ctrl-C to the process group ends them too.
std::vector<process_outcome> run_processes(std::size_t count,
                                           const std::function<void(std::size_t)>& setup,
                                           const std::function<std::string(std::size_t)>& work,
                                           std::chrono::seconds ready_timeout,
                                           std::chrono::seconds run_timeout,
                                           const std::atomic<bool>* stop = nullptr);

}  // namespace cxlprobe::probes
