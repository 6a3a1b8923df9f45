// The result document: one per run, schema-versioned (docs/schema.md). Numbers are SI units;
// unknown values are null.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cxlprobe {

inline constexpr int kSchemaVersion = 1;

struct run_meta {
  std::string tool = "cxlprobe";
  std::string version;
  std::string git_sha;
  std::vector<std::string> argv;
  std::string start_time;  // ISO 8601, UTC
  std::string host;
  bool complete = true;  // false when the run was interrupted; results are partial
  std::optional<double> duration_s;
};

struct document {
  run_meta meta;
  json context = json::object();
  std::vector<result> results;
  json analysis = json::object();
};

json to_json(const result& r);
json to_json(const document& doc);

// Validates and converts. Throws usage_error naming `source` and the JSON path at fault.
result result_from_json(const json& j, std::string_view source = "result");
document document_from_json(const json& j, std::string_view source = "document");

// Parses JSON text (e.g. a file's content). Throws usage_error naming `source` on bad JSON.
document parse_document(std::string_view text, std::string_view source);

// Reads and parses a result file. Throws usage_error for a missing, empty or bad file.
document load_document(const std::string& path);

// Exit status of a run: 0 all ok (or some waived among ok ones), 1 any error, 3 nothing but
// waived/skipped results (e.g. no GPU). An empty result list counts as 0.
int exit_code_for(const std::vector<result>& results);

}  // namespace cxlprobe
