// Options shared by the CPU-side probes (bw, lat, scale): tier, safety, pinning, repetitions.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "tiers/tier_spec.hpp"

namespace cxlprobe::probes {

struct tier_options {
  std::string tier = "dram";
  bool allow_write = false;
  bool force = false;
};

struct pinning_options {
  std::string cpus;
  std::optional<int> cpu_node;
};

struct repetition_options {
  int reps = 10;
  int warmup = 2;
};

void add_tier_options(CLI::App& cmd, tier_options& o, const std::string& what);
void add_pinning_options(CLI::App& cmd, pinning_options& o);
void add_repetition_options(CLI::App& cmd, repetition_options& o);
// Throws usage_error for reps < 1 or warmup < 0.
void validate(const repetition_options& o);

}  // namespace cxlprobe::probes
