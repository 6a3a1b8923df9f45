#include "cli/fleet_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "cli/report_command.hpp"
#include "core/atomic_file.hpp"
#include "core/document.hpp"
#include "core/error.hpp"
#include "report/fleet.hpp"

namespace cxlprobe::cli {

namespace {

namespace fs = std::filesystem;

struct fleet_options {
  std::string dir;
  std::string outlier = "10%";
  std::string report_dir;  // -o: a report folder (fleet.json, the plot, report.md/.html)
  bool force = false;
};

// Written by the sbatch script: the nodes Slurm gave the job, one per line, so a node that
// never wrote its exit status (killed at the time limit, never started) is still counted.
constexpr const char* kAllocatedNodes = "allocated-nodes.txt";

struct submit_options {
  std::string partition;
  std::string nodes;
  std::string nodelist;
  std::string time = "01:00:00";
  std::string out = "cxlprobe-fleet";
  std::string binary;  // empty: this binary (/proc/self/exe)
  bool dry_run = false;
  bool wait = false;
  std::vector<std::string> command;
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

std::string read_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Nodes of a `fleet submit` run that failed: a non-zero exit status (NODE.rc), no NODE.json, or
// (for a node the job was given, allocated-nodes.txt) no exit status at all. Recorded, never
// fatal for the others.
std::vector<std::pair<std::string, std::string>> failed_nodes(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  const auto has = [&](const std::string& node, const char* ext) {
    return fs::exists(fs::path(dir) / (node + ext), ec);
  };
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".rc") continue;
    const std::string rc = read_line(e.path());
    const std::string node = e.path().stem().string();
    const bool has_json = has(node, ".json");
    if (rc != "0" || !has_json)
      out[node] = fmt::format("exit status {}{}", rc.empty() ? "?" : rc,
                              has_json ? "" : ", no result file");
  }
  std::ifstream allocated(fs::path(dir) / kAllocatedNodes);
  for (std::string node; std::getline(allocated, node);) {
    if (!node.empty() && !has(node, ".rc") && !has(node, ".json"))
      out[node] = "no exit status and no result file: killed at the time limit, or never started";
  }
  return {out.begin(), out.end()};
}

std::vector<report::node_figures> read_folder(probes::run_context& ctx, const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw usage_error(fmt::format("fleet report: '{}' is not a folder of result files", dir));
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty() && failed_nodes(dir).empty())
    throw usage_error(fmt::format("fleet report: no *.json files in '{}'", dir));
  std::vector<report::node_figures> nodes;
  for (const auto& f : files)
    nodes.push_back(report::read_node(load_document(f), f));
  if (const auto n = report::name_by_file_where_hosts_repeat(nodes))
    ctx.report(fmt::format("fleet: {} files share a host name; those nodes are named by file", n));
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
    return fmt::format("{} nodes, {} measurement{}: uniform", a.nodes.size(), a.measurements.size(),
                       a.measurements.size() == 1 ? "" : "s");
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

// -o DIR: the document as DIR/fleet.json, its per-node bar chart, report.md and report.html.
void write_fleet_report(probes::run_context& ctx, const document& doc, const std::string& dir) {
  fs::create_directories(dir);
  const std::string file = (fs::path(dir) / "fleet.json").string();
  write_file_atomically(file, to_json(doc).dump(2) + "\n");
  std::vector<report::report_input> inputs{{file, doc, {}}};
  (void)write_report_folder(ctx, inputs, dir);
}

std::vector<result> run_fleet_report(probes::run_context& ctx, const fleet_options& o) {
  const double threshold = parse_threshold(o.outlier);  // every check first
  if (!o.report_dir.empty()) {
    check_report_folder(o.report_dir, o.force);
    ctx.finish = [&ctx, dir = o.report_dir](const document& doc) {
      write_fleet_report(ctx, doc, dir);
    };
  }
  auto nodes = read_folder(ctx, o.dir);
  ctx.report(fmt::format("fleet: {} node files in {}", nodes.size(), o.dir));
  const auto a = report::analyse_fleet(nodes, threshold);
  const auto failed = failed_nodes(o.dir);
  ctx.analysis["fleet"] = report::to_json(a, nodes);
  ctx.analysis["fleet"]["outlier_threshold"] = threshold;
  json f = json::array();
  std::string failures;
  for (const auto& [node, why] : failed) {
    f.push_back({{"node", node}, {"reason", why}});
    failures += fmt::format("; {} failed ({})", node, why);
  }
  ctx.analysis["fleet"]["failed"] = f;
  ctx.analysis["summary"] = summary(a) + failures;
  if (!a.uniform() || !failed.empty()) ctx.analysis["exit_code"] = 4;  // documented in --help
  return measurement_rows(a);
}

// 'text' as one word for bash.
std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The sbatch script: one task per node, exclusive; each node runs the command with its own
// --json file and records its exit status beside it, so a node that fails or dies leaves a
// trace (or none) without stopping the others.
std::string sbatch_script(const submit_options& o, const std::string& exe, const std::string& dir) {
  std::string s = "#!/bin/bash\n#SBATCH --job-name=cxlprobe-fleet\n";
  if (!o.nodes.empty()) s += "#SBATCH --nodes=" + o.nodes + "\n";
  if (!o.nodelist.empty()) s += "#SBATCH --nodelist=" + o.nodelist + "\n";
  if (!o.partition.empty()) s += "#SBATCH --partition=" + o.partition + "\n";
  s += "#SBATCH --ntasks-per-node=1\n#SBATCH --exclusive\n#SBATCH --time=" + o.time + "\n";
  s += "#SBATCH --output=" + dir + "/slurm-%j.out\n";
  std::string cmd = shell_quote(exe);
  for (const auto& a : o.command)
    cmd += " " + shell_quote(a);
  s += "# The nodes given to the job: one that leaves no exit status is still counted.\n";
  s += "scontrol show hostnames \"$SLURM_JOB_NODELIST\" > " + shell_quote(dir) + "/" +
       kAllocatedNodes + "\n";
  s += "# Each node: its result as DIR/NODE.json, its exit status as DIR/NODE.rc.\n";
  s += "srun --ntasks-per-node=1 bash -c " +
       shell_quote(cmd + " --json " + shell_quote(dir) +
                   "/\"$SLURMD_NODENAME\".json -q; echo $? > " + shell_quote(dir) +
                   "/\"$SLURMD_NODENAME\".rc") +
       "\n";
  return s;
}

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', pos), dirs.size());
    const fs::path candidate = fs::path(dirs.substr(pos, end - pos)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    pos = end + 1;
  }
  return {};
}

void check_submit(const submit_options& o) {
  if (o.command.empty())
    throw usage_error("fleet submit: give the command after --, e.g. -- explain --quick");
  if (!o.nodes.empty() == !o.nodelist.empty())
    throw usage_error("fleet submit: give --nodes N or --nodelist LIST (one of them)");
  for (const auto& a : o.command) {
    if (a == "--json" || a.rfind("--json=", 0) == 0)
      throw usage_error("fleet submit: leave out --json; each node writes DIR/NODE.json");
  }
  // The nodes resolve the path themselves: an absolute path, or a name each node finds on its
  // PATH (an installed package). A relative path would depend on the node's working folder.
  if (!o.binary.empty() && o.binary.front() != '/' && o.binary.find('/') != std::string::npos)
    throw usage_error(fmt::format(
        "fleet submit --binary '{}': give an absolute path, or a name the nodes find on their "
        "PATH (e.g. cxlprobe)",
        o.binary));
  if (!o.dry_run && find_in_path("sbatch").empty())
    throw usage_error(
        "fleet submit: sbatch is not on PATH (run on a Slurm login node, or --dry-run to print "
        "the script)");
}

// After --wait: how many nodes left a result, and which failed (as fleet report counts them).
void describe_ended_job(result& r, const std::string& job, const std::string& dir) {
  std::size_t ok = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".rc" && read_line(e.path()) == "0" &&
        fs::exists(fs::path(e.path()).replace_extension(".json"), ec))
      ++ok;
  }
  const auto failed = failed_nodes(dir);
  r.add_value("nodes_ok", "1", static_cast<double>(ok));
  r.add_value("nodes_failed", "1", static_cast<double>(failed.size()));
  std::string why;
  for (const auto& [node, reason] : failed)
    why += fmt::format("; {} failed ({})", node, reason);
  r.message =
      fmt::format("job {} ended: {} node(s) left a result{}; next: cxlprobe fleet report {}", job,
                  ok, why, dir);
  if (ok == 0) r.state = status::error;
}

std::vector<result> run_fleet_submit(probes::run_context& ctx, const submit_options& o) {
  check_submit(o);
  const std::string dir = fs::absolute(o.out).string();
  if (!o.dry_run) {  // a dry run writes nothing
    std::error_code ec;
    fs::create_directories(o.out, ec);
    if (ec)
      throw usage_error(
          fmt::format("--out '{}': {}; give a folder on a filesystem every node "
                      "writes",
                      o.out, ec.message()));
  }
  const std::string exe = o.binary.empty() ? fs::read_symlink("/proc/self/exe").string() : o.binary;
  const std::string script = sbatch_script(o, exe, dir);
  result r;
  r.probe = "fleet";
  r.params = {{"action", "submit"}, {"out", dir}, {"binary", exe}};
  if (o.dry_run) {
    std::fputs(script.c_str(), stdout);
    r.message = "dry run: the script above was not submitted";
    return {r};
  }
  const std::string path = dir + "/cxlprobe-fleet.sbatch";
  write_file_atomically(path, script);
  const std::string cmd =
      fmt::format("sbatch --parsable{} {}", o.wait ? " --wait" : "", shell_quote(path));
  ctx.report("fleet: " + cmd);
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw system_error("popen(sbatch)", __FILE__, __LINE__, errno);
  std::string text;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p))
    text += buf;
  const int status = ::pclose(p);
  const std::string job = text.substr(0, text.find_first_of(";\n"));
  r.params["job_id"] = job;
  r.params["script"] = path;
  if (job.empty() || (!o.wait && status != 0)) {
    r.state = status::error;
    r.message = "sbatch failed: " + text;
  } else if (o.wait) {
    describe_ended_job(r, job, dir);
  } else {
    r.message = "submitted job " + job + "; when it ends: cxlprobe fleet report " + dir;
  }
  return {r};
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
        report
            ->add_option("-o,--output", o->report_dir,
                         "Also write a report folder: fleet.json, a per-node bar chart per "
                         "measurement (median drawn), report.md and report.html (must be empty "
                         "or new)")
            ->type_name("DIR");
        report->add_flag("--force", o->force, "Write the report into a folder that is not empty");
        auto s = std::make_shared<submit_options>();
        CLI::App* submit = cmd.add_subcommand(
            "submit",
            "Write an sbatch script (one task per node, exclusive; each node runs COMMAND with "
            "--json DIR/NODE.json and records its exit status in DIR/NODE.rc) and submit it; "
            "prints the job id");
        submit->fallthrough();
        submit->add_option("--partition", s->partition, "Slurm partition")->type_name("P");
        submit->add_option("--nodes", s->nodes, "Number of nodes")->type_name("N");
        submit->add_option("--nodelist", s->nodelist, "Nodes by name, e.g. gpu[01-16]")
            ->type_name("LIST");
        submit->add_option("--time", s->time, "Time limit of the job")
            ->type_name("TIME")
            ->capture_default_str();
        submit->add_option("--out", s->out, "Folder (on a shared filesystem) for the node files")
            ->type_name("DIR")
            ->capture_default_str();
        submit
            ->add_option("--binary", s->binary,
                         "The cxlprobe each node runs: an absolute path, or a name found on the "
                         "nodes' PATH (default: this binary's path, which every node must see)")
            ->type_name("PATH");
        submit->add_flag("--dry-run", s->dry_run, "Print the script; submit nothing");
        submit->add_flag("--wait", s->wait, "Wait for the job to end (sbatch --wait)");
        submit->add_option("command", s->command, "The cxlprobe command each node runs, after --")
            ->type_name("-- COMMAND...");
        cmd.require_subcommand(1);
        return [o, report, s, submit](probes::run_context& ctx) {
          if (submit->parsed()) return run_fleet_submit(ctx, *s);
          if (!report->parsed()) throw usage_error("fleet: give a subcommand: report or submit");
          return run_fleet_report(ctx, *o);
        };
      },
      [](probes::run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::cli
