#include "cli/help_text.hpp"

#include <map>
#include <vector>

namespace cxlprobe::cli {

namespace {

using lines = std::vector<std::string_view>;

// Each line: the command, two spaces, what it does. Real commands: tests/cli runs the ones
// that need no GPU, CXL device or input file (help_examples.sh).
const std::map<std::string_view, lines>& examples() {
  static const std::map<std::string_view, lines> m = {
      {"explain",
       {"cxlprobe explain  # every tier x GPU: measure, then say which link or tier binds",
        "cxlprobe explain --quick --json run.json  # about half the time, the document kept",
        "cxlprobe explain --plan-only  # what would be measured, and the ceilings",
        "cxlprobe explain --results a.json b.json  # floors of recorded runs"}},
      {"compare",
       {"cxlprobe compare before.json after.json  # matched rows side by side, with ratios",
        "cxlprobe compare nodeA.json nodeB.json --csv diff.csv"}},
      {"plot",
       {"cxlprobe plot run.json -o run.png  # every plot the file holds: run-KIND.png",
        "cxlprobe plot dma.json --kind kv -o kv.png"}},
      {"report",
       {"cxlprobe report run.json -o report/  # report.html (self-contained) and report.md",
        "cxlprobe report nodeA.json nodeB.json -o fleet/"}},
      {"fleet",
       {"cxlprobe fleet report runs/  # runs/ holds one result file per node (--json of explain)",
        "cxlprobe fleet report runs/ -o fleet-report/  # report.html: what differs, a bar per node",
        "cxlprobe fleet submit --nodes 16 --partition gpu --out /shared/f --wait -- explain "
        "--quick"}},
      {"topo",
       {"cxlprobe topo  # tiers, GPUs, CXL devices, the PCIe tree and each path's ceiling",
        "cxlprobe topo --topology node.xml --csv paths.csv  # another machine's lstopo export"}},
      {"bw",
       {"cxlprobe bw --op read,copy --threads 1,all  # one thread, then every CPU",
        "cxlprobe bw --tier node:2 --op read --size 4GiB  # CXL memory onlined as NUMA node 2",
        "cxlprobe bw --tier dax:/dev/dax0.0 --op read  # a DAX device, read only"}},
      {"lat",
       {"cxlprobe lat --tier node:2  # load latency of node 2 from one CPU",
        "cxlprobe lat --sizes 1MiB,64MiB,1GiB --cpu-node 0"}},
      {"dma",
       {"cxlprobe dma --size 64MiB,1GiB --dir h2d,d2h",
        "cxlprobe dma --tier dax:/dev/dax0.0 --host registered --size 1GiB --dir h2d",
        "cxlprobe dma --pattern kv-restore --block 16KiB,1.5MiB --kernel staged"}},
      {"scale",
       {"cxlprobe scale --threads 1,2,4,8 --size 256MiB  # the knee of CPU threads",
        "cxlprobe scale --streams 1,2,4 --gpu-counts 1,2",
        "cxlprobe scale --mix 0,4,8  # CPU writers against one GPU's reads"}},
      {"replay",
       {"cxlprobe replay --workload agentic --model qwen3-30b-a3b --prefill-time 40s@174000 "
        "--load-bw 20GB/s",
        "cxlprobe replay --trace trace.jsonl --model qwen3-30b-a3b --prefill-time "
        "40s@174000 --from-results dma.json"}},
  };
  return m;
}

const std::map<std::string_view, std::string_view>& placeholders() {
  static const std::map<std::string_view, std::string_view> m = {
      {"--tier", "TIER"},
      {"--to", "TIER"},
      {"--op", "LIST"},
      {"--dir", "LIST"},
      {"--engine", "LIST"},
      {"--host", "LIST"},
      {"--method", "LIST"},
      {"--kernel", "LIST"},
      {"--counters", "LIST"},
      {"--gpus", "LIST"},
      {"--pattern", "PATTERN"},
      {"--stores", "KIND"},
      {"--isa", "ISA"},
      {"--balance", "MODE"},
      {"--placement", "spread|compact|auto"},
      {"--lanes", "N"},
      {"--lane-layout", "far|adjacent|auto"},
      {"--prefetch", "SIZE"},
      {"--total", "SIZE"},
      {"--size", "SIZE"},
      {"--gpu-kv-capacity", "SIZE"},
      {"--l1-capacity", "SIZE"},
      {"--order", "ORDER"},
      {"--proc-engine", "ENGINE"},
      {"--kind", "KIND"},
      {"--model", "MODEL"},
      {"--decode-time", "TIME"},
      {"--decode-token-time", "TIME"},
      {"--chunk-overhead", "TIME"},
      {"--decode-seq-time", "TIME"},
      {"--decode-step", "TIME@SEQS[,...]"},
      {"--think-time", "TIME"},
      {"--observed-ttft", "cold=T,turn1=T,warm=T"},
      {"--restore-method", "per-block|batch|kernel"},
      {"--load-overlap", "none|layerwise"},
      {"--store", "sync|async"},
      {"--l1-scope", "per-replica|shared"},
      {"--prefill-time", "TIME@TOKENS[,...]"},
      {"--load-bw", "RATE"},
      {"--store-bw", "RATE"},
      {"--tier-bw", "RATE"},
      {"--gpu", "GPU"},
      {"--output", "PATH"}};
  return m;
}

}  // namespace

std::string examples_for(std::string_view command) {
  const auto it = examples().find(command);
  if (it == examples().end()) return {};
  std::string out = "Examples:";
  for (const auto line : it->second)
    out += "\n  " + std::string(line);
  return out;
}

std::string placeholder_for(std::string_view option) {
  const auto it = placeholders().find(option);
  return it == placeholders().end() ? std::string() : std::string(it->second);
}

}  // namespace cxlprobe::cli
