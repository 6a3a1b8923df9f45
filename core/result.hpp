// The result model: what every probe returns and every formatter reads.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/stats.hpp"

namespace cxlprobe {

using json = nlohmann::ordered_json;

enum class status { ok, waived, skipped, error };

std::string_view to_string(status s);
// Throws usage_error on an unknown name.
status status_from_string(std::string_view name);

// One number. Several metrics may share a name and differ by `stat` (median, min, max, p5, p95,
// mean, cv, value for a single observation). Units are SI base units: B, s, B/s, or "1".
struct metric {
  std::string name;
  std::string unit;
  std::optional<double> value;  // nullopt = unknown (null in JSON)
  std::string stat = "value";
};

// The raw observations behind a metric, in measurement order.
struct sample_set {
  std::string metric;
  std::string unit;
  std::vector<double> values;
};

struct result {
  std::string probe;
  status state = status::ok;
  std::string message;
  json params = json::object();
  std::vector<metric> metrics;
  std::vector<sample_set> samples;

  // Adds median, min, max, p5, p95, mean (all in `unit`) and cv (unit "1") of `values`, and
  // keeps the values as samples.
  void add_summary(std::string_view name, std::string_view unit, std::span<const double> values);
  void add_value(std::string_view name, std::string_view unit, std::optional<double> value,
                 std::string_view stat = "value");
  // First metric with this name and stat, or nullptr.
  const metric* find(std::string_view name, std::string_view stat = "median") const;
};

// A result that says why nothing was measured.
result make_waived(std::string probe, std::string reason, json params = json::object());
result make_error(std::string probe, std::string message, json params = json::object());

}  // namespace cxlprobe
