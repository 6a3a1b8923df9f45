// The reference `cxlprobe dma` is checked against: the most minimal copy loops.
// usage: dma_baseline [BYTES] [REPS] [pinned|pageable|pageable4k] [COPIES] -> H2D and D2H medians
// in GB/s (1e9 B/s). COPIES (pageable modes, default 1): back-to-back copies per timed sample;
// cxlprobe times clamp(64 MiB / BYTES, 1, 256) of them, and small pageable copies run faster
// back to back (the driver stages the next while the last one's DMA runs) than one at a time.
//   pinned:     cudaHostAlloc memory, cudaMemcpyAsync timed by events on its stream;
//   pageable:   anonymous memory with transparent huge pages (as cxlprobe's dram tier maps it),
//               touched first, synchronous cudaMemcpy timed on the host (a pageable copy
//               cannot be timed by events behind other work: it returns when it is done);
//   pageable4k: the same with 4 KiB pages (MADV_NOHUGEPAGE): the driver pins page by page.
#include <cuda_runtime_api.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define CHECK(x)                                                          \
  do {                                                                    \
    cudaError_t e = (x);                                                  \
    if (e != cudaSuccess) {                                               \
      std::fprintf(stderr, "%s failed: %s\n", #x, cudaGetErrorString(e)); \
      return 1;                                                           \
    }                                                                     \
  } while (0)

namespace {

void report(const char* dir, const char* mode, size_t bytes, std::vector<double>& gbps) {
  std::sort(gbps.begin(), gbps.end());
  std::printf("%s %s %zu bytes: median %.2f GB/s (min %.2f, max %.2f)\n", dir, mode, bytes,
              gbps[gbps.size() / 2], gbps.front(), gbps.back());
}

int pinned(size_t bytes, int reps) {
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
    report(dir == 0 ? "H2D" : "D2H", "pinned", bytes, gbps);
  }
  CHECK(cudaFree(d));
  CHECK(cudaFreeHost(h));
  return 0;
}

int pageable(size_t bytes, int reps, bool huge, int copies) {
  void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) {
    std::perror("mmap");
    return 1;
  }
  madvise(m, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  std::memset(m, 1, bytes);  // touched: no first-touch faults inside the timing
  char* h = static_cast<char*>(m);
  const char* mode = huge ? "pageable" : "pageable4k";
  void* d = nullptr;
  CHECK(cudaMalloc(&d, bytes));
  for (int dir = 0; dir < 2; ++dir) {
    std::vector<double> gbps;
    for (int r = -3; r < reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int c = 0; c < copies; ++c) {
        if (dir == 0) {
          CHECK(cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice));
        } else {
          CHECK(cudaMemcpy(h, d, bytes, cudaMemcpyDeviceToHost));
        }
      }
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (r >= 0) gbps.push_back(static_cast<double>(bytes) * copies / s / 1e9);
    }
    report(dir == 0 ? "H2D" : "D2H", mode, bytes, gbps);
  }
  munmap(m, bytes);
  CHECK(cudaFree(d));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t bytes = argc > 1 ? std::strtoull(argv[1], nullptr, 0) : (1ULL << 30);
  const int reps = argc > 2 ? std::atoi(argv[2]) : 20;
  const char* mode = argc > 3 ? argv[3] : "pinned";
  const bool is_pinned = std::strcmp(mode, "pinned") == 0;
  const bool is_4k = std::strcmp(mode, "pageable4k") == 0;
  const int copies = argc > 4 ? std::atoi(argv[4]) : 1;
  if (bytes == 0 || reps < 1 || copies < 1 ||
      !(is_pinned || is_4k || std::strcmp(mode, "pageable") == 0)) {
    std::fprintf(
        stderr, "usage: dma_baseline [BYTES>0] [REPS>0] [pinned|pageable|pageable4k] [COPIES>0]\n");
    return 2;
  }
  return is_pinned ? pinned(bytes, reps) : pageable(bytes, reps, !is_4k, copies);
}
