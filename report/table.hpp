// Console table of results, one block per probe. Units in every header
// (GB/s = 1e9 B/s, GiB/s = 2^30 B/s).
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"

namespace cxlprobe::report {

std::string render_table(const std::vector<result>& results);

// A parameter value as a person reads it: sizes in KiB/MiB, strings bare.
std::string param_text(const std::string& key, const json& value);

}  // namespace cxlprobe::report
