// GPU tests: run on a machine with a CUDA device; exit 77 (ctest: skipped) without one.
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>
#include <catch2/catch_test_macros.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/cuda_check.hpp"
#include "kernels/cuda/dma_kernels.hpp"
#include "kernels/pattern.hpp"
#include "probes/cuda_resources.hpp"
#include "probes/probe.hpp"

using namespace cxlprobe;

namespace {

// Runs a registered probe as the CLI would, with the given options.
std::vector<result> run_probe(const std::string& name, std::vector<std::string> args) {
  const probes::probe_spec* spec = probes::find_probe(name);
  REQUIRE(spec != nullptr);
  CLI::App app;
  probes::runner r = spec->setup(app);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  probes::run_context ctx;
  return r(ctx);
}

double median_bandwidth(const result& r) {
  const metric* m = r.find("bandwidth", "median");
  REQUIRE(m != nullptr);
  REQUIRE(m->value.has_value());
  return *m->value;
}

}  // namespace

TEST_CASE("block copy kernels move blocks to random slots, every word", "[gpu][kernel]") {
  const bool tma = kernels::cuda::tma_supported();
  for (int variant = 0; variant < (tma ? 2 : 1); ++variant)
    for (std::size_t block : {std::size_t{16}, std::size_t{4096}, std::size_t{16384},
                              std::size_t{1572864}, std::size_t{16384 * 3 + 48}}) {
      INFO("block " << block << (variant ? " tma" : " lsu"));
      const std::size_t n = std::max<std::size_t>(4, (8u << 20) / block);
      const std::size_t slots = 3 * n;
      std::vector<std::uint64_t> slot(slots);
      std::iota(slot.begin(), slot.end(), 0);
      std::shuffle(slot.begin(), slot.end(), std::mt19937_64(block));
      slot.resize(n);
      std::vector<std::uint64_t> src_off(n), dst_off(n);
      for (std::size_t i = 0; i < n; ++i) {
        src_off[i] = i * block;
        dst_off[i] = slot[i] * block;
      }
      probes::cuda::pinned_buffer host(n * block);
      for (std::size_t i = 0; i < n * block / 8; ++i) {
        const std::uint64_t w = kernels::pattern_word(block, i);
        std::memcpy(host.data() + 8 * i, &w, 8);
      }
      probes::cuda::device_buffer pool(0, slots * block);
      CXLP_CHECK_CUDA(cudaMemset(pool.data(), 0xA5, pool.size()));  // poison
      probes::cuda::device_buffer so(0, n * 8), dof(0, n * 8);
      CXLP_CHECK_CUDA(cudaMemcpy(so.data(), src_off.data(), n * 8, cudaMemcpyHostToDevice));
      CXLP_CHECK_CUDA(cudaMemcpy(dof.data(), dst_off.data(), n * 8, cudaMemcpyHostToDevice));
      auto launch =
          variant ? kernels::cuda::launch_block_copy_tma : kernels::cuda::launch_block_copy;
      CXLP_CHECK_CUDA(launch(pool.data(), probes::cuda::device_pointer(host.data()),
                             reinterpret_cast<const std::uint64_t*>(dof.data()),
                             reinterpret_cast<const std::uint64_t*>(so.data()), n, block, 0,
                             nullptr));
      CXLP_CHECK_CUDA(cudaDeviceSynchronize());
      std::vector<std::byte> back(pool.size());
      CXLP_CHECK_CUDA(cudaMemcpy(back.data(), pool.data(), pool.size(), cudaMemcpyDeviceToHost));
      std::size_t wrong = 0;
      for (std::size_t i = 0; i < n; ++i) {
        wrong += std::memcmp(back.data() + dst_off[i], host.data() + src_off[i], block) != 0;
      }
      CHECK(wrong == 0);
      // Slots nobody wrote keep the poison.
      std::vector<bool> used(slots, false);
      for (auto s : slot)
        used[s] = true;
      for (std::size_t s = 0; s < slots; ++s) {
        if (!used[s]) CHECK(static_cast<unsigned char>(back[s * block]) == 0xA5);
      }
    }
}

TEST_CASE("fill and mismatch kernels agree with the host pattern", "[gpu][kernel]") {
  probes::cuda::device_buffer d(0, 1 << 20);
  CXLP_CHECK_CUDA(kernels::cuda::launch_fill_pattern(d.data(), d.size(), 42, nullptr));
  probes::cuda::device_buffer count(0, 8);
  CXLP_CHECK_CUDA(cudaMemset(count.data(), 0, 8));
  auto* c = reinterpret_cast<unsigned long long*>(count.data());
  CXLP_CHECK_CUDA(kernels::cuda::launch_count_mismatches(d.data(), d.size(), 42, c, nullptr));
  unsigned long long bad = 1;
  CXLP_CHECK_CUDA(cudaMemcpy(&bad, c, 8, cudaMemcpyDeviceToHost));
  CHECK(bad == 0);
  CXLP_CHECK_CUDA(kernels::cuda::launch_count_mismatches(d.data(), d.size(), 43, c, nullptr));
  CXLP_CHECK_CUDA(cudaMemcpy(&bad, c, 8, cudaMemcpyDeviceToHost));
  CHECK(bad == d.size() / 8);
  std::uint64_t first = 0;
  CXLP_CHECK_CUDA(cudaMemcpy(&first, d.data(), 8, cudaMemcpyDeviceToHost));
  CHECK(first == kernels::pattern_word(42, 0));
}

TEST_CASE("dma bulk pinned copies verify both ways", "[gpu][dma]") {
  const bool tma = kernels::cuda::tma_supported();
  const auto rs =
      run_probe("dma", {"--size", "4KiB,16MiB", "--dir", "h2d,d2h,bidir", "--engine", "ce,sm",
                        "--kernel", tma ? "lsu,tma" : "lsu", "--reps", "3", "--warmup", "1"});
  REQUIRE(rs.size() == (tma ? 18u : 12u));
  for (const auto& r : rs) {
    INFO(r.params.dump() << " " << r.message);
    CHECK(r.state == status::ok);
    CHECK(median_bandwidth(r) > 1e8);
  }
}

TEST_CASE("dma registered /dev/shm file tier, written with permission", "[gpu][dma]") {
  const std::string path = "/dev/shm/cxlprobe-gpu-test-" + std::to_string(::getpid());
  const auto rs = run_probe("dma", {"--tier", "file:" + path, "--host", "registered", "--size",
                                    "64MiB", "--dir", "h2d,d2h", "--reps", "3"});
  REQUIRE(rs.size() == 2);
  for (const auto& r : rs) {
    INFO(r.message);
    CHECK(r.state == status::ok);
    CHECK(r.params["emulated"] == true);
  }
  CHECK(::access(path.c_str(), F_OK) != 0);  // the stand-in the probe created is gone
}

TEST_CASE("dma kv-restore and kv-offload verify every block for every method", "[gpu][dma][kv]") {
  for (const char* pat : {"kv-restore", "kv-offload"}) {
    const bool tma = kernels::cuda::tma_supported();
    const auto rs = run_probe(
        "dma", {"--pattern", pat, "--block", "16KiB,1.5MiB,12MiB", "--total", "64MiB", "--kernel",
                tma ? "lsu,tma,staged" : "lsu,staged", "--reps", "2", "--warmup", "1"});
    // Per block size: copy, batch and one row per kernel. 1.5 MiB blocks fill the 8 MiB ring
    // slots unevenly; 12 MiB blocks are larger than a slot's default.
    REQUIRE(rs.size() == (tma ? 15u : 12u));
    for (const auto& r : rs) {
      INFO(pat << " " << r.params.dump() << " " << r.message);
      CHECK(r.state == status::ok);
    }
  }
}

TEST_CASE("dma: SM engine on pageable memory is waived, a missing GPU is a usage error",
          "[gpu][dma]") {
  const auto rs =
      run_probe("dma", {"--host", "pageable", "--engine", "sm", "--size", "1MiB", "--dir", "h2d"});
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].state == status::waived);
  CHECK_THROWS_AS(run_probe("dma", {"--gpus", "999", "--size", "1MiB"}), usage_error);
}

TEST_CASE("dma: pageable copies are timed on the host, both directions and bidir, data verified",
          "[gpu][dma]") {
  const auto rs = run_probe("dma", {"--host", "pageable", "--engine", "ce", "--size",
                                    "4KiB,1MiB,64MiB", "--dir", "h2d,d2h,bidir", "--reps", "3",
                                    "--warmup", "1"});
  REQUIRE(rs.size() == 9);
  for (const auto& r : rs) {
    INFO(r.params.dump() << " " << r.message);
    CHECK(r.state == status::ok);
    CHECK(r.params.value("timing", "") == "host");
    CHECK(median_bandwidth(r) > 0);
  }
}

TEST_CASE("replay --exec moves every load and store for real, dram and a /dev/shm file tier",
          "[gpu][replay]") {
  const std::string path = "/dev/shm/cxlprobe-gpu-replay-" + std::to_string(::getpid());
  for (const std::string& tier : {std::string("dram"), "file:" + path}) {
    INFO(tier);
    const auto rs = run_probe("replay", {"--workload",
                                         "agentic",
                                         "--model",
                                         "qwen3-30b-a3b",
                                         "--prefill-time",
                                         "40s@174000",
                                         "--load-bw",
                                         "50GB/s",
                                         "--store-bw",
                                         "50GB/s",
                                         "--contexts",
                                         "2",
                                         "--turns",
                                         "3",
                                         "--context-tokens",
                                         "8192",
                                         "--turn-tokens",
                                         "512",
                                         // No GPU prefix cache: every turn after the first
                                         // loads its context from the tier (with vLLM's cache
                                         // the sequential turns would find it on the GPU).
                                         "--gpu-kv-capacity",
                                         "0",
                                         "--exec",
                                         "--tier",
                                         tier});
    REQUIRE(rs.size() == 2);
    const result& on = rs[1];
    INFO(on.message);
    CHECK(on.state == status::ok);
    const metric* load = on.find("exec_load_s_total", "value");
    REQUIRE(load != nullptr);
    REQUIRE(load->value.has_value());
    CHECK(load->value.value() > 0);
    const metric* bw = on.find("exec_load_bandwidth", "value");
    REQUIRE(bw != nullptr);
    REQUIRE(bw->value.has_value());
    CHECK(bw->value.value() > 1e9);
  }
  CHECK(::access(path.c_str(), F_OK) != 0);
}

TEST_CASE("scale: streams and a CPU/GPU mix on one tier report every point", "[gpu][scale]") {
  const auto rs =
      run_probe("scale", {"--streams", "1,2", "--mix", "0,1", "--size", "64MiB", "--reps", "3"});
  REQUIRE(rs.size() == 4);
  for (const auto& r : rs) {
    INFO(r.params.dump() << " " << r.message);
    CHECK(r.state == status::ok);
    const metric* m = r.find("aggregate_bandwidth", "median");
    REQUIRE(m != nullptr);
    CHECK(m->value.value() > 1e9);
  }
  CHECK(rs[3].find("gpu_share_of_alone", "value") != nullptr);
}

int main(int argc, char** argv) {
  if (probes::cuda::device_count() == 0) {
    std::printf("no CUDA device: GPU tests skipped\n");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
