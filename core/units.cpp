#include "core/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace cxlprobe::units {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

[[noreturn]] void bad(std::string_view what, std::string_view text, std::string_view why) {
  throw usage_error(fmt::format("invalid {} '{}': {}", what, text, why));
}

// Splits "1.5MiB" into the number 1.5 and the suffix "MiB". Rejects signs, empty numbers,
// NaN/inf and trailing garbage inside the number.
std::pair<double, std::string_view> split_number(std::string_view text, std::string_view what,
                                                 std::string_view expected) {
  std::string_view s = trim(text);
  if (s.empty()) bad(what, text, fmt::format("empty value; expected {}", expected));
  if (s.front() == '-') bad(what, text, "negative values are not allowed");
  if (s.front() == '+') s.remove_prefix(1);
  std::size_t i = 0;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
    ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
      ++i, digits = true;
  }
  if (!digits) bad(what, text, fmt::format("no number; expected {}", expected));
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    std::size_t k = j;
    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])))
      ++k;
    if (k > j) i = k;  // an exponent only when digits follow; otherwise 'e' starts the suffix
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + i, value);
  if (ec != std::errc() || ptr != s.data() + i || !std::isfinite(value)) {
    bad(what, text, fmt::format("not a number; expected {}", expected));
  }
  return {value, trim(s.substr(i))};
}

struct suffix {
  std::string_view name;
  double factor;
};

// K, M, G, T alone are powers of 1024, as dd, numactl and likwid read them.
constexpr std::array<suffix, 13> kByteSuffixes{{{"b", 1.0},
                                                {"k", 1024.0},
                                                {"m", 1048576.0},
                                                {"g", 1073741824.0},
                                                {"kb", 1e3},
                                                {"mb", 1e6},
                                                {"gb", 1e9},
                                                {"tb", 1e12},
                                                {"kib", 1024.0},
                                                {"mib", 1048576.0},
                                                {"gib", 1073741824.0},
                                                {"tib", 1099511627776.0},
                                                {"t", 1099511627776.0}}};

constexpr std::string_view kByteForms = "bytes like 4096, 4KiB, 1.5MiB, 1GiB or 2GB";

double byte_factor(std::string_view suffix_text, std::string_view what, std::string_view text,
                   double number) {
  const std::string key = lower(suffix_text);
  // A bare number is ambiguous (256 bytes or 256 MiB?): say which, except for zero.
  if (key.empty()) {
    if (number == 0) return 1.0;
    const std::string n =
        fmt::format("{}", number);  // shortest exact form: 1048576, not 1.04858e+06
    bad(what, text, fmt::format("give a unit, e.g. {}MiB or {}MB ({}B means bytes)", n, n, n));
  }
  for (const auto& s : kByteSuffixes) {
    if (key == s.name) return s.factor;
  }
  bad(what, text,
      fmt::format("unknown unit '{}'; use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, "
                  "TiB, K, M, G, T (powers of 1024)",
                  suffix_text));
}

std::vector<std::string_view> split_members(std::string_view text, std::string_view what) {
  std::vector<std::string_view> parts;
  if (trim(text).empty()) bad(what, text, "empty list");
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    std::string_view part = trim(text.substr(start, comma - start));
    if (part.empty()) bad(what, text, "empty member in the comma-separated list");
    parts.push_back(part);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parts;
}

}  // namespace

std::vector<std::string_view> split_list(std::string_view text, std::string_view what) {
  return split_members(text, what);
}

std::uint64_t parse_bytes(std::string_view text, std::string_view what, bool allow_zero) {
  auto [number, suffix_text] = split_number(text, what, kByteForms);
  const double bytes = number * byte_factor(suffix_text, what, text, number);
  if (bytes >= 9.2e18) bad(what, text, "too large");
  const double whole = std::round(bytes);
  if (std::fabs(bytes - whole) > 1e-6 * std::max(1.0, bytes)) {
    bad(what, text, fmt::format("{} is not a whole number of bytes", bytes));
  }
  if (whole == 0 && !allow_zero) bad(what, text, "must be greater than zero");
  return static_cast<std::uint64_t>(whole);
}

std::vector<std::uint64_t> parse_bytes_list(std::string_view text, std::string_view what) {
  std::vector<std::uint64_t> out;
  for (auto part : split_members(text, what))
    out.push_back(parse_bytes(part, what));
  return out;
}

double parse_rate(std::string_view text, std::string_view what) {
  std::string_view s = trim(text);
  std::string_view size_part = s;
  if (s.size() >= 2 && (s.substr(s.size() - 2) == "/s" || s.substr(s.size() - 2) == "/S")) {
    size_part = s.substr(0, s.size() - 2);
  } else {
    auto [number, suffix_text] = split_number(s, what, "a rate like 20GiB/s or 55GB/s");
    if (number == 0) bad(what, text, "must be greater than zero");
    const std::string n =
        fmt::format("{}", number);  // shortest exact form: 1048576, not 1.04858e+06
    bad(what, text,
        fmt::format("give a unit, e.g. {}GB/s or {}GiB/s ({}B/s means bytes per second)", n, n, n));
  }
  auto [number, suffix_text] = split_number(size_part, what, "a rate like 20GiB/s or 55GB/s");
  if (suffix_text.empty()) bad(what, text, "give a unit before /s, e.g. 20GB/s or 20GiB/s");
  const double rate = number * byte_factor(suffix_text, what, text, number);
  if (!(rate > 0)) bad(what, text, "must be greater than zero");
  return rate;
}

double parse_seconds(std::string_view text, std::string_view what) {
  auto [number, suffix_text] = split_number(text, what, "a duration like 40s, 250ms or 20us");
  const std::string key = lower(suffix_text);
  double factor = 0;
  if (key.empty() || key == "s") {
    factor = 1.0;
  } else if (key == "ms") {
    factor = 1e-3;
  } else if (key == "us") {
    factor = 1e-6;
  } else if (key == "ns") {
    factor = 1e-9;
  } else if (key == "min") {
    factor = 60.0;
  } else {
    bad(what, text, fmt::format("unknown unit '{}'; use s, ms, us, ns or min", suffix_text));
  }
  return number * factor;
}

std::vector<long> parse_int_list(std::string_view text, std::string_view what, long min_value,
                                 long max_value) {
  // Members and ranges as the kernel prints CPU lists: "1,2,4", "0-3,8".
  constexpr std::size_t kMaxMembers = 65536;
  auto whole = [&](std::string_view part, std::string_view full) {
    long value = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size()) {
      bad(what, text, fmt::format("'{}' is not a whole number", full));
    }
    if (value < min_value || value > max_value) {
      bad(what, text, fmt::format("{} is outside {}..{}", value, min_value, max_value));
    }
    return value;
  };
  std::vector<long> out;
  for (auto part : split_members(text, what)) {
    const auto dash = part.find('-', 1);
    if (dash == std::string_view::npos) {
      out.push_back(whole(part, part));
      continue;
    }
    const long lo = whole(trim(part.substr(0, dash)), part);
    const long hi = whole(trim(part.substr(dash + 1)), part);
    if (hi < lo) bad(what, text, fmt::format("range '{}' runs backwards", part));
    if (static_cast<std::size_t>(hi - lo) >= kMaxMembers - out.size())
      bad(what, text, fmt::format("range '{}' has too many members", part));
    for (long v = lo; v <= hi; ++v)
      out.push_back(v);
  }
  return out;
}

std::string exact_bytes(std::uint64_t bytes) {
  static constexpr std::array<std::pair<std::uint64_t, std::string_view>, 4> units{
      {{1ULL << 40, "TiB"}, {1ULL << 30, "GiB"}, {1ULL << 20, "MiB"}, {1ULL << 10, "KiB"}}};
  for (const auto& [factor, name] : units) {
    if (bytes != 0 && bytes % factor == 0) return fmt::format("{}{}", bytes / factor, name);
  }
  return fmt::format("{}B", bytes);
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr std::array<std::string_view, 5> names{"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (unit + 1 < names.size() && value >= 1024.0) {
    value /= 1024.0;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:g} {}", std::round(value * 1000.0) / 1000.0, names[unit]);
}

std::string format_gbps(double bytes_per_second) {
  return fmt::format("{:.2f} GB/s", bytes_per_second / kGB);
}

std::string format_gibps(double bytes_per_second) {
  return fmt::format("{:.2f} GiB/s", bytes_per_second / kGiB);
}

std::string format_seconds(double seconds) {
  const double a = std::fabs(seconds);
  if (a < 1e-6) return fmt::format("{:.1f} ns", seconds * 1e9);
  if (a < 1e-3) return fmt::format("{:.2f} us", seconds * 1e6);
  if (a < 1.0) return fmt::format("{:.2f} ms", seconds * 1e3);
  return fmt::format("{:.3f} s", seconds);
}

}  // namespace cxlprobe::units
