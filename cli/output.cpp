#include "cli/output.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "report/csv.hpp"
#include "report/fleet.hpp"

namespace cxlprobe::cli {

namespace {

void check_path(const std::string& path, const char* option) {
  if (path.empty() || path == "-") return;
  try {
    (void)check_output_target(path);
  } catch (const usage_error& e) {
    throw usage_error(std::string(option) + ": " + e.what());
  }
}

void emit(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::fwrite(content.data(), 1, content.size(), stdout);
    std::fflush(stdout);
  } else {
    write_file_atomically(path, content);
  }
}

}  // namespace

void add_output_options(CLI::App& app, output_options& out) {
  app.add_option("--json", out.json_path,
                 "Write the result document (JSON, schema docs/schema.md) to PATH; '-' writes it "
                 "alone on stdout and sends the table to stderr")
      ->type_name("PATH")
      ->group("Shared options");
  app.add_option("--csv", out.csv_path,
                 "Write CSV to PATH ('-' for stdout): a row per measurement, a column per "
                 "parameter and metric (explain: its floors; topo: its paths)")
      ->type_name("PATH")
      ->group("Shared options");
  app.add_flag("-q,--quiet", out.quiet, "Print no table and no progress")->group("Shared options");
  app.add_flag("--wide", out.wide,
               "Print every column of the table (default: what fits 120 columns; the rest is in "
               "--json and --csv)")
      ->group("Shared options");
}

void validate_output_options(const output_options& out) {
  if (out.json_path == "-" && out.csv_path == "-") {
    throw usage_error("--json - and --csv - both want stdout; send one of them to a file");
  }
  check_path(out.json_path, "--json");
  check_path(out.csv_path, "--csv");
}

void write_outputs(const output_options& out, const document& doc) {
  if (!out.json_path.empty()) emit(out.json_path, to_json(doc).dump(2) + "\n");
  if (out.csv_path.empty()) return;
  // explain's answer is its floors table; topo's its paths; every other command its results.
  const std::string command = doc.meta.argv.size() > 1 ? doc.meta.argv[1] : "";
  if (doc.analysis.contains("fleet")) {
    emit(out.csv_path, report::fleet_csv(doc.analysis["fleet"]));
  } else if (doc.analysis.contains("floors")) {
    emit(out.csv_path, report::render_floors_csv(doc.analysis["floors"]));
  } else if (command == "topo" && doc.context.contains("topology") &&
             doc.context["topology"].contains("paths")) {
    emit(out.csv_path, report::render_paths_csv(doc.context["topology"]["paths"]));
  } else {
    emit(out.csv_path, report::render_csv(doc.results));
  }
}

}  // namespace cxlprobe::cli
