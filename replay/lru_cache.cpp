#include "replay/lru_cache.hpp"

namespace cxlprobe::replay {

bool lru_cache::touch(std::uint64_t key) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    order_.splice(order_.begin(), order_, it->second);
    return false;
  }
  if (capacity_ && *capacity_ == 0) return false;
  order_.push_front(key);
  index_.emplace(key, order_.begin());
  while (capacity_ && index_.size() > *capacity_) {
    index_.erase(order_.back());
    order_.pop_back();
    ++evictions_;
  }
  return true;
}

}  // namespace cxlprobe::replay
