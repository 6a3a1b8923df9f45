// libFuzzer target: the topology XML pre-check and isolated load. Any bytes must end in a
// topology or a usage_error, never a crash of this process (hwloc runs in a child first).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "topology/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/cxlprobe-fuzz-" + std::to_string(::getpid()) + ".xml";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    cxlprobe::topology::load_options o;
    o.xml_path = path;
    (void)cxlprobe::topology::load(o);
  } catch (const cxlprobe::usage_error&) {
  }
  return 0;
}
