#include "core/document.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace cxlprobe {

namespace {

json nullable(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

[[noreturn]] void schema_fail(std::string_view source, std::string_view path,
                              std::string_view why) {
  throw usage_error(fmt::format("{}: {} {}", source, path, why));
}

const json& member(const json& obj, std::string_view key, json::value_t type,
                   std::string_view source, std::string_view path) {
  const std::string full = fmt::format("{}.{}", path, key);
  auto it = obj.find(std::string(key));
  if (it == obj.end()) schema_fail(source, full, "is missing");
  const bool number_ok = type == json::value_t::number_float && it->is_number();
  if (it->type() != type && !number_ok) {
    schema_fail(source, full, fmt::format("has the wrong type ({})", it->type_name()));
  }
  return *it;
}

std::string string_member(const json& obj, std::string_view key, std::string_view source,
                          std::string_view path) {
  return member(obj, key, json::value_t::string, source, path).get<std::string>();
}

}  // namespace

json to_json(const result& r) {
  json metrics = json::array();
  for (const auto& m : r.metrics) {
    metrics.push_back(
        {{"name", m.name}, {"unit", m.unit}, {"value", nullable(m.value)}, {"stat", m.stat}});
  }
  json samples = json::array();
  for (const auto& s : r.samples) {
    samples.push_back({{"metric", s.metric}, {"unit", s.unit}, {"values", s.values}});
  }
  return {{"probe", r.probe},   {"status", to_string(r.state)}, {"message", r.message},
          {"params", r.params}, {"metrics", metrics},           {"samples", samples}};
}

json to_json(const document& doc) {
  json results = json::array();
  for (const auto& r : doc.results)
    results.push_back(to_json(r));
  json meta = {{"tool", doc.meta.tool},
               {"version", doc.meta.version},
               {"git_sha", doc.meta.git_sha},
               {"argv", doc.meta.argv},
               {"start_time", doc.meta.start_time},
               {"host", doc.meta.host},
               {"complete", doc.meta.complete},
               {"duration_s", nullable(doc.meta.duration_s)}};
  return {{"schema_version", kSchemaVersion},
          {"meta", meta},
          {"context", doc.context},
          {"results", results},
          {"analysis", doc.analysis}};
}

result result_from_json(const json& j, std::string_view source) {
  const std::string path = "results[]";
  if (!j.is_object()) schema_fail(source, path, "is not an object");
  result r;
  r.probe = string_member(j, "probe", source, path);
  try {
    r.state = status_from_string(string_member(j, "status", source, path));
  } catch (const usage_error& e) {
    schema_fail(source, path + ".status", e.what());
  }
  if (j.contains("message")) r.message = string_member(j, "message", source, path);
  if (j.contains("params")) r.params = member(j, "params", json::value_t::object, source, path);
  if (j.contains("metrics")) {
    for (const auto& m : member(j, "metrics", json::value_t::array, source, path)) {
      const std::string mp = path + ".metrics[]";
      if (!m.is_object()) schema_fail(source, mp, "is not an object");
      metric out;
      out.name = string_member(m, "name", source, mp);
      out.unit = string_member(m, "unit", source, mp);
      if (m.contains("stat")) out.stat = string_member(m, "stat", source, mp);
      auto v = m.find("value");
      if (v == m.end()) schema_fail(source, mp + ".value", "is missing");
      if (v->is_number()) {
        out.value = v->get<double>();
      } else if (!v->is_null()) {
        schema_fail(source, mp + ".value", "must be a number or null");
      }
      r.metrics.push_back(std::move(out));
    }
  }
  if (j.contains("samples")) {
    for (const auto& s : member(j, "samples", json::value_t::array, source, path)) {
      const std::string sp = path + ".samples[]";
      if (!s.is_object()) schema_fail(source, sp, "is not an object");
      sample_set out;
      out.metric = string_member(s, "metric", source, sp);
      out.unit = string_member(s, "unit", source, sp);
      for (const auto& v : member(s, "values", json::value_t::array, source, sp)) {
        if (!v.is_number()) schema_fail(source, sp + ".values[]", "must be numbers");
        out.values.push_back(v.get<double>());
      }
      r.samples.push_back(std::move(out));
    }
  }
  return r;
}

document document_from_json(const json& j, std::string_view source) {
  if (!j.is_object()) schema_fail(source, "the document", "is not a JSON object");
  auto sv = j.find("schema_version");
  if (sv == j.end()) {
    schema_fail(source, "schema_version", "is missing (is this a cxlprobe result file?)");
  }
  if (!sv->is_number_integer() || sv->get<long>() != kSchemaVersion) {
    schema_fail(source, "schema_version",
                fmt::format("is {}, this cxlprobe reads version {}", sv->dump(), kSchemaVersion));
  }
  document doc;
  const json& meta = member(j, "meta", json::value_t::object, source, "");
  doc.meta.tool = string_member(meta, "tool", source, "meta");
  doc.meta.version = string_member(meta, "version", source, "meta");
  if (meta.contains("git_sha")) doc.meta.git_sha = string_member(meta, "git_sha", source, "meta");
  if (meta.contains("start_time")) {
    doc.meta.start_time = string_member(meta, "start_time", source, "meta");
  }
  if (meta.contains("host")) doc.meta.host = string_member(meta, "host", source, "meta");
  if (meta.contains("argv")) {
    for (const auto& a : member(meta, "argv", json::value_t::array, source, "meta")) {
      if (!a.is_string()) schema_fail(source, "meta.argv[]", "must be strings");
      doc.meta.argv.push_back(a.get<std::string>());
    }
  }
  if (meta.contains("complete")) {
    doc.meta.complete =
        member(meta, "complete", json::value_t::boolean, source, "meta").get<bool>();
  }
  if (auto d = meta.find("duration_s"); d != meta.end() && d->is_number()) {
    doc.meta.duration_s = d->get<double>();
  }
  if (j.contains("context")) doc.context = member(j, "context", json::value_t::object, source, "");
  for (const auto& r : member(j, "results", json::value_t::array, source, "")) {
    doc.results.push_back(result_from_json(r, source));
  }
  if (j.contains("analysis")) {
    doc.analysis = member(j, "analysis", json::value_t::object, source, "");
  }
  return doc;
}

document parse_document(std::string_view text, std::string_view source) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw usage_error(fmt::format("{}: empty, expected a cxlprobe result document (JSON)", source));
  }
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw usage_error(
        fmt::format("{}: not valid JSON (near byte {}); is the file truncated?", source, e.byte));
  } catch (const json::exception& e) {
    // Valid syntax the library cannot hold (a number overflowing a double; found by fuzzing).
    throw usage_error(fmt::format("{}: unreadable JSON: {}", source, e.what()));
  }
  return document_from_json(j, source);
}

document load_document(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw usage_error(fmt::format("cannot open result file '{}': {}", path, std::strerror(errno)));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  if (text.empty()) throw usage_error(fmt::format("result file '{}' is empty", path));
  return parse_document(text, path);
}

int exit_code_for(const std::vector<result>& results) {
  bool any_ok = false;
  bool any_error = false;
  for (const auto& r : results) {
    any_ok = any_ok || r.state == status::ok;
    any_error = any_error || r.state == status::error;
  }
  if (any_error) return 1;
  if (!results.empty() && !any_ok) return 3;
  return 0;
}

}  // namespace cxlprobe
