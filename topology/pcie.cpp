#include "topology/pcie.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdlib>

#include "core/error.hpp"

namespace cxlprobe::topology::pcie {

namespace {
constexpr std::array<double, 6> kGts{2.5, 5.0, 8.0, 16.0, 32.0, 64.0};
constexpr std::array<int, 6> kWidths{1, 2, 4, 8, 12, 16};

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

link_info link_from_sysfs(const std::string& speed, const std::string& width,
                          const std::string& max_speed, const std::string& max_width) {
  link_info l;
  const auto gts = leading_number(speed);
  const auto w = leading_number(width);
  if (const auto mg = leading_number(max_speed)) l.max_gen = gen_for_gts(*mg);
  if (const auto mw = leading_number(max_width)) l.max_width = static_cast<int>(*mw);
  if (!gts || !w) return l;
  l.gts = *gts;
  l.width = static_cast<int>(*w);
  l.gen = gen_for_gts(*gts);
  if (l.gen) {
    l.raw_bps = raw_bps(*l.gen, *l.width);
    l.effective_bps = effective_bps(l.raw_bps, l.payload_bytes);
    l.source = "sysfs";
  }
  return l;
}

link_info link_from_hwloc(double gbps) {
  link_info l;
  if (!(gbps > 0)) return l;
  l.raw_bps = gbps * 1e9;
  l.effective_bps = effective_bps(l.raw_bps, l.payload_bytes);
  l.source = "hwloc";
  const inference inf = infer_from_gbps(gbps);
  if (inf.unique()) {
    l.gen = inf.candidates[0].first;
    l.width = inf.candidates[0].second;
    l.gts = gts_for_gen(*l.gen);
  } else {
    for (const auto& [g, w] : inf.candidates)
      l.candidates.push_back(fmt::format("Gen{} x{}", g, w));
  }
  return l;
}

void set_payload(link_info& link, int payload_bytes, bool known) {
  link.payload_bytes = payload_bytes;
  link.payload_known = known;
  if (link.raw_bps > 0) link.effective_bps = effective_bps(link.raw_bps, payload_bytes);
}

std::string describe(const link_info& link) {
  if (!link.known()) return "link unknown";
  std::string what;
  if (link.gen && link.width) {
    what = fmt::format("Gen{} x{}", *link.gen, *link.width);
  } else if (!link.candidates.empty()) {
    what = "Gen?/x? (";
    for (std::size_t i = 0; i < link.candidates.size(); ++i) {
      what += (i ? " or " : "") + link.candidates[i];
    }
    what += ")";
  } else {
    what = "Gen? x?";
  }
  return fmt::format("{}, {:.2f} GB/s raw, {:.2f} GB/s effective at {} B payload", what,
                     link.raw_bps / 1e9, link.effective_bps / 1e9, link.payload_bytes);
}

}  // namespace cxlprobe::topology::pcie
