// Work sharing for the bandwidth rounds of `cxlprobe bw`. Each thread owns one chunk of the
// buffer, cut into blocks; it takes its own blocks from the front and, once they are gone, takes
// blocks from the other threads' chunks (w+1, w+2, ... in turn). Memory controllers do not serve
// cores equally (on the GPU machine one thread of 16 ran at 7.4 GB/s while another ran at 11.8),
// so with fixed shares the fast threads idle while the slowest finishes and a round measures N
// times the slowest thread's rate; with sharing every thread stays busy until the round's bytes
// are moved, which is what the tier sustains. One block = the whole chunk gives fixed shares.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace cxlprobe::probes {

class block_share {
 public:
  // `rounds` rounds of `threads` chunks of `chunk` bytes (a multiple of 4096), blocks of `block`
  // bytes (a multiple of 4096; the last block of a chunk may be shorter); steal = false: every
  // thread moves its own chunk and nothing else. Thread w's chunk starts at w * `stride` (0: at
  // w * chunk); a stride above the chunk moves the front of each thread's part of a larger
  // buffer, so that every byte stays where its owner touched it first.
  block_share(std::size_t threads, std::uint64_t chunk, std::uint64_t block, std::size_t rounds,
              bool steal, std::uint64_t stride = 0);

  // Calls fn(offset, bytes) for every block thread `w` takes in round `round` (offsets from the
  // start of chunk 0); returns the bytes it moved.
  template <class Fn>
  std::uint64_t run(std::size_t round, std::size_t w, Fn&& fn) {
    std::uint64_t done = 0;
    const std::size_t victims = steal_ ? threads_ : 1;
    for (std::size_t i = 0; i < victims; ++i) {
      const std::size_t owner = (w + i) % threads_;
      std::atomic<std::uint64_t>& next = next_[round * threads_ + owner];
      for (;;) {
        const std::uint64_t b = next.fetch_add(1, std::memory_order_relaxed);
        if (b >= blocks_) break;
        const std::uint64_t off = b * block_;
        const std::uint64_t len = off + block_ <= chunk_ ? block_ : chunk_ - off;
        fn(owner * stride_ + off, len);
        done += len;
      }
    }
    return done;
  }

  std::uint64_t blocks_per_chunk() const { return blocks_; }

 private:
  std::size_t threads_;
  std::uint64_t chunk_;
  std::uint64_t stride_;
  std::uint64_t block_;
  std::uint64_t blocks_;
  bool steal_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> next_;  // [round * threads + owner]
};

}  // namespace cxlprobe::probes
