// libFuzzer target: size, rate, duration and list parsers, and tier specs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/units.hpp"
#include "tiers/tier_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  using namespace cxlprobe;
  auto guard = [](auto&& fn) {
    try {
      fn();
    } catch (const usage_error&) {
    }
  };
  guard([&] { (void)units::parse_bytes(text); });
  guard([&] { (void)units::parse_bytes_list(text); });
  guard([&] { (void)units::parse_rate(text); });
  guard([&] { (void)units::parse_seconds(text); });
  guard([&] { (void)units::parse_int_list(text, "fuzz", 0, 1000); });
  guard([&] {
    const auto t = tiers::parse_tier(text);
    (void)tiers::parse_tier(t.to_string());  // what parses prints back into something parseable
  });
  return 0;
}
