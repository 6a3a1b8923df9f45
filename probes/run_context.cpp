#include "probes/probe.hpp"

namespace cxlprobe::probes {

topology::topology& run_context::topo() {
  if (!topo_) topo_ = topology::load(options_);
  return *topo_;
}

}  // namespace cxlprobe::probes
