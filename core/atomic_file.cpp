#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/check.hpp"
#include "core/error.hpp"

namespace cxlprobe {

namespace {

// Owns a file descriptor.
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

void write_all(int fd, std::string_view content, const std::string& path) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw system_error("write(\"" + path + "\")", __FILE__, __LINE__, errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

namespace {

bool own_stream(const std::string& path) {
  return path == "/dev/stdout" || path == "/dev/stderr" || path.rfind("/dev/fd/", 0) == 0 ||
         path.rfind("/proc/self/fd/", 0) == 0;
}

[[noreturn]] void refuse(const std::string& path, const std::string& what) {
  throw usage_error("output path '" + path + "' is " + what +
                    "; results go to a regular file, a FIFO, /dev/null, /dev/stdout (or -) or a "
                    "terminal: give a file name");
}

// A terminal, or /dev/null: the only character devices an output may name.
bool harmless_char_device(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) && std::strcmp(resolved, "/dev/null") == 0) return true;
  // Opening for writing without O_TRUNC writes nothing; isatty tells a terminal.
  fd_guard fd(::open(path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
  return fd.get() >= 0 && ::isatty(fd.get()) == 1;
}

// The folder of `path` must take a new file: try one (refusals before measuring, not after).
void check_folder_writable(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  std::string probe = (slash == std::string::npos ? std::string("./") : dir) + ".cxlprobe-XXXXXX";
  fd_guard fd(::mkstemp(probe.data()));
  struct stat st {};
  if (fd.get() < 0 && errno == ENOENT && (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    throw usage_error("output path '" + path + "': folder '" + dir +
                      "' does not exist; create it first");
  }
  if (fd.get() < 0 && errno == ENOENT) {
    // The folder exists but takes no file: /proc, /sys and other pseudo-filesystems.
    throw usage_error("output path '" + path + "': its folder '" + dir +
                      "' takes no new files (a pseudo-filesystem such as /proc or /sys); choose "
                      "a writable folder");
  }
  if (fd.get() < 0) {
    throw usage_error("output path '" + path + "': cannot create a file in its folder '" + dir +
                      "' (" + std::strerror(errno) + "); choose a writable folder");
  }
  ::unlink(probe.c_str());
}

// What `path` is, refusing devices; no file is created.
output_target classify(const std::string& path) {
  if (path.empty()) throw usage_error("output path is empty");
  if (own_stream(path)) return output_target::stream;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) throw system_error("stat(\"" + path + "\")", __FILE__, __LINE__, errno);
    return output_target::file;
  }
  if (S_ISREG(st.st_mode)) return output_target::file;
  if (S_ISFIFO(st.st_mode)) return output_target::stream;
  if (S_ISDIR(st.st_mode)) refuse(path, "a directory");
  if (S_ISCHR(st.st_mode) && harmless_char_device(path)) return output_target::stream;
  refuse(path, S_ISBLK(st.st_mode)    ? "a block device"
               : S_ISCHR(st.st_mode)  ? "a character device (a DAX device is one)"
               : S_ISSOCK(st.st_mode) ? "a socket"
                                      : "not a regular file");
}

}  // namespace

output_target check_output_target(const std::string& path) {
  const output_target t = classify(path);
  if (t == output_target::stream) return t;
  if (::access(path.c_str(), F_OK) == 0 && ::access(path.c_str(), W_OK) != 0) {
    throw usage_error("output path '" + path + "' exists and is not writable (" +
                      std::strerror(errno) + ")");
  }
  check_folder_writable(path);
  return t;
}

void write_file_atomically(const std::string& path, std::string_view content) {
  if (classify(path) == output_target::stream) {
    fd_guard fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) throw system_error("open(\"" + path + "\")", __FILE__, __LINE__, errno);
    write_all(fd.get(), content, path);
    return;
  }
  // A file it replaces keeps its mode; a new one gets 0666 less the umask, as open() would.
  mode_t mode = 0;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  std::string tmpl = (slash == std::string::npos ? std::string("./") : dir) + ".cxlprobe-XXXXXX";
  fd_guard fd(::mkstemp(tmpl.data()));
  if (fd.get() < 0) {
    throw system_error("mkstemp(\"" + tmpl + "\") for output '" + path + "'", __FILE__, __LINE__,
                       errno);
  }
  try {
    write_all(fd.get(), content, tmpl);
    CXLP_CHECK_SYS(::fchmod(fd.get(), mode));
    CXLP_CHECK_SYS(::fsync(fd.get()));
    CXLP_CHECK_SYS(::close(fd.release()));
    CXLP_CHECK_SYS(::rename(tmpl.c_str(), path.c_str()));
  } catch (...) {
    ::unlink(tmpl.c_str());
    throw;
  }
  // The rename is durable once the folder's entry is.
  fd_guard folder(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (folder.get() >= 0) CXLP_CHECK_SYS(::fsync(folder.get()));
}

}  // namespace cxlprobe
