#include "report/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/units.hpp"

namespace cxlprobe::report {

namespace {

bool is_size_key(const std::string& key) {
  return key == "size" || key == "block" || key == "bytes" || key == "page_size" ||
         (key.size() > 6 && key.compare(key.size() - 6, 6, "_bytes") == 0);
}

// How one metric column is shown: a scale and a unit label chosen from its values.
struct column {
  std::string name;
  std::string unit;
  double scale = 1.0;
  std::string label;
};

column make_column(const std::string& name, const std::string& unit,
                   const std::vector<const result*>& rows) {
  column c{name, unit, 1.0, unit};
  double biggest = 0;
  for (const auto* r : rows) {
    const metric* m = r->find(name, "median");
    if (!m) m = r->find(name, "value");
    if (m && m->value) biggest = std::max(biggest, std::fabs(*m->value));
  }
  if (unit == "B/s") {
    c.scale = 1e9;
    c.label = "GB/s";
  } else if (unit == "s") {
    if (biggest < 1e-6) {
      c.scale = 1e-9, c.label = "ns";
    } else if (biggest < 1e-3) {
      c.scale = 1e-6, c.label = "us";
    } else if (biggest < 1.0) {
      c.scale = 1e-3, c.label = "ms";
    } else {
      c.label = "s";
    }
  } else if (unit == "B") {
    c.label = "bytes";
  } else if (unit == "1") {
    c.label = "";
  }
  return c;
}

std::string cell(const column& c, const result& r) {
  const metric* m = r.find(c.name, "median");
  const bool has_spread = m != nullptr;
  if (!m) m = r.find(c.name, "value");
  if (!m) return "";
  if (!m->value) return "-";
  const double v = *m->value / c.scale;
  std::string text;
  if (c.unit == "B") {
    text = units::format_bytes(static_cast<std::uint64_t>(std::llround(*m->value)));
  } else if (c.unit == "1" && v == std::floor(v) && std::fabs(v) < 1e15) {
    text = fmt::format("{}", static_cast<long long>(v));
  } else {
    text = fmt::format("{:.{}f}", v, std::fabs(v) >= 100 ? 1 : 2);
  }
  if (has_spread) {
    if (const metric* cv = r.find(c.name, "cv"); cv && cv->value && *cv->value >= 0.05) {
      text += fmt::format(" (cv {:.0f}%)", *cv->value * 100);
    }
  }
  return text;
}

}  // namespace

std::string param_text(const std::string& key, const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_unsigned() && is_size_key(key)) {
    return units::format_bytes(value.get<std::uint64_t>());
  }
  if (value.is_null()) return "-";
  if (value.is_number_float()) {
    const double v = value.get<double>();
    if (key.size() > 3 && key.compare(key.size() - 3, 3, "_bw") == 0) return units::format_gbps(v);
    return fmt::format("{:.4g}", v);
  }
  return value.dump();
}

std::string render_table(const std::vector<result>& results) {
  std::vector<std::string> probes;
  for (const auto& r : results) {
    if (std::find(probes.begin(), probes.end(), r.probe) == probes.end()) probes.push_back(r.probe);
  }
  std::string out;
  for (const auto& probe : probes) {
    std::vector<const result*> rows;
    for (const auto& r : results) {
      if (r.probe == probe) rows.push_back(&r);
    }
    std::vector<std::string> keys;
    std::vector<std::pair<std::string, std::string>> metric_names;
    for (const auto* r : rows) {
      for (const auto& [k, v] : r->params.items()) {
        // Arrays and objects (a copy-engine curve, the links seen per GPU) are for JSON
        // readers; a table cell of them is hundreds of characters wide.
        if (v.is_structured() || k == "stage_rule") continue;
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      }
      for (const auto& m : r->metrics) {
        if (m.stat != "median" && m.stat != "value") continue;
        const auto entry = std::make_pair(m.name, m.unit);
        if (std::find(metric_names.begin(), metric_names.end(), entry) == metric_names.end()) {
          metric_names.push_back(entry);
        }
      }
    }
    std::vector<column> cols;
    for (const auto& [name, unit] : metric_names)
      cols.push_back(make_column(name, unit, rows));

    std::vector<std::string> header{"status"};
    for (const auto& k : keys)
      header.push_back(k);
    for (const auto& c : cols)
      header.push_back(c.label.empty() ? c.name : c.name + " [" + c.label + "]");
    header.push_back("message");
    std::vector<std::vector<std::string>> table{header};
    for (const auto* r : rows) {
      std::vector<std::string> row{std::string(to_string(r->state))};
      for (const auto& k : keys)
        row.push_back(r->params.contains(k) ? param_text(k, r->params[k]) : "");
      for (const auto& c : cols)
        row.push_back(cell(c, *r));
      row.push_back(r->message);
      table.push_back(std::move(row));
    }
    std::vector<std::size_t> width(header.size(), 0);
    for (const auto& row : table) {
      for (std::size_t i = 0; i < row.size(); ++i)
        width[i] = std::max(width[i], row[i].size());
    }
    out += fmt::format("== {} ==\n", probe);
    for (std::size_t r = 0; r < table.size(); ++r) {
      std::string line;
      for (std::size_t i = 0; i < table[r].size(); ++i) {
        const bool last = i + 1 == table[r].size();
        line += last ? table[r][i] : fmt::format("{:<{}}  ", table[r][i], width[i]);
      }
      while (!line.empty() && line.back() == ' ')
        line.pop_back();
      out += line + "\n";
    }
    out += "\n";
  }
  if (!out.empty())
    out += "Units: GB/s = 1e9 B/s; GiB/s = 2^30 B/s; sizes in KiB/MiB/GiB are powers of 1024.\n";
  return out;
}

}  // namespace cxlprobe::report
