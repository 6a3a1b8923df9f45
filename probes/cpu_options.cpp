#include "probes/cpu_options.hpp"

#include "core/error.hpp"

namespace cxlprobe::probes {

void add_tier_options(CLI::App& cmd, tier_options& o, const std::string& what) {
  cmd.add_option("--tier", o.tier,
                 what +
                     ": dram, node:N, dax:/dev/daxX.Y[@OFFSET[+SIZE]] or file:PATH "
                     "(file-backed stand-in, reported as emulated)")
      ->capture_default_str();
  cmd.add_flag("--allow-write", o.allow_write,
               "Permit writing into a DAX device or an existing file (destroys its content)");
  cmd.add_flag("--force", o.force,
               "Measure a DAX device or file even when another process maps it");
}

void add_pinning_options(CLI::App& cmd, pinning_options& o) {
  cmd.add_option("--cpus", o.cpus,
                 "Pin workers to these CPUs, in order (e.g. 0,2,4); default: the "
                 "CPUs this process may use")
      ->type_name("LIST");
  cmd.add_option("--cpu-node", o.cpu_node, "Pin workers to the CPUs of this NUMA node")
      ->type_name("N")
      ->check(CLI::Range(0, 1023));
}

void add_repetition_options(CLI::App& cmd, repetition_options& o) {
  cmd.add_option("--reps", o.reps, "Timed repetitions per point (the median is reported)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd.add_option("--warmup", o.warmup, "Untimed repetitions before timing")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
}

void validate(const repetition_options& o) {
  if (o.reps < 1 || o.reps > 100000) throw usage_error("--reps must be within 1..100000");
  if (o.warmup < 0 || o.warmup > 10000) throw usage_error("--warmup must be within 0..10000");
}

}  // namespace cxlprobe::probes
