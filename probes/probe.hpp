// The one extension point: a probe is a name, a one-line summary, a requirement check, a way to
// add its options to a command, and a way to run. Adding a probe = its own files + one line in
// registry.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "core/result.hpp"
#include "topology/loader.hpp"
#include "topology/model.hpp"

namespace cxlprobe::probes {

// What a running probe may use: the topology (loaded once, on first use), a progress sink for
// long runs, and a stop flag set by SIGINT/SIGTERM (a probe checks it between measurements
// and returns what it has).
class run_context {
 public:
  run_context() = default;
  explicit run_context(topology::load_options options) : options_(std::move(options)) {}

  // Progress lines for people (stderr). `step` is true for "[k/n] ..." lines, which a terminal
  // may overwrite in place; other lines (warnings, phases) stay.
  std::function<void(const std::string& line, bool step)> progress;
  const std::atomic<bool>* stop = nullptr;

  bool stop_requested() const { return stop && stop->load(std::memory_order_relaxed); }
  void report(const std::string& line) const {
    if (progress) progress(line, false);
  }

  // A command's measured points, counted for "[k/n] what (elapsed, ETA)". Only the outermost
  // scope counts: a probe that explain runs reports its points as plain lines beneath explain's.
  class step_scope {
   public:
    step_scope(run_context& ctx, std::size_t total);
    ~step_scope();
    step_scope(const step_scope&) = delete;
    step_scope& operator=(const step_scope&) = delete;

   private:
    run_context& ctx_;
  };
  // One point begins: counted and timed in the outermost scope, a plain line otherwise.
  void step(const std::string& what);
  // Steps learned late (explain's bandwidth matrix) join the outermost scope's total.
  void add_steps(std::size_t n) { steps_total_ += n; }
  const topology::load_options& topology_options() const { return options_; }
  bool topology_from_file() const { return options_.xml_path.has_value(); }
  // Loads on first call; throws what topology::load throws.
  topology::topology& topo();
  bool topology_loaded() const { return topo_.has_value(); }
  // Uses a given model (a recorded run's topology) instead of loading one.
  void set_topology(topology::topology t) { topo_ = std::move(t); }

  // Derived results a command adds to the document's "analysis" (explain's floors).
  json analysis = json::object();
  // A command's last step, on the finished document, after --json and --csv are written
  // (fleet report -o: its report folder). Throws what it throws: the run then fails.
  std::function<void(const document&)> finish;

 private:
  topology::load_options options_;
  std::optional<topology::topology> topo_;
  int step_depth_ = 0;
  std::size_t steps_total_ = 0;
  std::size_t steps_done_ = 0;
  double steps_start_ = 0;  // steady-clock seconds
};

using runner = std::function<std::vector<result>(run_context&)>;

struct probe_spec {
  std::string_view name;
  std::string_view summary;
  // Adds the probe's options to `cmd` and returns the runner bound to their parsed values.
  std::function<runner(CLI::App& cmd)> setup;
  // Why this node cannot run the probe at all ("compiled without CUDA"), or nullopt. Runners
  // check it themselves after validating their options; planners (explain) ask it up front.
  std::function<std::optional<std::string>(run_context&)> requirement;
};

// Every probe, in the order the CLI lists them.
const std::vector<probe_spec>& registry();
const probe_spec* find_probe(std::string_view name);

}  // namespace cxlprobe::probes
