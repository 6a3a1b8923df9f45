// An LRU set of block keys with a capacity in blocks (nullopt = unlimited): the L1 tier and the
// GPU prefix cache of the replay. A capacity of 0 holds nothing.
#pragma once

#include <algorithm>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>

namespace cxlprobe::replay {

class lru_cache {
 public:
  explicit lru_cache(std::optional<std::uint64_t> capacity_blocks = std::nullopt)
      : capacity_(capacity_blocks) {
    // A bounded cache fills up: size its table once rather than rehash on the way.
    if (capacity_)
      index_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*capacity_, 1 << 20)));
  }

  bool contains(std::uint64_t key) const { return index_.count(key) != 0; }
  // When `key` is held, marks it most recently used and returns true (one lookup, not two).
  bool use(std::uint64_t key);
  // Marks `key` most recently used, inserting it when absent. Returns true when it was inserted
  // (and is now held). Evicts least-recently-used keys beyond the capacity (never the key just
  // touched).
  bool touch(std::uint64_t key);
  std::uint64_t size() const { return index_.size(); }
  std::uint64_t evictions() const { return evictions_; }
  std::optional<std::uint64_t> capacity() const { return capacity_; }

 private:
  std::optional<std::uint64_t> capacity_;
  std::uint64_t evictions_ = 0;
  std::list<std::uint64_t> order_;  // front = most recent
  std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> index_;
};

}  // namespace cxlprobe::replay
