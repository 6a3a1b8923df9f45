// RAII owners of CUDA resources used by the GPU probes. Destructors release quietly (they run
// during unwinding); constructors check every call.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/cuda_check.hpp"

namespace cxlprobe::probes::cuda {

// Device memory on one GPU.
class device_buffer {
 public:
  device_buffer() = default;
  device_buffer(int device, std::size_t bytes);
  device_buffer(device_buffer&& o) noexcept { *this = std::move(o); }
  device_buffer& operator=(device_buffer&& o) noexcept;
  ~device_buffer();
  std::byte* data() const { return static_cast<std::byte*>(ptr_); }
  std::size_t size() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  int device_ = 0;
  std::size_t bytes_ = 0;
};

// cudaHostAlloc'ed memory, portable and mapped into every GPU.
class pinned_buffer {
 public:
  pinned_buffer() = default;
  explicit pinned_buffer(std::size_t bytes);
  pinned_buffer(pinned_buffer&& o) noexcept { *this = std::move(o); }
  pinned_buffer& operator=(pinned_buffer&& o) noexcept;
  ~pinned_buffer();
  std::byte* data() const { return static_cast<std::byte*>(ptr_); }
  std::size_t size() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// cudaHostRegister of an existing mapping, in chunks below 512 GiB (one call of 512 GiB or more
// fails on r580+ drivers). Unregisters every chunk on destruction.
class host_registration {
 public:
  host_registration() = default;
  host_registration(void* ptr, std::size_t bytes, bool read_only);
  host_registration(host_registration&& o) noexcept { *this = std::move(o); }
  host_registration& operator=(host_registration&& o) noexcept;
  ~host_registration();

  static constexpr std::size_t kChunk = 256ULL << 30;

 private:
  void release() noexcept;
  std::vector<std::pair<void*, std::size_t>> chunks_;
};

class stream {
 public:
  explicit stream(int device);
  stream(stream&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  stream& operator=(stream&&) = delete;
  ~stream();
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_ = nullptr;
};

class event {
 public:
  event();
  event(event&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  event& operator=(event&&) = delete;
  ~event();
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_ = nullptr;
};

// Device pointer of host memory that is pinned or registered (mapped).
void* device_pointer(void* host);

// "0000:00:06.0" of a CUDA device, lower case with a 4-digit domain, as hwloc prints it.
std::string pci_bus_id(int device);
int device_count();  // 0 when no device or no driver

}  // namespace cxlprobe::probes::cuda
