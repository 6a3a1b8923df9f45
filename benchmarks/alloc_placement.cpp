// Does a buffer's bandwidth follow where its pages landed? Keeps ALLOCATIONS pairs of anonymous
// arrays alive, measures copy and read on each (bw's kernels, threads pinned and spread as bw
// places them) right after allocating it and again in two later passes in reverse order, and
// prints where the pages sit in physical memory (8 GiB buckets of /proc/self/pagemap, sampled
// every 2 MiB; frame numbers need root, otherwise "unknown"). A pass-to-pass shift of every
// allocation is drift in time; an allocation slow in every pass is its placement.
// usage: alloc_placement THREADS BYTES_PER_ARRAY ALLOCATIONS [thp|4k|alternate]
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cpu/mem_kernels.hpp"
#include "probes/pinned_workers.hpp"

namespace {

namespace cpu = cxlprobe::kernels::cpu;
namespace probes = cxlprobe::probes;

class anon_map {
 public:
  anon_map(std::size_t bytes, bool thp) : bytes_(bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error(fmt::format("mmap: {}", std::strerror(errno)));
    p_ = static_cast<std::byte*>(p);
    // Advice only: where THP is off the kernel ignores it, and the pages are still measured.
    madvise(p_, bytes, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  }
  anon_map(anon_map&& o) noexcept : p_(std::exchange(o.p_, nullptr)), bytes_(o.bytes_) {}
  anon_map(const anon_map&) = delete;
  anon_map& operator=(const anon_map&) = delete;
  anon_map& operator=(anon_map&&) = delete;
  ~anon_map() {
    if (p_) munmap(p_, bytes_);
  }
  std::byte* data() const { return p_; }

 private:
  std::byte* p_;
  std::size_t bytes_;
};

struct pair_of_arrays {
  anon_map src;
  anon_map dst;
  bool thp;
};

// Copy and read medians (GB/s = 1e9 B/s) over 5 rounds after one warm-up.
std::pair<double, double> measure(const pair_of_arrays& a, const std::vector<int>& cpus,
                                  std::uint64_t chunk, bool first_touch) {
  const cpu::isa isa = cpu::best_isa();
  std::vector<std::uint64_t> sink(cpus.size());
  // First touch by the thread that uses the chunk, once per allocation.
  auto prepare = [&](int w) {
    if (!first_touch) return;
    const std::uint64_t off = static_cast<std::uint64_t>(w) * chunk;
    std::memset(a.src.data() + off, 1, chunk);
    std::memset(a.dst.data() + off, 0, chunk);
  };
  std::pair<double, double> out;
  for (int op = 0; op < 2; ++op) {
    auto body = [&](int w, int) {
      const std::uint64_t off = static_cast<std::uint64_t>(w) * chunk;
      if (op == 0) {
        cpu::copy(a.dst.data() + off, a.src.data() + off, chunk, isa, true);
      } else {
        sink[static_cast<std::size_t>(w)] += cpu::read(a.src.data() + off, chunk, isa);
      }
    };
    const auto rounds = probes::run_pinned({cpus, 1, 5}, prepare, body, nullptr);
    std::vector<double> gbps;
    for (const auto& r : rounds)
      gbps.push_back((op == 0 ? 2.0 : 1.0) * static_cast<double>(chunk * cpus.size()) / r.span() /
                     1e9);
    std::sort(gbps.begin(), gbps.end());
    (op == 0 ? out.first : out.second) = gbps[gbps.size() / 2];
    first_touch = false;
  }
  return out;
}

// Share of sampled pages per 8 GiB bucket of physical memory.
std::string placement(int pagemap, const pair_of_arrays& a, std::size_t bytes) {
  std::map<std::uint64_t, int> buckets;
  int unknown = 0;
  int total = 0;
  for (const anon_map* m : {&a.src, &a.dst}) {
    for (std::size_t off = 0; off < bytes; off += 2 << 20) {
      std::uint64_t entry = 0;
      const auto page = reinterpret_cast<std::uintptr_t>(m->data() + off) / 4096;
      const bool read_ok =
          pagemap >= 0 && pread(pagemap, &entry, 8, static_cast<off_t>(page * 8)) == 8;
      const std::uint64_t pfn = entry & ((1ULL << 55) - 1);
      ++total;
      if (!read_ok || !(entry >> 63) || pfn == 0) {
        ++unknown;
        continue;
      }
      ++buckets[(pfn * 4096) >> 33];
    }
  }
  std::string s;
  for (const auto& [b, n] : buckets)
    s += fmt::format(" {}GiB:{}%", b * 8, n * 100 / total);
  if (unknown) s += fmt::format(" unknown:{}%", unknown * 100 / total);
  return s;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 4 || argc > 5) {
    fmt::print(stderr, "usage: {} THREADS BYTES_PER_ARRAY ALLOCATIONS [thp|4k|alternate]\n",
               argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[1]);
  const std::uint64_t bytes = std::strtoull(argv[2], nullptr, 10) / (2 << 20) * (2 << 20);
  const int count = std::atoi(argv[3]);
  const std::string pages = argc == 5 ? argv[4] : "thp";
  if (threads < 1 || count < 1 || bytes == 0 ||
      (pages != "thp" && pages != "4k" && pages != "alternate")) {
    fmt::print(stderr, "bad THREADS, BYTES_PER_ARRAY (at least 2 MiB), ALLOCATIONS or pages\n");
    return 2;
  }
  const auto cpus = probes::spread_cpus(probes::allowed_cpus(), static_cast<std::size_t>(threads));
  const std::uint64_t chunk = bytes / static_cast<unsigned>(threads) / 4096 * 4096;
  const int pagemap = open("/proc/self/pagemap", O_RDONLY);
  std::vector<pair_of_arrays> all;
  for (int i = 0; i < count; ++i) {
    const bool thp = pages == "thp" || (pages == "alternate" && i % 2 == 0);
    all.push_back({anon_map(bytes, thp), anon_map(bytes, thp), thp});
    const auto [c, r] = measure(all.back(), cpus, chunk, true);
    fmt::print("allocation {:2} ({}) copy {:6.1f} read {:6.1f} GB/s | pages:{}\n", i,
               thp ? "thp" : "4k", c, r, placement(pagemap, all.back(), bytes));
    std::fflush(stdout);
  }
  for (int pass = 2; pass <= 3; ++pass) {
    std::vector<std::pair<double, double>> v(all.size());
    for (std::size_t i = all.size(); i-- > 0;)
      v[i] = measure(all[i], cpus, chunk, false);
    std::string line;
    for (std::size_t i = 0; i < v.size(); ++i)
      line += fmt::format(" {}:{:.0f}/{:.0f}", i, v[i].first, v[i].second);
    fmt::print("pass {} (reverse order), copy/read GB/s per allocation:{}\n", pass, line);
  }
  if (pagemap >= 0) close(pagemap);
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "alloc_placement: {}\n", e.what());
  return 1;
}
