#include "cli/fleet_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "core/document.hpp"
#include "core/error.hpp"
#include "report/fleet.hpp"

namespace cxlprobe::cli {

namespace {

namespace fs = std::filesystem;

struct fleet_options {
  std::string dir;
  std::string outlier = "10%";
};

// "10%" or "0.1" -> 0.1, within (0, 1).
double parse_threshold(const std::string& text) {
  double v = 0;
  try {
    std::size_t used = 0;
    v = std::stod(text, &used);
    if (used < text.size() && text.substr(used) == "%") {
      v /= 100;
    } else if (used != text.size()) {
      throw usage_error("");
    }
  } catch (const std::exception&) {
    throw usage_error(fmt::format("--outlier '{}': give a share below the median, e.g. 10%", text));
  }
  if (!(v > 0 && v < 1)) throw usage_error("--outlier must be between 0% and 100%, e.g. 10%");
  return v;
}

std::vector<report::node_figures> read_folder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw usage_error(fmt::format("fleet report: '{}' is not a folder of result files", dir));
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw usage_error(fmt::format("fleet report: no *.json files in '{}'", dir));
  std::vector<report::node_figures> nodes;
  for (const auto& f : files)
    nodes.push_back(report::read_node(load_document(f), f));
  return nodes;
}

std::vector<result> measurement_rows(const report::fleet_analysis& a) {
  std::vector<result> out;
  for (const auto& m : a.measurements) {
    result r;
    r.probe = "fleet";
    r.params = {{"measurement", m.name}, {"nodes", m.nodes}};
    r.add_value("median", "B/s", m.median);
    r.add_value("min", "B/s", m.min);
    r.add_value("max", "B/s", m.max);
    std::vector<std::string> low;
    for (const auto& o : a.outliers) {
      if (o.measurement == m.name)
        low.push_back(
            fmt::format("{} {:.1f} GB/s (-{:.0f}%)", o.node, o.value / 1e9, o.below * 100));
    }
    if (!low.empty()) r.message = "below the fleet: " + fmt::format("{}", fmt::join(low, ", "));
    out.push_back(std::move(r));
  }
  return out;
}

std::string summary(const report::fleet_analysis& a) {
  if (a.uniform())
    return fmt::format("{} nodes, {} measurements: uniform", a.nodes.size(), a.measurements.size());
  std::vector<std::string> parts;
  std::vector<std::string> slow;
  for (const auto& o : a.outliers) {
    if (std::find(slow.begin(), slow.end(), o.node) == slow.end()) slow.push_back(o.node);
  }
  if (!slow.empty())
    parts.push_back(fmt::format("{} below the fleet ({})", fmt::join(slow, ", "),
                                a.outliers.size() == 1
                                    ? "1 measurement"
                                    : fmt::format("{} measurements", a.outliers.size())));
  for (const auto& [node, link] : a.downtrained)
    parts.push_back(fmt::format("{}: {}", node, link));
  if (!a.topology_differs.empty())
    parts.push_back(
        fmt::format("topology differs from the majority: {}", fmt::join(a.topology_differs, ", ")));
  return fmt::format("{} nodes: {}", a.nodes.size(), fmt::join(parts, "; "));
}

std::vector<result> run_fleet_report(probes::run_context& ctx, const fleet_options& o) {
  const double threshold = parse_threshold(o.outlier);  // every check first
  const auto nodes = read_folder(o.dir);
  ctx.report(fmt::format("fleet: {} node files in {}", nodes.size(), o.dir));
  const auto a = report::analyse_fleet(nodes, threshold);
  ctx.analysis["fleet"] = report::to_json(a, nodes);
  ctx.analysis["fleet"]["outlier_threshold"] = threshold;
  ctx.analysis["summary"] = summary(a);
  if (!a.uniform()) ctx.analysis["exit_code"] = 4;  // outliers: documented in --help
  return measurement_rows(a);
}

}  // namespace

probes::probe_spec fleet_command() {
  return {
      "fleet",
      "Many nodes, one answer: `fleet report DIR` merges per-node result files and finds the "
      "odd node out (exit 4 when it finds one)",
      [](CLI::App& cmd) -> probes::runner {
        auto o = std::make_shared<fleet_options>();
        CLI::App* report = cmd.add_subcommand(
            "report",
            "Merge a folder of per-node result files (*.json: --json of explain, dma, bw, ...; "
            "collected by Slurm, pdsh or by hand): per measurement the fleet's median and "
            "spread, nodes below the median by more than --outlier (with their robust "
            "z-score), links below capability, topologies that differ from the majority. Exit 0 "
            "when the fleet is uniform, 4 when something differs");
        report->fallthrough();  // the shared options (--json, --csv, -q) after `report DIR`
        report->add_option("dir", o->dir, "Folder of per-node result files")
            ->type_name("DIR")
            ->required();
        report
            ->add_option("--outlier", o->outlier,
                         "A node this far below the fleet's median is an outlier")
            ->type_name("SHARE")
            ->capture_default_str();
        cmd.require_subcommand(1);
        return [o, report](probes::run_context& ctx) {
          if (!report->parsed()) throw usage_error("fleet: give a subcommand: report");
          return run_fleet_report(ctx, *o);
        };
      },
      [](probes::run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::cli
