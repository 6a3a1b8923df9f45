// Input files (--topology, --trace) are read whole: only regular files qualify. A FIFO would
// block until a writer comes (or never end), a device could stream forever (/dev/zero).
#pragma once

#include <string>

namespace cxlprobe {

// Throws usage_error naming `what` and `path` when the path is empty, missing, a directory or
// not a regular file (a FIFO, a device, a socket). Follows symlinks. Never opens the file.
void check_input_file(const std::string& path, const std::string& what);

}  // namespace cxlprobe
