#include "api/identifiers.h"

#include <array>
#include <cstdint>
#include <random>

#include "absl/strings/str_format.h"

namespace k1s::api {
namespace {

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  return generator;
}

}  // namespace

std::string NewUid() {
  uint64_t high = Generator()();
  uint64_t low = Generator()();
  high = (high & ~uint64_t{0xF000}) | uint64_t{0x4000};          // version 4
  low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xFFFF,
                         high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFFull);
}

std::string GenerateName(std::string_view prefix, size_t max_length) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  constexpr size_t kSuffixLength = 5;
  std::string name(prefix.substr(0, max_length > kSuffixLength ? max_length - kSuffixLength : 0));
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  for (size_t i = 0; i < kSuffixLength; ++i) name.push_back(kAlphabet[pick(Generator())]);
  return name;
}

}  // namespace k1s::api
