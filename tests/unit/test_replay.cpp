#include <algorithm>
#include <cmath>
#include <list>
#include <string>

#include "core/error.hpp"
#include "replay/attribution.hpp"
#include "replay/engine.hpp"
#include "replay/fit.hpp"
#include "replay/lru_cache.hpp"
#include "replay/models.hpp"
#include "replay/simulate.hpp"
#include "replay/timing.hpp"
#include "replay/trace.hpp"
#include "replay/transfers.hpp"
#include "tests/catch_compat.hpp"

using namespace cxlprobe;
using namespace cxlprobe::replay;

namespace {
// Block of 2 tokens, 10 bytes per token: a block is 20 bytes.
const char* kSmallTrace =
    "{\"timestamp\": 0, \"input_length\": 4, \"output_length\": 1, \"hash_ids\": [1, 2]}\n"
    "{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [1, 2, 3]}\n"
    "\n"
    "{\"timestamp\": 2, \"input_length\": 3, \"output_length\": 1, \"hash_ids\": [9, 1]}\n";

trace_outcome run_small(std::optional<std::uint64_t> capacity_bytes) {
  return replay_trace(parse_trace(kSmallTrace, "small"), {2, 10, capacity_bytes});
}

std::string error_of(const std::string& text) {
  try {
    (void)parse_trace(text, "t.jsonl");
  } catch (const usage_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("LRU cache: capacity, eviction order, zero capacity", "[replay]") {
  lru_cache c(2);
  CHECK(c.touch(1));
  CHECK(c.touch(2));
  CHECK_FALSE(c.touch(1));  // already there: now most recent
  CHECK(c.touch(3));        // evicts 2, the least recently used
  CHECK(c.contains(1));
  CHECK_FALSE(c.contains(2));
  CHECK(c.evictions() == 1);
  lru_cache none(0);
  CHECK_FALSE(none.touch(5));
  CHECK_FALSE(none.contains(5));
  lru_cache unlimited;
  for (int i = 0; i < 1000; ++i)
    unlimited.touch(static_cast<std::uint64_t>(i));
  CHECK(unlimited.size() == 1000);
  CHECK(unlimited.evictions() == 0);
}

TEST_CASE("LRU cache: the flat table agrees with a list model over 60000 random operations",
          "[replay]") {
  // Reference: a plain list, most recent first. Keys from a small range collide often, so the
  // table's probing, its back-shifting on eviction and its growth are all exercised.
  for (const std::uint64_t capacity : {1ULL, 7ULL, 1000ULL}) {
    lru_cache c(capacity);
    std::list<std::uint64_t> model;
    std::uint64_t x = 12345, evicted = 0;
    bool agree = true;
    for (int op = 0; op < 60000 && agree; ++op) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      const std::uint64_t key = (x >> 33) % 3000;
      const auto it = std::find(model.begin(), model.end(), key);
      const bool held = it != model.end();
      if ((x >> 20) % 4 == 0) {  // a lookup that refreshes
        agree = c.use(key) == held;
        if (held) model.splice(model.begin(), model, it);
        continue;
      }
      agree = c.touch(key) == !held;
      if (held) {
        model.splice(model.begin(), model, it);
      } else {
        model.push_front(key);
        if (model.size() > capacity) {
          model.pop_back();
          ++evicted;
        }
      }
      agree = agree && c.size() == model.size() && c.contains(model.back()) &&
              (model.size() < capacity || !c.contains(3000 + key));
    }
    CHECK(agree);
    CHECK(c.evictions() == evicted);
    for (const std::uint64_t k : model)
      CHECK(c.contains(k));
  }
}

TEST_CASE("trace replay, unlimited L1: hits stop at the first missing block", "[replay]") {
  const auto o = run_small(std::nullopt);
  CHECK(o.requests == 3);
  CHECK(o.input_tokens == 12);
  CHECK(o.hit_tokens == 4);  // request 2 hits blocks 1,2; request 3 misses at block 9
  CHECK(o.l1_evictions == 0);
  CHECK(o.bytes_loaded == 40);
  CHECK(o.bytes_stored == 70);  // 4 + 1 (last block of request 2 holds 1 token) + 2 tokens
  REQUIRE(o.per_request.size() == 3);
  CHECK(o.per_request[1].hit_tokens == 4);
  CHECK(o.per_request[1].stored_tokens == 1);
  CHECK(o.per_request[2].hit_tokens == 0);
}

TEST_CASE("trace replay, 3-block L1: least recently used blocks are evicted", "[replay]") {
  const auto o = run_small(60);  // floor(60 / 20) = 3 blocks
  CHECK(o.capacity_blocks == 3);
  CHECK(o.hit_tokens == 4);
  CHECK(o.l1_evictions == 2);   // inserting 9 evicts 1, re-inserting 1 evicts 2
  CHECK(o.bytes_stored == 80);  // request 3 stores block 9 (2 tokens) and block 1 again (1 token)
  const auto tiny = run_small(19);  // less than one block: nothing is kept
  CHECK(tiny.capacity_blocks == 0);
  CHECK(tiny.hit_tokens == 0);
  CHECK(tiny.bytes_stored == 0);
}

TEST_CASE("trace replay: timestamp order with ties in file order, hits capped at the input",
          "[replay]") {
  const char* text =
      "{\"timestamp\": 5, \"input_length\": 3, \"output_length\": 0, \"hash_ids\": [1, 2]}\n"
      "{\"timestamp\": 0, \"input_length\": 4, \"output_length\": 0, \"hash_ids\": [1, 2]}\n"
      "{\"timestamp\": 0, \"input_length\": 4, \"output_length\": 0, \"hash_ids\": [1, 2]}\n";
  const auto o = replay_trace(parse_trace(text, "t"), {2, 1, std::nullopt});
  REQUIRE(o.per_request.size() == 3);
  CHECK(o.per_request[0].hit_tokens == 0);  // the first timestamp-0 request
  CHECK(o.per_request[1].hit_tokens == 4);
  CHECK(o.per_request[2].input_tokens == 3);
  CHECK(o.per_request[2].hit_tokens == 3);  // 2 blocks = 4 tokens, capped at input_length 3
}

TEST_CASE("trace errors name the line", "[replay]") {
  CHECK(error_of("{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1, \"hash_ids\": "
                 "[1]}\n{bad json\n")
            .find("t.jsonl:2: not valid JSON") != std::string::npos);
  CHECK(error_of("{\"timestamp\": 0, \"output_length\": 1, \"hash_ids\": []}")
            .find("t.jsonl:1: missing field 'input_length'") != std::string::npos);
  CHECK(error_of("{\"timestamp\": 0, \"input_length\": -5, \"output_length\": 1, \"hash_ids\": []}")
            .find("negative") != std::string::npos);
  CHECK(error_of("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": 7}")
            .find("array") != std::string::npos);
  CHECK(error_of(
            "{\"timestamp\": \"x\", \"input_length\": 5, \"output_length\": 1, \"hash_ids\": []}")
            .find("timestamp") != std::string::npos);
  CHECK(error_of("\n\n").find("no requests") != std::string::npos);
  CHECK_THROWS_AS(load_trace("/nonexistent/trace.jsonl"), usage_error);
}

TEST_CASE("model presets and prefill calibration", "[replay]") {
  const auto& q = find_model("qwen3-30b-a3b");
  CHECK(q.kv_bytes_per_token() == 98304);  // 2 x 48 x 4 x 128 x 2 B = 96 KiB
  CHECK(find_model("llama-3.1-8b").kv_bytes_per_token() == 131072);
  CHECK_THROWS_AS(find_model("gpt-9"), usage_error);
  const timing_model t = calibrate(40.0, 174000.0, q.attention_ratio());
  CHECK(t.prefill(0, 174000) == approx(40.0));
  CHECK(t.b / t.a == approx(q.attention_ratio()));
  // Extending a cached prefix costs the difference of the quadratic term.
  CHECK(t.prefill(1000, 500) == approx(t.a * 500 + t.b * (1500.0 * 1500 - 1000.0 * 1000)));
}

TEST_CASE("workload replay: OFF re-prefills, ON loads the prefix (hand-computed)", "[replay]") {
  workload_config c;
  c.contexts = 2;
  c.turns = 2;
  c.context_tokens = 512;
  c.turn_tokens = 256;
  c.kv_bytes_per_token = 1000;
  timing_model t;
  t.a = 1e-3;  // 1 ms per token, no attention term
  t.load_bw = 1e6;
  t.chunk_overhead = 0.01;
  const auto w = replay_workload(c, t);
  REQUIRE(w.requests.size() == 4);
  // Round-robin: turn 1 of both contexts first.
  CHECK(w.requests[0].context == 0);
  CHECK(w.requests[1].context == 1);
  CHECK(w.requests[2].turn == 2);
  const auto& warm = w.requests[2];
  CHECK(warm.prompt_tokens == 768);
  CHECK(warm.loaded_tokens == 512);  // chunks 0 and 1; the partial chunk of turn 1 was not stored
  CHECK(warm.loaded_chunks == 2);
  CHECK(warm.prefill_tokens == 256);
  CHECK(warm.load_s == approx(0.512 + 0.02));
  CHECK(warm.ttft_s == approx(0.532 + 0.256));
  CHECK(warm.off_ttft_s == approx(0.768));
  CHECK(w.requests[0].ttft_s == approx(0.512));
  CHECK(w.wall_on_s == approx(2 * (0.512 + 0.788)));
  CHECK(w.wall_off_s == approx(2 * (0.512 + 0.768)));
  CHECK(w.bytes_loaded == 2 * 512 * 1000);
  CHECK(w.bytes_stored == 2 * 768 * 1000);
}

TEST_CASE("workload replay: a GPU prefix cache serves the prefix before the tier", "[replay]") {
  workload_config c;
  c.contexts = 1;
  c.turns = 2;
  c.context_tokens = 512;
  c.turn_tokens = 256;
  c.kv_bytes_per_token = 1000;
  c.gpu_kv_capacity_bytes = 10000 * 1000;
  timing_model t;
  t.a = 1e-3;
  t.load_bw = 1e6;
  const auto w = replay_workload(c, t);
  CHECK(w.requests[1].gpu_hit_tokens == 512);
  CHECK(w.requests[1].loaded_tokens == 0);
  CHECK(w.requests[1].ttft_s == approx(0.256));
  CHECK(w.requests[1].off_ttft_s == approx(0.256));
}

TEST_CASE("workload replay: sequential order, replicas side by side, a shared tier", "[replay]") {
  workload_config c;
  c.contexts = 2;
  c.turns = 2;
  c.context_tokens = 512;
  c.turn_tokens = 256;
  c.kv_bytes_per_token = 1000;
  c.sequential = true;
  c.replicas = 2;
  c.tier_bw = 1e6;  // every transfer of both replicas shares it
  timing_model t;
  t.a = 1e-3;
  const auto w = replay_workload(c, t);
  CHECK(w.requests[1].context == 0);
  CHECK(w.requests[1].turn == 2);
  CHECK(w.requests[2].replica == 1);
  // Turn 1 on both replicas at once: 0.512 s of prefill, then both stores of 512 kB share the
  // tier (0.5 MB/s each): the first token waits 1.024 s for the synchronous store.
  CHECK(w.requests[0].ttft_s == approx(0.512 + 1.024));
  CHECK(w.requests[2].ttft_s == approx(0.512 + 1.024));
  // Turn 2: both load 512 kB at once (1.024 s), prefill 256 tokens, store one 256 kB chunk each
  // side by side (0.512 s).
  CHECK(w.requests[1].load_s == approx(1.024));
  CHECK(w.requests[1].ttft_s == approx(1.024 + 0.256 + 0.512));
  CHECK(w.wall_on_s == approx(1.536 + 1.792));  // replicas run side by side
  CHECK(w.wall_off_s == approx(0.512 + 0.768));
  workload_config empty;
  empty.contexts = 0;
  CHECK_THROWS_AS(replay_workload(empty, t), usage_error);
}

namespace {

engine_request req(double arrival, std::uint64_t prompt, std::uint64_t output = 0,
                   std::uint64_t context = 0) {
  engine_request e;
  e.arrival_s = arrival;
  e.prompt_tokens = prompt;
  e.output_tokens = output;
  e.context = context;
  return e;
}

engine_request turn_after(std::size_t previous, double think, std::uint64_t prompt) {
  engine_request e;
  e.after = previous;
  e.think_s = think;
  e.prompt_tokens = prompt;
  return e;
}

engine_config small_engine() {
  engine_config c;
  c.kv_bytes_per_token = 1000;
  c.gpu_capacity_units = 0;  // no GPU prefix cache unless a test wants one
  return c;
}

timing_model ms_per_token() {
  timing_model t;
  t.a = 1e-3;
  return t;
}

}  // namespace

TEST_CASE("engine: simultaneous arrivals queue behind the batch budget", "[replay]") {
  auto c = small_engine();
  c.max_batched_tokens = 1000;
  const auto o = run_engine({req(0, 1000), req(0, 1000)}, c, ms_per_token(), 0);
  CHECK(o.requests[0].ttft_s() == approx(1.0));
  CHECK(o.requests[1].ttft_s() == approx(2.0));  // waited one full step
  CHECK(o.wall_s == approx(2.0));
  // An empty prompt (a trace line of input_length 0) completes at its arrival.
  CHECK(run_engine({req(0.5, 0)}, c, ms_per_token(), 0).requests[0].ttft_s() == approx(0.0));
  // A prompt longer than the budget is prefilled in chunks over several steps.
  const auto big = run_engine({req(0, 2500)}, c, ms_per_token(), 0);
  CHECK(big.requests[0].ttft_s() == approx(2.5));
  CHECK(big.steps == 3);
}

TEST_CASE("engine: decodes of several requests share each step", "[replay]") {
  auto c = small_engine();
  c.decode_step_s = 0.01;  // a step of n decoding sequences: 10 ms + 1 ms x n
  c.decode_seq_s = 0.001;
  const auto o = run_engine({req(0, 100, 11), req(0, 100, 11)}, c, ms_per_token(), 0);
  // One prefill step of both (0.2 s) gives both first tokens; then 10 steps of 2 sequences.
  CHECK(o.requests[0].first_token_s == approx(0.2));
  CHECK(o.requests[1].first_token_s == approx(0.2));
  CHECK(o.requests[0].finish_s == approx(0.2 + 10 * 0.012));
  CHECK(o.requests[1].finish_s == approx(0.2 + 10 * 0.012));
  // A later arrival joins the running batch. Request 0 decodes alone from 0.1 s (11 ms a step):
  // 4 steps fit before 0.15 s, a fifth ends at 0.155 s; then one step carries its decode and
  // the newcomer's prefill (11 ms + 0.1 s), ending at 0.266 s; 4 decodes are left: 0.310 s.
  const auto late = run_engine({req(0, 100, 11), req(0.15, 100, 1)}, c, ms_per_token(), 0);
  CHECK(late.requests[1].first_token_s == approx(0.266));
  CHECK(late.requests[1].ttft_s() == approx(0.116));
  CHECK(late.requests[0].finish_s == approx(0.310));
}

TEST_CASE("engine: a layer-wise load overlaps the prefill it feeds", "[replay]") {
  auto c = small_engine();
  c.layers = 4;
  timing_model t = ms_per_token();
  t.load_bw = 1e6;
  // Turn 2 of one context: 512 tokens in L1 (0.512 s to load), 256 to prefill (0.256 s).
  const std::vector<engine_request> rq{req(0, 512), turn_after(0, 0, 768)};
  c.overlap = load_overlap::none;
  CHECK(run_engine(rq, c, t, 1).requests[1].ttft_s() == approx(0.512 + 0.256));
  c.overlap = load_overlap::layerwise;
  // Pipeline of 4 layers: max(load, compute) + min(load, compute) / 4.
  CHECK(run_engine(rq, c, t, 1).requests[1].ttft_s() == approx(0.512 + 0.256 / 4));
}

TEST_CASE("engine: async stores leave the first token alone, L1 chunks show once stored",
          "[replay]") {
  auto c = small_engine();
  timing_model t = ms_per_token();
  t.load_bw = 2e6;
  t.store_bw = 1e6;  // 512 kB of turn 1 take 0.512 s to store
  const std::vector<engine_request> soon{req(0, 512), turn_after(0, 0, 768)};
  c.store = store_mode::sync;
  const auto sync = run_engine(soon, c, t, 1);
  CHECK(sync.requests[0].ttft_s() == approx(1.024));
  CHECK(sync.requests[1].loaded_tokens == 512);
  c.store = store_mode::async;
  const auto async = run_engine(soon, c, t, 1);
  CHECK(async.requests[0].ttft_s() == approx(0.512));
  // Turn 2 comes at 0.512, before the store ends at 1.024: nothing visible, full prefill.
  CHECK(async.requests[1].loaded_tokens == 0);
  CHECK(async.requests[1].ttft_s() == approx(0.768));
  // A second of thinking: the chunks are in L1 by then (load 0.256 s + prefill 0.256 s).
  const auto later = run_engine({req(0, 512), turn_after(0, 1.0, 768)}, c, t, 1);
  CHECK(later.requests[1].loaded_tokens == 512);
  CHECK(later.requests[1].ttft_s() == approx(0.512));
}

TEST_CASE("engine: replicas on one tier, L1 per replica or shared", "[replay]") {
  auto c = small_engine();
  c.replicas = 2;
  timing_model t = ms_per_token();
  t.load_bw = 1e6;
  engine_request other = req(10, 768);  // context 0 again, on the other replica
  other.replica = 1;
  const std::vector<engine_request> rq{req(0, 512), other};
  c.scope = l1_scope::per_replica;
  CHECK(run_engine(rq, c, t, 0).requests[1].loaded_tokens == 0);
  c.scope = l1_scope::shared;
  const auto shared = run_engine(rq, c, t, 0);
  CHECK(shared.requests[1].loaded_tokens == 512);
  CHECK(shared.requests[1].ttft_s() == approx(0.512 + 0.256));
}

TEST_CASE("transfers: loads share a link, loads and stores share only the tier", "[replay]") {
  transfer_set two_loads(1, 1e6, 1e6, 0);
  two_loads.start(0, 0, false, 1e6, 0);
  two_loads.start(0, 0, false, 1e6, 0);
  CHECK(two_loads.next_completion() == approx(2.0));
  CHECK(two_loads.advance(2.0).size() == 2);
  transfer_set duplex(1, 1e6, 1e6, 0);
  duplex.start(0, 0, false, 1e6, 0);
  duplex.start(0, 0, true, 1e6, 0.5);  // a fixed cost after its bytes
  CHECK(duplex.advance(1.0).size() == 1);
  CHECK(duplex.next_completion() == approx(1.5));
  // Unlimited links: a transfer ends the instant it starts; one started at that same instant
  // must not swallow its completion (the engine waited forever on it).
  transfer_set instant(1, 0, 0, 0);
  instant.start(0, 0, true, 1e6, 0);
  instant.start(0, 0, true, 1e6, 0);
  CHECK(instant.advance(0).size() == 2);
  transfer_set tier(2, 1e6, 1e6, 1e6);
  tier.start(0, 0, false, 1e6, 0);
  tier.start(0, 1, true, 0.5e6, 0);
  // 0.5 MB/s each until the store ends at 1.0, then the load alone at 1 MB/s: 0.5 MB left.
  CHECK(tier.advance(1.0).size() == 1);
  CHECK(tier.next_completion() == approx(1.5));
}

TEST_CASE("prefill fit: two points fix both terms, more report their residual", "[replay]") {
  const auto two = fit_prefill({{40.0, 174000.0}, {0.9, 4000.0}}, 1.0);
  CHECK(two.a * 174000 + two.b * 174000.0 * 174000 == approx(40.0));
  CHECK(two.a * 4000 + two.b * 4000.0 * 4000 == approx(0.9));
  CHECK(two.rms_relative_residual < 1e-9);
  CHECK_FALSE(two.ratio_from_model);
  const auto three = fit_prefill({{40.0, 174000.0}, {0.9, 4000.0}, {12.0, 80000.0}}, 1.0);
  CHECK(three.rms_relative_residual > 0.01);
  const auto one = fit_prefill({{40.0, 174000.0}}, 2e-5);
  CHECK(one.ratio_from_model);
  CHECK(one.b / one.a == approx(2e-5));
  CHECK_THROWS_AS(fit_prefill({{1.0, 1000.0}, {2.0, 1000.0}}, 1.0), usage_error);
  CHECK_THROWS_AS(fit_prefill({{-1.0, 1000.0}}, 1.0), usage_error);
}

TEST_CASE("trace numbers: hash ids up to 2^64-1, totals that would wrap are refused", "[replay]") {
  const auto big = parse_trace(
      R"({"timestamp": 0, "input_length": 4, "output_length": 1, "hash_ids": [18446744073709551615, 9223372036854775808]})",
      "t");
  REQUIRE(big.size() == 1);
  CHECK(big[0].hash_ids == std::vector<std::uint64_t>{18446744073709551615ULL, 1ULL << 63});
  CHECK_THROWS_AS(
      parse_trace(R"({"timestamp": 0, "input_length": 4, "output_length": 1, "hash_ids": [-1]})",
                  "t"),
      usage_error);
  // Two lines of 2^63 input tokens: their sum wraps 64 bits.
  const std::string wrap =
      "{\"timestamp\": 0, \"input_length\": 9223372036854775807, \"output_length\": 1, "
      "\"hash_ids\": [1]}\n"
      "{\"timestamp\": 1, \"input_length\": 9223372036854775807, \"output_length\": 1, "
      "\"hash_ids\": [2]}\n"
      "{\"timestamp\": 2, \"input_length\": 9223372036854775807, \"output_length\": 1, "
      "\"hash_ids\": [3]}\n";
  try {
    (void)replay_trace(parse_trace(wrap, "t"), {1, 1, std::nullopt});
    FAIL("a wrapping total was accepted");
  } catch (const usage_error& e) {
    CHECK(std::string(e.what()).find("overflow 64 bits") != std::string::npos);
  }
  // block tokens x bytes per token beyond 64 bits.
  CHECK_THROWS_AS(replay_trace(parse_trace(wrap, "t"), {1ULL << 33, 1ULL << 33, std::nullopt}),
                  usage_error);
  // A line over 16 MiB is refused before it is parsed.
  const std::string long_line(kMaxLineBytes + 1, ' ');
  CHECK_THROWS_AS(parse_trace("x" + long_line, "t"), usage_error);
}

namespace {

// What an application with a known per-chunk cost would observe on the agentic workload.
attribution_input synthetic_stack(std::uint64_t n, std::uint64_t d, double per_chunk,
                                  double per_request) {
  attribution_input in;
  in.context_tokens = n;
  in.turn_tokens = d;
  in.turns = 5;
  in.kv_bytes_per_token = 98304;
  in.timing.a = 1e-5;
  in.copy_curve = {{4096, 1.5e9}, {65536, 17.1e9}, {1048576, 48.6e9}};
  in.link_bps = 55e9;
  in.kernel_bps = 51e9;
  const auto turn = [&](double t) {  // prefill after the loaded chunks, plus the stack's costs
    const double chunks = std::floor((n + (t - 1) * d) / 256.0);
    return in.timing.prefill(chunks * 256, n + t * d - chunks * 256) + per_request +
           per_chunk * chunks;
  };
  in.observed.turn1 = turn(1);
  in.observed.warm = (turn(2) + turn(3) + turn(4)) / 3;
  return in;
}

}  // namespace

TEST_CASE("attribution: the warm turns give the stack's rate, placed on the copy curve",
          "[replay]") {
  const double chunk_bytes = 256.0 * 98304;
  // A stack that restores at 17 GB/s: one copy per 64 KiB block on this curve.
  const auto a = attribute(synthetic_stack(174000, 1000, chunk_bytes / 17e9, 0));
  CHECK(a.effective_bps == approx(17e9));
  CHECK_FALSE(a.per_request_separable);  // 679 vs 687 chunks: too close to split
  REQUIRE(a.matched == "within");
  CHECK(*a.matched_block_bytes > 0.98 * 65536);
  CHECK(*a.matched_block_bytes < 1.02 * 65536);
  CHECK(a.sentence.find("matches one copy per 6") != std::string::npos);
  // The link's rate gives the warm floor: prefill plus the loaded bytes at 55 GB/s.
  CHECK(a.warm_floor_s < a.warm_observed_s);
  // Turns that load clearly different amounts split a fixed cost per request from the chunks.
  const auto b = attribute(synthetic_stack(10000, 5000, chunk_bytes / 40e9, 0.3));
  CHECK(b.per_request_separable);
  CHECK(b.per_request_s == approx(0.3));
  CHECK(b.effective_bps == approx(40e9));
  // Faster than every per-block copy: said so.
  CHECK(attribute(synthetic_stack(174000, 1000, chunk_bytes / 50e9, 0)).matched == "above");
  CHECK_THROWS_AS(parse_observed_ttft("cold=30s"), usage_error);
  CHECK_THROWS_AS(parse_observed_ttft("hot=1s"), usage_error);
  CHECK(*parse_observed_ttft("cold=30s,turn1=2.8s,warm=900ms").warm == approx(0.9));
}

TEST_CASE("decode fit: one point is a constant step, two split step and sequence", "[replay]") {
  const auto one = fit_decode({{0.02, 1.0}});
  CHECK(one.step_s == approx(0.02));
  CHECK(one.seq_s == 0);
  const auto two = fit_decode({{0.02, 1.0}, {0.032, 64.0}});
  CHECK(two.step_s + two.seq_s == approx(0.02));
  CHECK(two.step_s + 64 * two.seq_s == approx(0.032));
  CHECK(two.rms_relative_residual < 1e-9);
  CHECK_THROWS_AS(fit_decode({{0.02, 8.0}, {0.03, 8.0}}), usage_error);
  CHECK_THROWS_AS(fit_decode({{0.02, 0.0}}), usage_error);
}
