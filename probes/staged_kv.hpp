// KV blocks through a device ring. SM reads of host memory travel as 128-byte requests while
// the copy engine asks for larger ones (docs/validation.md), so for contiguous host runs the
// copy engine carries the link and the lsu kernel only moves blocks between the ring and their
// slots in GPU memory, overlapped slot by slot:
//   restore: CE host run -> slot, then kernel slot -> scattered GPU blocks;
//   offload: kernel scattered GPU blocks -> slot, then CE slot -> host run.
// The ring's shape (probes/stage_ring.hpp) comes from the copy engine's measured curve.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "probes/cuda_resources.hpp"
#include "probes/stage_ring.hpp"

namespace cxlprobe::probes::dma {

class staged_kv {
 public:
  // host_off: each block's offset in host memory, in transfer order.
  staged_kv(int device, std::uint64_t block, const std::vector<std::uint64_t>& host_off,
            const ring_shape& shape);

  std::uint64_t ring_bytes() const { return ring_.size(); }
  std::size_t chunks() const { return chunks_.size(); }

  // Queues one transfer of every block; `start` was recorded on copy_s and holds kern_s too.
  // The last operation is on the returned stream.
  cudaStream_t enqueue(bool restore, std::byte* host, std::byte* pool, const std::uint64_t* dev_off,
                       int ctas, cudaStream_t copy_s, cudaStream_t kern_s, cudaEvent_t start);

 private:
  struct chunk {
    std::uint64_t first;
    std::uint64_t count;
    std::uint64_t host_off;
  };
  std::uint64_t block_;
  std::vector<chunk> chunks_;
  std::uint64_t slot_bytes_ = 0;
  std::size_t slots_ = 3;
  cuda::device_buffer ring_;
  cuda::device_buffer rel_;  // offset of each block inside its chunk's slot
  std::vector<cuda::event> ready_;
  std::vector<cuda::event> freed_;
};

// The copy engine's rate (B/s) at 1..64 MiB per copy, between `host` and `dev` in the direction
// of the pattern; each size copied until 64 MiB have moved, the best of three rounds. Sizes
// beyond either buffer are left out.
std::vector<ce_point> measure_ce_curve(std::byte* host, std::uint64_t host_bytes, std::byte* dev,
                                       std::uint64_t dev_bytes, bool h2d, cudaStream_t s);

}  // namespace cxlprobe::probes::dma
