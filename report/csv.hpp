// CSV for spreadsheets and pandas: one row per measurement (result), a column per parameter and
// per metric statistic, units in the metric column names ("bandwidth median [B/s]"). explain
// writes its floors table instead, topo its paths (docs/schema.md, "CSV").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace cxlprobe::report {

// Wide: probe, status, message, every parameter any result has, every metric statistic.
std::string render_csv(const std::vector<result>& results);

// explain's floors (analysis.floors): one row per tier x GPU (or cpu).
std::string render_floors_csv(const nlohmann::json& floors);

// topo's paths (context.topology.paths): one row per tier x GPU (or cpu).
std::string render_paths_csv(const nlohmann::json& paths);

// RFC 4180 quoting when the field needs it.
std::string csv_field(const std::string& text);

}  // namespace cxlprobe::report
