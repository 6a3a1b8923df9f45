// The hand-on report: Markdown (plots as files beside it) and one self-contained HTML page
// (plots as data URIs, CSS inline, real tables, the floors first) from one or more result
// documents.
#pragma once

#include <functional>
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
// read_plot(name) returns the bytes of a plot named in report_input::plots (a PNG).
std::string render_html(const std::vector<report_input>& inputs,
                        const std::function<std::string(const std::string&)>& read_plot);

// RFC 4648 base64, for data URIs.
std::string base64(const std::string& bytes);

}  // namespace cxlprobe::report
