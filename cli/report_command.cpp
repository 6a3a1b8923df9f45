#include "cli/report_command.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "cli/plotting.hpp"
#include "core/atomic_file.hpp"
#include "core/document.hpp"
#include "core/error.hpp"
#include "report/report_page.hpp"

namespace cxlprobe::cli {

namespace {

namespace fs = std::filesystem;

struct plot_options {
  std::string file;
  std::string out;
  std::string kind = "auto";
};

struct report_options {
  std::vector<std::string> files;
  std::string dir;
  bool force = false;
};

std::vector<result> run_plot(probes::run_context&, const plot_options& o) {
  (void)load_document(o.file);  // a clear error for a file that is not a result document
  std::vector<result> out;
  for (const auto& f : make_plots(o.file, o.out, o.kind)) {
    result r;
    r.probe = "plot";
    r.params = {{"file", f}};
    r.add_value("bytes", "B", static_cast<double>(fs::file_size(f)));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<result> run_report(probes::run_context& ctx, const report_options& o) {
  check_report_folder(o.dir, o.force);
  std::vector<report::report_input> inputs;
  for (const auto& f : o.files)
    inputs.push_back({f, load_document(f), {}});  // all valid before writing
  const std::size_t plots = write_report_folder(ctx, inputs, o.dir);
  result r;
  r.probe = "report";
  r.params = {{"folder", o.dir}};
  r.add_value("inputs", "1", static_cast<double>(inputs.size()));
  r.add_value("plots", "1", static_cast<double>(plots));
  r.message = "wrote report.md and report.html";
  return {r};
}

}  // namespace

void check_report_folder(const std::string& dir, bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw usage_error(fmt::format("-o '{}' is a file; give a folder for the report", dir));
  }
  if (fs::is_directory(dir, ec) && !fs::is_empty(dir, ec) && !force) {
    throw usage_error(fmt::format(
        "report folder '{}' is not empty; choose another or pass --force to write into it", dir));
  }
}

std::size_t write_report_folder(probes::run_context& ctx, std::vector<report::report_input>& inputs,
                                const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw usage_error(fmt::format("cannot create report folder '{}': {}", dir, ec.message()));
  std::size_t plots = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ctx.report("report: plotting " + inputs[i].file);
    const std::string stem = fmt::format("{}-{}", i + 1, fs::path(inputs[i].file).stem().string());
    try {
      for (const auto& p : make_plots(inputs[i].file, (fs::path(dir) / (stem + ".png")).string())) {
        inputs[i].plots.push_back(fs::path(p).filename().string());
        ++plots;
      }
    } catch (const usage_error& e) {
      // A file with nothing to plot still gets its tables; a missing matplotlib is fatal.
      if (std::string(e.what()).find("matplotlib") != std::string::npos) throw;
    }
  }
  write_file_atomically((fs::path(dir) / "report.md").string(), report::render_markdown(inputs));
  // One self-contained page: the plots go in as data URIs.
  const auto read_plot = [&](const std::string& name) {
    std::ifstream in(fs::path(dir) / name, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  write_file_atomically((fs::path(dir) / "report.html").string(),
                        report::render_html(inputs, read_plot));
  return plots;
}

probes::probe_spec plot_command() {
  return {
      "plot",
      "Plot a result file (matplotlib): bandwidth vs size, KV blocks, scaling, latency, floors, "
      "replay",
      [](CLI::App& cmd) -> probes::runner {
        auto o = std::make_shared<plot_options>();
        cmd.add_option("file", o->file, "A result document (--json of any command)")
            ->type_name("RESULT.json")
            ->required()
            ->check(CLI::ExistingFile);
        cmd.add_option("-o,--output", o->out,
                       "FILE.png, .svg or .pdf (several kinds: FILE-KIND.png)")
            ->required();
        cmd.add_option("--kind", o->kind,
                       "auto (every kind the file holds), size, kv, scaling, threads, tiers, "
                       "latency, floor, replay or fleet")
            ->capture_default_str();
        return [o](probes::run_context& ctx) { return run_plot(ctx, *o); };
      },
      [](probes::run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

probes::probe_spec report_command() {
  return {
      "report",
      "Write DIR/report.md and DIR/report.html (plots beside them) from result files",
      [](CLI::App& cmd) -> probes::runner {
        auto o = std::make_shared<report_options>();
        cmd.add_option("files", o->files, "Result documents (--json of any command)")
            ->type_name("RESULT.json...")
            ->required()
            ->check(CLI::ExistingFile);
        cmd.add_option("-o,--output", o->dir, "Report folder (must be empty or new)")->required();
        cmd.add_flag("--force", o->force, "Write into a folder that is not empty");
        return [o](probes::run_context& ctx) { return run_report(ctx, *o); };
      },
      [](probes::run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::cli
