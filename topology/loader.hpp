// Builds the topology model: hwloc (live or XML) first, then what sysfs, libdaxctl and libcxl add
// on a live system.
#pragma once

#include <optional>
#include <string>

#include "topology/model.hpp"

namespace cxlprobe::topology {

struct load_options {
  // An hwloc XML export (`lstopo --of xml`). Only the file is described: nothing is read from this
  // machine's sysfs or libraries.
  std::optional<std::string> xml_path;
  // A sysfs/proc tree to read instead of "/" (tests, HWLOC_FSROOT-style snapshots). With
  // xml_path: a sysfs snapshot of the machine the XML describes, read on top of the XML.
  std::optional<std::string> fsroot;
  // Ask libdaxctl/libcxl (when compiled in) on a live load.
  bool use_libraries = true;
};

// Throws usage_error for a bad XML file (missing, unreadable, empty, not XML, rejected or
// crashing hwloc), system_error when hwloc cannot read the live system.
topology load(const load_options& options);

// Checks an XML file without loading it into this process: cheap checks first, then hwloc in
// a child process so that a file that crashes hwloc cannot take this process down. Throws
// usage_error naming the file and the problem.
void check_xml_file(const std::string& path);

}  // namespace cxlprobe::topology
