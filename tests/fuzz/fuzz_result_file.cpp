// libFuzzer target: the result-document loader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/document.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto doc = cxlprobe::parse_document(text, "fuzz");
    (void)cxlprobe::to_json(doc).dump();  // what loads must serialise again
  } catch (const cxlprobe::usage_error&) {
  }
  return 0;
}
