// CUDA runtime check: throws cxlprobe::cuda_error with the call, location and error name.
#pragma once

#include <cuda_runtime_api.h>

#include "core/error.hpp"

#define CXLP_CHECK_CUDA(expr)                                                                  \
  do {                                                                                         \
    cudaError_t cxlp_cuda_rc_ = (expr);                                                        \
    if (cxlp_cuda_rc_ != cudaSuccess) {                                                        \
      throw ::cxlprobe::cuda_error(#expr, __FILE__, __LINE__, cudaGetErrorName(cxlp_cuda_rc_), \
                                   cudaGetErrorString(cxlp_cuda_rc_));                         \
    }                                                                                          \
  } while (0)
