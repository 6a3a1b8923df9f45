#include "kernels/cuda/dma_kernels.hpp"

namespace cxlprobe::kernels::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kUnroll = 8;  // 16-byte loads in flight per thread before the first store

__global__ void latch_kernel(const volatile int* flag, int* timed_out, unsigned long long timeout_ns) {
  unsigned long long start = 0;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  while (*flag == 0) {
    unsigned long long now = 0;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
    if (now - start > timeout_ns) {
      *timed_out = 1;
      return;
    }
    __nanosleep(1000);
  }
}

// The copy is flattened to 16-byte vectors: vector v belongs to block v / vpb. Each thread
// loads kUnroll vectors (grid-stride apart) before storing any, so many PCIe reads are in
// flight per SM whatever the block size.
__global__ void __launch_bounds__(kThreads) block_copy_kernel(
    uint4* __restrict__ dst, const uint4* __restrict__ src, const std::uint64_t* __restrict__ dst_off,
    const std::uint64_t* __restrict__ src_off, std::size_t vpb, std::size_t total) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t v = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; v + (kUnroll - 1) * stride < total; v += kUnroll * stride) {
    uint4 buf[kUnroll];
    std::size_t d[kUnroll];
#pragma unroll
    for (int k = 0; k < kUnroll; ++k) {
      const std::size_t g = v + k * stride;
      const std::size_t b = g / vpb;
      const std::size_t w = g - b * vpb;
      buf[k] = src[src_off[b] / 16 + w];
      d[k] = dst_off[b] / 16 + w;
    }
#pragma unroll
    for (int k = 0; k < kUnroll; ++k) dst[d[k]] = buf[k];
  }
  for (; v < total; v += stride) {
    const std::size_t b = v / vpb;
    const std::size_t w = v - b * vpb;
    dst[dst_off[b] / 16 + w] = src[src_off[b] / 16 + w];
  }
}

__global__ void fill_kernel(std::uint64_t* p, std::size_t words, std::uint64_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words; i += stride) {
    p[i] = kernels::pattern_word(seed, i);
  }
}

__global__ void mismatch_kernel(const std::uint64_t* p, std::size_t words, std::uint64_t seed,
                                unsigned long long* out) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  unsigned long long bad = 0;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words; i += stride) {
    bad += p[i] != kernels::pattern_word(seed, i);
  }
  if (bad) atomicAdd(out, bad);
}

int default_ctas() {
  int device = 0;
  int sms = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || sms <= 0) {
    return 132 * 4;
  }
  return sms * 4;
}

}  // namespace

cudaError_t launch_latch(const volatile int* flag, int* timed_out, unsigned long long timeout_ns,
                         cudaStream_t stream) {
  latch_kernel<<<1, 1, 0, stream>>>(flag, timed_out, timeout_ns);
  return cudaGetLastError();
}

cudaError_t launch_block_copy(void* dst, const void* src, const std::uint64_t* dst_off,
                              const std::uint64_t* src_off, std::size_t blocks,
                              std::size_t block_bytes, int ctas, cudaStream_t stream) {
  if (block_bytes % 16 != 0 || blocks == 0) return cudaErrorInvalidValue;
  const std::size_t vpb = block_bytes / 16;
  block_copy_kernel<<<ctas > 0 ? ctas : default_ctas(), kThreads, 0, stream>>>(
      static_cast<uint4*>(dst), static_cast<const uint4*>(src), dst_off, src_off, vpb, vpb * blocks);
  return cudaGetLastError();
}

cudaError_t launch_fill_pattern(void* dst, std::size_t bytes, std::uint64_t seed, cudaStream_t stream) {
  fill_kernel<<<default_ctas(), kThreads, 0, stream>>>(static_cast<std::uint64_t*>(dst), bytes / 8, seed);
  return cudaGetLastError();
}

cudaError_t launch_count_mismatches(const void* p, std::size_t bytes, std::uint64_t seed,
                                    unsigned long long* mismatches, cudaStream_t stream) {
  mismatch_kernel<<<default_ctas(), kThreads, 0, stream>>>(static_cast<const std::uint64_t*>(p), bytes / 8,
                                                          seed, mismatches);
  return cudaGetLastError();
}

}  // namespace cxlprobe::kernels::cuda
