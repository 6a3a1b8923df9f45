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

  std::function<void(const std::string&)> progress;
  const std::atomic<bool>* stop = nullptr;

  bool stop_requested() const { return stop && stop->load(std::memory_order_relaxed); }
  void report(const std::string& line) const {
    if (progress) progress(line);
  }
  const topology::load_options& topology_options() const { return options_; }
  bool topology_from_file() const { return options_.xml_path.has_value(); }
  // Loads on first call; throws what topology::load throws.
  topology::topology& topo();
  bool topology_loaded() const { return topo_.has_value(); }
  // Uses a given model (a recorded run's topology) instead of loading one.
  void set_topology(topology::topology t) { topo_ = std::move(t); }

  // Derived results a command adds to the document's "analysis" (explain's floors).
  json analysis = json::object();

 private:
  topology::load_options options_;
  std::optional<topology::topology> topo_;
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
