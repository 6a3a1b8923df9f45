#include "report/report_page.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

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

std::vector<section> sections(const std::vector<report_input>& inputs) {
  std::vector<section> out;
  std::string runs;
  for (const auto& in : inputs) {
    const auto& m = in.doc.meta;
    runs += fmt::format("{}\n  command: {}\n  cxlprobe {} (git {}), host {}, started {}, {}{}\n\n",
                        in.file, fmt::join(m.argv, " "), m.version, m.git_sha, m.host, m.start_time,
                        m.complete ? "complete" : "INCOMPLETE (interrupted)",
                        m.duration_s ? fmt::format(", {:.1f} s", *m.duration_s) : "");
  }
  out.push_back({"Runs", runs, {}});
  // The topology of the first document that has one.
  for (const auto& in : inputs) {
    if (!in.doc.context.contains("topology")) continue;
    try {
      const auto topo = topology::topology_from_json(in.doc.context["topology"]);
      out.push_back({"Topology", render_topology(topo), {}});
      // Floors: recorded ones, else computed from every document's results.
      json floors = json::array();
      for (const auto& x : inputs) {
        if (x.doc.analysis.contains("floors")) floors = x.doc.analysis["floors"];
      }
      if (floors.empty()) {
        std::vector<result> all;
        for (const auto& x : inputs)
          all.insert(all.end(), x.doc.results.begin(), x.doc.results.end());
        floors = to_json(analyse_floors(topo, all));
      }
      std::vector<std::string> floor_images;
      for (const auto& x : inputs) {
        for (const auto& p : x.plots) {
          if (p.find("-floor.") != std::string::npos) floor_images.push_back(p);
        }
      }
      out.push_back({"Floors", render_floors(floors), floor_images});
    } catch (const std::exception& e) {
      out.push_back({"Topology", std::string("not readable: ") + e.what(), {}});
    }
    break;
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
