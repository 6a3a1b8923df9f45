#include "report/report_page.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

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

std::vector<section> sections(const std::vector<report_input>& inputs) {
  std::vector<section> out;
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
    std::vector<std::string> images;
    for (const auto& p : in.plots) {
      if (p.find("-floor.") == std::string::npos) images.push_back(p);
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

std::string render_html(const std::vector<report_input>& inputs) {
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>cxlprobe report</title>\n"
      "<style>body{font-family:sans-serif;max-width:1200px;margin:2em "
      "auto;}pre{background:#f6f6f6;padding:1em;"
      "overflow-x:auto;font-size:12px;}img{max-width:100%;border:1px solid #ddd;margin:.5em "
      "0;}</style>"
      "</head><body>\n<h1>cxlprobe report</h1>\n<p>GB/s = 1e9 B/s; GiB/s = 2^30 B/s. Every number "
      "was measured "
      "by cxlprobe or derived by a formula stated in its documentation.</p>\n";
  for (const auto& s : sections(inputs)) {
    h += "<h2>" + html_escape(s.title) + "</h2>\n<pre>" + html_escape(s.text) + "</pre>\n";
    for (const auto& img : s.images)
      h += "<img src=\"" + html_escape(img) + "\" alt=\"" + html_escape(img) + "\">\n";
  }
  return h + "</body></html>\n";
}

}  // namespace cxlprobe::report
