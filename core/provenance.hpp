// Which machine a result document describes: host name, a hash of /etc/machine-id (the id itself
// is not written: it is unique and sometimes treated as secret), boot id, kernel, GPU driver and
// CPU model. Unreadable facts are empty strings, never guesses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cxlprobe {

// FNV-1a, 64 bit, as 16 hex digits: a stable short identifier, not a cryptographic hash.
std::string fnv1a_hex(std::string_view data);

// {host, machine_id_hash, boot_id, kernel, gpu_driver, cpu_model}, read under `root`.
nlohmann::json machine_facts(const std::string& root = "/");

}  // namespace cxlprobe
