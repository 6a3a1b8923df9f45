// Thin main of an individual probe binary: `cxlprobe-NAME args` runs `cxlprobe NAME args`.
#include "cli/app.hpp"

#ifndef CXLPROBE_PROBE_NAME
#error "CXLPROBE_PROBE_NAME must name the probe"
#endif

int main(int argc, char** argv) {
  return cxlprobe::cli::run(argc, argv, CXLPROBE_PROBE_NAME);
}
