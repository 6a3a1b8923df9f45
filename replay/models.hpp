// Model geometry presets for the KV replay: KV bytes per token and the prefill cost split.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cxlprobe::replay {

struct model_geometry {
  std::string name;
  int layers = 0;
  int q_heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int dtype_bytes = 2;       // bf16
  double active_params = 0;  // parameters used per token (MoE: active experts only)

  // K and V of every layer: 2 x layers x kv_heads x head_dim x dtype bytes.
  std::uint64_t kv_bytes_per_token() const;
  // Prefill FLOPs = 2 x active_params x n (linear layers) + 2 x layers x q_heads x head_dim x n^2
  // (causal attention: QK^T and AV over n^2 / 2 pairs, 2 FLOPs per multiply-add), so the
  // quadratic-to-linear coefficient ratio is layers x q_heads x head_dim / active_params.
  double attention_ratio() const;
};

const std::vector<model_geometry>& model_presets();
// Throws usage_error listing the known names.
const model_geometry& find_model(std::string_view name);

}  // namespace cxlprobe::replay
