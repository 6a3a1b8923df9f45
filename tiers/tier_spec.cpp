#include "tiers/tier_spec.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/error.hpp"
#include "core/units.hpp"

namespace cxlprobe::tiers {

namespace {

constexpr const char* kForms = "use dram, node:N, dax:/dev/daxX.Y[@OFFSET[+SIZE]] or file:PATH";

[[noreturn]] void bad(std::string_view text, std::string_view why) {
  throw usage_error(fmt::format("invalid tier '{}': {}; {}", text, why, kForms));
}

}  // namespace

std::string_view tier_spec::kind_name() const {
  switch (kind) {
    case tier_kind::dram:
      return "dram";
    case tier_kind::node:
      return "node";
    case tier_kind::dax:
      return "dax";
    case tier_kind::file:
      break;
  }
  return "file";
}

std::string tier_spec::to_string() const {
  switch (kind) {
    case tier_kind::dram:
      return "dram";
    case tier_kind::node:
      return fmt::format("node:{}", node);
    case tier_kind::dax: {
      std::string s = "dax:" + path;
      if (offset != 0 || length) s += "@" + units::exact_bytes(offset);
      if (length) s += "+" + units::exact_bytes(*length);
      return s;
    }
    case tier_kind::file:
      break;
  }
  return "file:" + path;
}

tier_spec parse_tier(std::string_view text) {
  tier_spec t;
  if (text == "dram") return t;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) bad(text, "unknown tier");
  const std::string_view kind = text.substr(0, colon);
  const std::string_view rest = text.substr(colon + 1);
  if (kind == "node") {
    int n = -1;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (rest.empty() || ec != std::errc() || ptr != rest.data() + rest.size() || n < 0) {
      bad(text, "node:N needs a NUMA node number N >= 0");
    }
    t.kind = tier_kind::node;
    t.node = n;
    return t;
  }
  if (kind == "file") {
    if (rest.empty()) bad(text, "file:PATH needs a path");
    t.kind = tier_kind::file;
    t.path = std::string(rest);
    return t;
  }
  if (kind == "dax") {
    t.kind = tier_kind::dax;
    const auto at = rest.find('@');
    t.path = std::string(rest.substr(0, at));
    if (t.path.empty() || t.path.front() != '/')
      bad(text, "dax: needs a device path like /dev/dax0.0");
    if (at != std::string_view::npos) {
      const std::string_view range = rest.substr(at + 1);
      const auto plus = range.find('+');
      try {
        t.offset = units::parse_bytes(range.substr(0, plus), "offset", /*allow_zero=*/true);
        if (plus != std::string_view::npos)
          t.length = units::parse_bytes(range.substr(plus + 1), "size");
      } catch (const usage_error& e) {
        bad(text, e.what());
      }
    }
    return t;
  }
  bad(text, fmt::format("unknown tier kind '{}'", kind));
}

}  // namespace cxlprobe::tiers
