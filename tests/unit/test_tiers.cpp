#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "tests/catch_compat.hpp"
#include "tiers/memory_room.hpp"
#include "tiers/tier_buffer.hpp"
#include "tiers/tier_spec.hpp"

using namespace cxlprobe;
using namespace cxlprobe::tiers;

namespace {

std::string temp_path(const std::string& tag) {
  return "/tmp/cxlprobe-test-" + tag + "-" + std::to_string(::getpid());
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("tier specs parse in every documented form", "[tiers]") {
  CHECK(parse_tier("dram").kind == tier_kind::dram);
  const auto n = parse_tier("node:2");
  CHECK(n.kind == tier_kind::node);
  CHECK(n.node == 2);
  const auto d = parse_tier("dax:/dev/dax0.0");
  CHECK(d.kind == tier_kind::dax);
  CHECK(d.path == "/dev/dax0.0");
  CHECK(d.offset == 0);
  CHECK_FALSE(d.length.has_value());
  const auto dr = parse_tier("dax:/dev/dax1.0@2MiB+1GiB");
  CHECK(dr.offset == 2097152);
  CHECK(dr.length == 1073741824ULL);
  CHECK(parse_tier(dr.to_string()).offset == dr.offset);  // round trip
  CHECK(parse_tier("dax:/dev/dax1.0@0").offset == 0);
  const auto f = parse_tier("file:/dev/shm/x.bin");
  CHECK(f.kind == tier_kind::file);
  CHECK(f.emulated());
  CHECK_FALSE(d.emulated());
}

TEST_CASE("bad tier specs are refused with the accepted forms", "[tiers]") {
  for (const char* bad :
       {"", "ram", "node:", "node:x", "node:-1", "node:1.5", "dax:", "dax:dax0.0",
        "dax:/dev/dax0.0@", "dax:/dev/dax0.0@abc", "dax:/dev/dax0.0@0+0", "file:", "cxl:0"}) {
    INFO(bad);
    try {
      (void)parse_tier(bad);
      FAIL("accepted");
    } catch (const usage_error& e) {
      CHECK(std::string(e.what()).find(bad) != std::string::npos);
    }
  }
}

TEST_CASE("DAX geometry from sysfs and range checks", "[tiers][dax]") {
  const dax_geometry g = read_dax_geometry("/dev/dax0.0", CXLPROBE_TEST_FSROOT);
  CHECK(g.size == 536870912ULL);
  CHECK(g.align == 2097152ULL);
  CHECK_NOTHROW(check_dax_range("/dev/dax0.0", g, 0, g.size));
  CHECK_NOTHROW(check_dax_range("/dev/dax0.0", g, 2097152, 4194304));
  CHECK_THROWS_AS(check_dax_range("/dev/dax0.0", g, 4096, 2097152),
                  usage_error);                                                 // misaligned offset
  CHECK_THROWS_AS(check_dax_range("/dev/dax0.0", g, 0, 3 << 20), usage_error);  // misaligned size
  CHECK_THROWS_AS(check_dax_range("/dev/dax0.0", g, g.size, 2097152), usage_error);  // past the end
  CHECK_THROWS_AS(check_dax_range("/dev/dax0.0", g, g.size - 2097152, 4194304), usage_error);
  CHECK_THROWS_AS(check_dax_range("/dev/dax0.0", g, 0, 0), usage_error);
  CHECK_THROWS_AS(read_dax_geometry("/dev/dax9.9", CXLPROBE_TEST_FSROOT), usage_error);
  // A device path that is not a character device is not a DAX device.
  map_request req;
  req.bytes = 4096;
  CHECK_THROWS_AS(tier_buffer::open(parse_tier("dax:/tmp"), req), usage_error);
  CHECK_THROWS_AS(tier_buffer::open(parse_tier("dax:/nonexistent/dax0.0"), req), usage_error);
}

TEST_CASE("a new file stand-in is created, writable and removed afterwards", "[tiers][file]") {
  const std::string path = temp_path("new");
  ::unlink(path.c_str());
  {
    map_request req;
    req.bytes = 1 << 20;
    req.writes = true;
    tier_buffer b = tier_buffer::open(parse_tier("file:" + path), req);
    CHECK(b.owns_content());
    CHECK(b.writable());
    std::memset(b.data(), 0x5A, b.size());
    CHECK(::access(path.c_str(), F_OK) == 0);
    CHECK(b.describe().find("emulated") != std::string::npos);
  }
  CHECK(::access(path.c_str(), F_OK) != 0);
}

TEST_CASE("writing into an existing file needs --allow-write, content stays untouched",
          "[tiers][safety]") {
  const std::string path = temp_path("existing");
  const std::string content(1 << 16, 'k');
  write_text(path, content);
  map_request req;
  req.bytes = 4096;
  req.writes = true;
  try {
    (void)tier_buffer::open(parse_tier("file:" + path), req);
    FAIL("write permitted without --allow-write");
  } catch (const usage_error& e) {
    CHECK(std::string(e.what()).find("--allow-write") != std::string::npos);
  }
  CHECK(slurp(path) == content);
  // Reading an existing file maps it read-only and leaves it in place.
  req.writes = false;
  {
    tier_buffer b = tier_buffer::open(parse_tier("file:" + path), req);
    CHECK_FALSE(b.writable());
    CHECK_FALSE(b.owns_content());
    CHECK(static_cast<char>(b.data()[100]) == 'k');
  }
  CHECK(slurp(path) == content);
  // Too small for the request.
  req.bytes = 1 << 20;
  CHECK_THROWS_AS(tier_buffer::open(parse_tier("file:" + path), req), usage_error);
  // With permission, writes land.
  req.bytes = 4096;
  req.writes = true;
  req.allow_write = true;
  {
    tier_buffer b = tier_buffer::open(parse_tier("file:" + path), req);
    b.data()[0] = std::byte{'X'};
  }
  CHECK(slurp(path)[0] == 'X');
  ::unlink(path.c_str());
  CHECK_THROWS_AS(tier_buffer::open(parse_tier("file:/tmp"), req), usage_error);  // a directory
}

TEST_CASE("a file another process maps is refused unless --force", "[tiers][safety]") {
  const std::string path = temp_path("inuse");
  write_text(path, std::string(1 << 16, 'm'));
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    FILE* f = std::fopen(path.c_str(), "r");
    void* p = f ? ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fileno(f), 0) : MAP_FAILED;
    const char c = p == MAP_FAILED ? 'n' : 'y';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  CHECK(processes_mapping(path) == std::vector<int>{child});
  map_request req;
  req.bytes = 4096;
  try {
    (void)tier_buffer::open(parse_tier("file:" + path), req);
    FAIL("a mapped file was accepted");
  } catch (const usage_error& e) {
    CHECK(std::string(e.what()).find(std::to_string(child)) != std::string::npos);
    CHECK(std::string(e.what()).find("--force") != std::string::npos);
  }
  req.force = true;
  CHECK_NOTHROW(tier_buffer::open(parse_tier("file:" + path), req));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  ::unlink(path.c_str());
}

TEST_CASE("node:0 places pages on node 0, a missing node is refused", "[tiers][numa]") {
  map_request req;
  req.bytes = 8 << 20;
  req.writes = true;
  tier_buffer b = tier_buffer::open(parse_tier("node:0"), req);
  std::memset(b.data(), 1, b.size());
  CHECK(b.placement_on_node(0) == approx(1.0));
  CHECK_THROWS_AS(tier_buffer::open(parse_tier("node:999"), req), usage_error);
}

TEST_CASE("memory room: MemAvailable for dram, the node's MemFree for node:N, none for others",
          "[tiers][safety]") {
  const std::string root = temp_path("room");
  std::filesystem::create_directories(root + "/proc");
  std::filesystem::create_directories(root + "/sys/devices/system/node/node1");
  write_text(root + "/proc/meminfo",
             "MemTotal:       16000000 kB\nMemFree:         3000000 kB\n"
             "MemAvailable:    1048576 kB\n");
  write_text(root + "/sys/devices/system/node/node1/meminfo",
             "Node 1 MemTotal:        8000000 kB\nNode 1 MemFree:          524288 kB\n");
  const auto dram = memory_room_of(parse_tier("dram"), root);
  REQUIRE(dram.has_value());
  CHECK(dram->bytes == (1ULL << 30));
  CHECK(dram->what == "MemAvailable of " + root + "/proc/meminfo");
  const auto node = memory_room_of(parse_tier("node:1"), root);
  REQUIRE(node.has_value());
  CHECK(node->bytes == (512ULL << 20));
  CHECK_FALSE(memory_room_of(parse_tier("node:2"), root).has_value());
  CHECK_FALSE(memory_room_of(parse_tier("file:/tmp/x.bin"), root).has_value());
  CHECK(mappable_part(1000) == 900);

  // A mapping over 90% of the room is refused before anything is mapped; within it, mapped.
  map_request req;
  req.sysfs_root = root;
  req.bytes = 1000ULL << 20;
  try {
    (void)tier_buffer::open(parse_tier("dram"), req);
    FAIL("a mapping over 90% of MemAvailable was not refused");
  } catch (const usage_error& e) {
    const std::string m = e.what();
    CHECK(m.find("this run maps 1000 MiB") != std::string::npos);
    CHECK(m.find("Use a smaller --size") != std::string::npos);
  }
  req.bytes = 900ULL << 20;
  CHECK(tier_buffer::open(parse_tier("dram"), req).size() == (900ULL << 20));
  std::filesystem::remove_all(root);
}
