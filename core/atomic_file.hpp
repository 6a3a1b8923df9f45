// Writing output files without ever leaving a half-written one behind.
#pragma once

#include <string>
#include <string_view>

namespace cxlprobe {

// Where an output may go, checked before anything is measured: a regular file (new or
// replaced; its folder must take a new file) is `file`; a FIFO, /dev/null, a terminal or the
// process's own stdout/stderr (/dev/stdout, /dev/fd/N, /proc/self/fd/N) is `stream`, written in
// place. Anything else (a block or character device such as /dev/dax0.0, a socket, a directory,
// or a symlink to one) is refused with a usage_error naming the path: a profiler must not write
// into a device because an output path pointed at it.
enum class output_target { file, stream };
output_target check_output_target(const std::string& path);

// Writes `content` to `path` (checked again with check_output_target). A file is written to a
// temporary file in the same folder, flushed and renamed over `path` (keeping the mode of the
// file it replaces; the folder is synced), so readers see the old or the new content, never a
// mix. A stream is written in place. Throws system_error / usage_error.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace cxlprobe
