// Exception types shared by every layer. The CLI maps them to exit codes: usage_error -> 2
// (the user can fix the input), everything else -> 1.
#pragma once

#include <stdexcept>
#include <string>

namespace cxlprobe {

// Base of every error the project throws on purpose.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input from the user: an option value, a tier spec, a file's content. Exit code 2.
class usage_error : public error {
 public:
  using error::error;
};

// A system call failed. Carries the call text, where it was made and errno.
class system_error : public error {
 public:
  system_error(std::string call, const char* file, int line, int err);
  const std::string& call() const noexcept { return call_; }
  int code() const noexcept { return errno_; }

 private:
  std::string call_;
  int errno_;
};

// A CUDA runtime call failed. Carries the call text, where it was made, the error's name.
class cuda_error : public error {
 public:
  cuda_error(std::string call, const char* file, int line, std::string name, std::string text);
  const std::string& call() const noexcept { return call_; }
  const std::string& name() const noexcept { return name_; }

 private:
  std::string call_;
  std::string name_;
};

// A probe (or one point of it) cannot run on this node: no GPU, no DAX device, not compiled
// in. Becomes a result with status "waived" rather than a failure.
class waived_error : public error {
 public:
  using error::error;
};

}  // namespace cxlprobe
