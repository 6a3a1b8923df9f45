#include "replay/transfers.hpp"

#include <algorithm>

namespace cxlprobe::replay {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

transfer_set::transfer_set(std::size_t replicas, double load_bw, double store_bw, double tier_bw)
    : load_bw_(load_bw),
      store_bw_(store_bw),
      tier_bw_(tier_bw),
      loads_(replicas, 0),
      stores_(replicas, 0) {}

double transfer_set::rate(const transfer& t) const {
  double r = kInf;
  const double link = t.store ? store_bw_ : load_bw_;
  const std::size_t n = t.store ? stores_[t.replica] : loads_[t.replica];
  if (link > 0) r = link / static_cast<double>(n);
  if (tier_bw_ > 0) r = std::min(r, tier_bw_ / static_cast<double>(moving_));
  return r;
}

void transfer_set::recount() {
  std::fill(loads_.begin(), loads_.end(), 0);
  std::fill(stores_.begin(), stores_.end(), 0);
  moving_ = 0;
  for (const std::size_t id : live_) {
    const auto& t = all_[id];
    if (!t.moving) continue;
    ++(t.store ? stores_ : loads_)[t.replica];
    ++moving_;
  }
}

std::size_t transfer_set::start(double now, std::size_t replica, bool store, double bytes,
                                double fixed_s) {
  move_to(now);  // every other transfer moved at the old rates until now (none is reported here)
  transfer t;
  t.replica = replica;
  t.store = store;
  t.total = std::max(0.0, bytes);
  t.remaining = t.total;
  t.fixed_s = fixed_s;
  t.moving = t.remaining > 0;
  if (!t.moving) t.done_at = now + fixed_s;
  all_.push_back(t);
  live_.push_back(all_.size() - 1);
  recount();
  return all_.size() - 1;
}

double transfer_set::next_completion() const {
  double best = kInf;
  for (const std::size_t id : live_) {
    const auto& t = all_[id];
    const double r = t.moving ? rate(t) : kInf;
    const double at = t.moving ? now_ + (r == kInf ? 0.0 : t.remaining / r) + t.fixed_s : t.done_at;
    best = std::min(best, at);
  }
  return best;
}

std::vector<std::size_t> transfer_set::advance(double now) {
  now = std::max(now, now_);
  move_to(now);
  std::vector<std::size_t> done;
  for (const std::size_t id : live_) {
    auto& t = all_[id];
    if (!t.moving && !t.finished && t.done_at <= now) {
      t.finished = true;
      done.push_back(id);
    }
  }
  if (!done.empty()) {
    live_.erase(std::remove_if(live_.begin(), live_.end(),
                               [&](std::size_t id) { return all_[id].finished; }),
                live_.end());
  }
  return done;
}

void transfer_set::move_to(double now) {
  now = std::max(now, now_);
  // Bytes finish one transfer at a time; each finish changes everyone else's rate.
  while (moving_ > 0) {
    double first = kInf;
    std::size_t first_id = 0;
    for (const std::size_t id : live_) {
      const auto& t = all_[id];
      if (!t.moving) continue;
      const double r = rate(t);
      const double at = now_ + (r == kInf ? 0.0 : t.remaining / r);
      if (at < first) {
        first = at;
        first_id = id;
      }
    }
    const double until = std::min(first, now);
    for (const std::size_t id : live_) {
      auto& t = all_[id];
      if (!t.moving) continue;
      const double r = rate(t);
      t.remaining = r == kInf ? 0.0 : std::max(0.0, t.remaining - r * (until - now_));
    }
    now_ = until;
    if (first > now) break;
    // The earliest one is done by construction: at a large clock the subtraction above can leave
    // a rounding residue that no later step (smaller than the clock's resolution) would remove.
    all_[first_id].remaining = 0;
    for (const std::size_t id : live_) {
      auto& t = all_[id];
      if (t.moving && t.remaining <= 1e-9 * t.total) {
        t.moving = false;
        t.remaining = 0;
        t.done_at = now_ + t.fixed_s;
      }
    }
    recount();
  }
  now_ = now;
}

}  // namespace cxlprobe::replay
