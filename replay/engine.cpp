#include "replay/engine.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"
#include "replay/lru_cache.hpp"
#include "replay/transfers.hpp"

namespace cxlprobe::replay {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a ^ (b + 0x9E3779B97F4A7C15ULL + (a << 6) + (a >> 2));
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  return x ^ (x >> 29);
}

// Unit i (of `unit` tokens) of a request's prompt, by what it holds: two requests name it alike
// exactly when their prompts agree up to its last token.
std::uint64_t unit_key(const engine_request& r, std::uint64_t unit, std::uint64_t i) {
  if (r.hash_ids) return mix(mix((*r.hash_ids)[((i + 1) * unit - 1) / r.block_tokens], unit), i);
  return mix(mix(r.context, unit), i);
}

// Full units of a prompt whose identity is known (a trace's ids may cover fewer tokens).
std::uint64_t known_units(const engine_request& r, std::uint64_t unit) {
  std::uint64_t n = r.prompt_tokens / unit;
  if (r.hash_ids) n = std::min<std::uint64_t>(n, r.hash_ids->size() * r.block_tokens / unit);
  return n;
}

enum class phase { pending, waiting, loading, prefill, storing, decoding, done };

struct live {
  phase ph = phase::pending;
  std::uint64_t cached = 0;  // tokens whose KV needs no prefill
  std::uint64_t needed = 0;  // tokens to prefill
  std::uint64_t prefilled = 0;
  std::uint64_t decode_left = 0;       // set at the first token
  std::uint64_t admit_seq = 0;         // admission order: prefill chunks go in this order
  bool load_pending = false;           // layer-wise: prefilling while its load runs
  std::vector<std::uint64_t> storing;  // chunk keys, inserted in L1 when the store ends
  int store_parts = 0;                 // transfers of its store still running
};

struct step {
  bool busy = false;
  bool compute_done = false;
  double end = kInf;
  double compute_s = 0;
  std::uint64_t decode_k = 0;  // decode tokens per decoding request in this step
  std::size_t decoding = 0;    // requests decoding in this step
  std::vector<std::pair<std::size_t, std::uint64_t>> prefill;  // request, tokens
  std::size_t pending_loads = 0;
  double last_load_end = 0;
};

struct replica {
  std::deque<std::size_t> pending;  // client order, not yet issued
  std::size_t outstanding = 0;
  std::deque<std::size_t> waiting;  // arrived, not admitted
  std::size_t running = 0;          // admitted and not finished
  std::uint64_t admitted = 0;
  // Decoding requests by the decode clock at which they end: the clock counts the tokens each
  // decoding request has been given, so a step costs O(log n), not a walk over the batch.
  std::uint64_t decode_clock = 0;
  std::priority_queue<std::pair<std::uint64_t, std::size_t>,
                      std::vector<std::pair<std::uint64_t, std::size_t>>, std::greater<>>
      decoders;
  std::map<std::uint64_t, std::size_t> prefilling;  // admission order -> request
  lru_cache gpu;
  lru_cache* l1 = nullptr;
  std::unordered_set<std::uint64_t>* l1_in_flight = nullptr;
  std::size_t sync_stores = 0;  // the GPU waits while a synchronous store runs
  step st;
};

class simulator {
 public:
  simulator(const std::vector<engine_request>& rq, const engine_config& c, const timing_model& t,
            std::uint64_t inflight);
  engine_outcome run();

 private:
  void issue(std::size_t r);
  void arrive(std::size_t i);
  void admit(std::size_t r);
  void lookup(std::size_t i);
  void try_step(std::size_t r);
  std::uint64_t plan_decodes(replica& rep, step& s, std::uint64_t& budget);
  void fast_forward(replica& rep, step& s, double dt);
  void start_prefill(std::size_t i);
  void compute_end(std::size_t r);
  void finish_step(std::size_t r);
  void prefill_done(std::size_t i);
  void first_token(std::size_t i);
  void finish(std::size_t i);
  void transfer_done(std::size_t id);
  double next_external() const;

  const std::vector<engine_request>& rq_;
  const engine_config& c_;
  const timing_model& t_;
  std::uint64_t inflight_;
  double now_ = 0;
  std::vector<live> lv_;
  std::vector<replica> reps_;
  std::vector<std::unique_ptr<lru_cache>> l1s_;
  std::vector<std::unique_ptr<std::unordered_set<std::uint64_t>>> in_flight_;
  transfer_set xfers_;
  struct owner {
    std::size_t request = 0;
    bool store = false;
    bool waited = false;  // the part of a synchronous store the GPU waits for
  };
  std::unordered_map<std::size_t, owner> xfer_owner_;
  using arrival = std::pair<double, std::size_t>;
  std::priority_queue<arrival, std::vector<arrival>, std::greater<>> arrivals_;
  engine_outcome out_;
};

simulator::simulator(const std::vector<engine_request>& rq, const engine_config& c,
                     const timing_model& t, std::uint64_t inflight)
    : rq_(rq),
      c_(c),
      t_(t),
      inflight_(inflight),
      lv_(rq.size()),
      reps_(c.replicas),
      xfers_(c.replicas, t.load_bw, t.store_bw, c.tier_bw) {
  const std::size_t n_l1 = c.scope == l1_scope::shared ? 1 : c.replicas;
  for (std::size_t k = 0; k < n_l1; ++k) {
    l1s_.push_back(std::make_unique<lru_cache>(c.l1_capacity_chunks));
    in_flight_.push_back(std::make_unique<std::unordered_set<std::uint64_t>>());
  }
  for (std::size_t r = 0; r < c.replicas; ++r) {
    reps_[r].gpu = lru_cache(c.gpu_capacity_units);
    reps_[r].l1 = l1s_[c.scope == l1_scope::shared ? 0 : r].get();
    reps_[r].l1_in_flight = in_flight_[c.scope == l1_scope::shared ? 0 : r].get();
  }
  out_.requests.resize(rq.size());
  for (std::size_t i = 0; i < rq.size(); ++i) {
    if (rq[i].arrival_s) {
      arrivals_.emplace(*rq[i].arrival_s, i);
    } else {
      reps_[rq[i].replica].pending.push_back(i);
    }
  }
}

// The client: the next request of this replica, in order, once its previous turn has ended (plus
// the think time) and fewer than `inflight` of the replica's requests are outstanding.
void simulator::issue(std::size_t r) {
  auto& rep = reps_[r];
  while (!rep.pending.empty() && (inflight_ == 0 || rep.outstanding < inflight_)) {
    const std::size_t i = rep.pending.front();
    const auto& q = rq_[i];
    if (q.after && lv_[*q.after].ph != phase::done) return;
    const double at = q.after ? out_.requests[*q.after].finish_s + q.think_s : q.think_s;
    arrivals_.emplace(std::max(now_, at), i);
    ++rep.outstanding;
    rep.pending.pop_front();
  }
}

void simulator::arrive(std::size_t i) {
  out_.requests[i].arrival_s = now_;
  lv_[i].ph = phase::waiting;
  reps_[rq_[i].replica].waiting.push_back(i);
}

void simulator::admit(std::size_t r) {
  auto& rep = reps_[r];
  while (!rep.waiting.empty() && rep.running < c_.max_running) {
    const std::size_t i = rep.waiting.front();
    rep.waiting.pop_front();
    ++rep.running;
    lv_[i].admit_seq = rep.admitted++;
    out_.requests[i].admit_s = now_;
    lookup(i);
  }
}

// What the GPU prefix cache holds, then what the L1 adds (the connector is asked only for the
// rest); a load for the L1's part, or straight to prefill.
void simulator::lookup(std::size_t i) {
  const auto& q = rq_[i];
  auto& rep = reps_[q.replica];
  auto& o = out_.requests[i];
  auto& l = lv_[i];
  const std::uint64_t g = c_.gpu_unit_tokens, ch = c_.chunk_tokens;
  std::uint64_t n = 0;
  for (const std::uint64_t full = known_units(q, g); n < full && rep.gpu.use(unit_key(q, g, n));)
    ++n;
  o.gpu_hit_tokens = n * g;
  std::uint64_t m = 0;
  if (c_.offload) {
    for (const std::uint64_t full = known_units(q, ch);
         m < full && rep.l1->use(unit_key(q, ch, m));)
      ++m;
  }
  o.l1_hit_tokens = m * ch;
  if (o.l1_hit_tokens > o.gpu_hit_tokens) {
    o.loaded_tokens = o.l1_hit_tokens - o.gpu_hit_tokens;
    o.loaded_chunks = m - o.gpu_hit_tokens / ch;
  }
  l.cached = std::max(o.gpu_hit_tokens, o.l1_hit_tokens);
  // vLLM computes at least the last token of a prompt, however much of it is cached.
  if (l.cached >= q.prompt_tokens && q.prompt_tokens > 0) l.cached = q.prompt_tokens - 1;
  l.needed = q.prompt_tokens - l.cached;
  o.prefill_tokens = l.needed;
  if (o.loaded_tokens == 0) {
    o.ready_s = now_;
    if (l.needed == 0) {  // an empty prompt (a trace may hold one): nothing to compute
      prefill_done(i);
      return;
    }
    start_prefill(i);
    return;
  }
  const double bytes = static_cast<double>(o.loaded_tokens * c_.kv_bytes_per_token);
  out_.bytes_loaded += o.loaded_tokens * c_.kv_bytes_per_token;
  const std::size_t id = xfers_.start(now_, q.replica, false, bytes,
                                      t_.chunk_overhead * static_cast<double>(o.loaded_chunks));
  xfer_owner_[id] = {i, false, false};
  const bool layerwise = c_.overlap == load_overlap::layerwise;
  l.ph = phase::loading;
  l.load_pending = layerwise;
  if (layerwise) start_prefill(i);
}

std::uint64_t simulator::plan_decodes(replica& rep, step& s, std::uint64_t& budget) {
  s.decoding = rep.decoders.size();
  if (s.decoding == 0) return 0;
  const auto d = static_cast<double>(s.decoding);
  if (c_.decode_request_s > 0) {  // each request's whole decode as one unbatched step
    s.compute_s += c_.decode_request_s * d;
    return 1;
  }
  s.compute_s += c_.decode_step_s + c_.decode_seq_s * d;
  budget = budget > s.decoding ? budget - s.decoding : 0;
  return 1;
}

// A step of decodes alone keeps its batch until a request ends or something arrives: take
// as many such steps at once as fit before the next outside event.
void simulator::fast_forward(replica& rep, step& s, double dt) {
  std::uint64_t k = rep.decoders.top().first - rep.decode_clock;  // the first to end
  const double gap = next_external() - now_;
  if (dt > 0 && std::isfinite(gap))
    k = std::min<std::uint64_t>(k,
                                std::max<std::uint64_t>(1, static_cast<std::uint64_t>(gap / dt)));
  s.decode_k = std::max<std::uint64_t>(1, k);
  s.compute_s = dt * static_cast<double>(s.decode_k);
}

void simulator::try_step(std::size_t r) {
  auto& rep = reps_[r];
  if (rep.st.busy || rep.sync_stores > 0) return;
  step s;
  std::uint64_t budget = c_.max_batched_tokens;
  s.decode_k = plan_decodes(rep, s, budget);
  for (const auto& [seq, i] : rep.prefilling) {
    if (budget == 0) break;
    auto& l = lv_[i];
    const std::uint64_t k = std::min(l.needed - l.prefilled, budget);
    if (k == 0) continue;
    s.compute_s += t_.prefill(static_cast<double>(l.cached + l.prefilled), static_cast<double>(k));
    budget -= k;
    s.prefill.emplace_back(i, k);
    if (l.load_pending) ++s.pending_loads;
  }
  if (s.decoding == 0 && s.prefill.empty()) return;
  if (s.prefill.empty() && c_.decode_request_s == 0) fast_forward(rep, s, s.compute_s);
  s.busy = true;
  s.end = now_ + s.compute_s;
  rep.st = std::move(s);
  ++out_.steps;
}

// Layer-wise: the step cannot end before its last load does, plus one layer of its compute.
void simulator::compute_end(std::size_t r) {
  auto& s = reps_[r].st;
  s.compute_done = true;
  if (s.pending_loads > 0) {
    s.end = kInf;  // stalled on a load; transfer_done resumes it
    return;
  }
  const double layer = s.compute_s / std::max(1, c_.layers);
  const double end = s.last_load_end > 0 ? std::max(now_, s.last_load_end + layer) : now_;
  if (end > now_) {
    s.end = end;
    return;
  }
  finish_step(r);
}

void simulator::finish_step(std::size_t r) {
  step s = std::move(reps_[r].st);
  reps_[r].st = step{};
  auto& rep = reps_[r];
  if (s.decoding > 0) {
    rep.decode_clock += s.decode_k;
    while (!rep.decoders.empty() && rep.decoders.top().first <= rep.decode_clock) {
      const std::size_t i = rep.decoders.top().second;
      rep.decoders.pop();
      finish(i);
    }
  }
  for (const auto& [i, k] : s.prefill) {
    lv_[i].prefilled += k;
    if (lv_[i].prefilled == lv_[i].needed) {
      rep.prefilling.erase(lv_[i].admit_seq);
      prefill_done(i);
    }
  }
}

// The prompt's KV is complete: the GPU prefix cache keeps it; its full chunks the L1 lacks are
// stored (synchronously: the first token and the GPU wait for the store).
void simulator::prefill_done(std::size_t i) {
  const auto& q = rq_[i];
  auto& rep = reps_[q.replica];
  auto& l = lv_[i];
  auto& o = out_.requests[i];
  for (std::uint64_t n = 0, full = known_units(q, c_.gpu_unit_tokens); n < full; ++n)
    rep.gpu.touch(unit_key(q, c_.gpu_unit_tokens, n));
  l.decode_left = q.output_tokens > 0 ? q.output_tokens - 1 : 0;
  if (c_.decode_request_s > 0) l.decode_left = 1;  // a decode of its own, whatever the output
  if (c_.offload) {
    for (std::uint64_t n = 0, full = known_units(q, c_.chunk_tokens); n < full; ++n) {
      const std::uint64_t key = unit_key(q, c_.chunk_tokens, n);
      if (!rep.l1->contains(key) && rep.l1_in_flight->insert(key).second) l.storing.push_back(key);
    }
  }
  if (l.storing.empty()) {
    first_token(i);
    return;
  }
  o.stored_tokens = l.storing.size() * c_.chunk_tokens;
  out_.bytes_stored += o.stored_tokens * c_.kv_bytes_per_token;
  const double bytes = static_cast<double>(o.stored_tokens * c_.kv_bytes_per_token);
  const bool sync = c_.store == store_mode::sync;
  // Sync: the waited part first (the id the first token waits for), the overlapped rest beside.
  const double waited = sync ? bytes * (1.0 - c_.store_overlap) : 0.0;
  const auto start_part = [&](double part, bool is_waited) {
    xfer_owner_[xfers_.start(now_, q.replica, true, part, 0)] = {i, true, is_waited};
    ++l.store_parts;
  };
  if (waited > 0) start_part(waited, true);
  if (bytes - waited > 0 || waited <= 0) start_part(bytes - waited, false);
  o.store_s = -now_;  // completed in transfer_done
  if (sync && waited > 0) {
    l.ph = phase::storing;
    ++rep.sync_stores;
    return;
  }
  first_token(i);
}

void simulator::first_token(std::size_t i) {
  out_.requests[i].first_token_s = now_;
  if (lv_[i].decode_left == 0) {
    finish(i);
    return;
  }
  lv_[i].ph = phase::decoding;
  auto& rep = reps_[rq_[i].replica];
  rep.decoders.emplace(rep.decode_clock + lv_[i].decode_left, i);
}

void simulator::start_prefill(std::size_t i) {
  lv_[i].ph = phase::prefill;
  reps_[rq_[i].replica].prefilling.emplace(lv_[i].admit_seq, i);
}

void simulator::finish(std::size_t i) {
  auto& rep = reps_[rq_[i].replica];
  lv_[i].ph = phase::done;
  out_.requests[i].finish_s = now_;
  --rep.running;
  if (!rq_[i].arrival_s) --rep.outstanding;
  // The next turn of this context (and of the others) may now be issued.
  issue(rq_[i].replica);
}

void simulator::transfer_done(std::size_t id) {
  const owner who = xfer_owner_.at(id);
  xfer_owner_.erase(id);
  const std::size_t i = who.request;  // a plain variable: clang 14 captures no bindings
  const bool store = who.store;
  const bool waited = who.waited;
  auto& l = lv_[i];
  auto& o = out_.requests[i];
  auto& rep = reps_[rq_[i].replica];
  if (!store) {
    o.load_s = now_ - o.admit_s;
    o.ready_s = now_;
    if (l.ph == phase::loading && !l.load_pending) start_prefill(i);
    if (l.load_pending) {
      l.load_pending = false;
      auto& s = rep.st;
      const bool in_step = std::any_of(s.prefill.begin(), s.prefill.end(),
                                       [&](const auto& p) { return p.first == i; });
      if (s.busy && in_step) {
        --s.pending_loads;
        s.last_load_end = now_;
        if (s.compute_done && s.pending_loads == 0)
          s.end = now_ + s.compute_s / std::max(1, c_.layers);
      }
    }
    return;
  }
  if (waited) {
    --rep.sync_stores;
    first_token(i);
  }
  if (--l.store_parts > 0) return;
  o.store_s += now_;
  for (const std::uint64_t key : l.storing) {
    rep.l1->touch(key);  // visible from now on
    rep.l1_in_flight->erase(key);
  }
  l.storing.clear();
}

double simulator::next_external() const {
  double t = xfers_.next_completion();
  if (!arrivals_.empty()) t = std::min(t, arrivals_.top().first);
  return t;
}

engine_outcome simulator::run() {
  for (std::size_t r = 0; r < reps_.size(); ++r)
    issue(r);
  while (true) {
    double t = next_external();
    for (const auto& rep : reps_) {
      if (rep.st.busy) t = std::min(t, rep.st.end);
    }
    if (!std::isfinite(t)) break;
    now_ = std::max(now_, t);
    for (const std::size_t id : xfers_.advance(now_))
      transfer_done(id);
    for (std::size_t r = 0; r < reps_.size(); ++r) {
      auto& s = reps_[r].st;
      if (!s.busy || s.end > now_) continue;
      if (s.compute_done) {
        finish_step(r);
      } else {
        compute_end(r);
      }
    }
    while (!arrivals_.empty() && arrivals_.top().first <= now_) {
      arrive(arrivals_.top().second);
      arrivals_.pop();
    }
    for (std::size_t r = 0; r < reps_.size(); ++r) {
      admit(r);
      try_step(r);
    }
  }
  double first = kInf, last = 0;
  for (std::size_t i = 0; i < lv_.size(); ++i) {
    if (lv_[i].ph != phase::done)
      throw usage_error("replay: a request never completed (the schedule deadlocked)");
    first = std::min(first, out_.requests[i].arrival_s);
    last = std::max(last, out_.requests[i].finish_s);
  }
  out_.wall_s = lv_.empty() ? 0 : last - first;
  for (const auto& l1 : l1s_)
    out_.l1_evictions += l1->evictions();
  return std::move(out_);
}

}  // namespace

engine_outcome run_engine(const std::vector<engine_request>& requests, const engine_config& c,
                          const timing_model& t, std::uint64_t inflight) {
  if (c.replicas == 0) throw usage_error("replay: at least one replica");
  if (c.chunk_tokens == 0 || c.gpu_unit_tokens == 0 || c.max_batched_tokens == 0 ||
      c.max_running == 0)
    throw usage_error("replay: chunk, block, batch and running limits must be at least 1");
  if (c.kv_bytes_per_token == 0) throw usage_error("KV bytes per token must be at least 1");
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& q = requests[i];
    if (q.replica >= c.replicas)
      throw usage_error("replay: a request names a replica beyond --replicas");
    if (q.after && *q.after >= i)
      throw usage_error("replay: a turn must follow an earlier request");
    if (q.hash_ids && q.block_tokens == 0) throw usage_error("replay: trace block of 0 tokens");
  }
  simulator sim(requests, c, t, inflight);
  return sim.run();
}

}  // namespace cxlprobe::replay
