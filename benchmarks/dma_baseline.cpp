// The reference `cxlprobe dma` is checked against: the most minimal cudaMemcpyAsync loop.
// usage: dma_baseline [BYTES] [REPS] -> prints H2D and D2H medians in GB/s (1e9 B/s).
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK(x)                                                          \
  do {                                                                    \
    cudaError_t e = (x);                                                  \
    if (e != cudaSuccess) {                                               \
      std::fprintf(stderr, "%s failed: %s\n", #x, cudaGetErrorString(e)); \
      return 1;                                                           \
    }                                                                     \
  } while (0)

int main(int argc, char** argv) {
  const size_t bytes = argc > 1 ? std::strtoull(argv[1], nullptr, 0) : (1ULL << 30);
  const int reps = argc > 2 ? std::atoi(argv[2]) : 20;
  void* h = nullptr;
  void* d = nullptr;
  CHECK(cudaHostAlloc(&h, bytes, cudaHostAllocDefault));
  CHECK(cudaMalloc(&d, bytes));
  cudaStream_t s;
  CHECK(cudaStreamCreate(&s));
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  for (int dir = 0; dir < 2; ++dir) {
    std::vector<double> gbps;
    for (int r = -3; r < reps; ++r) {
      CHECK(cudaEventRecord(a, s));
      if (dir == 0) {
        CHECK(cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice, s));
      } else {
        CHECK(cudaMemcpyAsync(h, d, bytes, cudaMemcpyDeviceToHost, s));
      }
      CHECK(cudaEventRecord(b, s));
      CHECK(cudaEventSynchronize(b));
      float ms = 0;
      CHECK(cudaEventElapsedTime(&ms, a, b));
      if (r >= 0) gbps.push_back(bytes / (ms * 1e-3) / 1e9);
    }
    std::sort(gbps.begin(), gbps.end());
    std::printf("%s %zu bytes: median %.2f GB/s (min %.2f, max %.2f)\n", dir == 0 ? "H2D" : "D2H",
                bytes, gbps[gbps.size() / 2], gbps.front(), gbps.back());
  }
  cudaFree(d);
  cudaFreeHost(h);
  return 0;
}
