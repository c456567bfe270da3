#include "apiserver/range_allocator.h"

#include <arpa/inet.h>

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace k1s::apiserver {

RangeAllocator::RangeAllocator(uint32_t first, uint32_t size, uint32_t static_band)
    : first_(first),
      size_(size),
      static_band_(static_band < size ? static_band : 0),
      used_(size, false),
      random_(std::random_device{}()) {}

bool RangeAllocator::Allocate(uint32_t value) {
  if (!Contains(value)) return false;
  absl::MutexLock lock(&mu_);
  if (used_[value - first_]) return false;
  used_[value - first_] = true;
  ++used_count_;
  return true;
}

std::optional<uint32_t> RangeAllocator::FindFree(uint32_t from, uint32_t to) {
  if (from >= to) return std::nullopt;
  // Start at a random offset so concurrent clusters do not all hand out the same values.
  uint32_t start = from + std::uniform_int_distribution<uint32_t>(0, to - from - 1)(random_);
  for (uint32_t i = 0; i < to - from; ++i) {
    uint32_t index = from + (start - from + i) % (to - from);
    if (!used_[index]) return index;
  }
  return std::nullopt;
}

std::optional<uint32_t> RangeAllocator::AllocateNext() {
  absl::MutexLock lock(&mu_);
  std::optional<uint32_t> index = FindFree(static_band_, size_);
  if (!index) index = FindFree(0, static_band_);
  if (!index) return std::nullopt;
  used_[*index] = true;
  ++used_count_;
  return first_ + *index;
}

void RangeAllocator::Release(uint32_t value) {
  if (!Contains(value)) return;
  absl::MutexLock lock(&mu_);
  if (used_[value - first_]) {
    used_[value - first_] = false;
    --used_count_;
  }
}

bool RangeAllocator::IsAllocated(uint32_t value) const {
  if (!Contains(value)) return false;
  absl::MutexLock lock(&mu_);
  return used_[value - first_];
}

uint32_t RangeAllocator::free_count() const {
  absl::MutexLock lock(&mu_);
  return size_ - used_count_;
}

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  std::string copy(text);
  in_addr address{};
  if (inet_pton(AF_INET, copy.c_str(), &address) != 1) return std::nullopt;
  return ntohl(address.s_addr);
}

std::string FormatIpv4(uint32_t address) {
  return base::StrCat(address >> 24, ".", (address >> 16) & 0xFF, ".", (address >> 8) & 0xFF, ".",
                      address & 0xFF);
}

std::optional<Ipv4Range> ParseIpv4Cidr(std::string_view cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<uint32_t> base = ParseIpv4(cidr.substr(0, slash));
  int32_t bits = 0;
  std::string_view bits_text = cidr.substr(slash + 1);
  if (!base || !absl::SimpleAtoi(absl::string_view(bits_text.data(), bits_text.size()), &bits) ||
      bits < 8 || bits > 30) {
    return std::nullopt;
  }
  uint32_t host_bits = 32 - static_cast<uint32_t>(bits);
  uint32_t mask = ~((uint32_t{1} << host_bits) - 1);
  uint32_t network = *base & mask;
  return Ipv4Range{network + 1, (uint32_t{1} << host_bits) - 2};
}

}  // namespace k1s::apiserver
