// Writing output files without ever leaving a half-written one behind.
#pragma once

#include <string>
#include <string_view>

namespace cxlprobe {

// Writes `content` to `path`. A regular (or not yet existing) file is written to a temporary
// file in the same folder, flushed and renamed over `path`, so readers see the old or the new
// content, never a mix. A path that exists and is not a regular file (/dev/stdout, a FIFO,
// /dev/null) is written directly and never renamed over. Throws system_error / usage_error.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace cxlprobe
