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
// usage: cpu_peer_kernels THREADS BYTES_PER_ARRAY ROUNDS [OPS]   (prints GB/s = 1e9 B/s per
// kernel, and the median of its per-round ratios to the likwid shape of the same op; OPS: a
// comma-separated subset of read,copy,ntwrite, all by default)
#include <cpuid.h>
#include <fmt/format.h>
#include <immintrin.h>

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
  cpu::walk_shape walk;
  bool nontemporal = true;  // copy's stores
  bool libc = false;        // memcpy instead of a cxlprobe kernel
  bool peer = false;        // likwid-bench's shape: the reference of the paired ratios
  bool direct = false;      // MOVDIR64B stores instead of a cxlprobe kernel
};

// CPUID leaf 7 ECX bit 28.
bool has_movdir64b() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 && (c & (1U << 28)) != 0;
}

// MOVDIR64B writes a whole 64-byte line as one direct store. The SDM describes it as written
// with the write-combining protocol: the line is neither read for ownership nor kept in the
// caches, so it is a non-temporal store of a full line per instruction (movntdq needs two
// 32-byte or one 64-byte store to fill a write-combining buffer). Walk as `w` says: one stream,
// or `w.lanes` neighbouring 4 KiB pages in lockstep.
__attribute__((target("movdir64b"))) void direct_fill(std::byte* p, std::size_t bytes,
                                                      std::uint64_t pattern,
                                                      const cpu::walk_shape& w) {
  alignas(64) std::uint64_t line[8];
  std::fill(std::begin(line), std::end(line), pattern);
  const std::size_t group = w.adjacent ? w.lanes * 4096 : bytes + 1;
  std::size_t done = 0;
  for (; w.adjacent && done + group <= bytes; done += group)
    for (std::size_t off = 0; off < 4096; off += 64)
      for (unsigned l = 0; l < w.lanes; ++l)
        _movdir64b(p + done + l * 4096 + off, line);
  for (; done < bytes; done += 64)
    _movdir64b(p + done, line);
  _mm_sfence();
}

// The walks compared: one stream; two far-apart sections (bw's lanes); 2, 4 and 8 neighbouring
// 4 KiB pages in lockstep (glibc's large memcpy walks four).
std::vector<cpu::walk_shape> walks() {
  return {{1, 0, false}, {2, 0, false}, {2, 0, true}, {4, 0, true}, {8, 0, true}};
}

std::string walk_name(const cpu::walk_shape& w) {
  std::string s = w.lanes == 1
                      ? std::string("1 lane")
                      : fmt::format("{} lanes {}", w.lanes, w.adjacent ? "adjacent" : "far");
  if (w.prefetch != 0) s += fmt::format(", prefetch {} B", w.prefetch);
  return s;
}

std::vector<kernel> kernels_to_compare(const std::string& ops) {
  std::vector<cpu::isa> isas{cpu::isa::avx2};
  if (cpu::best_isa() == cpu::isa::avx512) isas.insert(isas.begin(), cpu::isa::avx512);
  if (cpu::best_isa() == cpu::isa::scalar) return {};
  std::vector<kernel> out;
  for (const char* op : {"read", "copy", "ntwrite"}) {
    if (("," + ops + ",").find(fmt::format(",{},", op)) == std::string::npos) continue;
    for (cpu::isa i : isas) {
      for (const cpu::walk_shape& w : walks()) {
        const bool peer = i == cpu::isa::avx2 && w.lanes == 1;
        std::string name = fmt::format("cxlprobe {} {}", cpu::isa_name(i), walk_name(w));
        if (peer) name += " (likwid _avx shape)";
        out.push_back({op, name, i, w, true, false, peer});
      }
    }
    if (std::string(op) == "ntwrite" && has_movdir64b()) {
      for (const cpu::walk_shape& w : {cpu::walk_shape{1, 0, false}, cpu::walk_shape{4, 0, true}})
        out.push_back(
            {op, fmt::format("movdir64b {}", walk_name(w)), isas[0], w, true, false, false, true});
    }
    if (std::string(op) != "copy") continue;
    // Regular stores, as STREAM's compiled loop has them, with and without software prefetch.
    for (const cpu::walk_shape& w : {cpu::walk_shape{1, 0, false}, cpu::walk_shape{1, 1024, false},
                                     cpu::walk_shape{4, 1024, true}}) {
      out.push_back(
          {op, fmt::format("cxlprobe {} {}, regular stores", cpu::isa_name(isas[0]), walk_name(w)),
           isas[0], w, false, false, false});
    }
    out.push_back({op, "memcpy (STREAM Copy)", {}, {}, true, true, false});
  }
  return out;
}

void run_kernel(const kernel& kn, std::byte* dst, const std::byte* src, std::uint64_t bytes,
                std::uint64_t& sum) {
  if (kn.libc) {
    std::memcpy(dst, src, bytes);
  } else if (kn.direct) {
    direct_fill(dst, bytes, 7, kn.walk);
  } else if (kn.op == "read") {
    sum += cpu::read(src, bytes, kn.isa, kn.walk);
  } else if (kn.op == "copy") {
    cpu::copy(dst, src, bytes, kn.isa, kn.nontemporal, kn.walk);
  } else {
    cpu::ntwrite(dst, bytes, 7, kn.isa, kn.walk);
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 4 && argc != 5) {
    fmt::print(stderr, "usage: {} THREADS BYTES_PER_ARRAY ROUNDS [OPS]\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[1]);
  const std::uint64_t bytes = std::strtoull(argv[2], nullptr, 10);
  const int rounds = std::atoi(argv[3]);
  if (threads < 1 || rounds < 1 || bytes < 4096ULL * static_cast<unsigned>(threads)) {
    fmt::print(stderr, "bad THREADS, BYTES_PER_ARRAY or ROUNDS\n");
    return 2;
  }
  const std::vector<kernel> ks = kernels_to_compare(argc == 5 ? argv[4] : "read,copy,ntwrite");
  if (ks.empty()) {
    fmt::print(stderr, "this CPU has neither AVX2 nor AVX-512, or OPS names no op\n");
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
    run_kernel(kn, dst + off, src + off, chunk, sums[static_cast<std::size_t>(w)]);
  };
  const auto times = cxlprobe::probes::run_pinned({placed, k, rounds * k}, prepare, body, nullptr);
  fmt::print(
      "threads {} (cpus {}), {} bytes per array, {} rounds per kernel, GB/s; paired: the "
      "median over rounds of the kernel's rate over the likwid shape's of the same op "
      "and round\n",
      threads, placed.size(), bytes, rounds);
  // rates[i][j]: kernel i in round j (the rounds after the k warm-up ones)
  std::vector<std::vector<double>> rates(ks.size());
  for (std::size_t r = 0; r < times.size(); ++r) {
    const kernel& kn = ks[r % ks.size()];
    const double moved =
        (kn.op == "copy" ? 2.0 : 1.0) * static_cast<double>(chunk) * static_cast<double>(threads);
    rates[r % ks.size()].push_back(moved / times[r].span() / 1e9);
  }
  for (std::size_t i = 0; i < ks.size(); ++i) {
    const auto peer = std::find_if(ks.begin(), ks.end(),
                                   [&](const kernel& x) { return x.peer && x.op == ks[i].op; });
    std::vector<double> paired;
    if (peer != ks.end()) {
      const auto& ref = rates[static_cast<std::size_t>(peer - ks.begin())];
      for (std::size_t j = 0; j < rates[i].size() && j < ref.size(); ++j)
        paired.push_back(rates[i][j] / ref[j]);
    }
    const auto [lo, hi] = std::minmax_element(rates[i].begin(), rates[i].end());
    fmt::print("{:8} {:56} median {:7.1f}  min {:7.1f}  max {:7.1f}  paired {:5.3f}\n", ks[i].op,
               ks[i].name, median(rates[i]), *lo, *hi, paired.empty() ? 0.0 : median(paired));
  }
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "cpu_peer_kernels: {}\n", e.what());
  return 1;
}
