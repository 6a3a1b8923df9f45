// Paired comparison of `cxlprobe bw`'s kernel variants with the peers' kernel shapes on the same
// memory at the same time: one allocation (the dram tier, as bw maps it), threads pinned and
// spread as bw places them, and the kernels taking turns round by round, so that the machine's
// drift and the physical placement of the pages hit all alike. Separate processes (STREAM,
// likwid-bench, cxlprobe) get different pages and run at different moments; on a shared VM that
// moves results by more than the kernels differ (docs/validation.md).
//   Peer shapes: STREAM's Copy loop is a glibc memcpy call once gcc -O3 has compiled it;
//   likwid-bench's load_avx / copy_mem_avx / store_mem_avx are 32-byte loads / 32-byte loads with
//   32-byte non-temporal stores / 32-byte non-temporal stores over one stream per thread, which
//   is cxlprobe's AVX2 kernel with one lane.
// usage: cpu_peer_kernels THREADS BYTES_PER_ARRAY ROUNDS   (prints GB/s = 1e9 B/s per kernel)
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "kernels/cpu/mem_kernels.hpp"
#include "probes/pinned_workers.hpp"
#include "tiers/tier_buffer.hpp"

namespace {

namespace cpu = cxlprobe::kernels::cpu;

struct kernel {
  std::string op;    // read, copy, ntwrite
  std::string name;  // what runs
  cpu::isa isa = cpu::isa::scalar;
  unsigned lanes = 1;
  bool libc = false;  // memcpy instead of a cxlprobe kernel
};

std::vector<kernel> kernels_to_compare() {
  std::vector<cpu::isa> isas{cpu::isa::avx2};
  if (cpu::best_isa() == cpu::isa::avx512) isas.insert(isas.begin(), cpu::isa::avx512);
  if (cpu::best_isa() == cpu::isa::scalar) return {};
  std::vector<kernel> out;
  for (const char* op : {"read", "copy", "ntwrite"}) {
    for (cpu::isa i : isas) {
      for (unsigned l : {1U, 2U}) {
        std::string name = fmt::format("cxlprobe {} lanes {}", cpu::isa_name(i), l);
        if (i == cpu::isa::avx2 && l == 1) name += " (likwid _avx shape)";
        out.push_back({op, name, i, l, false});
      }
    }
    if (std::string(op) == "copy") out.push_back({op, "memcpy (STREAM Copy)", {}, 1, true});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 4) {
    fmt::print(stderr, "usage: {} THREADS BYTES_PER_ARRAY ROUNDS\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[1]);
  const std::uint64_t bytes = std::strtoull(argv[2], nullptr, 10);
  const int rounds = std::atoi(argv[3]);
  if (threads < 1 || rounds < 1 || bytes < 4096ULL * static_cast<unsigned>(threads)) {
    fmt::print(stderr, "bad THREADS, BYTES_PER_ARRAY or ROUNDS\n");
    return 2;
  }
  const std::vector<kernel> ks = kernels_to_compare();
  if (ks.empty()) {
    fmt::print(stderr, "this CPU has neither AVX2 nor AVX-512\n");
    return 77;
  }
  namespace tiers = cxlprobe::tiers;
  tiers::tier_buffer buf =
      tiers::tier_buffer::open(tiers::parse_tier("dram"), {2 * bytes, true, false, false, "/"});
  std::byte* src = buf.data();
  std::byte* dst = buf.data() + bytes;
  const std::uint64_t chunk = bytes / static_cast<unsigned>(threads) / 4096 * 4096;
  const auto placed = cxlprobe::probes::spread_cpus(cxlprobe::probes::allowed_cpus(),
                                                    static_cast<std::size_t>(threads));
  const int k = static_cast<int>(ks.size());
  std::vector<std::uint64_t> sums(static_cast<std::size_t>(threads));
  auto prepare = [&](int w) {
    const std::uint64_t off = static_cast<std::uint64_t>(w) * chunk;
    std::memset(src + off, 1, chunk);  // first touch by the thread that uses the chunk
    std::memset(dst + off, 0, chunk);
  };
  // Round r runs kernel r mod k (the k warm-up rounds run each once).
  auto body = [&](int w, int round) {
    const kernel& kn = ks[static_cast<std::size_t>((round + k) % k)];
    const std::uint64_t off = static_cast<std::uint64_t>(w) * chunk;
    if (kn.libc) {
      std::memcpy(dst + off, src + off, chunk);
    } else if (kn.op == "read") {
      sums[static_cast<std::size_t>(w)] += cpu::read(src + off, chunk, kn.isa, {kn.lanes, 0});
    } else if (kn.op == "copy") {
      cpu::copy(dst + off, src + off, chunk, kn.isa, true, {kn.lanes, 0});
    } else {
      cpu::ntwrite(dst + off, chunk, 7, kn.isa, {kn.lanes, 0});
    }
  };
  const auto times = cxlprobe::probes::run_pinned({placed, k, rounds * k}, prepare, body, nullptr);
  fmt::print("threads {} (cpus {}), {} bytes per array, {} rounds per kernel, GB/s\n", threads,
             placed.size(), bytes, rounds);
  for (int i = 0; i < k; ++i) {
    const kernel& kn = ks[static_cast<std::size_t>(i)];
    const double moved =
        (kn.op == "copy" ? 2.0 : 1.0) * static_cast<double>(chunk) * static_cast<double>(threads);
    std::vector<double> gbps;
    for (std::size_t r = static_cast<std::size_t>(i); r < times.size(); r += ks.size())
      gbps.push_back(moved / times[r].span() / 1e9);
    std::sort(gbps.begin(), gbps.end());
    fmt::print("{:8} {:44} median {:7.1f}  min {:7.1f}  max {:7.1f}\n", kn.op, kn.name,
               gbps[gbps.size() / 2], gbps.front(), gbps.back());
  }
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "cpu_peer_kernels: {}\n", e.what());
  return 1;
}
