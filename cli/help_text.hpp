// What `--help` teaches beyond the options: examples per command, and the placeholders that
// name what an option takes (TIER, SIZE, LIST) instead of CLI11's TEXT.
#pragma once

#include <string>
#include <string_view>

namespace cxlprobe::cli {

// "Examples:" and 2-4 real command lines for `command`, or "" when it has none.
std::string examples_for(std::string_view command);

// The placeholder for an option that takes text ("--tier" -> "TIER"), or "" to keep CLI11's.
std::string placeholder_for(std::string_view option);

}  // namespace cxlprobe::cli
