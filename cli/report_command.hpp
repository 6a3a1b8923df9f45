// `cxlprobe plot` and `cxlprobe report`: pictures and a hand-on report from result files.
#pragma once

#include <string>
#include <vector>

#include "probes/probe.hpp"
#include "report/report_page.hpp"

namespace cxlprobe::cli {

// Throws usage_error when `dir` is a file, or a folder that is not empty without `force`.
// Called in a command's plan, before anything is measured or written.
void check_report_folder(const std::string& dir, bool force);
// Plots each input into `dir` and writes report.md and report.html (plots inlined) there.
// Returns the number of plots drawn.
std::size_t write_report_folder(probes::run_context& ctx, std::vector<report::report_input>& inputs,
                                const std::string& dir);

probes::probe_spec plot_command();
probes::probe_spec report_command();

}  // namespace cxlprobe::cli
