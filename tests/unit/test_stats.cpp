#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/stats.hpp"
#include "tests/catch_compat.hpp"

using cxlprobe::stats::percentile_sorted;
using cxlprobe::stats::summarize;

TEST_CASE("summary matches hand-computed values", "[stats]") {
  // 1..10: median 5.5; type-7 p5 = 1 + 0.45 * 1 = 1.45, p95 = 9 + 0.55 * 1 = 9.55;
  // mean 5.5; sample variance = 82.5 / 9 = 9.1667, sd = 3.02765; cv = 0.55048.
  const std::vector<double> v{7, 1, 10, 3, 5, 2, 9, 4, 8, 6};
  const auto s = summarize(v);
  CHECK(s.n == 10);
  CHECK(s.min == 1);
  CHECK(s.max == 10);
  CHECK(s.median == approx(5.5));
  CHECK(s.p5 == approx(1.45));
  CHECK(s.p95 == approx(9.55));
  CHECK(s.mean == approx(5.5));
  CHECK(s.stddev == approx(3.0276503540974917));
  CHECK(s.cv == approx(3.0276503540974917 / 5.5));
}

TEST_CASE("odd count, single value, constant values", "[stats]") {
  const std::vector<double> odd{3, 1, 2};
  CHECK(summarize(odd).median == 2);
  const std::vector<double> one{42};
  const auto s1 = summarize(one);
  CHECK(s1.median == 42);
  CHECK(s1.p5 == 42);
  CHECK(s1.p95 == 42);
  CHECK(s1.stddev == 0);
  CHECK(s1.cv == 0);
  const std::vector<double> same{5, 5, 5, 5};
  CHECK(summarize(same).cv == 0);
}

TEST_CASE("percentiles interpolate between closest ranks", "[stats]") {
  const std::vector<double> v{10, 20, 30, 40};
  CHECK(percentile_sorted(v, 0.0) == 10);
  CHECK(percentile_sorted(v, 1.0) == 40);
  CHECK(percentile_sorted(v, 0.5) == approx(25));
  CHECK(percentile_sorted(v, 0.25) == approx(17.5));
  CHECK_THROWS_AS(percentile_sorted(v, 1.5), std::invalid_argument);
}

TEST_CASE("empty or NaN input is refused", "[stats]") {
  CHECK_THROWS_AS(summarize(std::vector<double>{}), std::invalid_argument);
  CHECK_THROWS_AS(summarize(std::vector<double>{1.0, std::nan("")}), std::invalid_argument);
}
