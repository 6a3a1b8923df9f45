// `compare A.json B.json`: the same measurements of two runs side by side (B / A), matched on
// what the user asked for, never on what the tool picked by itself. Two nodes with different CPU
// counts, bus ids or stand-in file names still match.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "cli/explain_command.hpp"
#include "core/document.hpp"
#include "core/error.hpp"
#include "report/fleet.hpp"

namespace cxlprobe::cli {

namespace {

struct compare_options {
  std::vector<std::string> files;
};

// Picked by the tool (or by the machine), not asked for: shown side by side, never matched on.
const std::set<std::string> kAutomatic = {"iterations",
                                          "cpus",
                                          "latched",
                                          "page_size",
                                          "isa",
                                          "counters",
                                          "gpu_busid",
                                          "lanes",
                                          "lane_layout",
                                          "stores",
                                          "prefetch",
                                          "timing",
                                          "threads_requested",
                                          "emulated",
                                          "gpu_set",
                                          "kernel_variant",
                                          "placement",
                                          "placements_tried",
                                          "tuning_size"};

// Picked by the run or observed during it, never asked for: the list above, the staged ring's
// shape (sized from a copy-engine curve measured in the run; the request, stage_slot, is a key)
// and the link state seen during the copies (link_*).
const std::set<std::string> kStagePicks = {"stage_slot_bytes",
                                           "stage_slots",
                                           "stage_blocks_per_slot",
                                           "stage_rule",
                                           "stage_expected_bandwidth",
                                           "stage_ce_curve",
                                           "stage_bytes"};

bool automatic(const std::string& name) {
  return kAutomatic.count(name) || kStagePicks.count(name) || name.rfind("link_", 0) == 0;
}

using report::tier_role;  // report/fleet.hpp: the same roles line fleet nodes up

json match_key(const result& r) {
  json k = json::object();
  for (const auto& [name, value] : r.params.items()) {
    if (automatic(name)) continue;
    k[name] = (name == "tier" || name == "to") && value.is_string()
                  ? json(tier_role(value.get<std::string>()))
                  : value;
  }
  // Thread counts derived from the CPU count ("all") match across nodes.
  if (r.params.contains("threads_requested")) k["threads"] = r.params["threads_requested"];
  k["compared_probe"] = r.probe;
  return k;
}

// "isa=avx512 lanes=4 threads=16": what each run picked where they differ.
std::string picks(const json& mine, const json& theirs) {
  std::string out;
  for (const auto& [name, value] : mine.items()) {
    // Arrays (a curve, links per GPU) stay in the JSON: a pick is a scalar.
    const bool shown =
        (automatic(name) || name == "threads" || name == "tier") && !value.is_structured();
    if (!shown || (theirs.contains(name) && theirs[name] == value)) continue;
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", name,
                       value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

const metric* main_metric(const result& r) {
  for (const char* name : {"bandwidth", "aggregate_bandwidth", "latency", "ttft_mean_s",
                           "token_hit_ratio", "path_effective_ceiling"}) {
    if (const metric* m = r.find(name, "median")) return m;
    if (const metric* m = r.find(name, "value")) return m;
  }
  return nullptr;
}

result unmatched(const json& key, const std::string& side, const std::string& file) {
  result r;
  r.probe = "compare";
  r.params = key;
  r.state = status::skipped;
  r.message = fmt::format("only in {} ({})", side, file);
  return r;
}

result side_by_side(const json& key, const result& a, const result& b) {
  result r;
  r.probe = "compare";
  r.params = key;
  const metric* ma = main_metric(a);
  const metric* mb = main_metric(b);
  if (!ma || !mb || ma->name != mb->name || !ma->value || !mb->value) {
    r.state = status::skipped;
    r.message = "matched, but no common metric";
    return r;
  }
  r.params["metric"] = ma->name;
  if (auto s = picks(a.params, b.params); !s.empty()) r.params["picked_a"] = s;
  if (auto s = picks(b.params, a.params); !s.empty()) r.params["picked_b"] = s;
  r.add_value("a", ma->unit, ma->value);
  r.add_value("b", mb->unit, mb->value);
  r.add_value("ratio_b_over_a", "1",
              *ma->value != 0 ? std::optional<double>(*mb->value / *ma->value) : std::nullopt);
  return r;
}

struct tally {
  int matched = 0, only_a = 0, only_b = 0;
};

void compare_results(const document& a, const document& b, const compare_options& o,
                     std::vector<result>& out, tally& t) {
  std::vector<json> kb;
  for (const auto& r : b.results)
    kb.push_back(match_key(r));
  std::vector<bool> used(b.results.size(), false);
  // explain's own rows (plans, tiers not measured) are no measurements: its floors are compared.
  auto measurement = [](const result& r) { return r.state == status::ok && r.probe != "explain"; };
  for (const auto& ra : a.results) {
    if (!measurement(ra)) continue;
    const json ka = match_key(ra);
    std::size_t i = 0;
    while (i < b.results.size() && (used[i] || !measurement(b.results[i]) || kb[i] != ka))
      ++i;
    if (i == b.results.size()) {
      out.push_back(unmatched(ka, "A", o.files[0]));
      ++t.only_a;
      continue;
    }
    used[i] = true;
    out.push_back(side_by_side(ka, ra, b.results[i]));
    ++t.matched;
  }
  for (std::size_t i = 0; i < b.results.size(); ++i) {
    if (used[i] || !measurement(b.results[i])) continue;
    out.push_back(unmatched(kb[i], "B", o.files[1]));
    ++t.only_b;
  }
}

// Floors keyed by (tier role, k-th GPU of the run, or "cpu"): bus ids differ between nodes.
std::map<std::pair<std::string, std::string>, json> floors_by_pair(const document& d) {
  std::map<std::pair<std::string, std::string>, json> out;
  std::vector<std::string> gpus;
  for (const auto& f : d.analysis.value("floors", json::array())) {
    std::string who = "cpu";
    if (f.value("consumer", "gpu") == "gpu") {
      const std::string g = f.value("gpu", "");
      auto it = std::find(gpus.begin(), gpus.end(), g);
      if (it == gpus.end()) it = gpus.insert(gpus.end(), g);
      who = fmt::format("GPU {}", it - gpus.begin());
    }
    out[{tier_role(f.value("tier", "")), who}] = f;
  }
  return out;
}

std::optional<double> number(const json& f, const char* key) {
  return f.contains(key) && f[key].is_number() ? std::optional(f[key].get<double>()) : std::nullopt;
}

result floor_row(const std::string& tier, const std::string& who, const json& fa, const json& fb) {
  result r;
  r.probe = "compare";
  r.params = {{"compared_probe", "floor"},
              {"tier", tier},
              {"gpu", who},
              {"metric", "floor"},
              {"gpu_a", fa.value("gpu", "")},
              {"gpu_b", fb.value("gpu", "")},
              {"binding_a", fa.value("binding", json()).is_string() ? fa["binding"] : json("")},
              {"binding_b", fb.value("binding", json()).is_string() ? fb["binding"] : json("")}};
  const auto a = number(fa, "binding_bps"), b = number(fb, "binding_bps");
  r.add_value("a", "B/s", a);
  r.add_value("b", "B/s", b);
  r.add_value("ratio_b_over_a", "1", a && b && *a != 0 ? std::optional(*b / *a) : std::nullopt);
  for (const char* key : {"measured_h2d_bps", "measured_d2h_bps", "measured_cpu_read_bps"}) {
    if (number(fa, key)) r.add_value(std::string(key) + "_a", "B/s", number(fa, key));
    if (number(fb, key)) r.add_value(std::string(key) + "_b", "B/s", number(fb, key));
  }
  if (r.params["binding_a"] != r.params["binding_b"] &&
      fa.value("binding_kind", json()) != fb.value("binding_kind", json())) {
    r.message = fmt::format("a different element binds: {} in A, {} in B",
                            fa.value("binding_kind", json("none")).dump(),
                            fb.value("binding_kind", json("none")).dump());
  }
  return r;
}

void compare_floors(const document& a, const document& b, const compare_options& o,
                    std::vector<result>& out, tally& t) {
  const auto fa = floors_by_pair(a), fb = floors_by_pair(b);
  for (const auto& [k, f] : fa) {
    const json key = {{"compared_probe", "floor"}, {"tier", k.first}, {"gpu", k.second}};
    if (auto it = fb.find(k); it != fb.end()) {
      out.push_back(floor_row(k.first, k.second, f, it->second));
      ++t.matched;
    } else {
      out.push_back(unmatched(key, "A", o.files[0]));
      ++t.only_a;
    }
  }
  for (const auto& [k, f] : fb) {
    if (fa.count(k)) continue;
    out.push_back(unmatched({{"compared_probe", "floor"}, {"tier", k.first}, {"gpu", k.second}},
                            "B", o.files[1]));
    ++t.only_b;
  }
}

std::vector<result> run_compare(probes::run_context& ctx, const compare_options& o) {
  if (o.files.size() != 2) throw usage_error("compare takes two result files: A.json B.json");
  const document a = load_document(o.files[0]);
  const document b = load_document(o.files[1]);
  std::vector<result> out;
  tally t;
  compare_results(a, b, o, out, t);
  compare_floors(a, b, o, out, t);
  ctx.analysis["summary"] =
      fmt::format("{} matched, {} only in A, {} only in B", t.matched, t.only_a, t.only_b);
  ctx.analysis["matched"] = t.matched;
  ctx.analysis["only_a"] = t.only_a;
  ctx.analysis["only_b"] = t.only_b;
  return out;
}

}  // namespace

probes::probe_spec compare_command() {
  return {
      "compare",
      "Put the same measurements of two result files side by side, with ratios (B / A): matched "
      "on probe, tier role (dram, node:N, the DAX device, the stand-in), op, direction, method, "
      "size and requested threads; explain floors pair by pair",
      [](CLI::App& cmd) -> probes::runner {
        auto o = std::make_shared<compare_options>();
        cmd.add_option("files", o->files, "Two result documents: A (the reference) and B")
            ->type_name("A.json B.json")
            ->required()
            ->expected(2)
            ->check(CLI::ExistingFile);
        return [o](probes::run_context& ctx) { return run_compare(ctx, *o); };
      },
      [](probes::run_context&) -> std::optional<std::string> { return std::nullopt; },
  };
}

}  // namespace cxlprobe::cli
