// Catch2 v2 (Debian 12) and v3 (the GPU machine) from one include.
#pragma once

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
namespace cxlprobe_test {
using approx_type = Catch::Approx;
}
#else
#include <catch2/catch.hpp>
namespace cxlprobe_test {
using approx_type = Catch::Detail::Approx;
}
#endif

// Floating-point comparison that reads the same under both versions.
inline cxlprobe_test::approx_type approx(double value) {
  return cxlprobe_test::approx_type(value);
}
