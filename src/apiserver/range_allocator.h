#pragma once
// Hands out numbers from a fixed range: service ClusterIPs (as 32-bit addresses) and NodePorts.
// Like upstream, the first part of the range (the "static band") is used for dynamic picks only
// when the rest is full, so well-known addresses such as the DNS service's 10.43.0.10 stay free
// for users who ask for them. Thread-safe.
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace k1s::apiserver {

class RangeAllocator {
 public:
  // Values first .. first + size - 1; `static_band` values at the start are picked last.
  RangeAllocator(uint32_t first, uint32_t size, uint32_t static_band);

  bool Contains(uint32_t value) const { return value >= first_ && value - first_ < size_; }
  // Takes `value`; false when outside the range or already taken.
  bool Allocate(uint32_t value);
  // Takes a free value, or nullopt when the range is full.
  std::optional<uint32_t> AllocateNext();
  void Release(uint32_t value);
  bool IsAllocated(uint32_t value) const;
  uint32_t first() const { return first_; }
  uint32_t size() const { return size_; }
  uint32_t free_count() const;

 private:
  std::optional<uint32_t> FindFree(uint32_t from, uint32_t to) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const uint32_t first_;
  const uint32_t size_;
  const uint32_t static_band_;
  mutable absl::Mutex mu_;
  std::vector<bool> used_ ABSL_GUARDED_BY(mu_);
  uint32_t used_count_ ABSL_GUARDED_BY(mu_) = 0;
  std::mt19937 random_ ABSL_GUARDED_BY(mu_);
};

// "10.43.0.0/16" -> first usable address and count (network and broadcast addresses excluded).
struct Ipv4Range {
  uint32_t first = 0;
  uint32_t size = 0;
};
std::optional<Ipv4Range> ParseIpv4Cidr(std::string_view cidr);
std::optional<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t address);

}  // namespace k1s::apiserver
