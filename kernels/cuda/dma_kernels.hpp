// CUDA kernels for the GPU probes: hot loops only. Every launcher returns the launch's
// cudaError_t; the caller checks it. Pointers may be device memory or host memory mapped into
// the device address space (pinned/registered).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "kernels/pattern.hpp"

namespace cxlprobe::kernels::cuda {

// Holds `stream` until *flag (host-mapped memory) becomes non-zero, so copies queued behind it
// on several streams start together. Gives up after `timeout_ns` of GPU time (never hangs the
// GPU if the host dies); *timed_out (device-visible) is set to 1 then.
cudaError_t launch_latch(const volatile int* flag, int* timed_out, unsigned long long timeout_ns,
                         cudaStream_t stream);

// Scattered block copy by SM threads with 16-byte accesses:
//   for b in [0, blocks): dst[dst_off[b] .. +block_bytes) <- src[src_off[b] .. +block_bytes)
// Offsets live in device memory; block_bytes and offsets must be multiples of 16. A bulk copy
// is one block with offsets {0}. `ctas` thread blocks of 256 threads (0 = 4 per SM).
cudaError_t launch_block_copy(void* dst, const void* src, const std::uint64_t* dst_off,
                              const std::uint64_t* src_off, std::size_t blocks,
                              std::size_t block_bytes, int ctas, cudaStream_t stream);

// The same scattered copy through the Tensor Memory Accelerator (Hopper, compute capability
// 9.0+): one thread per CTA streams `chunk`-byte pieces global -> shared -> global with bulk
// async copies, several stages in flight, so each SM keeps large reads outstanding.
// Returns cudaErrorNotSupported on older GPUs. block_bytes, offsets and chunk: multiples of 16.
cudaError_t launch_block_copy_tma(void* dst, const void* src, const std::uint64_t* dst_off,
                                  const std::uint64_t* src_off, std::size_t blocks,
                                  std::size_t block_bytes, int ctas, cudaStream_t stream);
// Whether launch_block_copy_tma runs on the current device.
bool tma_supported();

// Fills `bytes` (multiple of 8) with the pattern word(i) = kernels::pattern_word(seed, i)
// (kernels/pattern.hpp).
cudaError_t launch_fill_pattern(void* dst, std::size_t bytes, std::uint64_t seed,
                                cudaStream_t stream);
// Counts 64-bit words of `p` that differ from pattern_word(seed, i); adds to *mismatches.
cudaError_t launch_count_mismatches(const void* p, std::size_t bytes, std::uint64_t seed,
                                    unsigned long long* mismatches, cudaStream_t stream);

}  // namespace cxlprobe::kernels::cuda
