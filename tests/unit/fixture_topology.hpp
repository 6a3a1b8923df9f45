// Loads a topology fixture of tests/fixtures/hwloc by file name (unit tests only).
#pragma once

#include <string>

#include "topology/loader.hpp"

namespace cxlprobe::test {

inline const std::string kFixtures = std::string(CXLPROBE_TEST_FIXTURES) + "/";
// tests/fixtures/sysfs/qemu-cxl-sysfs.tar.xz, extracted at configure time.
inline const std::string kSysfsCaptures = std::string(CXLPROBE_TEST_SYSFS_CAPTURES) + "/";

inline topology::topology hwloc_fixture(const std::string& name) {
  topology::load_options o;
  o.xml_path = kFixtures + "hwloc/" + name;
  return topology::load(o);
}

}  // namespace cxlprobe::test
