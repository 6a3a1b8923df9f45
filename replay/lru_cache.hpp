// An LRU set of block keys with a capacity in blocks (nullopt = unlimited): the L1 tier and the
// GPU prefix cache of the replay. A capacity of 0 holds nothing. Flat storage (nodes in a vector
// linked by index, an open-addressing table): a replay touches millions of keys, and a node per
// key from the heap made the allocator the larger part of the work.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace cxlprobe::replay {

class lru_cache {
 public:
  explicit lru_cache(std::optional<std::uint64_t> capacity_blocks = std::nullopt);

  bool contains(std::uint64_t key) const { return find(key) != kNone; }
  // When `key` is held, marks it most recently used and returns true (one lookup, not two).
  bool use(std::uint64_t key);
  // Marks `key` most recently used, inserting it when absent. Returns true when it was inserted
  // (and is now held). Evicts least-recently-used keys beyond the capacity (never the key just
  // touched).
  bool touch(std::uint64_t key);
  std::uint64_t size() const { return size_; }
  std::uint64_t evictions() const { return evictions_; }
  std::optional<std::uint64_t> capacity() const { return capacity_; }

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  struct node {
    std::uint64_t key = 0;
    std::uint32_t prev = kNone;  // towards the most recent
    std::uint32_t next = kNone;  // towards the least recent
  };
  std::size_t home(std::uint64_t key) const;
  std::uint32_t find(std::uint64_t key) const;
  void table_insert(std::uint64_t key, std::uint32_t n);
  void table_erase(std::uint64_t key);
  void grow();
  void unlink(std::uint32_t n);
  void push_front(std::uint32_t n);

  std::optional<std::uint64_t> capacity_;
  std::uint64_t evictions_ = 0;
  std::uint64_t size_ = 0;
  std::vector<node> nodes_;
  std::uint32_t head_ = kNone;  // most recent
  std::uint32_t tail_ = kNone;  // least recent
  struct slot {
    std::uint64_t key = 0;
    std::uint32_t node = kNone;  // kNone: empty
  };
  std::vector<slot> table_;  // a power of two, at most half full; keys here spare a node lookup
};

}  // namespace cxlprobe::replay
