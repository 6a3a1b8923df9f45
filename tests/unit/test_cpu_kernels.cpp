#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "kernels/cpu/mem_kernels.hpp"
#include "kernels/cpu/pointer_chase.hpp"
#include "kernels/pattern.hpp"
#include "tests/catch_compat.hpp"

using namespace cxlprobe::kernels;

namespace {
struct aligned_buffer {
  explicit aligned_buffer(std::size_t n) : size(n) {
    void* p = nullptr;
    REQUIRE(::posix_memalign(&p, 64, n) == 0);
    data = static_cast<std::byte*>(p);
  }
  ~aligned_buffer() { std::free(data); }
  std::byte* data = nullptr;
  std::size_t size;
};

std::vector<cpu::isa> isas() {
  std::vector<cpu::isa> out{cpu::isa::scalar};
  if (cpu::best_isa() != cpu::isa::scalar) out.push_back(cpu::isa::avx2);
  if (cpu::best_isa() == cpu::isa::avx512) out.push_back(cpu::isa::avx512);
  return out;
}
}  // namespace

TEST_CASE("read checksum equals the scalar sum on patterned data", "[kernels]") {
  aligned_buffer b(1 << 20);
  for (std::size_t i = 0; i < b.size / 8; ++i) {
    const std::uint64_t w = pattern_word(7, i);
    std::memcpy(b.data + 8 * i, &w, 8);
  }
  const std::uint64_t ref = cpu::reference_sum(b.data, b.size);
  CHECK(ref != 0);
  for (auto i : isas()) {
    INFO(cpu::isa_name(i));
    CHECK(cpu::read(b.data, b.size, i) == ref);
    // A changed word changes the checksum: the kernel reads everything.
    b.data[b.size - 1] ^= std::byte{1};
    CHECK(cpu::read(b.data, b.size, i) != ref);
    b.data[b.size - 1] ^= std::byte{1};
  }
}

TEST_CASE("write, ntwrite and copy leave exactly the expected bytes", "[kernels]") {
  for (auto i : isas()) {
    INFO(cpu::isa_name(i));
    aligned_buffer a(256 * 1024), c(256 * 1024);
    std::memset(a.data, 0, a.size);
    cpu::write(a.data, a.size, 0x1122334455667788ULL, i);
    for (std::size_t off = 0; off < a.size; off += 8) {
      std::uint64_t w;
      std::memcpy(&w, a.data + off, 8);
      REQUIRE(w == 0x1122334455667788ULL);
    }
    cpu::ntwrite(a.data, a.size, 0xA5A5A5A5A5A5A5A5ULL, i);
    std::uint64_t w;
    std::memcpy(&w, a.data + a.size - 8, 8);
    CHECK(w == 0xA5A5A5A5A5A5A5A5ULL);
    for (std::size_t k = 0; k < a.size / 8; ++k) {
      const std::uint64_t p = pattern_word(3, k);
      std::memcpy(a.data + 8 * k, &p, 8);
    }
    std::memset(c.data, 0, c.size);
    cpu::copy(c.data, a.data, a.size, i);
    CHECK(std::memcmp(c.data, a.data, a.size) == 0);
  }
}

TEST_CASE("several lanes and software prefetch cover every byte exactly once", "[kernels]") {
  // 7 * 256 + 5 pages: sections (and groups of adjacent pages) that do not divide evenly leave a
  // tail for the plain walk; 8 adjacent lanes need more pages than there are (all plain).
  const std::size_t n = 7 * 256 + 5 * 4096;
  aligned_buffer src(n), dst(n);
  for (std::size_t k = 0; k < n / 8; ++k) {
    const std::uint64_t p = pattern_word(11, k);
    std::memcpy(src.data + 8 * k, &p, 8);
  }
  const std::uint64_t ref = cpu::reference_sum(src.data, n);
  for (auto i : isas()) {
    for (unsigned lanes : {1U, 2U, 3U, 4U, 8U, 16U}) {
      for (const auto& [pf, adjacent] : std::vector<std::pair<std::size_t, bool>>{
               {0, false}, {1024, false}, {0, true}, {1024, true}}) {
        INFO(cpu::isa_name(i) << " lanes " << lanes << " prefetch " << pf << " adjacent "
                              << adjacent);
        const cpu::walk_shape w{lanes, pf, adjacent};
        CHECK(cpu::read(src.data, n, i, w) == ref);
        for (bool nt : {true, false}) {
          std::memset(dst.data, 0, n);
          cpu::copy(dst.data, src.data, n, i, nt, w);
          CHECK(std::memcmp(dst.data, src.data, n) == 0);
        }
        std::memset(dst.data, 0, n);
        cpu::write(dst.data, n, 0x0102030405060708ULL, i, w);
        std::vector<std::uint64_t> words(n / 8);
        std::memcpy(words.data(), dst.data, n);
        CHECK(std::count(words.begin(), words.end(), 0x0102030405060708ULL) ==
              static_cast<long>(n / 8));
        std::memset(dst.data, 0, n);
        cpu::ntwrite(dst.data, n, 0xF0F0F0F0F0F0F0F0ULL, i, w);
        std::memcpy(words.data(), dst.data, n);
        CHECK(std::count(words.begin(), words.end(), 0xF0F0F0F0F0F0F0F0ULL) ==
              static_cast<long>(n / 8));
      }
    }
  }
}

TEST_CASE("the pointer chase visits every line once per pass", "[kernels]") {
  const std::size_t lines = 4096;
  aligned_buffer b(lines * cpu::kLine);
  cpu::build_chase(b.data, lines, 99);
  std::vector<int> seen(lines, 0);
  const void* p = b.data;
  for (std::size_t k = 0; k < lines; ++k) {
    const auto idx =
        static_cast<std::size_t>((static_cast<const std::byte*>(p) - b.data) / cpu::kLine);
    REQUIRE(idx < lines);
    ++seen[idx];
    p = cpu::chase(p, 1);
  }
  CHECK(p == b.data);  // one cycle through all lines
  for (int s : seen)
    CHECK(s == 1);
  CHECK(cpu::chase(b.data, lines) == b.data);
}
