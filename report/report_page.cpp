#include "report/report_page.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "report/fleet.hpp"
#include "report/floor.hpp"
#include "report/table.hpp"
#include "report/topology_view.hpp"
#include "topology/json.hpp"

namespace cxlprobe::report {

namespace {

struct section {
  std::string title;
  std::string text;  // preformatted
  std::vector<std::string> images;
};

// Rows aligned in columns, two spaces apart; the first row is the header.
std::string render_rows(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()), 0);
    for (std::size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i)
      line += fmt::format("{:<{}}", r[i], i + 1 < r.size() ? width[i] + 2 : 0);
    out += line + "\n";
  }
  return out;
}

// Which machine a document comes from: its machine-id hash, else its host name, else the file.
std::string machine_key(const report_input& in) {
  const json m = in.doc.context.value("machine", json::object());
  const std::string id = m.value("machine_id_hash", "");
  if (!id.empty()) return id;
  // No /etc/machine-id (some VMs): host, CPU model and topology together.
  if (!m.empty()) {
    return fmt::format("{}|{}|{}", m.value("host", ""), m.value("cpu_model", ""),
                       m.value("topology_fingerprint", ""));
  }
  return in.doc.meta.host.empty() ? in.file : in.doc.meta.host;
}

struct machine_group {
  std::string key;
  std::vector<const report_input*> inputs;
};

std::vector<machine_group> by_machine(const std::vector<report_input>& inputs) {
  std::vector<machine_group> out;
  for (const auto& in : inputs) {
    const std::string key = machine_key(in);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& g) { return g.key == key; });
    if (it == out.end()) it = out.insert(out.end(), machine_group{key, {}});
    it->inputs.push_back(&in);
  }
  return out;
}

std::string machines_table(const std::vector<machine_group>& groups) {
  std::vector<std::vector<std::string>> rows{
      {"machine", "host", "kernel", "CPU", "GPU driver", "topology", "files"}};
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto& first = *groups[i].inputs.front();
    const json m = first.doc.context.value("machine", json::object());
    std::string files;
    for (const auto* in : groups[i].inputs)
      files += (files.empty() ? "" : ", ") + in->file;
    rows.push_back({fmt::format("{}", i + 1), m.value("host", first.doc.meta.host),
                    m.value("kernel", "").substr(0, m.value("kernel", "").find(' ')),
                    m.value("cpu_model", ""), m.value("gpu_driver", ""),
                    m.value("topology_fingerprint", ""), files});
  }
  return render_rows(rows);
}

// One machine's topology and floors (recorded floors, else computed from its results).
void machine_sections(const machine_group& g, const std::string& suffix,
                      std::vector<section>& out) {
  for (const auto* in : g.inputs) {
    if (!in->doc.context.contains("topology")) continue;
    try {
      const auto topo = topology::topology_from_json(in->doc.context["topology"]);
      out.push_back({"Topology" + suffix, render_topology(topo), {}});
      json floors = json::array();
      for (const auto* x : g.inputs) {
        if (x->doc.analysis.contains("floors")) floors = x->doc.analysis["floors"];
      }
      if (floors.empty()) {
        std::vector<result> all;
        for (const auto* x : g.inputs)
          all.insert(all.end(), x->doc.results.begin(), x->doc.results.end());
        floors = to_json(analyse_floors(topo, all));
      }
      std::vector<std::string> floor_images;
      for (const auto* x : g.inputs) {
        for (const auto& p : x->plots) {
          if (p.find("-floor.") != std::string::npos) floor_images.push_back(p);
        }
      }
      out.push_back({"Floors" + suffix, render_floors(floors), floor_images});
    } catch (const std::exception& e) {
      out.push_back({"Topology" + suffix, std::string("not readable: ") + e.what(), {}});
    }
    return;
  }
}

// A fleet report's answer: what differs, then nodes x measurements, the fleet plot beside.
void fleet_sections(const std::vector<report_input>& inputs, std::vector<section>& out) {
  for (const auto& in : inputs) {
    if (!in.doc.analysis.contains("fleet")) continue;
    const json& fleet = in.doc.analysis["fleet"];
    std::string text;
    for (const auto& f : fleet_findings(fleet))
      text += f + "\n";
    if (text.empty()) text = "uniform: no node differs\n";
    out.push_back({"Fleet: " + in.file, text + "\n" + render_rows(fleet_rows(fleet)), in.plots});
  }
}

std::vector<section> sections(const std::vector<report_input>& inputs) {
  std::vector<section> out;
  fleet_sections(inputs, out);
  const auto groups = by_machine(inputs);
  out.push_back({"Machines", machines_table(groups), {}});
  std::string runs;
  for (const auto& in : inputs) {
    const auto& m = in.doc.meta;
    runs += fmt::format("{}\n  command: {}\n  cxlprobe {} (git {}), host {}, started {}, {}{}\n\n",
                        in.file, fmt::join(m.argv, " "), m.version, m.git_sha, m.host, m.start_time,
                        m.complete ? "complete" : "INCOMPLETE (interrupted)",
                        m.duration_s ? fmt::format(", {:.1f} s", *m.duration_s) : "");
  }
  out.push_back({"Runs", runs, {}});
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::string suffix =
        groups.size() > 1
            ? fmt::format(": machine {} ({})", i + 1, groups[i].inputs.front()->doc.meta.host)
            : "";
    machine_sections(groups[i], suffix, out);
  }
  for (const auto& in : inputs) {
    std::vector<std::string> images;  // floors and fleet plots are shown with their answers
    for (const auto& p : in.plots) {
      if (p.find("-floor.") == std::string::npos && !in.doc.analysis.contains("fleet"))
        images.push_back(p);
    }
    out.push_back({"Results: " + in.file, render_table(in.doc.results), images});
  }
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_markdown(const std::vector<report_input>& inputs) {
  std::string md =
      "# cxlprobe report\n\nGB/s = 1e9 B/s; GiB/s = 2^30 B/s. Every number was measured by "
      "cxlprobe or "
      "derived by a formula stated in its documentation (docs/methodology.md).\n";
  for (const auto& s : sections(inputs)) {
    md += "\n## " + s.title + "\n\n```\n" + s.text + "```\n";
    for (const auto& img : s.images)
      md += fmt::format("\n![{}]({})\n", img, img);
  }
  return md;
}

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0u;
    const auto b2 = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0u;
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 3) << 4) | (b1 >> 4)];
    out += i + 1 < bytes.size() ? kAlphabet[((b1 & 15) << 2) | (b2 >> 6)] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[b2 & 63] : '=';
  }
  return out;
}

namespace {

using plot_reader = std::function<std::string(const std::string&)>;

std::string html_table(const std::vector<std::vector<std::string>>& rows) {
  std::string h = "<div class=\"wide\"><table>\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    h += "<tr>";
    for (const auto& c : rows[r])
      h += (r == 0 ? "<th>" : "<td>") + html_escape(c) + (r == 0 ? "</th>" : "</td>");
    h += "</tr>\n";
  }
  return h + "</table></div>\n";
}

std::string gbps(const json& f, const char* key) {
  return f.contains(key) && f[key].is_number() ? fmt::format("{:.2f}", f[key].get<double>() / 1e9)
                                               : "-";
}

// The floors: a row per tier x GPU (or CPU) with what binds, and its sentence.
std::string floors_html(const json& floors) {
  std::vector<std::vector<std::string>> rows{{"tier", "consumer", "binding", "binds at [GB/s]",
                                              "measured H2D [GB/s]", "measured D2H [GB/s]",
                                              "what sets the floor"}};
  for (const auto& f : floors) {
    rows.push_back({f.value("tier", ""), f.value("gpu", f.value("consumer", "")),
                    f.value("binding", "-"), gbps(f, "binding_bps"), gbps(f, "measured_h2d_bps"),
                    gbps(f, "measured_d2h_bps"), f.value("sentence", "")});
  }
  return html_table(rows);
}

// A metric's column: its name and unit as shown (B/s in GB/s).
std::string metric_header(const metric& m) {
  return m.name + (m.unit == "B/s" ? " [GB/s]" : m.unit == "1" ? "" : " [" + m.unit + "]");
}

// A probe's results: status, parameters (scalars), the median (or value) of each metric.
std::string results_html(const std::vector<result>& results) {
  std::string h;
  std::vector<std::string> probes;
  for (const auto& r : results) {
    if (std::find(probes.begin(), probes.end(), r.probe) == probes.end()) probes.push_back(r.probe);
  }
  for (const auto& probe : probes) {
    std::vector<std::string> keys, metrics;
    for (const auto& r : results) {
      if (r.probe != probe) continue;
      for (const auto& [k, v] : r.params.items()) {
        if (!v.is_structured() && std::find(keys.begin(), keys.end(), k) == keys.end())
          keys.push_back(k);
      }
      for (const auto& m : r.metrics) {
        const std::string name = metric_header(m);
        if ((m.stat == "median" || m.stat == "value") &&
            std::find(metrics.begin(), metrics.end(), name) == metrics.end())
          metrics.push_back(name);
      }
    }
    std::vector<std::vector<std::string>> rows{{"status"}};
    rows[0].insert(rows[0].end(), keys.begin(), keys.end());
    rows[0].insert(rows[0].end(), metrics.begin(), metrics.end());
    rows[0].push_back("message");
    for (const auto& r : results) {
      if (r.probe != probe) continue;
      std::vector<std::string> row{std::string(to_string(r.state))};
      for (const auto& k : keys)
        row.push_back(r.params.contains(k) ? param_text(k, r.params[k]) : "");
      for (const auto& name : metrics) {
        std::string cell;
        for (const auto& m : r.metrics) {
          const std::string n = metric_header(m);
          if (n != name || (m.stat != "median" && m.stat != "value") || !m.value) continue;
          cell = fmt::format("{:.4g}", *m.value / (m.unit == "B/s" ? 1e9 : 1.0));
        }
        row.push_back(cell);
      }
      row.push_back(r.message);
      rows.push_back(std::move(row));
    }
    h += "<h3>" + html_escape(probe) + "</h3>\n" + html_table(rows);
  }
  return h;
}

std::string images_html(const std::vector<std::string>& names, const plot_reader& read_plot) {
  std::string h;
  for (const auto& name : names) {
    const std::string bytes = read_plot(name);
    if (bytes.empty()) continue;
    h += "<figure><img src=\"data:image/png;base64," + base64(bytes) + "\" alt=\"" +
         html_escape(name) + "\"><figcaption>" + html_escape(name) + "</figcaption></figure>\n";
  }
  return h;
}

std::string fleet_html(const std::vector<report_input>& inputs, const plot_reader& read_plot) {
  std::string h;
  for (const auto& in : inputs) {
    if (!in.doc.analysis.contains("fleet")) continue;
    const json& fleet = in.doc.analysis["fleet"];
    h += "<h2>Fleet: " + html_escape(in.file) + "</h2>\n<ul>\n";
    const auto findings = fleet_findings(fleet);
    for (const auto& f : findings)
      h += "<li>" + html_escape(f) + "</li>\n";
    if (findings.empty()) h += "<li>uniform: no node differs</li>\n";
    h += "</ul>\n" + html_table(fleet_rows(fleet)) + images_html(in.plots, read_plot);
  }
  return h;
}

json floors_of(const machine_group& g, const topology::topology& topo) {
  for (const auto* x : g.inputs) {
    if (x->doc.analysis.contains("floors")) return x->doc.analysis["floors"];
  }
  std::vector<result> all;
  for (const auto* x : g.inputs)
    all.insert(all.end(), x->doc.results.begin(), x->doc.results.end());
  return to_json(analyse_floors(topo, all));
}

constexpr const char* kStyle =
    "<style>body{font-family:sans-serif;max-width:1400px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}"
    "img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}"
    "figcaption{color:#666;font-size:12px}.wide{overflow-x:auto}</style>";

}  // namespace

std::string render_html(const std::vector<report_input>& inputs, const plot_reader& read_plot) {
  std::string h = std::string("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">") +
                  "<title>cxlprobe report</title>\n" + kStyle + "</head><body>\n" +
                  "<h1>cxlprobe report</h1>\n<p>GB/s = 1e9 B/s; GiB/s = 2^30 B/s. Every number "
                  "was measured by cxlprobe or derived by a formula stated in its "
                  "documentation.</p>\n";
  h += fleet_html(inputs, read_plot);  // a fleet's answer first: the nodes that differ
  const auto groups = by_machine(inputs);
  // The answer first: what sets the floor, per machine.
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::string suffix =
        groups.size() > 1
            ? fmt::format(": machine {} ({})", i + 1, groups[i].inputs.front()->doc.meta.host)
            : "";
    for (const auto* in : groups[i].inputs) {
      if (!in->doc.context.contains("topology")) continue;
      try {
        const auto topo = topology::topology_from_json(in->doc.context["topology"]);
        h += "<h2>Floors" + html_escape(suffix) + "</h2>\n" +
             floors_html(floors_of(groups[i], topo));
        std::vector<std::string> floor_plots;
        for (const auto* x : groups[i].inputs) {
          for (const auto& p : x->plots) {
            if (p.find("-floor.") != std::string::npos) floor_plots.push_back(p);
          }
        }
        h += images_html(floor_plots, read_plot);
        h += "<details><summary>Topology" + html_escape(suffix) + "</summary><pre>" +
             html_escape(render_topology(topo)) + "</pre></details>\n";
      } catch (const std::exception& e) {
        h += "<p>Topology" + html_escape(suffix) + " not readable: " + html_escape(e.what()) +
             "</p>\n";
      }
      break;
    }
  }
  h += "<h2>Machines</h2>\n<pre>" + html_escape(machines_table(groups)) + "</pre>\n";
  for (const auto& in : inputs) {
    std::vector<std::string> plots;  // floors and fleet plots are shown with their answers
    for (const auto& p : in.plots) {
      if (p.find("-floor.") == std::string::npos && !in.doc.analysis.contains("fleet"))
        plots.push_back(p);
    }
    h += "<h2>Results: " + html_escape(in.file) + "</h2>\n<p>" +
         html_escape(fmt::format("{}", fmt::join(in.doc.meta.argv, " "))) + "</p>\n" +
         results_html(in.doc.results) + images_html(plots, read_plot);
  }
  return h + "</body></html>\n";
}

}  // namespace cxlprobe::report
