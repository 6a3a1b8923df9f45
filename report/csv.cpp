#include "report/csv.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace cxlprobe::report {

using nlohmann::json;

namespace {

// A parameter's cell: strings as they are, numbers and booleans printed, the rest as JSON.
std::string cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i)
    out += (i ? "," : "") + csv_field(fields[i]);
  return out + "\n";
}

std::string metric_column(const metric& m) {
  const std::string unit = m.unit.empty() ? "" : fmt::format(" [{}]", m.unit);
  return m.stat == "value" ? m.name + unit : fmt::format("{} {}{}", m.name, m.stat, unit);
}

template <typename T>
void add_unique(std::vector<T>& v, const T& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

std::string number(const json& v, double scale = 1.0) {
  return v.is_number() ? fmt::format("{}", v.get<double>() * scale) : "";
}

}  // namespace

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
  std::vector<std::string> params, metrics;
  for (const auto& r : results) {
    for (const auto& [k, v] : r.params.items())
      add_unique(params, k);
    for (const auto& m : r.metrics)
      add_unique(metrics, metric_column(m));
  }
  std::vector<std::string> header{"probe", "status", "message"};
  for (const auto& p : params) {
    // A parameter named like a fixed column keeps its own column.
    header.push_back(p == "probe" || p == "status" || p == "message" ? "param " + p : p);
  }
  header.insert(header.end(), metrics.begin(), metrics.end());
  std::string out = row(header);
  for (const auto& r : results) {
    std::vector<std::string> f{r.probe, std::string(to_string(r.state)), r.message};
    for (const auto& p : params)
      f.push_back(r.params.contains(p) ? cell(r.params[p]) : "");
    for (const auto& name : metrics) {
      const auto it = std::find_if(r.metrics.begin(), r.metrics.end(),
                                   [&](const metric& m) { return metric_column(m) == name; });
      f.push_back(it != r.metrics.end() && it->value ? fmt::format("{}", *it->value) : "");
    }
    out += row(f);
  }
  return out;
}

std::string render_floors_csv(const json& floors) {
  std::string out = row({"tier", "gpu", "consumer", "binding", "binding_kind", "ceiling [B/s]",
                         "measured_h2d [B/s]", "measured_d2h [B/s]", "measured_cpu_read [B/s]",
                         "h2d_fraction [1]", "sharers", "next_element", "next_headroom [1]",
                         "floor_known", "notes"});
  for (const auto& f : floors) {
    int sharers = 1;
    const json elements = f.value("elements", json::array());  // `next` points into it
    const json* next = nullptr;
    for (const auto& el : elements) {
      if (f["binding"].is_string() && el.value("name", "") == f["binding"].get<std::string>())
        sharers = el.value("sharers", 1);
      else if (el["headroom"].is_number() &&
               (!next || el["headroom"].get<double>() < (*next)["headroom"].get<double>()))
        next = &el;
    }
    std::string notes;
    for (const auto& n : f.value("notes", json::array()))
      notes += (notes.empty() ? "" : "; ") + n.get<std::string>();
    out += row({f.value("tier", ""), f.value("gpu", ""), f.value("consumer", "gpu"),
                cell(f.value("binding", json())), cell(f.value("binding_kind", json())),
                number(f.value("binding_bps", json())), number(f.value("measured_h2d_bps", json())),
                number(f.value("measured_d2h_bps", json())),
                number(f.value("measured_cpu_read_bps", json())),
                number(f.value("h2d_fraction", json())), fmt::format("{}", sharers),
                next ? next->value("label", "") : "", next ? number((*next)["headroom"]) : "",
                f.value("floor_known", true) ? "true" : "false", notes});
  }
  return out;
}

std::string render_paths_csv(const json& paths) {
  std::string out = row({"tier", "gpu", "via", "binding", "min_effective [B/s]", "min_raw [B/s]",
                         "share_binding", "share_effective [B/s]", "share_sharers",
                         "crosses_socket", "floor_known", "cxl_legs", "notes"});
  for (const auto& p : paths) {
    std::string notes;
    for (const auto& n : p.value("notes", json::array()))
      notes += (notes.empty() ? "" : "; ") + n.get<std::string>();
    out += row({p.value("tier", ""), p.value("gpu", ""), p.value("via", ""),
                cell(p.value("binding", json())), number(p.value("min_effective_bps", json())),
                number(p.value("min_raw_bps", json())), cell(p.value("share_binding", json())),
                number(p.value("share_effective_bps", json())),
                fmt::format("{}", p.value("share_sharers", 1)),
                p.value("crosses_socket", false) ? "true" : "false",
                p.value("floor_known", true) ? "true" : "false",
                fmt::format("{}", p.value("legs", json::array()).size()), notes});
  }
  return out;
}

}  // namespace cxlprobe::report
