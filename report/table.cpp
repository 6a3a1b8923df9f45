#include "report/table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

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

std::string wrap_lines(const std::string& text, std::size_t width) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    const std::string indent(
        line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' ') + 4,
        ' ');
    while (line.size() > width) {
      const std::size_t cut = line.rfind(' ', width);
      if (cut == std::string::npos || cut <= indent.size()) break;  // one long word: leave it
      out += line.substr(0, cut) + "\n";
      line = indent + line.substr(cut + 1);
    }
    out += line;
    if (end < text.size()) out += "\n";
    pos = end + 1;
  }
  return out;
}

std::string cpu_ranges(const std::string& list) {
  std::vector<long> cpus;
  std::size_t pos = 0;
  while (pos < list.size()) {
    std::size_t end = list.find(',', pos);
    if (end == std::string::npos) end = list.size();
    const std::string part = list.substr(pos, end - pos);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return list;
    cpus.push_back(std::stol(part));
    pos = end + 1;
  }
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
      ++j;
    out += (out.empty() ? "" : ",") + (j > i + 1    ? fmt::format("{}-{}", cpus[i], cpus[j])
                                       : j == i + 1 ? fmt::format("{},{}", cpus[i], cpus[j])
                                                    : fmt::format("{}", cpus[i]));
    i = j + 1;
  }
  return out;
}

std::string param_text(const std::string& key, const json& value) {
  if (key == "cpus" && value.is_string()) return cpu_ranges(value.get<std::string>());
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

namespace {

// Parameters a reader compares first, in this order; the rest follow in the results' order.
const std::vector<std::string> kFirstKeys = {
    "measurement", "compared_probe", "tier",     "gpu",     "to",      "op",      "dir",
    "pattern",     "method",         "kernel",   "engine",  "host",    "mode",    "offload",
    "metric",      "block",          "blocks",   "size",    "threads", "streams", "procs",
    "gpus",        "cpu_node",       "picked_a", "picked_b"};
// Shown even when every row has the same value (what was measured, and on what; compare's
// probe, pair and picks).
const std::vector<std::string> kAlwaysKeys = {
    "measurement", "compared_probe", "tier",    "gpu",      "op",
    "dir",         "size",           "threads", "picked_a", "picked_b"};
// The figure each probe is read for, first among its metrics.
const std::vector<std::string> kFirstMetrics = {"bandwidth",
                                                "aggregate_bandwidth",
                                                "latency",
                                                "ttft_mean_s",
                                                "ttft_off_mean_s",
                                                "speedup_ttft_mean",
                                                "speedup_wall",
                                                "speedup_warm_request",
                                                "token_hit_ratio",
                                                "a",
                                                "b",
                                                "ratio_b_over_a",
                                                "path_effective_ceiling"};

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// "ttft_mean_s" shown in ms reads "ttft_mean [ms]": the name's own unit would contradict it.
std::string header_of(const column& c) {
  if (c.label.empty()) return c.name;
  std::string name = c.name;
  if (c.unit == "s" && name.size() > 2 && name.compare(name.size() - 2, 2, "_s") == 0)
    name.resize(name.size() - 2);
  return name + " [" + c.label + "]";
}

struct table_column {
  std::string header;
  std::vector<std::string> cells;  // one per row
  std::size_t width() const {
    std::size_t w = header.size();
    for (const auto& c : cells)
      w = std::max(w, c.size());
    return w;
  }
  bool constant() const {
    return std::all_of(cells.begin(), cells.end(), [&](const auto& c) { return c == cells[0]; });
  }
};

std::vector<std::string> param_keys(const std::vector<const result*>& rows) {
  std::vector<std::string> keys;
  for (const auto& k : kFirstKeys) {
    for (const auto* r : rows) {
      if (r->params.contains(k) && !r->params[k].is_structured()) {
        keys.push_back(k);
        break;
      }
    }
  }
  for (const auto* r : rows) {
    for (const auto& [k, v] : r->params.items()) {
      // Arrays and objects (a copy-engine curve, the links seen per GPU) are for JSON readers.
      if (v.is_structured() || k == "stage_rule" || contains(keys, k)) continue;
      keys.push_back(k);
    }
  }
  return keys;
}

std::vector<column> metric_columns(const std::vector<const result*>& rows) {
  std::vector<std::pair<std::string, std::string>> names;
  for (const auto* r : rows) {
    for (const auto& m : r->metrics) {
      if (m.stat != "median" && m.stat != "value") continue;
      const auto entry = std::make_pair(m.name, m.unit);
      if (std::find(names.begin(), names.end(), entry) == names.end()) names.push_back(entry);
    }
  }
  std::stable_sort(names.begin(), names.end(), [](const auto& x, const auto& y) {
    const auto rank = [](const std::string& n) {
      const auto it = std::find(kFirstMetrics.begin(), kFirstMetrics.end(), n);
      return static_cast<std::size_t>(it - kFirstMetrics.begin());
    };
    return rank(x.first) < rank(y.first);
  });
  std::vector<column> cols;
  for (const auto& [name, unit] : names)
    cols.push_back(make_column(name, unit, rows));
  return cols;
}

// Messages as short references: a message on several rows is written once, below the table.
table_column note_column(const std::vector<const result*>& rows, std::vector<std::string>& notes) {
  table_column c{"note", {}};
  for (const auto* r : rows) {
    if (r->message.empty()) {
      c.cells.emplace_back();
      continue;
    }
    auto it = std::find(notes.begin(), notes.end(), r->message);
    if (it == notes.end()) it = notes.insert(notes.end(), r->message);
    c.cells.push_back(fmt::format("[{}]", it - notes.begin() + 1));
  }
  return c;
}

std::string render_rows(const std::vector<table_column>& cols, std::size_t rows) {
  std::vector<std::size_t> width;
  for (const auto& c : cols)
    width.push_back(c.width());
  std::string out;
  for (std::size_t r = 0; r <= rows; ++r) {
    std::string line;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const std::string& text = r == 0 ? cols[i].header : cols[i].cells[r - 1];
      line += i + 1 == cols.size() ? text : fmt::format("{:<{}}  ", text, width[i]);
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string render_probe(const std::vector<const result*>& rows, const table_options& o) {
  std::vector<table_column> params;
  for (const auto& k : param_keys(rows)) {
    table_column c{k, {}};
    for (const auto* r : rows)
      c.cells.push_back(r->params.contains(k) ? param_text(k, r->params[k]) : "");
    params.push_back(std::move(c));
  }
  std::vector<table_column> metrics;
  for (const auto& m : metric_columns(rows)) {
    table_column c{header_of(m), {}};
    for (const auto* r : rows)
      c.cells.push_back(cell(m, *r));
    metrics.push_back(std::move(c));
  }
  std::vector<std::string> notes;
  table_column note = note_column(rows, notes);
  table_column status{"status", {}};
  for (const auto* r : rows)
    status.cells.emplace_back(to_string(r->state));

  std::vector<table_column> shown{status};
  std::vector<std::string> same;  // constant parameters left out: "key value"
  std::size_t used = status.width() + 2 + note.width();
  const auto fits = [&](const table_column& c) {
    return o.wide || used + c.width() + 2 <= o.max_width;
  };
  const auto take = [&](table_column c) {
    used += c.width() + 2;
    shown.push_back(std::move(c));
  };
  // What was measured, the figure, what tells the rows apart, the other figures, the other
  // parameters that vary; each while the line has room. --wide: all, in that order.
  bool dropped = false;
  const auto offer = [&](const table_column& c) {
    if (fits(c)) {
      take(c);
    } else {
      dropped = true;
    }
  };
  const auto varies = [&](const table_column& c) { return o.wide || !c.constant(); };
  for (auto& c : params) {
    if (contains(kAlwaysKeys, c.header)) take(c);
  }
  if (!metrics.empty()) take(metrics[0]);
  for (auto& c : params) {
    if (!contains(kAlwaysKeys, c.header) && contains(kFirstKeys, c.header) && varies(c)) offer(c);
  }
  for (std::size_t i = 1; i < metrics.size(); ++i)
    offer(metrics[i]);
  for (auto& c : params) {
    if (contains(kFirstKeys, c.header)) continue;
    if (varies(c)) {
      offer(c);
    } else if (!c.cells[0].empty()) {
      same.push_back(c.header + " " + c.cells[0]);
    }
  }
  for (auto& c : params) {  // constant parameters that tell what was measured
    if (contains(kFirstKeys, c.header) && !contains(kAlwaysKeys, c.header) && !varies(c) &&
        !c.cells[0].empty())
      same.insert(same.begin(), c.header + " " + c.cells[0]);
  }
  if (!notes.empty()) shown.push_back(note);
  std::string out = render_rows(shown, rows.size());
  if (!same.empty()) {
    std::string line = "all rows: " + fmt::format("{}", fmt::join(same, ", "));
    if (line.size() > o.max_width && !o.wide) line = line.substr(0, o.max_width - 3) + "...";
    out += line + "\n";
  }
  for (std::size_t i = 0; i < notes.size(); ++i)
    out += fmt::format("[{}] {}\n", i + 1, notes[i]);
  if (dropped) out += "(more columns: --wide, or --json / --csv)\n";
  return out;
}

}  // namespace

std::string render_table(const std::vector<result>& results, const table_options& o) {
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
    out += fmt::format("== {} ==\n", probe) + render_probe(rows, o) + "\n";
  }
  if (!out.empty())
    out += "Units: GB/s = 1e9 B/s; GiB/s = 2^30 B/s; sizes in KiB/MiB/GiB are powers of 1024.\n";
  return out;
}

}  // namespace cxlprobe::report
