// The hand-on report: Markdown and a self-contained HTML page (plots as files beside it) from
// one or more result documents.
#pragma once

#include <string>
#include <vector>

#include "core/document.hpp"

namespace cxlprobe::report {

struct report_input {
  std::string file;  // where the document came from
  document doc;
  std::vector<std::string> plots;  // image file names, relative to the report folder
};

std::string render_markdown(const std::vector<report_input>& inputs);
std::string render_html(const std::vector<report_input>& inputs);

}  // namespace cxlprobe::report
