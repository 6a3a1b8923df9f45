#include "core/input_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "core/error.hpp"

namespace cxlprobe {

void check_input_file(const std::string& path, const std::string& what) {
  if (path.empty()) throw usage_error(what + ": the path is empty; give a file");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw usage_error(what + " '" + path + "': " + std::strerror(errno));
  }
  if (S_ISREG(st.st_mode)) return;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) && std::strcmp(resolved, "/dev/null") == 0) {
    throw usage_error(what + " '" + path + "' is empty");
  }
  const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                     : S_ISFIFO(st.st_mode) ? "a FIFO"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "not a regular file";
  throw usage_error(what + " '" + path + "' is " + kind +
                    ": it is read whole, so only a regular file will do; save it to a file first");
}

}  // namespace cxlprobe
