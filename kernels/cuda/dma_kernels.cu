#include "kernels/cuda/dma_kernels.hpp"

namespace cxlprobe::kernels::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kUnroll = 8;  // 16-byte loads in flight per thread before the first store

__global__ void latch_kernel(const volatile int* flag, int* timed_out,
                             unsigned long long timeout_ns) {
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
__global__ void __launch_bounds__(kThreads)
    block_copy_kernel(uint4* __restrict__ dst, const uint4* __restrict__ src,
                      const std::uint64_t* __restrict__ dst_off,
                      const std::uint64_t* __restrict__ src_off, std::size_t vpb,
                      std::size_t total) {
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
    for (int k = 0; k < kUnroll; ++k)
      dst[d[k]] = buf[k];
  }
  for (; v < total; v += stride) {
    const std::size_t b = v / vpb;
    const std::size_t w = v - b * vpb;
    dst[dst_off[b] / 16 + w] = src[src_off[b] / 16 + w];
  }
}

__global__ void fill_kernel(std::uint64_t* p, std::size_t words, std::uint64_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words;
       i += stride) {
    p[i] = kernels::pattern_word(seed, i);
  }
}

__global__ void mismatch_kernel(const std::uint64_t* p, std::size_t words, std::uint64_t seed,
                                unsigned long long* out) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  unsigned long long bad = 0;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words;
       i += stride) {
    bad += p[i] != kernels::pattern_word(seed, i);
  }
  if (bad) atomicAdd(out, bad);
}

constexpr int kTmaStages = 4;
constexpr unsigned kTmaChunk = 16384;

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
__device__ __forceinline__ unsigned smem_addr(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void bar_init(std::uint64_t* bar) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(smem_addr(bar)));
}
__device__ __forceinline__ void bar_expect(std::uint64_t* bar, unsigned bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(smem_addr(bar)),
               "r"(bytes)
               : "memory");
}
__device__ __forceinline__ void bar_wait(std::uint64_t* bar, unsigned parity) {
  asm volatile(
      "{\n"
      ".reg .pred done;\n"
      "WAIT_%=:\n"
      "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
      "@!done bra WAIT_%=;\n"
      "}\n" ::"r"(smem_addr(bar)),
      "r"(parity)
      : "memory");
}
__device__ __forceinline__ void tma_load(void* smem, const void* gsrc, unsigned bytes,
                                         std::uint64_t* bar) {
  asm volatile(
      "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::
          "r"(smem_addr(smem)),
      "l"(gsrc), "r"(bytes), "r"(smem_addr(bar))
      : "memory");
}
__device__ __forceinline__ void tma_store(void* gdst, const void* smem, unsigned bytes) {
  asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;" ::"l"(gdst),
               "r"(smem_addr(smem)), "r"(bytes)
               : "memory");
  asm volatile("cp.async.bulk.commit_group;" ::: "memory");
}
#endif

__global__ void tma_copy_kernel(unsigned char* dst, const unsigned char* src,
                                const std::uint64_t* dst_off, const std::uint64_t* src_off,
                                std::size_t blocks, std::size_t block_bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  extern __shared__ __align__(128) unsigned char stage[];
  __shared__ __align__(8) std::uint64_t bars[kTmaStages];
  if (threadIdx.x != 0) return;
  const std::size_t per_block = (block_bytes + kTmaChunk - 1) / kTmaChunk;
  const std::size_t items = blocks * per_block;
  auto piece = [&](std::size_t item, const unsigned char*& s, unsigned char*& d) -> unsigned {
    const std::size_t b = item / per_block;
    const std::size_t off = (item - b * per_block) * kTmaChunk;
    s = src + src_off[b] + off;
    d = dst + dst_off[b] + off;
    return static_cast<unsigned>(min(static_cast<std::size_t>(kTmaChunk), block_bytes - off));
  };
  for (int i = 0; i < kTmaStages; ++i)
    bar_init(&bars[i]);
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  const std::size_t first = blockIdx.x;
  const std::size_t stride = gridDim.x;
  for (int i = 0; i < kTmaStages; ++i) {
    const std::size_t item = first + i * stride;
    if (item >= items) break;
    const unsigned char* s;
    unsigned char* d;
    const unsigned n = piece(item, s, d);
    bar_expect(&bars[i], n);
    tma_load(stage + i * kTmaChunk, s, n, &bars[i]);
  }
  unsigned parity[kTmaStages] = {};
  for (std::size_t k = 0;; ++k) {
    const int i = static_cast<int>(k % kTmaStages);
    const std::size_t item = first + k * stride;
    if (item >= items) break;
    const unsigned char* s;
    unsigned char* d;
    const unsigned n = piece(item, s, d);
    bar_wait(&bars[i], parity[i]);
    parity[i] ^= 1u;
    tma_store(d, stage + i * kTmaChunk, n);
    const std::size_t next = item + kTmaStages * stride;
    if (next < items) {
      // The stage is reused only after its store has read it out of shared memory.
      asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
      const unsigned m = piece(next, s, d);
      bar_expect(&bars[i], m);
      tma_load(stage + i * kTmaChunk, s, m, &bars[i]);
    }
  }
  asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
#endif
}

int default_ctas() {
  int device = 0;
  int sms = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess ||
      sms <= 0) {
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
  const int grid = ctas > 0 ? ctas : default_ctas();
  block_copy_kernel<<<grid, kThreads, 0, stream>>>(static_cast<uint4*>(dst),
                                                   static_cast<const uint4*>(src), dst_off, src_off,
                                                   vpb, vpb * blocks);
  return cudaGetLastError();
}

bool tma_supported() {
  int device = 0;
  int major = 0;
  return cudaGetDevice(&device) == cudaSuccess &&
         cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess &&
         major >= 9;
}

cudaError_t launch_block_copy_tma(void* dst, const void* src, const std::uint64_t* dst_off,
                                  const std::uint64_t* src_off, std::size_t blocks,
                                  std::size_t block_bytes, int ctas, cudaStream_t stream) {
  if (block_bytes % 16 != 0 || blocks == 0) return cudaErrorInvalidValue;
  if (!tma_supported()) return cudaErrorNotSupported;
  const int smem = kTmaStages * static_cast<int>(kTmaChunk);
  if (cudaError_t rc =
          cudaFuncSetAttribute(tma_copy_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
      rc != cudaSuccess) {
    return rc;
  }
  const int grid = ctas > 0 ? ctas : default_ctas() / 2;  // 2 CTAs per SM, one TMA thread each
  tma_copy_kernel<<<grid, 32, smem, stream>>>(static_cast<unsigned char*>(dst),
                                              static_cast<const unsigned char*>(src), dst_off,
                                              src_off, blocks, block_bytes);
  return cudaGetLastError();
}

cudaError_t launch_fill_pattern(void* dst, std::size_t bytes, std::uint64_t seed,
                                cudaStream_t stream) {
  fill_kernel<<<default_ctas(), kThreads, 0, stream>>>(static_cast<std::uint64_t*>(dst), bytes / 8,
                                                       seed);
  return cudaGetLastError();
}

cudaError_t launch_count_mismatches(const void* p, std::size_t bytes, std::uint64_t seed,
                                    unsigned long long* mismatches, cudaStream_t stream) {
  mismatch_kernel<<<default_ctas(), kThreads, 0, stream>>>(static_cast<const std::uint64_t*>(p),
                                                           bytes / 8, seed, mismatches);
  return cudaGetLastError();
}

}  // namespace cxlprobe::kernels::cuda
