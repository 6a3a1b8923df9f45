#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

void write_file_atomically(const std::string& path, std::string_view content) {
  if (path.empty()) throw usage_error("output path is empty");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      throw usage_error("output path '" + path + "' is a directory; give a file name");
    }
    fd_guard fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) throw system_error("open(\"" + path + "\")", __FILE__, __LINE__, errno);
    write_all(fd.get(), content, path);
    return;
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
    CXLP_CHECK_SYS(::fchmod(fd.get(), 0644));
    CXLP_CHECK_SYS(::fsync(fd.get()));
    CXLP_CHECK_SYS(::close(fd.release()));
    CXLP_CHECK_SYS(::rename(tmpl.c_str(), path.c_str()));
  } catch (...) {
    ::unlink(tmpl.c_str());
    throw;
  }
}

}  // namespace cxlprobe
