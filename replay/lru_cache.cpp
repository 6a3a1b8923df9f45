#include "replay/lru_cache.hpp"

#include <stdexcept>

namespace cxlprobe::replay {

lru_cache::lru_cache(std::optional<std::uint64_t> capacity_blocks)
    : capacity_(capacity_blocks), table_(16) {}

std::size_t lru_cache::home(std::uint64_t key) const {
  std::uint64_t x = key + 0x9E3779B97F4A7C15ULL;  // splitmix64's finaliser: keys are often dense
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<std::size_t>(x ^ (x >> 31)) & (table_.size() - 1);
}

std::uint32_t lru_cache::find(std::uint64_t key) const {
  for (std::size_t i = home(key);; i = (i + 1) & (table_.size() - 1)) {
    const slot& t = table_[i];
    if (t.node == kNone) return kNone;
    if (t.key == key) return t.node;
  }
}

void lru_cache::table_insert(std::uint64_t key, std::uint32_t n) {
  std::size_t i = home(key);
  while (table_[i].node != kNone)
    i = (i + 1) & (table_.size() - 1);
  table_[i] = {key, n};
}

// Linear probing without tombstones: entries after the hole move back when their home allows.
void lru_cache::table_erase(std::uint64_t key) {
  const std::size_t mask = table_.size() - 1;
  std::size_t i = home(key);
  while (table_[i].key != key || table_[i].node == kNone)
    i = (i + 1) & mask;
  for (std::size_t j = (i + 1) & mask; table_[j].node != kNone; j = (j + 1) & mask) {
    const std::size_t k = home(table_[j].key);
    // Move j's entry into the hole at i unless its home lies cyclically in (i, j].
    const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    table_[i] = table_[j];
    i = j;
  }
  table_[i] = slot{};
}

void lru_cache::grow() {
  std::vector<slot> old(table_.size() * 2);
  table_.swap(old);
  for (const slot& t : old) {
    if (t.node != kNone) table_insert(t.key, t.node);
  }
}

void lru_cache::unlink(std::uint32_t n) {
  node& x = nodes_[n];
  if (x.prev != kNone)
    nodes_[x.prev].next = x.next;
  else
    head_ = x.next;
  if (x.next != kNone)
    nodes_[x.next].prev = x.prev;
  else
    tail_ = x.prev;
  x.prev = x.next = kNone;
}

void lru_cache::push_front(std::uint32_t n) {
  nodes_[n].prev = kNone;
  nodes_[n].next = head_;
  if (head_ != kNone) nodes_[head_].prev = n;
  head_ = n;
  if (tail_ == kNone) tail_ = n;
}

bool lru_cache::use(std::uint64_t key) {
  const std::uint32_t n = find(key);
  if (n == kNone) return false;
  if (n != head_) {
    unlink(n);
    push_front(n);
  }
  return true;
}

bool lru_cache::touch(std::uint64_t key) {
  if (use(key)) return false;
  if (capacity_ && *capacity_ == 0) return false;
  std::uint32_t n = 0;
  if (capacity_ && size_ >= *capacity_) {  // full: the least recent entry's node is reused
    n = tail_;
    table_erase(nodes_[n].key);
    unlink(n);
    --size_;
    ++evictions_;
  } else {
    if (nodes_.size() >= kNone - 1) throw std::length_error("lru_cache: more than 2^32 keys");
    nodes_.emplace_back();
    n = static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  nodes_[n].key = key;
  if ((size_ + 1) * 2 > table_.size()) grow();
  table_insert(key, n);
  push_front(n);
  ++size_;
  return true;
}

}  // namespace cxlprobe::replay
