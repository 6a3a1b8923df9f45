#include "probes/invoke.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace cxlprobe::probes {

std::vector<result> invoke_probe(const std::string& name, std::vector<std::string> args,
                                 run_context& ctx) {
  const probe_spec* spec = find_probe(name);
  if (!spec) throw usage_error("no probe named '" + name + "'");
  CLI::App app{std::string(spec->summary), name};
  runner run = spec->setup(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    throw usage_error(name + ": " + e.what());
  }
  return run(ctx);
}

}  // namespace cxlprobe::probes
