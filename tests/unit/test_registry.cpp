#include <set>
#include <string>
#include <vector>

#include "cli/app.hpp"
#include "probes/probe.hpp"
#include "tests/catch_compat.hpp"

using namespace cxlprobe;

TEST_CASE("registry invariants: unique names, summaries, setup and requirement present",
          "[registry]") {
  const auto& probes = probes::registry();
  REQUIRE_FALSE(probes.empty());
  std::set<std::string> names;
  for (const auto& p : probes) {
    INFO(p.name);
    CHECK_FALSE(p.name.empty());
    CHECK(p.name.find(' ') == std::string_view::npos);
    CHECK(names.insert(std::string(p.name)).second);
    CHECK(p.summary.size() > 10);
    CHECK(static_cast<bool>(p.setup));
    CHECK(static_cast<bool>(p.requirement));
    CHECK(probes::find_probe(p.name) == &p);
  }
  CHECK(probes::find_probe("no-such-probe") == nullptr);
}

TEST_CASE("every registered probe is reachable from the CLI", "[registry][cli]") {
  for (const auto& p : probes::registry()) {
    INFO(p.name);
    std::string prog = "cxlprobe";
    std::string name(p.name);
    std::string help = "--help";
    std::vector<char*> argv{prog.data(), name.data(), help.data()};
    CHECK(cli::run(static_cast<int>(argv.size()), argv.data()) == cli::kExitOk);
  }
  std::string prog = "cxlprobe";
  std::string bogus = "no-such-command";
  std::vector<char*> argv{prog.data(), bogus.data()};
  CHECK(cli::run(static_cast<int>(argv.size()), argv.data()) == cli::kExitUsage);
}
