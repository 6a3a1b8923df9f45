#include "topology/pcie.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdlib>

#include "core/error.hpp"
#include "topology/link_state.hpp"

namespace cxlprobe::topology::pcie {

namespace {
constexpr std::array<double, 6> kGts{2.5, 5.0, 8.0, 16.0, 32.0, 64.0};
// Widths tried when a GB/s figure is read back into gen and width. x32 is in the specification
// but not in products; trying it would make every Gen5 x16 figure ambiguous with Gen4 x32.
constexpr std::array<int, 6> kWidths{1, 2, 4, 8, 12, 16};
// hwloc (some versions, with kernels that print "5.0 GT/s") computes Gen2 lanes with 128b/130b.
constexpr double kHwlocGen2Lane = 5.0 * 128.0 / 130.0 / 8.0;  // 0.615385 GB/s

std::optional<double> leading_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(v) || v <= 0) return std::nullopt;
  return v;
}
}  // namespace

double gts_for_gen(int gen) {
  if (gen < 1 || gen > 6) {
    throw usage_error(fmt::format("PCIe generation {} is outside 1..6", gen));
  }
  return kGts[static_cast<std::size_t>(gen - 1)];
}

std::optional<int> gen_for_gts(double gts) {
  for (std::size_t i = 0; i < kGts.size(); ++i) {
    if (std::fabs(gts - kGts[i]) <= 0.01 * kGts[i]) return static_cast<int>(i + 1);
  }
  return std::nullopt;
}

double encoding_efficiency(int gen) {
  if (gen <= 2) return 8.0 / 10.0;
  if (gen <= 5) return 128.0 / 130.0;
  return 242.0 / 256.0;
}

double raw_bps(int gen, int width) {
  if (width < 1 || width > 32) throw usage_error(fmt::format("PCIe width x{} is invalid", width));
  return width * gts_for_gen(gen) * 1e9 * encoding_efficiency(gen) / 8.0;
}

double effective_bps(double raw, int payload, int overhead) {
  if (payload <= 0 || overhead < 0) throw usage_error("PCIe payload must be > 0, overhead >= 0");
  return raw * payload / static_cast<double>(payload + overhead);
}

inference infer_from_gbps(double gbps) {
  inference out;
  if (!(gbps > 0)) return out;
  for (int gen = 1; gen <= 6; ++gen) {
    for (int width : kWidths) {
      const double r = raw_bps(gen, width) / 1e9;
      if (std::fabs(r - gbps) <= 0.005 * r) out.candidates.emplace_back(gen, width);
    }
  }
  return out;
}

double max_raw_bps() {
  return raw_bps(6, 32);
}

int packet_overhead(std::optional<int> gen) {
  return gen && *gen >= 6 ? kFlitOverhead : kDefaultOverhead;
}

link_reading reading_from_sysfs(const std::string& busid, const std::string& speed,
                                const std::string& width, const std::string& max_speed,
                                const std::string& max_width) {
  link_reading r;
  r.busid = busid;
  r.source = "sysfs";
  r.kind = "current+max";
  if (const auto mg = leading_number(max_speed)) r.max_gen = gen_for_gts(*mg);
  if (const auto mw = leading_number(max_width)) r.max_width = static_cast<int>(*mw);
  const auto gts = leading_number(speed);
  const auto w = leading_number(width);
  if (!gts || !w || *w > 32) return r;
  r.gen = gen_for_gts(*gts);
  if (!r.gen) return r;
  r.width = static_cast<int>(*w);
  r.raw_bps = raw_bps(*r.gen, *r.width);
  r.candidates = {{*r.gen, *r.width}};
  return r;
}

namespace {
// Candidates for an hwloc figure that the plain rule does not match: hwloc's Gen2 per-lane
// figure, then RSMI's truncation to whole GB/s. Sets r.raw_bps to the exact rate.
void odd_figure(link_reading& r, double gbps) {
  const double lanes = gbps / kHwlocGen2Lane;
  for (int w : kWidths) {
    if (std::fabs(lanes - w) <= 0.005 * w) {
      r.candidates = {{2, w}};
      r.raw_bps = raw_bps(2, w);
      r.quirk = fmt::format(
          "hwloc's {:.6g} GB/s is Gen2 x{} counted with 128b/130b (0.615385 GB/s "
          "per lane); read as {:.2f} GB/s",
          gbps, w, r.raw_bps / 1e9);
      return;
    }
  }
  if (gbps != std::floor(gbps)) return;
  for (int gen = 1; gen <= 6; ++gen) {
    for (int w : kWidths) {
      if (std::floor(raw_bps(gen, w) / 1e9) == gbps) r.candidates.emplace_back(gen, w);
    }
  }
  if (r.candidates.empty()) return;
  r.raw_bps = raw_bps(r.candidates[0].first, r.candidates[0].second);
  r.quirk = fmt::format("{:.1f} GB/s is a whole-GB/s figure (ROCm SMI truncates): read as {:.2f}",
                        gbps, r.raw_bps / 1e9);
}
}  // namespace

link_reading reading_from_hwloc(const std::string& busid, double gbps, bool is_maximum) {
  link_reading r;
  r.busid = busid;
  r.source = "hwloc";
  r.kind = is_maximum ? "max" : "current";
  if (!(gbps > 0)) return r;
  if (!std::isfinite(gbps) || gbps * 1e9 > max_raw_bps() * 1.005) {
    r.quirk = fmt::format("hwloc reports {:.6g} GB/s, above Gen6 x32 ({:.0f} GB/s): ignored", gbps,
                          max_raw_bps() / 1e9);
    return r;
  }
  r.candidates = infer_from_gbps(gbps).candidates;
  r.raw_bps = gbps * 1e9;
  if (r.candidates.empty()) odd_figure(r, gbps);
  if (r.candidates.size() == 1) {
    r.gen = r.candidates[0].first;
    r.width = r.candidates[0].second;
  }
  if (is_maximum) {
    r.max_gen = r.gen;
    r.max_width = r.width;
  }
  return r;
}

link_info link_from_sysfs(const std::string& speed, const std::string& width,
                          const std::string& max_speed, const std::string& max_width) {
  return links::combine({reading_from_sysfs("", speed, width, max_speed, max_width)});
}

link_info link_from_hwloc(double gbps) {
  return links::combine({reading_from_hwloc("", gbps, false)});
}

void set_payload(link_info& link, int payload_bytes, bool known) {
  link.payload_bytes = payload_bytes;
  link.payload_known = known;
  const std::optional<int> gen = link.max_gen ? link.max_gen : link.gen;
  if (link.raw_bps > 0)
    link.effective_bps = effective_bps(link.raw_bps, payload_bytes, packet_overhead(gen));
}

std::string gen_width(int gen, int width) {
  return fmt::format("Gen{} x{}", gen, width);
}

std::string describe(const link_info& link) {
  if (!link.known()) return "link unknown";
  std::string what;
  if (link.max_gen && link.max_width) {
    what = gen_width(*link.max_gen, *link.max_width);
  } else if (link.gen && link.width) {
    what = gen_width(*link.gen, *link.width);
  } else if (!link.candidates.empty()) {
    what = "Gen?/x? (";
    for (std::size_t i = 0; i < link.candidates.size(); ++i) {
      what += (i ? " or " : "") + link.candidates[i];
    }
    what += ")";
  } else {
    what = "Gen? x?";
  }
  std::string state;
  if (link.state == "power saving" || link.state == "downtrained") {
    state = fmt::format("; {} now", link.state);
    if (link.gen && link.width) state += ": " + gen_width(*link.gen, *link.width);
    if (link.current_raw_bps > 0)
      state += fmt::format(" ({:.2f} GB/s)", link.current_raw_bps / 1e9);
  }
  return fmt::format("{}, {:.2f} GB/s raw, {:.2f} GB/s effective at {} B payload{}", what,
                     link.raw_bps / 1e9, link.effective_bps / 1e9, link.payload_bytes, state);
}

}  // namespace cxlprobe::topology::pcie
