#include "core/error.hpp"

#include <cstring>
#include <string>

namespace cxlprobe {

namespace {
std::string where(const char* file, int line) {
  return std::string(file) + ":" + std::to_string(line);
}
}  // namespace

system_error::system_error(std::string call, const char* file, int line, int err)
    : error(call + " failed: " + std::strerror(err) + " (errno " + std::to_string(err) + ") at " +
            where(file, line)),
      call_(std::move(call)),
      errno_(err) {}

cuda_error::cuda_error(std::string call, const char* file, int line, std::string name,
                       std::string text)
    : error(call + " failed: " + name + " (" + text + ") at " + where(file, line)),
      call_(std::move(call)),
      name_(std::move(name)) {}

}  // namespace cxlprobe
