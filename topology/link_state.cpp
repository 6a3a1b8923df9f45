#include "topology/link_state.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "topology/pcie.hpp"

namespace cxlprobe::topology::links {

namespace {

std::string figure(const link_reading& r) {
  std::string what = r.gen && r.width ? pcie::gen_width(*r.gen, *r.width) + ", " : "";
  return fmt::format("{}{:.2f} GB/s", what, r.raw_bps / 1e9);
}

std::string who(const link_reading& r) {
  std::string end = r.end == "port" ? "port " : "";
  return end + (r.busid.empty() ? "the device" : r.busid);
}

// Capability from the ends that state a maximum: the smaller of them.
void capability(link_info& l, const std::vector<link_reading>& rs) {
  for (const auto& r : rs) {
    if (r.max_gen) l.max_gen = l.max_gen ? std::min(*l.max_gen, *r.max_gen) : *r.max_gen;
    if (r.max_width)
      l.max_width = l.max_width ? std::min(*l.max_width, *r.max_width) : *r.max_width;
  }
}

// sysfs: exact current state and maxima at one or both ends.
void from_sysfs(link_info& l, const std::vector<const link_reading*>& rs, bool under_load) {
  const link_reading* cur = nullptr;
  for (const auto* r : rs) {
    if (!r->gen || !r->width) continue;
    if (!cur) {
      cur = r;
    } else if (r->raw_bps != cur->raw_bps) {
      l.notes.push_back(fmt::format("the ends disagree: {} reads {}, {} reads {}", who(*cur),
                                    figure(*cur), who(*r), figure(*r)));
      if (r->raw_bps < cur->raw_bps) cur = r;
    }
  }
  if (cur) {
    l.gen = cur->gen;
    l.width = cur->width;
    l.gts = pcie::gts_for_gen(*cur->gen);
    l.current_raw_bps = cur->raw_bps;
  }
  if (l.max_gen && l.max_width && *l.max_width >= 1 && *l.max_width <= 32) {
    l.raw_bps = pcie::raw_bps(*l.max_gen, *l.max_width);
    l.ceiling_from = "capability";
  } else if (cur) {
    l.raw_bps = cur->raw_bps;
    l.ceiling_from = "current";
  }
  if (!cur || !l.max_gen || !l.max_width) return;
  if (*l.width < *l.max_width) {
    l.state = "downtrained";
  } else if (*l.gen < *l.max_gen) {
    l.state = under_load ? "downtrained" : "power saving";
  } else {
    l.state = "at capability";
  }
}

// hwloc: one GB/s figure per end, each either a current state or (NVML/RSMI) a maximum.
void from_hwloc(link_info& l, const std::vector<const link_reading*>& rs, bool under_load) {
  const link_reading* hi = nullptr;
  const link_reading* lo = nullptr;
  int usable = 0;  // ends with a figure (hwloc writes 0 where it knows none)
  for (const auto* r : rs) {
    if (r->raw_bps <= 0) continue;
    ++usable;
    if (!hi || r->raw_bps > hi->raw_bps) hi = r;
    if (!lo || r->raw_bps < lo->raw_bps) lo = r;
  }
  if (!hi) return;
  l.raw_bps = hi->raw_bps;
  for (const auto& [g, w] : hi->candidates)
    l.candidates.push_back(pcie::gen_width(g, w));
  if (hi->candidates.size() == 1) {
    l.max_gen = hi->candidates[0].first;
    l.max_width = hi->candidates[0].second;
    if (l.candidates.size() == 1) l.candidates.clear();
  }
  const bool differ = lo->raw_bps < hi->raw_bps * 0.995;
  l.ceiling_from = differ ? "highest reading" : hi->kind == "max" ? "maximum" : "reading";
  if (!differ) {
    // Both ends agree, or one end whose figure is its state: the state is what it says.
    if (hi->kind == "current") {
      l.current_raw_bps = hi->raw_bps;
      l.gen = hi->gen;
      l.width = hi->width;
      l.state = usable > 1 ? "at capability" : "unknown";
    }
    return;
  }
  l.current_raw_bps = lo->raw_bps;
  l.gen = lo->gen;
  l.width = lo->width;
  // Same width at a lower rate is a speed change (power saving when idle); no such pair means
  // fewer lanes. GB/s figures are ambiguous (Gen3 x16 = Gen4 x8), so any fitting pair counts.
  bool same_width = false;
  for (const auto& [hg, hw] : hi->candidates) {
    for (const auto& [lg, lw] : lo->candidates)
      same_width = same_width || (hw == lw && lg < hg);
  }
  l.state = same_width && !under_load ? "power saving" : "downtrained";
  l.notes.push_back(fmt::format(
      "{} reads {} ({}), {} reads {} ({}): the ceiling is taken at the higher figure", who(*lo),
      figure(*lo), lo->kind == "max" ? "its maximum" : "its state when recorded", who(*hi),
      figure(*hi), hi->kind == "max" ? "its maximum, from NVML/RSMI" : "its state when recorded"));
}

void state_note(link_info& l) {
  if (l.state == "power saving") {
    l.notes.push_back(
        "running below its capability while idle: power saving (ASPM), it retrains "
        "under load; the ceiling is the capability");
  } else if (l.state == "downtrained") {
    l.notes.push_back(
        "downtrained: fewer lanes than it can use (or slower under load); a transfer through it "
        "runs at the lower rate until the link retrains (check the slot, riser and BIOS "
        "settings); the ceiling shown is the capability");
  }
}

}  // namespace

link_info combine(const std::vector<link_reading>& readings, bool under_load) {
  link_info l;
  l.readings = readings;
  std::vector<const link_reading*> sysfs, hwloc;
  for (const auto& r : readings) {
    if (!r.quirk.empty()) l.notes.push_back(fmt::format("{}: {}", who(r), r.quirk));
    (r.source == "sysfs" ? sysfs : hwloc).push_back(&r);
  }
  capability(l, readings);
  const bool use_sysfs = std::any_of(sysfs.begin(), sysfs.end(), [](auto* r) { return r->gen; });
  if (use_sysfs) {
    from_sysfs(l, sysfs, under_load);
    l.source = "sysfs";
  } else {
    from_hwloc(l, hwloc, under_load);
    if (l.raw_bps > 0) l.source = "hwloc";
  }
  l.downtrained = l.state == "downtrained";
  state_note(l);
  std::optional<int> payload;
  for (const auto& r : readings) {
    if (r.payload_bytes)
      payload = payload ? std::min(*payload, *r.payload_bytes) : *r.payload_bytes;
  }
  pcie::set_payload(l, payload.value_or(pcie::kDefaultPayload), payload.has_value());
  return l;
}

bool is_downstream_port(const topology& topo, int index) {
  // Walk up to the host bridge counting bridges: root ports sit right under it, and ports
  // alternate downstream/upstream below.
  bool downstream = false;
  for (int i = index; i >= 0; i = topo.pci[static_cast<std::size_t>(i)].parent) {
    const auto& d = topo.pci[static_cast<std::size_t>(i)];
    if (d.kind == pci_kind::host_bridge) break;
    if (i == index && d.kind != pci_kind::bridge) return false;
    downstream = !downstream;
  }
  return downstream;
}

void resolve_links(topology& topo) {
  std::vector<bool> ds(topo.pci.size(), false);
  for (std::size_t i = 0; i < topo.pci.size(); ++i)
    ds[i] = is_downstream_port(topo, static_cast<int>(i));
  for (std::size_t i = 0; i < topo.pci.size(); ++i) {
    auto& d = topo.pci[i];
    if (d.kind == pci_kind::host_bridge || ds[i]) {
      d.link = link_info{};
      continue;
    }
    std::vector<link_reading> rs;
    if (d.reading) {
      rs.push_back(*d.reading);
      rs.back().end = "device";
    }
    if (d.parent >= 0 && ds[static_cast<std::size_t>(d.parent)]) {
      if (const auto& up = topo.pci[static_cast<std::size_t>(d.parent)].reading) {
        rs.push_back(*up);
        rs.back().end = "port";
      }
    }
    d.link = combine(rs);
  }
}

}  // namespace cxlprobe::topology::links
