#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "probes/probe.hpp"

namespace cxlprobe::probes {

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string duration_text(double s) {
  const auto whole = static_cast<long>(std::lround(s));
  return whole < 60 ? fmt::format("{} s", whole)
                    : fmt::format("{} min {} s", whole / 60, whole % 60);
}

}  // namespace

topology::topology& run_context::topo() {
  if (!topo_) topo_ = topology::load(options_);
  return *topo_;
}

run_context::step_scope::step_scope(run_context& ctx, std::size_t total) : ctx_(ctx) {
  if (ctx_.step_depth_++ == 0) {
    ctx_.steps_total_ = total;
    ctx_.steps_done_ = 0;
    ctx_.steps_start_ = now_s();
  }
}

run_context::step_scope::~step_scope() {
  --ctx_.step_depth_;
}

void run_context::step(const std::string& what) {
  if (!progress) return;
  if (step_depth_ != 1) {
    progress(step_depth_ > 1 ? "  " + what : what, false);
    return;
  }
  ++steps_done_;
  const double elapsed = now_s() - steps_start_;
  std::string line = fmt::format("[{}/{}] {} ({} elapsed", steps_done_,
                                 std::max(steps_total_, steps_done_), what, duration_text(elapsed));
  // ETA from the steps already finished, when there are some and more to come.
  if (steps_done_ > 1 && steps_total_ >= steps_done_) {
    const double per_step = elapsed / static_cast<double>(steps_done_ - 1);
    line +=
        ", ETA " + duration_text(per_step * static_cast<double>(steps_total_ - steps_done_ + 1));
  }
  progress(line + ")", true);
}

}  // namespace cxlprobe::probes
