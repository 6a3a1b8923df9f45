// Runs the same body on several threads pinned to given CPUs, in timed rounds that start
// together (a barrier before each round). Exceptions in a worker are carried to the caller.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cxlprobe::probes {

struct round_times {
  std::vector<double> start;  // per worker, seconds on the steady clock
  std::vector<double> end;
  double span() const;  // latest end - earliest start
};

struct worker_plan {
  std::vector<int> cpus;  // one pinned worker per entry
  int warmup = 2;
  int rounds = 10;
};

// prepare(worker) runs once per worker before any round (first touch, filling); body(worker,
// round) is timed; round < 0 for warm-up rounds. Stops early (returning the rounds done) when
// *stop becomes true between rounds.
std::vector<round_times> run_pinned(const worker_plan& plan,
                                    const std::function<void(int)>& prepare,
                                    const std::function<void(int, int)>& body,
                                    const std::atomic<bool>* stop);

// n CPUs taken evenly across `cpus` (as OMP_PROC_BIND=spread does), so a partial thread count
// uses the whole machine's memory channels rather than its first cores. Throws usage_error when
// n exceeds the list.
std::vector<int> spread_cpus(const std::vector<int>& cpus, std::size_t n);

// n CPUs packed at the front of `cpus` (as likwid-bench's N:size:T places threads), one per
// core before any core's second hardware thread: siblings(cpu) lists the CPUs sharing cpu's
// core (empty: a core of its own). Throws usage_error when n exceeds the list.
std::vector<int> compact_cpus(const std::vector<int>& cpus, std::size_t n,
                              const std::function<std::vector<int>(int)>& siblings);

// The CPUs sharing `cpu`'s core, itself included, from sysfs (thread_siblings_list); empty when
// the kernel does not say.
std::vector<int> smt_siblings(int cpu);

// Seconds on the steady clock (comparable across threads and processes of one machine).
double steady_seconds();

// Pins the calling thread to one CPU.
void pin_single(int cpu);

// The NUMA node of a CPU (libnuma); 0 where NUMA is not available.
int node_of_cpu(int cpu);

// CPUs this process may run on, in order.
std::vector<int> allowed_cpus();
// CPUs of a NUMA node (from libnuma), intersected with allowed_cpus(). Throws usage_error
// when the node does not exist or has no usable CPU.
std::vector<int> cpus_of_node(int node);
// Resolves --cpus / --cpu-node into a CPU list (both empty: allowed_cpus()). Throws
// usage_error for CPUs this process may not use.
std::vector<int> resolve_cpus(const std::string& cpus_option, std::optional<int> cpu_node);

}  // namespace cxlprobe::probes
