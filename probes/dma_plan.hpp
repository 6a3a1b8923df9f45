// What `cxlprobe dma` was asked to measure, validated; the CUDA back end (dma_cuda.cpp) runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "probes/probe.hpp"
#include "tiers/tier_spec.hpp"
#include "topology/model.hpp"

namespace cxlprobe::probes::dma {

enum class host_kind { pinned, registered, pageable };
enum class direction { h2d, d2h, bidir };
enum class engine { ce, sm };
enum class pattern { bulk, kv_restore, kv_offload };
enum class kv_method { copy, batch, kernel };
// 16-byte loads/stores, or Hopper bulk async copies, both over mapped host memory; or (KV
// patterns only) staged: the copy engine moves contiguous host runs through a device ring and
// the lsu kernel scatters/gathers the blocks on the GPU side.
enum class sm_kernel { lsu, tma, staged };

std::string_view name(host_kind h);
std::string_view name(direction d);
std::string_view name(engine e);
std::string_view name(pattern p);
std::string_view name(kv_method m);
std::string_view name(sm_kernel k);

struct plan {
  tiers::tier_spec tier;
  bool allow_write = false;
  bool force = false;
  std::vector<host_kind> hosts;
  std::vector<direction> dirs;
  std::vector<engine> engines;
  std::vector<int> gpus;  // empty = all
  std::vector<std::uint64_t> sizes;
  int streams = 1;
  int reps = 10;
  int warmup = 3;
  pattern pat = pattern::bulk;
  std::vector<std::uint64_t> block_sizes;
  std::uint64_t blocks = 0;  // 0 = total_bytes / block
  std::uint64_t total_bytes = 1ULL << 30;
  std::vector<kv_method> methods;
  int ctas = 0;
  // Empty: bulk sm takes the best this GPU runs (tma on Hopper and later); KV patterns compare
  // that with staged.
  std::vector<sm_kernel> kernels;
  // Staged KV ring slot in bytes; 0: chosen from the copy engine's measured curve.
  std::uint64_t stage_slot = 0;
};

// Default bulk sweep: 4 KiB .. 1 GiB in powers of two plus the KV sizes (1.5 MiB vLLM block,
// 24 MiB LMCache chunk of a 96 KiB/token model; 16 KiB pages are in the powers of two).
std::vector<std::uint64_t> default_sizes();
// Default KV block sweep: 4 KiB .. 24 MiB.
std::vector<std::uint64_t> default_blocks();

// Sets gpu.cuda_index for every GPU CUDA sees, matched by PCI bus id (Debian's hwloc has no CUDA
// plugin).
void annotate_cuda_devices(topology::topology& topo);

// Why CUDA cannot run here (not compiled in, no device), or nullopt.
std::optional<std::string> unavailable_reason();
std::vector<result> run(run_context& ctx, const plan& p);

// One process's share of a scaling run: `reps` host-to-device copies of `bytes` from `host`
// (registered here for the duration) to GPU `gpu`, each timed on the host clock (steady clock,
// seconds) so that processes can be lined up. Returns (start, end) per copy. Throws waived_error
// without CUDA.
std::vector<std::pair<double, double>> timed_h2d_from(void* host, std::uint64_t bytes, int gpu,
                                                      int reps);

}  // namespace cxlprobe::probes::dma
