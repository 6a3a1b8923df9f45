#include "cli/app.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>
#include <string>
#include <vector>

#include "cli/explain_command.hpp"
#include "cli/fleet_command.hpp"
#include "cli/help_text.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/report_command.hpp"
#include "cli/signals.hpp"
#include "core/document.hpp"
#include "core/error.hpp"
#include "core/provenance.hpp"
#include "core/version.hpp"
#include "probes/probe.hpp"
#include "report/floor.hpp"
#include "report/table.hpp"
#include "report/topology_view.hpp"
#include "topology/fingerprint.hpp"
#include "topology/json.hpp"
#include "topology/loader.hpp"

namespace cxlprobe::cli {

namespace {
// std::bad_alloc says only "std::bad_alloc": say what ran out and what to change.
constexpr const char* kOutOfMemory =
    "out of memory: the run needed more memory than this process may use (sizes too large for "
    "this node, a trace too large, or a limit such as ulimit -v or a cgroup's memory.max); use "
    "smaller sizes or a smaller input";

// operator new failing deep inside a library does not always reach a catch: nlohmann's parser
// unwinds through noexcept code and aborts (exit 134, "std::bad_alloc"). End the run here with
// the reason instead; nothing is left to allocate a result file with.
[[noreturn]] void out_of_memory() {
  const auto say = [](const char* s) { (void)!::write(STDERR_FILENO, s, std::strlen(s)); };
  say("cxlprobe: error: ");
  say(kOutOfMemory);
  say("\n");
  ::_exit(kExitFailed);
}

constexpr const char* kExitCodeHelp =
    "Exit codes: 0 ok. 1 a probe failed. 2 usage error (bad option, value or input file). "
    "3 everything requested was waived (e.g. no GPU, no DAX device). 4 fleet report found a "
    "node that differs. 130 interrupted "
    "(partial results written, marked incomplete).\n"
    "Units: GB/s = 1e9 B/s, GiB/s = 2^30 B/s; sizes need a unit: B, KB, MB, GB (powers of "
    "1000) or KiB, MiB, GiB, K, M, G (powers of 1024); rates the same with /s (20GB/s); "
    "lists take ranges (0-3,8).";

std::string now_iso8601() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

// Commands that measure this machine: the topology they record must be this machine's.
bool measures_this_machine(const std::string& name) {
  return name == "bw" || name == "lat" || name == "dma" || name == "scale";
}

// A measuring command given another machine's XML would measure here and stamp the file's
// machine into the result: refused, naming what differs.
void refuse_other_machine(const std::string& file, const topology::topology& described) {
  topology::load_options live;
  live.use_libraries = false;
  const auto diffs = topology::machine_differences(described, topology::load(live));
  if (diffs.empty()) return;
  throw usage_error(fmt::format(
      "--topology '{}' describes another machine ({}); this command measures this machine. "
      "Leave --topology out, or read the file with `cxlprobe topo` or `cxlprobe explain`",
      file, fmt::join(diffs, "; ")));
}

// Edit distance (insertions, deletions, substitutions) between two option names.
std::size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

void print_to(std::FILE* stream, const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

struct command {
  CLI::App* app = nullptr;
  const probes::probe_spec* spec = nullptr;
  probes::runner run;
};

// After a parse error: for each unknown "--name" of the chosen command, the nearest option it
// has ("--gpu: did you mean --gpus?"), when one is close (edit distance <= 2, or a prefix).
void suggest_options(const std::vector<command>& commands, const std::vector<std::string>& given) {
  if (given.empty()) return;
  const auto c = std::find_if(commands.begin(), commands.end(),
                              [&](const command& x) { return x.app->get_name() == given.front(); });
  if (c == commands.end()) return;
  std::vector<std::string> known;
  for (const CLI::Option* opt : c->app->get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    for (const auto& l : opt->get_lnames())
      known.push_back("--" + l);
  }
  for (const auto& arg : given) {
    if (arg.rfind("--", 0) != 0) continue;
    const std::string name = arg.substr(0, arg.find('='));
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    const std::string* best = nullptr;
    std::size_t best_d = 3;
    for (const auto& k : known) {
      const std::size_t d = k.rfind(name, 0) == 0 ? 1 : distance(name, k);
      if (d < best_d) best_d = d, best = &k;
    }
    if (best) std::fprintf(stderr, "%s: did you mean %s?\n", name.c_str(), best->c_str());
  }
}

}  // namespace

int run(int argc, char** argv, std::optional<std::string_view> fixed_command) {
  std::set_new_handler(out_of_memory);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (fixed_command) args.insert(args.begin(), std::string(*fixed_command));

  CLI::App app{
      "cxlprobe: profiles how bytes move between CXL memory, host DRAM and GPUs, and explains "
      "which link or tier sets the floor.",
      "cxlprobe"};
  app.footer(kExitCodeHelp);
  app.set_version_flag("--version", fmt::format("cxlprobe {} (git {})", kVersion, kGitSha),
                       "Print the version and git sha, then exit");
  app.require_subcommand(1);

  // Options every command shares live on each subcommand, so that `cxlprobe X --help` lists them.
  output_options out;
  std::string topology_file;
  std::vector<command> commands;
  // Commands built from probes first (the main job leads), then every registered probe.
  static const std::vector<probes::probe_spec> composed{
      explain_command(), compare_command(), plot_command(), report_command(), fleet_command()};
  std::vector<const probes::probe_spec*> specs;
  for (const auto& spec : composed)
    specs.push_back(&spec);
  for (const auto& spec : probes::registry())
    specs.push_back(&spec);
  // CLI11 reads "-5" into an unsigned option as a huge count: every command's unsigned options
  // refuse negative values.
  const CLI::Validator count(
      [](std::string& v) -> std::string {
        if (v.find('-') == std::string::npos) return {};
        return "'" + v + "' is negative; give a count of 0 or more";
      },
      "");
  for (const probes::probe_spec* specp : specs) {
    const auto& spec = *specp;
    // --help: the purpose, examples, the command's own options, then the shared ones.
    const std::string examples = examples_for(spec.name);
    CLI::App* sub = app.add_subcommand(
        std::string(spec.name),
        std::string(spec.summary) + (examples.empty() ? "" : "\n\n" + examples + "\n"));
    sub->footer(kExitCodeHelp);
    commands.push_back({sub, &spec, spec.setup(*sub)});
    sub->add_option("--topology", topology_file,
                    "Describe the machine in this hwloc XML file (`lstopo --of xml`) instead of "
                    "the live system")
        ->type_name("FILE.xml")
        ->group("Shared options");
    add_output_options(*sub, out);
    for (CLI::Option* opt : sub->get_options()) {
      if (opt->get_type_name() == "UINT") opt->check(count);
      const std::string placeholder = placeholder_for(opt->get_name());
      if (!placeholder.empty() && opt->get_type_name() == "TEXT") opt->type_name(placeholder);
    }
  }

  if (args.empty()) {
    // Bare `cxlprobe`: what there is to run, and where to start.
    std::string text = app.get_description() + "\n\nCommands:\n";
    for (const auto& c : commands)
      text += fmt::format("  {:<9} {}\n", c.app->get_name(), c.spec->summary);
    text +=
        "\nStart with `cxlprobe explain`: it measures what matters on this node and says which "
        "link or tier sets the floor.\n`cxlprobe COMMAND --help` shows a command's options and "
        "examples.\n";
    std::fputs(report::wrap_lines(text).c_str(), stderr);
    return kExitUsage;
  }
  if (!args.empty() && !args.front().empty() && args.front()[0] != '-' &&
      std::none_of(commands.begin(), commands.end(),
                   [&](const command& c) { return c.app->get_name() == args.front(); })) {
    std::string names;
    for (const auto& c : commands)
      names += (names.empty() ? "" : ", ") + c.app->get_name();
    std::fprintf(stderr, "cxlprobe: unknown command '%s'; commands: %s (see 'cxlprobe --help')\n",
                 args.front().c_str(), names.c_str());
    return kExitUsage;
  }

  const std::vector<std::string> given = args;
  try {
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e, std::cout, std::cerr);
    if (rc != 0) suggest_options(commands, given);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  const auto chosen = std::find_if(commands.begin(), commands.end(),
                                   [](const command& c) { return c.app->parsed(); });
  if (chosen == commands.end()) {
    std::fprintf(stderr, "cxlprobe: no command given; run 'cxlprobe --help'\n");
    return kExitUsage;
  }
  const std::string name(chosen->spec->name);
  const bool topology_given = chosen->app->get_option("--topology")->count() > 0;

  document doc;
  doc.meta.version = kVersion;
  doc.meta.git_sha = kGitSha;
  doc.meta.argv.assign(argv, argv + argc);
  doc.meta.start_time = now_iso8601();
  doc.meta.host = host_name();

  std::FILE* human = out.stdout_taken() ? stderr : stdout;
  topology::load_options topo_options;
  if (!topology_file.empty()) topo_options.xml_path = topology_file;
  probes::run_context ctx(topo_options);
  stop_on_signals signals;
  ctx.stop = &signals.flag();
  progress_printer printer(stderr);
  if (!out.quiet) {
    ctx.progress = [&printer](const std::string& line, bool step) {
      printer.line("cxlprobe: " + line, step);
    };
  }

  const auto start = std::chrono::steady_clock::now();
  try {
    validate_output_options(out);
    // A bad --topology file is a usage error before anything runs; otherwise the topology is
    // loaded when a probe asks for it (a replay needs none). An empty --topology "" is no
    // request for the live machine.
    if (topology_given && topology_file.empty())
      throw usage_error("--topology: the path is empty; give an hwloc XML file or leave it out");
    if (!topology_file.empty()) (void)ctx.topo();
    if (!topology_file.empty() && measures_this_machine(name))
      refuse_other_machine(topology_file, ctx.topo());
  } catch (const usage_error& e) {
    std::fprintf(stderr, "cxlprobe %s: error: %s\n", name.c_str(), e.what());
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "cxlprobe %s: error: %s\n", name.c_str(), kOutOfMemory);
    return kExitFailed;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cxlprobe %s: error: %s\n", name.c_str(), e.what());
    return kExitFailed;
  }

  try {
    // Runners validate their options first (usage errors), then check what the node has.
    doc.results = chosen->run(ctx);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "cxlprobe %s: error: %s\n", name.c_str(), e.what());
    return kExitUsage;
  } catch (const waived_error& e) {
    doc.results.push_back(make_waived(name, e.what()));
  } catch (const std::bad_alloc&) {
    doc.results.push_back(make_error(name, std::string(kOutOfMemory)));
  } catch (const std::exception& e) {
    // A failure mid-run still leaves a result file that says what failed.
    doc.results.push_back(make_error(name, e.what()));
  }
  printer.finish();
  // After the run: probes may have added facts (CUDA device indices) to the topology.
  if (ctx.topology_loaded()) doc.context["topology"] = topology::to_json(ctx.topo());
  doc.context["machine"] = machine_facts();
  if (ctx.topology_loaded()) {
    doc.context["machine"]["topology_source"] = ctx.topo().source;
    doc.context["machine"]["topology_fingerprint"] = topology::fingerprint(ctx.topo());
  }
  doc.analysis = ctx.analysis;
  doc.meta.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  doc.meta.complete = !signals.flag().load();

  int rc = signals.flag().load() ? kExitInterrupted : exit_code_for(doc.results);
  // A command's own answer in its exit code (fleet report: 4 when a node differs).
  if (rc == kExitOk && doc.analysis.contains("exit_code"))
    rc = doc.analysis["exit_code"].get<int>();
  try {
    write_outputs(out, doc);
    if (ctx.finish && doc.meta.complete) ctx.finish(doc);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cxlprobe %s: error writing output: %s\n", name.c_str(), e.what());
    rc = kExitFailed;
  }
  if (!out.quiet) {
    if (name == "topo") {
      print_to(human, report::wrap_lines(report::render_topology(ctx.topo())));
    } else {
      print_to(human, report::render_table(doc.results, {out.wide}));
    }
    if (doc.analysis.contains("summary"))
      print_to(human,
               report::wrap_lines("Summary: " + doc.analysis["summary"].get<std::string>()) + "\n");
    if (doc.analysis.contains("floors")) {
      print_to(human, "\n" + report::wrap_lines(report::render_floors(doc.analysis["floors"])));
      if (doc.analysis.contains("note"))
        print_to(human,
                 report::wrap_lines("Note: " + doc.analysis["note"].get<std::string>()) + "\n");
      if (doc.analysis.contains("gpu"))
        print_to(human,
                 report::wrap_lines("Note: " + doc.analysis["gpu"].get<std::string>()) + "\n");
    }
    for (const auto& r : doc.results) {
      if (r.state == status::error) {
        std::fprintf(stderr, "cxlprobe %s: error: %s\n", name.c_str(), r.message.c_str());
      }
    }
    if (!doc.meta.complete) {
      std::fprintf(stderr, "cxlprobe %s: interrupted by signal %d; results are partial\n",
                   name.c_str(), signals.signal_number());
    }
  }
  return rc;
}

}  // namespace cxlprobe::cli
