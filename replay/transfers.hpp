// KV transfers between the GPUs and the L1 tier in the event-driven replay, sharing bandwidth
// as a processor-sharing queue: while n transfers move, a load (tier -> GPU) of replica r gets
//   min(load_bw / loads running on r, tier_bw / transfers running anywhere)
// and a store likewise with store_bw (a PCIe link is full duplex: loads and stores of one GPU do
// not share its link; every transfer shares the tier). Rates are recomputed whenever a transfer
// starts or ends. A bandwidth of 0 is "not modelled" (no limit from it). After its bytes, a
// transfer waits its fixed cost (per-chunk overheads), which no other transfer shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace cxlprobe::replay {

class transfer_set {
 public:
  transfer_set(std::size_t replicas, double load_bw, double store_bw, double tier_bw);

  // Starts a transfer at `now` (the set must have been advanced to `now`). Returns its id.
  std::size_t start(double now, std::size_t replica, bool store, double bytes, double fixed_s);
  // When the next transfer completes; infinity when none runs.
  double next_completion() const;
  // Moves every transfer to `now` (not before the last call) and returns the ids that completed
  // at or before it, in id order.
  std::vector<std::size_t> advance(double now);

 private:
  struct transfer {
    std::size_t replica = 0;
    bool store = false;
    double total = 0;      // bytes
    double remaining = 0;  // bytes
    double fixed_s = 0;
    double done_at = std::numeric_limits<double>::infinity();  // once the bytes are moved
    bool moving = false;
    bool finished = false;
  };
  double rate(const transfer& t) const;
  // Moves bytes to `now`; a transfer whose bytes end waits its fixed cost. Reports nothing:
  // completions are collected by advance() alone, so none is lost when a start moves the clock.
  void move_to(double now);
  void recount();

  double load_bw_, store_bw_, tier_bw_;
  double now_ = 0;
  std::vector<transfer> all_;
  std::vector<std::size_t> live_;            // ids not finished
  std::vector<std::size_t> loads_, stores_;  // moving, per replica
  std::size_t moving_ = 0;
};

}  // namespace cxlprobe::replay
