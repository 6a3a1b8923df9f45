// `bw`: read, write, non-temporal write and copy bandwidth of a memory tier from pinned CPU
// threads. Bytes counted per kernel (see docs/methodology.md):
//   read: N loaded; write: N stored (bus: 2N with the read for ownership); ntwrite: N stored;
//   copy: N loaded + N stored (STREAM Copy counts the same 2N; regular stores also read the
//   destination for ownership, which bus_bandwidth counts).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>

#include "core/error.hpp"
#include "core/units.hpp"
#include "kernels/cpu/mem_kernels.hpp"
#include "kernels/pattern.hpp"
#include "probes/array_size.hpp"
#include "probes/block_share.hpp"
#include "probes/cpu_options.hpp"
#include "probes/papi_counters.hpp"
#include "probes/pinned_workers.hpp"
#include "probes/probe_list.hpp"
#include "tiers/memory_room.hpp"
#include "tiers/tier_buffer.hpp"

namespace cxlprobe::probes {

namespace {

namespace cpu = kernels::cpu;

struct bw_options {
  tier_options tier;
  pinning_options pin;
  repetition_options reps;
  std::string ops = "read,write,ntwrite,copy";
  std::string to;
  std::string threads;
  std::string size;
  std::string counters = "default";
  std::string stores = "auto";
  std::string lanes = "auto";
  std::string lane_layout = "auto";
  std::string prefetch = "0";
  std::string isa = "auto";
  std::string balance = "steal";
  std::string placement = "auto";
};

// Blocks that threads done with their own share take from the others' (--balance steal).
constexpr std::uint64_t kShareBlock = 2ULL << 20;

// One way of running a kernel: its instruction set, its walk and, for copy, the kind of stores.
struct variant {
  cpu::isa isa = cpu::isa::scalar;
  cpu::walk_shape walk;
  bool nt = true;
};

// Lanes per thread: a number 1..16 or 'auto' (empty result: try candidates).
std::optional<unsigned> parse_lanes(const std::string& s) {
  if (s == "auto") return std::nullopt;
  if (s.find(',') != std::string::npos)
    throw usage_error(fmt::format("--lanes: '{}' is a list; give one number 1..16 or auto", s));
  return static_cast<unsigned>(units::parse_int_list(s, "--lanes", 1, 16).at(0));
}

// --isa: one the CPU runs, or auto (nullopt: candidates tried).
std::optional<cpu::isa> parse_isa(const std::string& s) {
  const cpu::isa best = cpu::best_isa();
  if (s == "auto") return std::nullopt;
  for (cpu::isa i : {cpu::isa::scalar, cpu::isa::avx2, cpu::isa::avx512}) {
    if (s != cpu::isa_name(i)) continue;
    if (static_cast<int>(i) > static_cast<int>(best)) {
      throw usage_error(
          fmt::format("--isa {}: this CPU does not run it (widest: {}); use auto or {}", s,
                      cpu::isa_name(best), cpu::isa_name(best)));
    }
    return i;
  }
  throw usage_error(fmt::format("--isa: unknown '{}'; use auto, avx512, avx2 or scalar", s));
}

// --stores: the copy store kinds to try (non-temporal = true).
std::vector<bool> parse_stores(const std::string& s) {
  if (s == "auto") return {true, false};
  if (s == "nontemporal") return {true};
  if (s == "regular") return {false};
  throw usage_error(
      fmt::format("--stores: unknown kind '{}'; use auto, nontemporal or regular", s));
}

// --lane-layout: far sections or adjacent pages, or auto (nullopt: both where it matters).
std::optional<bool> parse_lane_layout(const std::string& s) {
  if (s == "auto") return std::nullopt;
  if (s == "far" || s == "adjacent") return s == "adjacent";
  throw usage_error(fmt::format("--lane-layout: unknown '{}'; use auto, far or adjacent", s));
}

std::size_t parse_prefetch(const std::string& s) {
  const std::uint64_t v = s == "0" ? 0 : units::parse_bytes(s, "--prefetch");
  if (v % 64 != 0 || v > (64U << 10)) {
    throw usage_error(fmt::format(
        "--prefetch: '{}' must be a multiple of 64 bytes up to 64KiB (0 = no software prefetch)",
        s));
  }
  return static_cast<std::size_t>(v);
}

// The walks `auto` tries. Lanes auto: one stream (likwid-bench's shape) and four neighbouring
// pages in lockstep (glibc's large memcpy walks four); on the H200 machine, paired on the same
// memory, four adjacent pages read and copied faster than two far-apart sections at 6 of 8
// points (by up to 5%; within 1.5% under at the other two) and beat one stream by up to 1.2x
// (docs/validation.md); in the peer rounds that followed auto kept them in every read and copy.
// `--lane-layout far` keeps the earlier pair (1 and 2 far sections). An explicit N > 1 with the
// layout auto tries both layouts.
std::vector<cpu::walk_shape> walk_candidates(std::optional<unsigned> lanes,
                                             std::optional<bool> adjacent, std::size_t prefetch) {
  if (!lanes) {
    const bool adj = adjacent.value_or(true);
    return {{1, prefetch, false}, {adj ? 4U : 2U, prefetch, adj}};
  }
  if (*lanes == 1) return {{1, prefetch, false}};
  if (adjacent) return {{*lanes, prefetch, *adjacent}};
  return {{*lanes, prefetch, false}, {*lanes, prefetch, true}};
}

// The variants `auto` choices try, fastest kept: AVX-512 or AVX2 where both run (on a Zen 4 build
// machine AVX2 read faster from one thread), the walks above, and for copy non-temporal or
// regular stores.
std::vector<variant> candidates(std::string_view op, std::optional<cpu::isa> isa,
                                const std::vector<cpu::walk_shape>& walks,
                                const std::vector<bool>& stores) {
  std::vector<cpu::isa> isas{isa.value_or(cpu::best_isa())};
  if (!isa && isas[0] == cpu::isa::avx512) isas.push_back(cpu::isa::avx2);
  const std::vector<bool> nt = op == "copy" ? stores : std::vector<bool>{true};
  std::vector<variant> out;
  for (cpu::isa i : isas) {
    for (const cpu::walk_shape& w : walks) {
      for (bool t : nt)
        out.push_back({i, w, t});
    }
  }
  return out;
}

struct op_info {
  std::string_view name;
  double app_factor;  // bytes the program moves per byte of working set
  double bus_factor;  // with reads for ownership
  bool writes;
};

constexpr op_info kOps[] = {
    {"read", 1, 1, false}, {"write", 1, 2, true}, {"ntwrite", 1, 1, true}, {"copy", 2, 2, true}};

const op_info& find_op(std::string_view name) {
  for (const auto& o : kOps) {
    if (o.name == name) return o;
  }
  throw usage_error(
      fmt::format("--op: unknown operation '{}'; use read, write, ntwrite or copy", name));
}

std::vector<long> default_threads(std::size_t cpus) {
  std::vector<long> t;
  for (long n = 1; n < static_cast<long>(cpus); n *= 2)
    t.push_back(n);
  t.push_back(static_cast<long>(cpus));
  return t;
}

// Everything the options say, resolved and checked before anything is mapped or measured.
struct bw_plan {
  tiers::tier_spec tier;
  std::optional<tiers::tier_spec> to;
  std::vector<const op_info*> ops;
  std::vector<int> cpus;
  std::vector<long> threads;
  bool all_threads = false;  // --threads all: recorded so compare matches across CPU counts
  std::uint64_t size = 0;
  std::vector<cpu::walk_shape> walks;  // the walks tried (one: no choice)
  std::optional<cpu::isa> isa;
  std::vector<bool> stores;
  bool steal = true;
  std::uint64_t tuning_size = 0;        // bytes per array the tuning rounds move, at most `size`
  std::string size_note;                // why the default size is smaller than the rule's
  std::vector<std::string> placements;  // tried in turn while tuning; one: no choice
  std::vector<std::string> events;
};

// --placement: spread and compact both tried (auto) unless --cpus names the CPUs: auto then
// keeps the list's order (the first N of it), as before there was a choice.
std::vector<std::string> parse_placement(const std::string& s, bool cpus_listed) {
  if (s == "auto") {
    return cpus_listed ? std::vector<std::string>{"listed"}
                       : std::vector<std::string>{"spread", "compact"};
  }
  if (s == "spread" || s == "compact") return {s};
  throw usage_error(fmt::format("--placement: unknown '{}'; use auto, spread or compact", s));
}

bool has_copy(const std::vector<const op_info*>& ops) {
  return std::any_of(ops.begin(), ops.end(), [](const op_info* op) { return op->name == "copy"; });
}

// Bytes per array (--size or the default, which says when memory held it under the rule) and
// the bytes per array the tuning rounds move: the default size's worth of a larger --size, enough
// to stream from memory, so that tuning costs no more than at the default size. Needs p.ops,
// p.to, p.tier and p.threads.
void plan_sizes(bw_plan& p, const bw_options& o, const topology::topology& topo) {
  const std::uint64_t streaming = streaming_size(topo);
  if (o.size.empty()) {
    const bool two_arrays = !p.to && has_copy(p.ops);  // copy within one tier: two arrays there
    const array_size d = default_array_size(streaming, tiers::memory_room_of(p.tier), two_arrays);
    p.size = d.bytes;
    p.size_note = d.note;
  } else {
    p.size = units::parse_bytes(o.size, "--size");
  }
  p.tuning_size = std::min(p.size, streaming);
  if (p.size <
      4096 * static_cast<std::uint64_t>(*std::max_element(p.threads.begin(), p.threads.end()))) {
    throw usage_error("--size is too small: each thread needs at least 4 KiB");
  }
}

bw_plan plan_bw(run_context& ctx, const bw_options& o) {
  validate(o.reps);
  bw_plan p;
  p.tier = tiers::parse_tier(o.tier.tier);
  if (!o.to.empty()) p.to = tiers::parse_tier(o.to);
  for (const auto name : units::split_list(o.ops, "--op"))
    p.ops.push_back(&find_op(name));
  p.cpus = resolve_cpus(o.pin.cpus, o.pin.cpu_node);
  // "all": every CPU this run may use, whatever their number (matches across nodes in compare).
  p.all_threads = o.threads == "all";
  p.threads = o.threads.empty() ? default_threads(p.cpus.size())
              : p.all_threads   ? std::vector<long>{static_cast<long>(p.cpus.size())}
                                : units::parse_int_list(o.threads, "--threads", 1,
                                                        static_cast<long>(p.cpus.size()));
  plan_sizes(p, o, ctx.topo());
  p.walks = walk_candidates(parse_lanes(o.lanes), parse_lane_layout(o.lane_layout),
                            parse_prefetch(o.prefetch));
  p.isa = parse_isa(o.isa);
  p.stores = parse_stores(o.stores);
  if (o.balance != "steal" && o.balance != "static") {
    throw usage_error(fmt::format("--balance: unknown '{}'; use steal or static", o.balance));
  }
  p.steal = o.balance == "steal";
  p.placements = parse_placement(o.placement, !o.pin.cpus.empty());
  if (o.counters == "default") {
    p.events = default_counter_events();
  } else if (o.counters != "none") {
    for (const auto e : units::split_list(o.counters, "--counters"))
      p.events.emplace_back(e);
  }
  return p;
}

// The CPUs of n threads placed the named way over the run's CPUs.
std::vector<int> place(const std::string& how, const std::vector<int>& cpus, std::size_t n) {
  if (how == "spread") return spread_cpus(cpus, n);
  if (how == "compact") return compact_cpus(cpus, n, smt_siblings);
  return std::vector<int>(cpus.begin(), cpus.begin() + static_cast<std::ptrdiff_t>(n));
}

struct placement {
  std::string name;
  std::vector<int> cpus;
};

// The NUMA node of each CPU in turn.
std::vector<int> nodes_of(const std::vector<int>& cpus) {
  std::vector<int> out;
  for (int c : cpus)
    out.push_back(node_of_cpu(c));
  return out;
}

// The placements worth trying for n threads: one where they land on the same CPUs (one thread,
// every CPU). On dram the first placement's threads touch the pages first and so place them: a
// placement whose worker w runs on another NUMA node than there would read remote memory, and is
// not tried (on one node, as on most GPU machines' VMs, every placement is).
std::vector<placement> placements_for(const bw_plan& bp, std::size_t n) {
  std::vector<placement> out;
  for (const auto& how : bp.placements) {
    auto cpus = place(how, bp.cpus, n);
    const bool same = std::any_of(out.begin(), out.end(), [&](const placement& p) {
      return std::is_permutation(p.cpus.begin(), p.cpus.end(), cpus.begin(), cpus.end());
    });
    const bool first_touch_elsewhere = !out.empty() && bp.tier.kind == tiers::tier_kind::dram &&
                                       nodes_of(cpus) != nodes_of(out.front().cpus);
    if (!same && !first_touch_elsewhere) out.push_back({how, std::move(cpus)});
  }
  return out;
}

// One (op, thread count) point: fill, tune, time, verify, and the result. Workers run the
// kernel over their chunks (block_share hands out the bytes); the point keeps what they saw.
class bw_point {
 public:
  bw_point(const bw_options& o, const bw_plan& bp, const counter_plan& counters, const op_info& op,
           long nthreads, tiers::tier_buffer& buf, std::optional<tiers::tier_buffer>& dst_buf)
      : o_(o),
        bp_(bp),
        counters_(counters),
        op_(op),
        n_(static_cast<std::size_t>(nthreads)),
        buf_(buf),
        copy_elsewhere_(op.name == "copy" && bp.to.has_value()),
        chunk_(bp.size / n_ / 4096 * 4096),
        tuning_chunk_(std::min(chunk_, (bp.tuning_size / n_ + 4095) / 4096 * 4096)),
        src_(buf.data()),
        dst_(op.name == "copy" ? (copy_elsewhere_ ? dst_buf->data() : buf.data() + bp.size)
                               : nullptr),
        seed_(0xC0FFEE + n_),
        expect_(n_, 0),
        got_(n_, 0),
        counts_(static_cast<std::size_t>(o.reps.reps),
                std::vector<long long>(counters.events().size(), 0)),
        thread_sets_(n_),
        placements_(placements_for(bp, n_)),
        placed_(placements_.front()),
        choices_(candidates(op.name, bp.isa, bp.walks, bp.stores)),
        chosen_(choices_.front()),
        tuning_(choices_.size() > 1 || placements_.size() > 1),
        filled_(n_, 0) {}

  // nullopt when a stop was requested before the timed rounds ended.
  std::optional<result> run(run_context& ctx) {
    ctx.step(fmt::format("bw {} on {} with {} thread(s)", op_.name, bp_.tier.to_string(), n_));
    if (tuning_) tune(ctx);
    const worker_plan plan{placed_.cpus, o_.reps.warmup, o_.reps.reps};
    const auto rounds = run_pinned(plan_rounds(plan, chunk_), prepare_fn(), body_fn(), ctx.stop);
    thread_sets_.clear();  // event sets belong to their threads; PAPI tolerates late cleanup
    if (rounds.empty()) return std::nullopt;  // interrupted
    result r = describe();
    add_rates(r, rounds, plan.warmup);
    add_counters(r, rounds.size());
    std::string problem = verify(rounds.size());
    if (bp_.tier.kind == tiers::tier_kind::node) {
      const double on = buf_.placement_on_node(bp_.tier.node);
      r.add_value("placement_on_node", "1", on);
      if (on < 0.99)
        problem =
            fmt::format("only {:.0f}% of sampled pages are on node {}", on * 100, bp_.tier.node);
    }
    if (!problem.empty()) {
      r.state = status::error;
      r.message = "verification failed: " + problem;
    } else if (bp_.tier.emulated()) {
      r.message = "emulated tier (file-backed stand-in)";
    }
    if (problem.empty() && !bp_.size_note.empty())
      r.message += (r.message.empty() ? "" : "; ") + bp_.size_note;
    return r;
  }

 private:
  // First touch by the worker that will use the chunk (content we own gets the pattern, a read
  // its reference sum), once over the tuning and timed runs; counters for the timed run only.
  void prepare(int w) {
    const auto i = static_cast<std::size_t>(w);
    const std::uint64_t off = i * chunk_;
    if (!filled_[i]) {
      filled_[i] = 1;
      if (buf_.owns_content() || (buf_.writable() && (op_.writes || copy_elsewhere_)))
        kernels::fill_pattern(src_ + off, chunk_, seed_, off / 8);
      if (dst_) std::memset(dst_ + off, 0, chunk_);
      if (op_.name == "read") expect_[i] = cpu::reference_sum(src_ + off, chunk_);
    }
    if (counters_.active() && !tuning_)
      thread_sets_[i] = std::make_unique<thread_counters>(counters_);
  }

  // Who moves which blocks in each round of one run_pinned call (the front `bytes` of each
  // thread's chunk), and the bytes each moved.
  worker_plan plan_rounds(const worker_plan& p, std::uint64_t bytes) {
    const auto total = static_cast<std::size_t>(p.warmup + p.rounds);
    share_ = std::make_unique<block_share>(n_, bytes, kShareBlock, total, bp_.steal, chunk_);
    share_warmup_ = p.warmup;
    moved_.assign(total * n_, 0);
    return p;
  }

  void kernel(const variant& v, std::uint64_t off, std::uint64_t len, std::uint64_t pattern,
              std::uint64_t& sum) const {
    if (op_.name == "read") {
      sum += cpu::read(src_ + off, len, v.isa, v.walk);
    } else if (op_.name == "write") {
      cpu::write(src_ + off, len, pattern, v.isa, v.walk);
    } else if (op_.name == "ntwrite") {
      cpu::ntwrite(src_ + off, len, pattern, v.isa, v.walk);
    } else {
      cpu::copy(dst_ + off, src_ + off, len, v.isa, v.nt, v.walk);
    }
  }

  void body(int w, int round) {
    const auto i = static_cast<std::size_t>(w);
    // While tuning, timed round r runs candidate r mod k (warm-up: the first).
    const variant& v = tuning_ && round >= 0
                           ? choices_[static_cast<std::size_t>(round) % choices_.size()]
                           : chosen_;
    thread_counters* tc = tuning_ ? nullptr : thread_sets_[i].get();
    if (tc && round >= 0) tc->start();
    const auto slot = static_cast<std::size_t>(round + share_warmup_);
    const std::uint64_t pattern = seed_ + static_cast<std::uint64_t>(round + 100);
    std::uint64_t sum = 0;
    moved_[slot * n_ + i] = share_->run(
        slot, i, [&](std::uint64_t off, std::uint64_t len) { kernel(v, off, len, pattern, sum); });
    if (op_.name == "read") got_[i] = sum;
    if (tc && round >= 0) {
      std::vector<long long> mine(counters_.events().size(), 0);
      tc->stop(mine);
      std::lock_guard lock(counts_mutex_);
      for (std::size_t e = 0; e < mine.size(); ++e)
        counts_[static_cast<std::size_t>(round)][e] += mine[e];
    }
  }

  std::function<void(int)> prepare_fn() {
    return [this](int w) { prepare(w); };
  }
  std::function<void(int, int)> body_fn() {
    return [this](int w, int round) { body(w, round); };
  }

  // Non-temporal stores skip the read for ownership and win once DRAM is the limit; regular
  // stores drain faster from few cores; several streams per core help where one core's
  // prefetchers limit it; threads packed on the first cores or spread over all of them win on
  // different machines (docs/validation.md). The candidates take turns, round by round, for
  // kTuningPasses passes (placements alternate pass by pass: a placement is fixed for one run of
  // pinned threads), so that drift in the machine's bandwidth hits all alike; the shortest median
  // round wins.
  void tune(run_context& ctx) {
    constexpr int kTuningPasses = 3;
    const std::size_t k = choices_.size();
    const int passes_per_run = placements_.size() == 1 ? kTuningPasses : 1;
    // spans[placement][candidate]: one round's span per pass
    std::vector<std::vector<std::vector<double>>> spans(placements_.size(),
                                                        std::vector<std::vector<double>>(k));
    for (int pass = 0; pass < kTuningPasses; pass += passes_per_run) {
      for (std::size_t p = 0; p < placements_.size(); ++p) {
        const worker_plan trial_plan{placements_[p].cpus, 1, passes_per_run * static_cast<int>(k)};
        const auto trial =
            run_pinned(plan_rounds(trial_plan, tuning_chunk_), prepare_fn(), body_fn(), ctx.stop);
        for (std::size_t r = 0; r < trial.size(); ++r)
          spans[p][r % k].push_back(trial[r].span());
      }
    }
    double best = 1e300;
    for (std::size_t p = 0; p < placements_.size(); ++p) {
      for (std::size_t c = 0; c < k; ++c) {
        if (spans[p][c].empty()) continue;
        const double median = stats::summarize(spans[p][c]).median;
        if (median < best) {
          best = median;
          placed_ = placements_[p];
          chosen_ = choices_[c];
        }
      }
    }
    tuning_ = false;
  }

  // Aggregate per round (all bytes over the round's span) and each thread's own rate.
  void add_rates(result& r, const std::vector<round_times>& rounds, int warmup) const {
    const double app_bytes = op_.app_factor * static_cast<double>(chunk_ * n_);
    std::vector<double> aggregate, per_thread_min, per_thread_max, bus;
    for (std::size_t k = 0; k < rounds.size(); ++k) {
      const round_times& t = rounds[k];
      aggregate.push_back(app_bytes / t.span());
      double lo = 1e300, hi = 0;
      for (std::size_t w = 0; w < t.start.size(); ++w) {
        const auto bytes = moved_[(k + static_cast<std::size_t>(warmup)) * n_ + w];
        const double bw = op_.app_factor * static_cast<double>(bytes) / (t.end[w] - t.start[w]);
        lo = std::min(lo, bw);
        hi = std::max(hi, bw);
      }
      per_thread_min.push_back(lo);
      per_thread_max.push_back(hi);
    }
    r.add_summary("bandwidth", "B/s", aggregate);
    // Regular-store copy also reads the destination for ownership: 3N on the bus.
    const double bus_factor = op_.name == "copy" && !chosen_.nt ? 3.0 : op_.bus_factor;
    for (double a : aggregate)
      bus.push_back(a * bus_factor / op_.app_factor);
    r.add_value("bus_bandwidth", "B/s", stats::summarize(bus).median, "median");
    r.add_value("bandwidth_per_thread_min", "B/s", stats::summarize(per_thread_min).median,
                "median");
    r.add_value("bandwidth_per_thread_max", "B/s", stats::summarize(per_thread_max).median,
                "median");
  }

  void add_counters(result& r, std::size_t rounds) const {
    for (std::size_t i = 0; i < counters_.events().size(); ++i) {
      std::vector<double> per_round;
      for (std::size_t k = 0; k < rounds; ++k)
        per_round.push_back(static_cast<double>(counts_[k][i]));
      r.add_value("counter:" + counters_.events()[i], "1", stats::summarize(per_round).median,
                  "median");
    }
    if (!counters_.unavailable().empty())
      r.params["counters"] = "unavailable: " + counters_.unavailable();
  }

  // The data the kernels saw or left is what it must be; "" when it is. Read: block sums add up
  // (mod 2^64) to the buffer's sum whoever read which block.
  std::string verify(std::size_t rounds) const {
    if (op_.name == "read") {
      std::uint64_t got_sum = 0, expect_sum = 0;
      for (std::size_t w = 0; w < n_; ++w) {
        got_sum += got_[w];
        expect_sum += expect_[w];
      }
      return got_sum == expect_sum ? "" : "read checksum is wrong";
    }
    const std::uint64_t last_pattern = seed_ + static_cast<std::uint64_t>(rounds - 1 + 100);
    for (std::size_t w = 0; w < n_; ++w) {
      const std::uint64_t off = w * chunk_;
      if (op_.name == "copy") {
        if (std::memcmp(dst_ + off, src_ + off, chunk_) != 0)
          return fmt::format("copy of thread {} differs from its source", w);
        continue;
      }
      for (std::uint64_t b = 0; b < chunk_; b += 4096) {
        std::uint64_t v;
        std::memcpy(&v, src_ + off + b + (b / 4096 % 512) * 8, 8);
        if (v != last_pattern)
          return fmt::format("{} left a wrong word at offset {}", op_.name, off + b);
      }
    }
    return {};
  }

  // "spread,compact": the placements auto compared (one: no choice was made).
  std::string placement_names() const {
    std::string out;
    for (const auto& p : placements_)
      out += (out.empty() ? "" : ",") + p.name;
    return out;
  }

  result describe() const {
    result r;
    r.probe = "bw";
    r.params = {{"tier", bp_.tier.to_string()},
                {"op", std::string(op_.name)},
                {"threads", n_},
                {"cpus", fmt::format("{}", fmt::join(placed_.cpus, ","))},
                {"placement", placed_.name},
                {"placements_tried", placement_names()},
                {"size", chunk_ * n_},
                {"isa", std::string(cpu::isa_name(chosen_.isa))},
                {"page_size", buf_.page_size()},
                {"emulated", bp_.tier.emulated()}};
    if (copy_elsewhere_) {
      r.params["to"] = bp_.to->to_string();
      // The copy is verified against its source; a source that is not ours holds whatever it
      // held.
      r.params["source"] = buf_.owns_content() || buf_.writable()
                               ? "filled with a pattern"
                               : "as found (--allow-write fills it)";
    }
    if (bp_.all_threads) r.params["threads_requested"] = "all";
    // The reading side of a bandwidth matrix (CPUs of node i reading memory of node j).
    if (o_.pin.cpu_node) r.params["cpu_node"] = *o_.pin.cpu_node;
    r.params["balance"] = o_.balance;
    if (op_.name == "copy") r.params["stores"] = chosen_.nt ? "nontemporal" : "regular";
    r.params["lanes"] = chosen_.walk.lanes;
    // One lane has no layout; more are far-apart sections or neighbouring pages.
    r.params["lane_layout"] = chosen_.walk.lanes == 1 ? "single"
                              : chosen_.walk.adjacent ? "adjacent"
                                                      : "far";
    r.params["prefetch"] = chosen_.walk.prefetch;
    // What the candidates were compared on (absent: nothing was chosen).
    if (choices_.size() > 1 || placements_.size() > 1) r.params["tuning_size"] = tuning_chunk_ * n_;
    return r;
  }

  const bw_options& o_;
  const bw_plan& bp_;
  const counter_plan& counters_;
  const op_info& op_;
  const std::size_t n_;
  tiers::tier_buffer& buf_;
  const bool copy_elsewhere_;
  const std::uint64_t chunk_;
  const std::uint64_t tuning_chunk_;  // the front of each chunk that tuning rounds move
  std::byte* const src_;
  std::byte* const dst_;
  const std::uint64_t seed_;
  std::vector<std::uint64_t> expect_;
  std::vector<std::uint64_t> got_;
  std::vector<std::vector<long long>> counts_;  // per timed round, summed over threads
  std::mutex counts_mutex_;
  std::vector<std::unique_ptr<thread_counters>> thread_sets_;
  const std::vector<placement> placements_;
  placement placed_;
  const std::vector<variant> choices_;
  variant chosen_;
  bool tuning_;
  std::vector<char> filled_;
  std::unique_ptr<block_share> share_;
  int share_warmup_ = 0;
  std::vector<std::uint64_t> moved_;
};

std::vector<result> run_bw(run_context& ctx, const bw_options& o) {
  // parse -> plan (every check) -> map (refusals) -> run, point by point.
  const bw_plan plan = plan_bw(ctx, o);
  const auto& [tier, to, ops, size] = std::tie(plan.tier, plan.to, plan.ops, plan.size);
  const counter_plan counters(plan.events);
  // Every op's needs are known now: the mappings are made (and refused: size, permission,
  // another process) before the first op runs, once for all ops. Copy within one tier uses two
  // arrays of `size` in it.
  const bool any_copy = has_copy(ops);
  const std::uint64_t src_bytes = any_copy && !to ? 2 * size : size;
  bool src_writes = false;
  for (const op_info* op : ops) {
    const bool copy_elsewhere = op->name == "copy" && to.has_value();
    // copy --to reads its source: with --allow-write it is filled with a pattern first, so the
    // verification compares known data rather than whatever (often zeros) was there.
    src_writes =
        src_writes || (op->writes && !copy_elsewhere) || (copy_elsewhere && o.tier.allow_write);
  }
  tiers::tier_buffer buf =
      tiers::tier_buffer::open(tier, {src_bytes, src_writes, o.tier.allow_write, o.tier.force});
  std::optional<tiers::tier_buffer> dst_buf;
  if (to && any_copy) {
    dst_buf = tiers::tier_buffer::open(*to, {size, true, o.tier.allow_write, o.tier.force});
  }
  std::vector<result> out;
  run_context::step_scope steps(ctx, ops.size() * plan.threads.size());
  for (const op_info* op : ops) {
    for (long nthreads : plan.threads) {
      if (ctx.stop_requested()) return out;
      if (auto r = bw_point(o, plan, counters, *op, nthreads, buf, dst_buf).run(ctx)) {
        out.push_back(std::move(*r));
      } else {
        return out;
      }
    }
  }
  return out;
}

}  // namespace

probe_spec bw_probe() {
  return {
      "bw",
      "CPU read / write / non-temporal write / copy bandwidth of a memory tier vs threads",
      [](CLI::App& cmd) -> runner {
        auto o = std::make_shared<bw_options>();
        add_tier_options(cmd, o->tier, "Memory tier to measure");
        cmd.add_option("--op", o->ops, "Operations, comma-separated: read, write, ntwrite, copy")
            ->capture_default_str();
        cmd.add_option("--to", o->to,
                       "Destination tier of copy (default: a second array in --tier)")
            ->type_name("TIER");
        cmd.add_option(
               "--threads", o->threads,
               "Thread counts to sweep, e.g. 1,2,4 or 1-4, or 'all' (every CPU the run may use; "
               "default: powers of two up to that)")
            ->type_name("LIST");
        cmd.add_option("--size", o->size,
                       "Bytes per array, e.g. 1GiB (default: max(1 GiB, 4x all last-level caches "
                       "together), at most half the tier's free memory; more than 90% of it is "
                       "refused)")
            ->type_name("SIZE");
        cmd.add_option(
               "--counters", o->counters,
               "PAPI events counted around each timed repetition (summed over threads): a list, "
               "'default' (PAPI_TOT_CYC,PAPI_TOT_INS,PAPI_L3_TCM) or 'none'; events the machine "
               "lacks are reported, never fatal")
            ->capture_default_str();
        cmd.add_option("--stores", o->stores,
                       "Stores of copy: nontemporal (no read for ownership), regular, or auto "
                       "(untimed rounds of each, taking turns; the faster kept; the choice is in "
                       "the result)")
            ->capture_default_str();
        cmd.add_option("--lanes", o->lanes,
                       "Streams per thread walked in lockstep: N (1..16), or auto (one stream "
                       "and four tried, the faster kept; with --lane-layout far: one and two)")
            ->capture_default_str();
        cmd.add_option("--lane-layout", o->lane_layout,
                       "Where a thread's lanes lie: far (equal sections of its buffer), adjacent "
                       "(neighbouring 4 KiB pages, a group at a time, as glibc's memcpy walks), "
                       "or auto (adjacent with --lanes auto; both tried with --lanes N)")
            ->capture_default_str();
        cmd.add_option("--prefetch", o->prefetch,
                       "Software prefetch distance per stream in bytes, e.g. 1KiB (multiple of "
                       "64, at most 64KiB; 0 = none, the hardware prefetchers alone)")
            ->capture_default_str();
        cmd.add_option("--balance", o->balance,
                       "Sharing of a round's bytes among threads: steal (threads done with their "
                       "own share take 2 MiB blocks from the others', so the figure is what the "
                       "tier sustains with N threads busy) or static (each thread moves its own "
                       "share only, as STREAM's loops do: N times the slowest thread's rate)")
            ->capture_default_str();
        cmd.add_option("--placement", o->placement,
                       "Where N threads run: spread (evenly over the CPUs, as OMP_PROC_BIND="
                       "spread), compact (the first N cores, one thread per core first, as "
                       "likwid-bench), or auto (both tried, the faster kept; with --cpus: the "
                       "first N of the list, in its order)")
            ->capture_default_str();
        cmd.add_option("--isa", o->isa,
                       "Instruction set of the kernels: avx512, avx2 (256-bit, as likwid-bench's "
                       "*_avx kernels), scalar, or auto (AVX-512 and AVX2 tried where both run, "
                       "the faster kept)")
            ->capture_default_str();
        add_pinning_options(cmd, o->pin);
        add_repetition_options(cmd, o->reps);
        return [o](run_context& ctx) { return run_bw(ctx, *o); };
      },
      [](run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::probes
