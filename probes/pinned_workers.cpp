#include "probes/pinned_workers.hpp"

#include <numa.h>
#include <pthread.h>
#include <sched.h>

#include <fmt/format.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <exception>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/check.hpp"
#include "core/error.hpp"
#include "core/units.hpp"

namespace cxlprobe::probes {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

namespace {
double now_s() {
  return steady_seconds();
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  CXLP_CHECK_ERRNO(pthread_setaffinity_np(pthread_self(), sizeof set, &set));
}
}  // namespace

void pin_single(int cpu) {
  pin_to(cpu);
}

double round_times::span() const {
  return *std::max_element(end.begin(), end.end()) - *std::min_element(start.begin(), start.end());
}

std::vector<round_times> run_pinned(const worker_plan& plan,
                                    const std::function<void(int)>& prepare,
                                    const std::function<void(int, int)>& body,
                                    const std::atomic<bool>* stop) {
  const int n = static_cast<int>(plan.cpus.size());
  if (n == 0) throw usage_error("no CPU to run a worker on");
  const int total_rounds = plan.warmup + plan.rounds;
  std::vector<round_times> rounds(static_cast<std::size_t>(plan.rounds));
  for (auto& r : rounds) {
    r.start.assign(static_cast<std::size_t>(n), 0.0);
    r.end.assign(static_cast<std::size_t>(n), 0.0);
  }
  std::atomic<bool> quit{false};
  std::atomic<int> done_rounds{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  // The completion step runs once per phase on one thread: decide whether to go on.
  auto on_phase = [&]() noexcept {
    if (stop && stop->load(std::memory_order_relaxed)) quit.store(true);
  };
  std::barrier sync(n, on_phase);
  auto fail = [&](std::exception_ptr e) {
    std::lock_guard lock(failure_mutex);
    if (!failure) failure = e;
    quit.store(true);
  };
  auto worker = [&](int w) {
    bool ok = true;
    try {
      pin_to(plan.cpus[static_cast<std::size_t>(w)]);
      prepare(w);
    } catch (...) {
      fail(std::current_exception());
      ok = false;
    }
    for (int r = 0; r < total_rounds; ++r) {
      sync.arrive_and_wait();
      if (quit.load()) break;
      const int timed = r - plan.warmup;
      const double t0 = now_s();
      if (ok) {
        try {
          body(w, timed);
        } catch (...) {
          fail(std::current_exception());
          ok = false;
        }
      }
      const double t1 = now_s();
      if (timed >= 0) {
        rounds[static_cast<std::size_t>(timed)].start[static_cast<std::size_t>(w)] = t0;
        rounds[static_cast<std::size_t>(timed)].end[static_cast<std::size_t>(w)] = t1;
        if (w == 0) done_rounds.store(timed + 1);
      }
    }
    sync.arrive_and_drop();
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int w = 0; w < n; ++w)
    threads.emplace_back(worker, w);
  for (auto& t : threads)
    t.join();
  if (failure) std::rethrow_exception(failure);
  rounds.resize(static_cast<std::size_t>(done_rounds.load()));
  return rounds;
}

std::vector<int> spread_cpus(const std::vector<int>& cpus, std::size_t n) {
  if (n == 0 || n > cpus.size()) {
    throw usage_error(fmt::format("{} threads asked for, {} CPUs available", n, cpus.size()));
  }
  std::vector<int> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(cpus[i * cpus.size() / n]);
  return out;
}

std::vector<int> compact_cpus(const std::vector<int>& cpus, std::size_t n,
                              const std::function<std::vector<int>(int)>& siblings) {
  if (n == 0 || n > cpus.size()) {
    throw usage_error(fmt::format("{} threads asked for, {} CPUs available", n, cpus.size()));
  }
  // First pass: a CPU whose core no chosen CPU shares; second: the rest, in order.
  std::vector<int> out;
  std::vector<int> busy;  // CPUs whose core is taken
  for (int c : cpus) {
    if (out.size() == n) return out;
    if (std::find(busy.begin(), busy.end(), c) != busy.end()) continue;
    out.push_back(c);
    const auto s = siblings(c);
    busy.insert(busy.end(), s.begin(), s.end());
  }
  for (int c : cpus) {
    if (out.size() == n) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::vector<int> smt_siblings(int cpu) {
  std::ifstream in(fmt::format("/sys/devices/system/cpu/cpu{}/topology/thread_siblings_list", cpu));
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) return {};
  try {
    std::vector<int> out;
    for (long c : units::parse_int_list(line, "thread_siblings_list", 0, CPU_SETSIZE - 1))
      out.push_back(static_cast<int>(c));
    return out;
  } catch (const usage_error&) {
    return {};  // a format this parser does not know: treated as a core of its own
  }
}

int node_of_cpu(int cpu) {
  if (numa_available() < 0) return 0;
  const int node = numa_node_of_cpu(cpu);
  return node < 0 ? 0 : node;
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  CXLP_CHECK_SYS(sched_getaffinity(0, sizeof set, &set));
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

std::vector<int> cpus_of_node(int node) {
  if (numa_available() < 0)
    throw usage_error("--cpu-node needs NUMA support (libnuma reports none)");
  if (node < 0 || node > numa_max_node()) {
    throw usage_error(
        fmt::format("--cpu-node {}: no such NUMA node (nodes 0..{})", node, numa_max_node()));
  }
  struct bitmask* mask = numa_allocate_cpumask();
  if (numa_node_to_cpus(node, mask) != 0) {
    numa_free_cpumask(mask);
    throw usage_error(fmt::format("--cpu-node {}: no such NUMA node", node));
  }
  std::vector<int> out;
  for (int c : allowed_cpus()) {
    if (numa_bitmask_isbitset(mask, static_cast<unsigned>(c))) out.push_back(c);
  }
  numa_free_cpumask(mask);
  if (out.empty()) {
    throw usage_error(
        fmt::format("--cpu-node {} has no CPU this process may run on (a CPU-less "
                    "memory node?); pick a node with CPUs",
                    node));
  }
  return out;
}

std::vector<int> resolve_cpus(const std::string& cpus_option, std::optional<int> cpu_node) {
  if (!cpus_option.empty() && cpu_node) throw usage_error("give --cpus or --cpu-node, not both");
  if (cpu_node) return cpus_of_node(*cpu_node);
  const auto allowed = allowed_cpus();
  if (cpus_option.empty()) return allowed;
  std::vector<int> out;
  for (long c : units::parse_int_list(cpus_option, "--cpus", 0, CPU_SETSIZE - 1)) {
    if (std::find(allowed.begin(), allowed.end(), static_cast<int>(c)) == allowed.end()) {
      throw usage_error(fmt::format(
          "--cpus: CPU {} is not available to this process (allowed: {} CPUs, first {})", c,
          allowed.size(), allowed.empty() ? -1 : allowed.front()));
    }
    out.push_back(static_cast<int>(c));
  }
  return out;
}

}  // namespace cxlprobe::probes
