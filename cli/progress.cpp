#include "cli/progress.hpp"

#include <unistd.h>

namespace cxlprobe::cli {

progress_printer::progress_printer(std::FILE* out)
    : out_(out), tty_(::isatty(::fileno(out)) == 1) {}

void progress_printer::line(const std::string& text, bool step) {
  if (pending_) std::fputs("\r\033[K", out_);  // the previous step line gives way
  std::fputs(text.c_str(), out_);
  pending_ = tty_ && step;
  if (!pending_) std::fputc('\n', out_);
  std::fflush(out_);
}

void progress_printer::finish() {
  if (!pending_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  pending_ = false;
}

}  // namespace cxlprobe::cli
