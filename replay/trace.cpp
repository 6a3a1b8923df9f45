#include "replay/trace.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

std::vector<trace_request> parse_trace(std::string_view text, std::string_view source) {
  std::vector<trace_request> out;
  std::size_t line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
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
      if (!h.is_number_integer() || h.get<long long>() < 0) {
        bad_line(source, line, "hash_ids must be non-negative whole numbers");
      }
      r.hash_ids.push_back(h.get<std::uint64_t>());
    }
    out.push_back(std::move(r));
  }
  if (out.empty()) throw usage_error(fmt::format("{}: no requests in the trace", source));
  return out;
}

std::vector<trace_request> load_trace(const std::string& path) {
  check_input_file(path, "trace");  // a FIFO or /dev/zero would block or grow without bound
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(fmt::format("cannot open trace '{}': {}", path, std::strerror(errno)));
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_trace(buf.str(), path);
}

}  // namespace cxlprobe::replay
