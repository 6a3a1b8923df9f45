// Facts from libdaxctl and libcxl on a live system. When a library was not compiled in, the
// functions add a note saying so and change nothing else.
#pragma once

#include "topology/model.hpp"

namespace cxlprobe::topology::detail {

void add_from_libdaxctl(topology& topo);
void add_from_libcxl(topology& topo);

}  // namespace cxlprobe::topology::detail
