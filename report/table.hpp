// Console table of results, one block per probe. Units in every header
// (GB/s = 1e9 B/s, GiB/s = 2^30 B/s).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace cxlprobe::report {

struct table_options {
  // Default: the columns a reader compares first (status, tier, op/dir, size, threads, the main
  // figure with its unit), then what varies while lines fit max_width; parameters equal on every
  // row go to one "all rows:" line, messages to numbered notes. wide: every column.
  bool wide = false;
  std::size_t max_width = 120;
};

std::string render_table(const std::vector<result>& results, const table_options& o = {});

// Every line longer than `width` broken at spaces; continuation lines keep the line's indent
// plus four spaces. For prose (floor sentences, notes), not for tables.
std::string wrap_lines(const std::string& text, std::size_t width = 120);

// "0,1,2,3,8" -> "0-3,8": CPU lists as people write them (a list that is not one, unchanged).
std::string cpu_ranges(const std::string& list);

// A parameter value as a person reads it: sizes in KiB/MiB, strings bare.
std::string param_text(const std::string& key, const json& value);

}  // namespace cxlprobe::report
