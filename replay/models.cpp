#include "replay/models.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace cxlprobe::replay {

std::uint64_t model_geometry::kv_bytes_per_token() const {
  return 2ULL * static_cast<std::uint64_t>(layers) * static_cast<std::uint64_t>(kv_heads) *
         static_cast<std::uint64_t>(head_dim) * static_cast<std::uint64_t>(dtype_bytes);
}

double model_geometry::attention_ratio() const {
  return static_cast<double>(layers) * q_heads * head_dim / active_params;
}

const std::vector<model_geometry>& model_presets() {
  // Geometry from the models' published configurations (config.json).
  static const std::vector<model_geometry> presets{
      {"qwen3-30b-a3b", 48, 32, 4, 128, 2, 3.3e9},
      {"llama-3.1-8b", 32, 32, 8, 128, 2, 8.0e9},
      {"llama-3.1-70b", 80, 64, 8, 128, 2, 70.6e9},
      {"qwen2.5-7b", 28, 28, 4, 128, 2, 7.6e9},
  };
  return presets;
}

const model_geometry& find_model(std::string_view name) {
  std::string names;
  for (const auto& m : model_presets()) {
    if (m.name == name) return m;
    names += (names.empty() ? "" : ", ") + m.name;
  }
  throw usage_error(fmt::format(
      "--model: unknown model '{}'; presets: {} (or give --kv-bytes-per-token)", name, names));
}

}  // namespace cxlprobe::replay
