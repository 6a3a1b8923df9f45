// libFuzzer target: the Mooncake trace parser must accept or reject any bytes with usage_error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "replay/simulate.hpp"
#include "replay/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto requests = cxlprobe::replay::parse_trace(text, "fuzz");
    // Whatever parses must also replay.
    (void)cxlprobe::replay::replay_trace(std::move(requests), {512, 1024, 1ULL << 24});
  } catch (const cxlprobe::usage_error&) {
  }
  return 0;
}
