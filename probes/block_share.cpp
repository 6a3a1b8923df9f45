#include "probes/block_share.hpp"

#include <stdexcept>

namespace cxlprobe::probes {

block_share::block_share(std::size_t threads, std::uint64_t chunk, std::uint64_t block,
                         std::size_t rounds, bool steal, std::uint64_t stride)
    : threads_(threads),
      chunk_(chunk),
      stride_(stride == 0 ? chunk : stride),
      block_(block == 0 || block > chunk ? chunk : block),
      blocks_(block_ == 0 ? 0 : (chunk + block_ - 1) / block_),
      steal_(steal),
      next_(std::make_unique<std::atomic<std::uint64_t>[]>(threads * rounds)) {
  if (threads == 0 || chunk % 4096 != 0 || block_ % 4096 != 0 || stride_ < chunk)
    throw std::invalid_argument(
        "block_share: threads must be >= 1, chunk and block multiples of 4096 and the stride at "
        "least the chunk");
  for (std::size_t i = 0; i < threads * rounds; ++i)
    next_[i].store(0, std::memory_order_relaxed);
}

}  // namespace cxlprobe::probes
