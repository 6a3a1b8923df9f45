// Progress on stderr for people: on a terminal the "[k/n] ..." step line is rewritten in place;
// elsewhere (a log, CI) every line is kept, one per step.
#pragma once

#include <cstdio>
#include <string>

namespace cxlprobe::cli {

class progress_printer {
 public:
  explicit progress_printer(std::FILE* out);
  void line(const std::string& text, bool step);
  // Clears a step line left on a terminal (before the table is printed).
  void finish();

 private:
  std::FILE* out_;
  bool tty_;
  bool pending_ = false;
};

}  // namespace cxlprobe::cli
