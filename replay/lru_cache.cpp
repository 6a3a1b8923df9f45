#include "replay/lru_cache.hpp"

namespace cxlprobe::replay {

bool lru_cache::use(std::uint64_t key) {
  const auto it = index_.find(key);
  if (it == index_.end()) return false;
  order_.splice(order_.begin(), order_, it->second);
  return true;
}

bool lru_cache::touch(std::uint64_t key) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    order_.splice(order_.begin(), order_, it->second);
    return false;
  }
  if (capacity_ && *capacity_ == 0) return false;
  if (capacity_ && index_.size() >= *capacity_) {
    // Full: the least recently used entry's list and table nodes become the new key's (no
    // allocation per insert once the cache is full, which is most of a long replay).
    auto node = index_.extract(order_.back());
    order_.splice(order_.begin(), order_, std::prev(order_.end()));
    order_.front() = key;
    node.key() = key;
    node.mapped() = order_.begin();
    index_.insert(std::move(node));
    ++evictions_;
    while (index_.size() > *capacity_) {  // a capacity lowered below the size: not used today
      index_.erase(order_.back());
      order_.pop_back();
      ++evictions_;
    }
    return true;
  }
  order_.push_front(key);
  index_.emplace(key, order_.begin());
  return true;
}

}  // namespace cxlprobe::replay
