// CSV of results: one row per metric, params as compact JSON in one column.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"

namespace cxlprobe::report {

std::string render_csv(const std::vector<result>& results);

// RFC 4180 quoting when the field needs it.
std::string csv_field(const std::string& text);

}  // namespace cxlprobe::report
