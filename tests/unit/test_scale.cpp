#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "probes/process_workers.hpp"
#include "probes/scale_math.hpp"
#include "tests/catch_compat.hpp"

using namespace cxlprobe;
using namespace cxlprobe::probes;

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
bool no_children_left() {
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}
}  // namespace

TEST_CASE("regions for processes are disjoint, aligned and inside the device", "[scale]") {
  const auto r = scale::assign_regions(10ULL << 30, 3, 2ULL << 20);
  REQUIRE(r.size() == 3);
  for (std::size_t i = 0; i < r.size(); ++i) {
    CHECK(r[i].offset % (2ULL << 20) == 0);
    CHECK(r[i].size % (2ULL << 20) == 0);
    CHECK(r[i].offset + r[i].size <= (10ULL << 30));
    if (i > 0) CHECK(r[i].offset >= r[i - 1].offset + r[i - 1].size);
  }
  CHECK(r[0].size == (10ULL << 30) / 3 / (2ULL << 20) * (2ULL << 20));
  CHECK_THROWS_AS(scale::assign_regions(1ULL << 20, 2, 2ULL << 20), usage_error);  // below one unit
  CHECK_THROWS_AS(scale::assign_regions(1ULL << 30, 0, 4096), usage_error);
}

TEST_CASE("the knee is the first point that grows less than 5%", "[scale]") {
  CHECK(scale::knee({10, 19, 27, 28, 28.5}) == std::optional<std::size_t>(3));
  CHECK(scale::knee({10, 20, 40}) == std::nullopt);
  CHECK(scale::knee({10, 9}) == std::optional<std::size_t>(1));  // a drop is a knee too
  CHECK(scale::knee({10}) == std::nullopt);
  CHECK(scale::knee({10, 10.4}, 0.05) == std::optional<std::size_t>(1));
}

TEST_CASE("processes start together after the slowest setup and report back", "[scale][procs]") {
  // Setup k sleeps 100 ms x k; the work records its start time. All starts follow the last setup.
  const double before = now_s();
  const auto out = run_processes(
      3, [](std::size_t k) { std::this_thread::sleep_for(std::chrono::milliseconds(100 * k)); },
      [](std::size_t k) { return std::to_string(k) + " " + std::to_string(now_s()); },
      std::chrono::seconds(10), std::chrono::seconds(10));
  REQUIRE(out.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    INFO(out[k].problem);
    REQUIRE(out[k].ok);
    const auto space = out[k].output.find(' ');
    CHECK(std::stoul(out[k].output.substr(0, space)) == k);
    CHECK(std::stod(out[k].output.substr(space + 1)) >= before + 0.195);  // after setup 2 (200 ms)
  }
  CHECK(no_children_left());
}

TEST_CASE("a worker that dies, fails or hangs is reported, and none is left behind",
          "[scale][procs]") {
  const auto out = run_processes(
      4, [](std::size_t) {},
      [](std::size_t k) -> std::string {
        if (k == 1) ::raise(SIGKILL);
        if (k == 2) throw std::runtime_error("no memory for the region");
        if (k == 3) std::this_thread::sleep_for(std::chrono::seconds(30));
        return "fine";
      },
      std::chrono::seconds(5), std::chrono::seconds(1));
  REQUIRE(out.size() == 4);
  CHECK(out[0].ok);
  CHECK(out[0].output == "fine");
  CHECK_FALSE(out[1].ok);
  CHECK(out[1].problem.find("signal 9") != std::string::npos);
  CHECK_FALSE(out[2].ok);
  CHECK(out[2].problem == "no memory for the region");
  CHECK_FALSE(out[3].ok);
  CHECK(out[3].problem.find("did not finish") != std::string::npos);
  CHECK(no_children_left());
}

TEST_CASE("a worker whose setup hangs is killed before the start", "[scale][procs]") {
  const auto out = run_processes(
      2,
      [](std::size_t k) {
        if (k == 1) std::this_thread::sleep_for(std::chrono::seconds(30));
      },
      [](std::size_t) { return std::string("ran"); }, std::chrono::seconds(1),
      std::chrono::seconds(5));
  CHECK(out[0].ok);
  CHECK(out[1].problem.find("never became ready") != std::string::npos);
  CHECK(no_children_left());
}
