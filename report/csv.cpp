#include "report/csv.hpp"

#include <fmt/format.h>

namespace cxlprobe::report {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string render_csv(const std::vector<result>& results) {
  std::string out = "probe,status,message,params,metric,unit,stat,value\n";
  for (const auto& r : results) {
    const std::string prefix = fmt::format("{},{},{},{}", csv_field(r.probe), to_string(r.state),
                                           csv_field(r.message), csv_field(r.params.dump()));
    if (r.metrics.empty()) {
      out += prefix + ",,,,\n";
      continue;
    }
    for (const auto& m : r.metrics) {
      out += fmt::format("{},{},{},{},{}\n", prefix, csv_field(m.name), csv_field(m.unit),
                         csv_field(m.stat), m.value ? fmt::format("{}", *m.value) : "");
    }
  }
  return out;
}

}  // namespace cxlprobe::report
