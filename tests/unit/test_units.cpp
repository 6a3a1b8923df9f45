#include "core/error.hpp"
#include "core/units.hpp"
#include "tests/catch_compat.hpp"

using namespace cxlprobe;
using namespace cxlprobe::units;

TEST_CASE("parse_bytes accepts every documented form", "[units]") {
  CHECK(parse_bytes("4096B") == 4096);
  CHECK(parse_bytes("64M") == 64ULL << 20);
  CHECK(parse_bytes("2g") == 2ULL << 30);
  CHECK(parse_bytes("4K") == 4096);
  CHECK(exact_bytes(2ULL << 20) == "2MiB");
  CHECK(exact_bytes(1536ULL << 10) == "1536KiB");
  CHECK(exact_bytes(1000) == "1000B");
  CHECK(parse_bytes(exact_bytes(262144000)) == 262144000);
  try {
    (void)parse_bytes("256", "--size");
    FAIL("a bare number was accepted");
  } catch (const usage_error& e) {
    CHECK(std::string(e.what()) ==
          "invalid --size '256': give a unit, e.g. 256MiB or 256MB (256B means bytes)");
  }
  try {  // a byte count as scripts write it: the hint repeats it whole, not as 1.04858e+06
    (void)parse_bytes("1048576", "--size");
    FAIL("a bare number was accepted");
  } catch (const usage_error& e) {
    CHECK(std::string(e.what()) ==
          "invalid --size '1048576': give a unit, e.g. 1048576MiB or "
          "1048576MB (1048576B means bytes)");
  }
  CHECK(parse_bytes("512B") == 512);
  CHECK(parse_bytes("4KiB") == 4096);
  CHECK(parse_bytes("4kib") == 4096);
  CHECK(parse_bytes("1.5MiB") == 1572864);
  CHECK(parse_bytes("1GiB") == 1073741824ULL);
  CHECK(parse_bytes("2GB") == 2000000000ULL);
  CHECK(parse_bytes("1KB") == 1000);
  CHECK(parse_bytes("3MB") == 3000000);
  CHECK(parse_bytes("1TiB") == 1099511627776ULL);
  CHECK(parse_bytes(" 24 MiB ") == 25165824);
  CHECK(parse_bytes("1e3B") == 1000);
  CHECK(parse_bytes("0", "offset", /*allow_zero=*/true) == 0);
}

TEST_CASE("parse_bytes rejects garbage, negatives, zero and fractions of a byte", "[units]") {
  CHECK_THROWS_AS(parse_bytes(""), usage_error);
  CHECK_THROWS_AS(parse_bytes("abc"), usage_error);
  CHECK_THROWS_AS(parse_bytes("-4KiB"), usage_error);
  CHECK_THROWS_AS(parse_bytes("0"), usage_error);
  CHECK_THROWS_AS(parse_bytes("0KiB"), usage_error);
  CHECK_THROWS_AS(parse_bytes("4XB"), usage_error);
  CHECK_THROWS_AS(parse_bytes("4 K i B"), usage_error);
  CHECK_THROWS_AS(parse_bytes("1.5B"), usage_error);
  CHECK_THROWS_AS(parse_bytes("0.1KiB"), usage_error);
  CHECK_THROWS_AS(parse_bytes("nan"), usage_error);
  CHECK_THROWS_AS(parse_bytes("1e30"), usage_error);
  CHECK_THROWS_AS(parse_bytes("KiB"), usage_error);
  try {
    parse_bytes("12QB", "--size");
    FAIL("no exception");
  } catch (const usage_error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("--size") != std::string::npos);
    CHECK(msg.find("12QB") != std::string::npos);
    CHECK(msg.find("KiB") != std::string::npos);  // says what would be accepted
  }
}

TEST_CASE("lists of sizes and integers", "[units]") {
  CHECK(parse_bytes_list("4KiB,16KiB, 1MiB") == std::vector<std::uint64_t>{4096, 16384, 1048576});
  CHECK_THROWS_AS(parse_bytes_list("4KiB,,8KiB"), usage_error);
  CHECK_THROWS_AS(parse_bytes_list("4KiB,bogus"), usage_error);
  CHECK_THROWS_AS(parse_bytes_list(""), usage_error);
  CHECK(parse_int_list("1,2,4", "--threads", 1, 64) == std::vector<long>{1, 2, 4});
  CHECK_THROWS_AS(parse_int_list("1,0", "--threads", 1, 64), usage_error);
  CHECK_THROWS_AS(parse_int_list("1,x", "--threads", 1, 64), usage_error);
  CHECK_THROWS_AS(parse_int_list("65", "--threads", 1, 64), usage_error);
  CHECK_THROWS_AS(parse_int_list("-1", "--threads", 1, 64), usage_error);
  CHECK(parse_int_list("0-3,8", "--cpus", 0, 64) == std::vector<long>{0, 1, 2, 3, 8});
  CHECK(parse_int_list("2 - 2", "--cpus", 0, 64) == std::vector<long>{2});
  CHECK_THROWS_AS(parse_int_list("3-1", "--cpus", 0, 64), usage_error);
  CHECK_THROWS_AS(parse_int_list("0-65", "--cpus", 0, 64), usage_error);
  CHECK_THROWS_AS(parse_int_list("0-", "--cpus", 0, 64), usage_error);
  CHECK_THROWS_AS(parse_int_list("0-1000000000", "--cpus", 0, 2000000000), usage_error);
}

TEST_CASE("rates and durations", "[units]") {
  CHECK(parse_rate("20GiB/s") == approx(20.0 * 1073741824.0));
  CHECK(parse_rate("55GB/s") == approx(55e9));
  CHECK(parse_rate("1e9B/s") == approx(1e9));
  CHECK(parse_rate("20G/s") == approx(20.0 * 1073741824.0));
  CHECK_THROWS_AS(parse_rate("1e9"), usage_error);
  CHECK_THROWS_AS(parse_rate("50/s"), usage_error);
  CHECK_THROWS_AS(parse_rate("20GiB"), usage_error);
  CHECK_THROWS_AS(parse_rate("0GB/s"), usage_error);
  CHECK_THROWS_AS(parse_rate("-1GB/s"), usage_error);
  CHECK_THROWS_AS(parse_rate("fastGB/s"), usage_error);
  CHECK(parse_seconds("40s") == approx(40.0));
  CHECK(parse_seconds("250ms") == approx(0.25));
  CHECK(parse_seconds("20us") == approx(20e-6));
  CHECK(parse_seconds("100ns") == approx(100e-9));
  CHECK(parse_seconds("1.5") == approx(1.5));
  CHECK(parse_seconds("2min") == approx(120.0));
  CHECK_THROWS_AS(parse_seconds("5 parsecs"), usage_error);
  CHECK_THROWS_AS(parse_seconds("-1s"), usage_error);
}

TEST_CASE("formatting labels units", "[units]") {
  CHECK(format_bytes(16384) == "16 KiB");
  CHECK(format_bytes(1572864) == "1.5 MiB");
  CHECK(format_bytes(1000) == "1000 B");
  CHECK(format_bytes(25165824) == "24 MiB");
  CHECK(format_gbps(55.3e9) == "55.30 GB/s");
  CHECK(format_gibps(1073741824.0 * 2) == "2.00 GiB/s");
  CHECK(format_seconds(123e-9) == "123.0 ns");
  CHECK(format_seconds(4.56e-6) == "4.56 us");
  CHECK(format_seconds(0.25) == "250.00 ms");
  CHECK(format_seconds(40) == "40.000 s");
}
