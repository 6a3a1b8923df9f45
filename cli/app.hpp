// The cxlprobe command line: the only place that prints to the terminal and maps outcomes to
// exit codes (0 ok, 1 a probe failed, 2 usage error, 3 everything waived, 130 interrupted).
#pragma once

#include <optional>
#include <string_view>

namespace cxlprobe::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitWaived = 3;
inline constexpr int kExitInterrupted = 130;

// Runs the CLI. `fixed_command` makes a probe binary: `cxlprobe-topo args` == `cxlprobe topo args`.
int run(int argc, char** argv, std::optional<std::string_view> fixed_command = std::nullopt);

}  // namespace cxlprobe::cli
