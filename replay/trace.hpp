// Mooncake (FAST'25) request traces, JSON Lines: one request a line,
//   {"timestamp": ms, "input_length": N, "output_length": M, "hash_ids": [...]}
// with one hash id per block of the trace's block size (512 tokens).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cxlprobe::replay {

struct trace_request {
  double timestamp_ms = 0;
  std::uint64_t input_length = 0;
  std::uint64_t output_length = 0;
  std::vector<std::uint64_t> hash_ids;
  std::size_t line = 0;  // 1-based line in the file
};

// Parses every non-empty line. Throws usage_error "SOURCE:LINE: what is wrong" for bad JSON, a
// missing or mistyped field, or a negative length.
std::vector<trace_request> parse_trace(std::string_view text, std::string_view source);
std::vector<trace_request> load_trace(const std::string& path);

}  // namespace cxlprobe::replay
