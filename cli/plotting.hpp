// Runs the matplotlib plot script (plots/cxlprobe_plot.py) with a Python that has matplotlib:
// $CXLPROBE_PYTHON, then python3 on PATH, then /usr/bin/python3 (Debian's python3-matplotlib is
// visible only to the system interpreter on some images).
#pragma once

#include <string>
#include <vector>

namespace cxlprobe::cli {

// Writes the plots of `result_file` to `out` (png, svg or pdf; several kinds get "-KIND" added to
// the stem). Returns the files written. Throws usage_error when no Python with matplotlib is found
// (naming the package to install) or the file holds nothing to plot.
std::vector<std::string> make_plots(const std::string& result_file, const std::string& out,
                                    const std::string& kind = "auto");

}  // namespace cxlprobe::cli
