// Check macros for system calls. Each throws cxlprobe::system_error naming the call, the
// source location and errno, so a failure report says exactly what went wrong where.
#pragma once

#include <cerrno>

#include "core/error.hpp"

// For calls that return -1 and set errno (open, ioctl, munmap, ...). Yields the result.
#define CXLP_CHECK_SYS(expr)                                            \
  ([&]() {                                                              \
    auto cxlp_rc_ = (expr);                                             \
    if (cxlp_rc_ == -1) {                                               \
      throw ::cxlprobe::system_error(#expr, __FILE__, __LINE__, errno); \
    }                                                                   \
    return cxlp_rc_;                                                    \
  }())

// For calls that return an error number directly (pthread_*): 0 means success.
#define CXLP_CHECK_ERRNO(expr)                                              \
  do {                                                                      \
    int cxlp_err_ = (expr);                                                 \
    if (cxlp_err_ != 0) {                                                   \
      throw ::cxlprobe::system_error(#expr, __FILE__, __LINE__, cxlp_err_); \
    }                                                                       \
  } while (0)
