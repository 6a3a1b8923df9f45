// Mooncake (FAST'25) request traces, JSON Lines: one request a line,
//   {"timestamp": ms, "input_length": N, "output_length": M, "hash_ids": [...]}
// with one hash id per block of the trace's block size (512 tokens).
#pragma once

#include <atomic>
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

// Limits: a request line above 16 MiB (a Mooncake line is a few KiB: one id per 512 tokens) and
// a file above 4 GiB are refused before they are parsed or read.
inline constexpr std::size_t kMaxLineBytes = 16ULL << 20;
inline constexpr std::uint64_t kMaxTraceBytes = 4ULL << 30;

// Parses every non-empty line. Throws usage_error "SOURCE:LINE: what is wrong" for bad JSON, a
// missing or mistyped field, a negative length, or a line over the limit. When `stop` becomes
// true the parse returns what it has (the caller checks the flag).
std::vector<trace_request> parse_trace(std::string_view text, std::string_view source,
                                       const std::atomic<bool>* stop = nullptr);
std::vector<trace_request> load_trace(const std::string& path,
                                      const std::atomic<bool>* stop = nullptr);

// How well `block_tokens` explains the trace: a request of N input tokens carries ceil(N / B)
// hash ids. Returns the fraction of requests (with ids) that disagree, and the block size among
// the usual ones (16 .. 4096 tokens) that disagrees least.
struct block_fit {
  double disagree = 0;
  std::uint64_t best_block_tokens = 0;
  double best_disagree = 0;
};
block_fit check_block_tokens(const std::vector<trace_request>& requests,
                             std::uint64_t block_tokens);

}  // namespace cxlprobe::replay
