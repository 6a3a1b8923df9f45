// Parsing and printing of sizes, rates and durations. GB/s = 1e9 B/s, GiB/s = 2^30 B/s.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cxlprobe::units {

inline constexpr double kGB = 1e9;
inline constexpr double kGiB = 1073741824.0;

// "4KiB", "1.5MiB", "1GiB", "2GB", "64M", "512B" (suffix case-insensitive). Decimal suffixes
// (KB, MB, GB, TB) are powers of 1000, binary ones (KiB, ...; K, M, G, T alone as in dd) powers
// of 1024. A number without a unit is refused with a hint (except 0). The value must be a whole
// number of bytes. Throws usage_error naming `what` and the text on bad input.
std::uint64_t parse_bytes(std::string_view text, std::string_view what = "size",
                          bool allow_zero = false);

// Comma-separated members, trimmed; an empty list or member is a usage_error naming `what`.
std::vector<std::string_view> split_list(std::string_view text, std::string_view what);

// Comma-separated list of sizes; every member must parse.
std::vector<std::uint64_t> parse_bytes_list(std::string_view text, std::string_view what = "size");

// "20GiB/s", "55GB/s", "1e9B/s". A number without a unit is refused with a hint. Must be > 0.
double parse_rate(std::string_view text, std::string_view what = "bandwidth");

// "40s", "250ms", "20us", "100ns", "1.5" (plain number: seconds). Must be >= 0.
double parse_seconds(std::string_view text, std::string_view what = "duration");

// Comma-separated integers and ranges, each within [min_value, max_value]: "1,2,4", "0-3,8".
std::vector<long> parse_int_list(std::string_view text, std::string_view what, long min_value,
                                 long max_value);

// 16384 -> "16 KiB", 1572864 -> "1.5 MiB", 1000 -> "1000 B".
std::string format_bytes(std::uint64_t bytes);
// Exact and parseable again, no space: 2097152 -> "2MiB", 1572864 -> "1536KiB", 1000 -> "1000B".
std::string exact_bytes(std::uint64_t bytes);

// B/s -> "55.30 GB/s" and "51.50 GiB/s".
std::string format_gbps(double bytes_per_second);
std::string format_gibps(double bytes_per_second);

// Seconds -> "123 ns", "4.56 us", "7.89 ms", "1.23 s".
std::string format_seconds(double seconds);

}  // namespace cxlprobe::units
