#include "core/result.hpp"

#include <array>
#include <utility>

#include "core/error.hpp"

namespace cxlprobe {

namespace {
constexpr std::array<std::pair<status, std::string_view>, 4> kStatusNames{
    {{status::ok, "ok"},
     {status::waived, "waived"},
     {status::skipped, "skipped"},
     {status::error, "error"}}};
}  // namespace

std::string_view to_string(status s) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == s) return name;
  }
  return "error";
}

status status_from_string(std::string_view name) {
  for (const auto& [value, text] : kStatusNames) {
    if (text == name) return value;
  }
  throw usage_error("unknown result status '" + std::string(name) +
                    "'; expected ok, waived, skipped or error");
}

void result::add_summary(std::string_view name, std::string_view unit,
                         std::span<const double> values) {
  const stats::summary s = stats::summarize(values);
  add_value(name, unit, s.median, "median");
  add_value(name, unit, s.min, "min");
  add_value(name, unit, s.max, "max");
  add_value(name, unit, s.p5, "p5");
  add_value(name, unit, s.p95, "p95");
  add_value(name, unit, s.mean, "mean");
  add_value(name, "1", s.cv, "cv");
  samples.push_back({std::string(name), std::string(unit), {values.begin(), values.end()}});
}

void result::add_value(std::string_view name, std::string_view unit, std::optional<double> value,
                       std::string_view stat) {
  metrics.push_back({std::string(name), std::string(unit), value, std::string(stat)});
}

const metric* result::find(std::string_view name, std::string_view stat) const {
  for (const auto& m : metrics) {
    if (m.name == name && m.stat == stat) return &m;
  }
  return nullptr;
}

result make_waived(std::string probe, std::string reason, json params) {
  result r;
  r.probe = std::move(probe);
  r.state = status::waived;
  r.message = std::move(reason);
  r.params = std::move(params);
  return r;
}

result make_error(std::string probe, std::string message, json params) {
  result r = make_waived(std::move(probe), std::move(message), std::move(params));
  r.state = status::error;
  return r;
}

}  // namespace cxlprobe
