#include "replay/trace.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/input_file.hpp"

namespace cxlprobe::replay {

namespace {

[[noreturn]] void bad_line(std::string_view source, std::size_t line, const std::string& why) {
  throw usage_error(fmt::format("{}:{}: {}", source, line, why));
}

std::uint64_t length_field(const nlohmann::json& j, const char* key, std::string_view source,
                           std::size_t line) {
  auto it = j.find(key);
  if (it == j.end()) bad_line(source, line, fmt::format("missing field '{}'", key));
  if (!it->is_number_integer())
    bad_line(source, line, fmt::format("field '{}' must be a whole number", key));
  const auto v = it->get<long long>();
  if (v < 0) bad_line(source, line, fmt::format("field '{}' is negative ({})", key, v));
  return static_cast<std::uint64_t>(v);
}

}  // namespace

namespace {

// The lines of one piece of the file; `line` is the number of lines before it.
std::vector<trace_request> parse_lines(std::string_view text, std::string_view source,
                                       std::size_t line, const std::atomic<bool>* stop) {
  std::vector<trace_request> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    // A stop request ends the parse within a few thousand lines; the caller sees the flag.
    if (stop && line % 4096 == 0 && stop->load(std::memory_order_relaxed)) return out;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (raw.size() > kMaxLineBytes) {
      bad_line(source, line,
               fmt::format("the line is {} bytes, more than the {} MiB a request can need; this "
                           "is not a Mooncake trace",
                           raw.size(), kMaxLineBytes >> 20));
    }
    if (raw.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::json j =
        nlohmann::json::parse(raw.begin(), raw.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) bad_line(source, line, "not valid JSON");
    if (!j.is_object()) bad_line(source, line, "a request must be a JSON object");
    trace_request r;
    r.line = line;
    auto ts = j.find("timestamp");
    if (ts == j.end()) bad_line(source, line, "missing field 'timestamp'");
    if (!ts->is_number())
      bad_line(source, line, "field 'timestamp' must be a number (milliseconds)");
    r.timestamp_ms = ts->get<double>();
    r.input_length = length_field(j, "input_length", source, line);
    r.output_length = length_field(j, "output_length", source, line);
    auto ids = j.find("hash_ids");
    if (ids == j.end()) bad_line(source, line, "missing field 'hash_ids'");
    if (!ids->is_array()) bad_line(source, line, "field 'hash_ids' must be an array");
    r.hash_ids.reserve(ids->size());
    for (const auto& h : *ids) {
      // Ids in [2^63, 2^64) arrive as unsigned: taken as they are.
      if (!h.is_number_integer() || (!h.is_number_unsigned() && h.get<long long>() < 0)) {
        bad_line(source, line, "hash_ids must be whole numbers from 0 to 2^64-1");
      }
      r.hash_ids.push_back(h.get<std::uint64_t>());
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::vector<trace_request> parse_trace(std::string_view text, std::string_view source,
                                       const std::atomic<bool>* stop) {
  // Large files in pieces at line ends, one thread each; the first error by line is the one
  // reported, as a serial parse would.
  const std::size_t workers =
      text.size() < (1u << 20) ? 1
                               : std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<std::pair<std::string_view, std::size_t>> pieces;  // text, lines before it
  std::size_t pos = 0, lines = 0;
  for (std::size_t w = 0; w < workers && pos < text.size(); ++w) {
    std::size_t end = w + 1 == workers ? text.size() : text.size() * (w + 1) / workers;
    end = std::max(end, pos);
    end = end >= text.size() ? text.size() : std::min(text.size(), text.find('\n', end) + 1);
    if (end == 0) end = text.size();  // no newline after the cut: the rest is one piece
    pieces.emplace_back(text.substr(pos, end - pos), lines);
    lines += static_cast<std::size_t>(std::count(text.begin() + pos, text.begin() + end, '\n'));
    pos = end;
  }
  std::vector<std::future<std::vector<trace_request>>> parts;
  for (const auto& [piece, before] : pieces)
    parts.push_back(std::async(std::launch::async, parse_lines, piece, source, before, stop));
  std::vector<trace_request> out;
  std::exception_ptr first_error;
  for (auto& p : parts) {
    try {
      auto v = p.get();
      if (!first_error)
        out.insert(out.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
    } catch (...) {
      if (!first_error) first_error = std::current_exception();  // pieces are in line order
    }
  }
  if (first_error) std::rethrow_exception(first_error);
  if (out.empty() && !(stop && stop->load()))
    throw usage_error(fmt::format("{}: no requests in the trace", source));
  return out;
}

std::vector<trace_request> load_trace(const std::string& path, const std::atomic<bool>* stop) {
  check_input_file(path, "trace");  // a FIFO or /dev/zero would block or grow without bound
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(fmt::format("cannot open trace '{}': {}", path, std::strerror(errno)));
  in.seekg(0, std::ios::end);
  const auto bytes = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  if (bytes > kMaxTraceBytes) {
    throw usage_error(
        fmt::format("trace '{}' is {} bytes, more than the {} GiB cxlprobe reads; "
                    "split it",
                    path, bytes, kMaxTraceBytes >> 30));
  }
  // Read in 16 MiB pieces: a stop request is seen between them (touching a few hundred MiB of
  // fresh memory takes a second on a VM).
  std::string text;
  text.reserve(static_cast<std::size_t>(bytes));
  // No bigger than the file: a 3 MB trace should not zero 16 MiB first.
  std::vector<char> piece(static_cast<std::size_t>(std::min<std::uint64_t>(16 << 20, bytes + 1)));
  while (in) {
    if (stop && stop->load(std::memory_order_relaxed)) return {};
    in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
    text.append(piece.data(), static_cast<std::size_t>(in.gcount()));
  }
  return parse_trace(text, path, stop);
}

namespace {

double disagreement(const std::vector<trace_request>& requests, std::uint64_t b) {
  std::size_t with_ids = 0, off = 0;
  for (const auto& r : requests) {
    if (r.hash_ids.empty()) continue;
    ++with_ids;
    off += (r.input_length + b - 1) / b != r.hash_ids.size();
  }
  return with_ids ? static_cast<double>(off) / static_cast<double>(with_ids) : 0.0;
}

}  // namespace

block_fit check_block_tokens(const std::vector<trace_request>& requests,
                             std::uint64_t block_tokens) {
  block_fit f;
  f.disagree = disagreement(requests, block_tokens);
  f.best_block_tokens = block_tokens;
  f.best_disagree = f.disagree;
  for (std::uint64_t b = 16; b <= 4096; b *= 2) {
    const double d = disagreement(requests, b);
    if (d < f.best_disagree) {
      f.best_disagree = d;
      f.best_block_tokens = b;
    }
  }
  return f;
}

}  // namespace cxlprobe::replay
