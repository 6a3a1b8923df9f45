#include "probes/cuda_resources.hpp"

#include <algorithm>
#include <cctype>

namespace cxlprobe::probes::cuda {

device_buffer::device_buffer(int device, std::size_t bytes) : device_(device), bytes_(bytes) {
  CXLP_CHECK_CUDA(cudaSetDevice(device));
  CXLP_CHECK_CUDA(cudaMalloc(&ptr_, bytes));
}

device_buffer& device_buffer::operator=(device_buffer&& o) noexcept {
  if (this != &o) {
    this->~device_buffer();
    ptr_ = std::exchange(o.ptr_, nullptr);
    device_ = o.device_;
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

device_buffer::~device_buffer() {
  if (ptr_) {
    cudaSetDevice(device_);
    cudaFree(ptr_);
    ptr_ = nullptr;
  }
}

pinned_buffer::pinned_buffer(std::size_t bytes) : bytes_(bytes) {
  CXLP_CHECK_CUDA(cudaHostAlloc(&ptr_, bytes, cudaHostAllocPortable | cudaHostAllocMapped));
}

pinned_buffer& pinned_buffer::operator=(pinned_buffer&& o) noexcept {
  if (this != &o) {
    this->~pinned_buffer();
    ptr_ = std::exchange(o.ptr_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

pinned_buffer::~pinned_buffer() {
  if (ptr_) cudaFreeHost(ptr_);
  ptr_ = nullptr;
}

host_registration::host_registration(void* ptr, std::size_t bytes, bool read_only) {
  unsigned flags = cudaHostRegisterPortable | cudaHostRegisterMapped;
  if (read_only) flags |= cudaHostRegisterReadOnly;
  auto* p = static_cast<std::byte*>(ptr);
  try {
    for (std::size_t off = 0; off < bytes; off += kChunk) {
      const std::size_t n = std::min(kChunk, bytes - off);
      CXLP_CHECK_CUDA(cudaHostRegister(p + off, n, flags));
      chunks_.emplace_back(p + off, n);
    }
  } catch (...) {
    release();
    throw;
  }
}

host_registration& host_registration::operator=(host_registration&& o) noexcept {
  if (this != &o) {
    release();
    chunks_ = std::move(o.chunks_);
    o.chunks_.clear();
  }
  return *this;
}

host_registration::~host_registration() {
  release();
}

void host_registration::release() noexcept {
  for (auto& [p, n] : chunks_)
    cudaHostUnregister(p);
  chunks_.clear();
}

stream::stream(int device) {
  CXLP_CHECK_CUDA(cudaSetDevice(device));
  CXLP_CHECK_CUDA(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking));
}

stream::~stream() {
  if (s_) cudaStreamDestroy(s_);
}

event::event() {
  CXLP_CHECK_CUDA(cudaEventCreate(&e_));
}

event::~event() {
  if (e_) cudaEventDestroy(e_);
}

void* device_pointer(void* host) {
  void* d = nullptr;
  CXLP_CHECK_CUDA(cudaHostGetDevicePointer(&d, host, 0));
  return d;
}

std::string pci_bus_id(int device) {
  char buf[64] = {};
  CXLP_CHECK_CUDA(cudaDeviceGetPCIBusId(buf, sizeof buf, device));
  std::string id(buf);
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // CUDA prints an 8-digit domain ("00000000:00:06.0"); hwloc and sysfs print 4.
  const auto colon = id.find(':');
  if (colon != std::string::npos && colon > 4) id = id.substr(colon - 4);
  return id;
}

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return 0;
  }
  return n;
}

}  // namespace cxlprobe::probes::cuda
