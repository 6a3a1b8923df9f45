#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/document.hpp"
#include "core/error.hpp"
#include "report/table.hpp"
#include "tests/catch_compat.hpp"

using namespace cxlprobe;

namespace {
document sample_document() {
  document doc;
  doc.meta.version = "0.1.0";
  doc.meta.git_sha = "abc";
  doc.meta.argv = {"cxlprobe", "dma", "--size", "1GiB"};
  doc.meta.start_time = "2026-11-26T20:00:00Z";
  doc.meta.host = "node1";
  doc.meta.duration_s = 1.25;
  doc.context["topology"] = {{"gpus", json::array()}};
  result r;
  r.probe = "dma";
  r.params = {{"dir", "h2d"}, {"size", 1073741824}};
  const std::vector<double> bw{55.1e9, 55.3e9, 55.2e9};
  r.add_summary("bandwidth", "B/s", bw);
  r.add_value("latency", "s", std::nullopt);
  doc.results.push_back(r);
  doc.results.push_back(make_waived("dma", "no CUDA device"));
  doc.analysis["floors"] = json::array();
  return doc;
}
}  // namespace

TEST_CASE("a result document survives a JSON round trip", "[document]") {
  const document doc = sample_document();
  const json j = to_json(doc);
  CHECK(j["schema_version"] == 1);
  CHECK(j["results"][0]["metrics"][0]["name"] == "bandwidth");
  CHECK(j["results"][0]["metrics"][0]["stat"] == "median");
  CHECK(j["results"][0]["metrics"][0]["value"].get<double>() == approx(55.2e9));
  CHECK(j["results"][0]["metrics"].back()["value"].is_null());  // unknown -> null, never "N/A"
  const document back = parse_document(j.dump(), "test");
  CHECK(to_json(back) == j);
  CHECK(back.results[1].state == status::waived);
  CHECK(back.results[0].find("bandwidth", "cv")->value.value() == approx(0.0018115).epsilon(1e-3));
}

TEST_CASE("bad documents are refused with the path at fault", "[document]") {
  json j = to_json(sample_document());
  auto expect_error = [](const json& bad, const std::string& needle) {
    try {
      (void)document_from_json(bad, "f.json");
      FAIL("accepted a bad document");
    } catch (const usage_error& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
  };
  json v2 = j;
  v2["schema_version"] = 2;
  expect_error(v2, "schema_version");
  json no_version = j;
  no_version.erase("schema_version");
  expect_error(no_version, "schema_version");
  json bad_status = j;
  bad_status["results"][0]["status"] = "fine";
  expect_error(bad_status, "status");
  json bad_value = j;
  bad_value["results"][0]["metrics"][0]["value"] = "N/A";
  expect_error(bad_value, "value");
  json no_results = j;
  no_results.erase("results");
  expect_error(no_results, "results");
  CHECK_THROWS_AS(parse_document("{\"schema_version\": 1, ", "t.json"), usage_error);
  CHECK_THROWS_AS(parse_document("", "t.json"), usage_error);
  // A number that overflows a double is an input error, not a crash (found by fuzzing).
  CHECK_THROWS_AS(parse_document("{\"schema_version\": 1, \"x\": 6301E384674}", "t.json"),
                  usage_error);
  CHECK_THROWS_AS(load_document("/nonexistent/cxlprobe.json"), usage_error);
}

TEST_CASE("exit codes follow result states", "[document]") {
  std::vector<result> rs;
  CHECK(exit_code_for(rs) == 0);
  rs.push_back(make_waived("dma", "no GPU"));
  CHECK(exit_code_for(rs) == 3);
  result ok;
  ok.probe = "bw";
  rs.push_back(ok);
  CHECK(exit_code_for(rs) == 0);
  rs.push_back(make_error("bw", "boom"));
  CHECK(exit_code_for(rs) == 1);
}

TEST_CASE("atomic writes replace regular files and write devices in place", "[document]") {
  char dir_template[] = "/tmp/cxlprobe-test-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  const std::string path = dir + "/out.json";
  write_file_atomically(path, "first");
  write_file_atomically(path, "second");
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  CHECK(buf.str() == "second");
  write_file_atomically("/dev/null", "discarded");  // not renamed over, still a device
  CHECK_THROWS_AS(write_file_atomically(dir, "x"), usage_error);
  CHECK_THROWS_AS(write_file_atomically(dir + "/missing/out.json", "x"), system_error);
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("console: CPU lists as ranges, prose wrapped at 120 columns") {
  using cxlprobe::report::cpu_ranges;
  CHECK(cpu_ranges("0,1,2,3,8") == "0-3,8");
  CHECK(cpu_ranges("0,1") == "0,1");
  CHECK(cpu_ranges("4,6,7,8,9,15") == "4,6-9,15");
  CHECK(cpu_ranges("3") == "3");
  CHECK(cpu_ranges("0-3") == "0-3");  // not a plain list: unchanged
  const std::string line = "    " + std::string(60, 'a') + " " + std::string(60, 'b') + " end";
  const std::string wrapped = cxlprobe::report::wrap_lines(line, 80);
  CHECK(wrapped == "    " + std::string(60, 'a') + "\n        " + std::string(60, 'b') + " end");
  CHECK(cxlprobe::report::wrap_lines("short\nlines", 80) == "short\nlines");
}
