#include "controllers/history/hash.h"

#include <nlohmann/json.hpp>

namespace k1s::controllers::history {
namespace {

constexpr uint32_t kFnvOffset32 = 2166136261u;
constexpr uint32_t kFnvPrime32 = 16777619u;
constexpr std::string_view kSafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

}  // namespace

uint32_t Fnv32(std::string_view data) {
  uint32_t hash = kFnvOffset32;
  for (unsigned char byte : data) {
    hash *= kFnvPrime32;
    hash ^= byte;
  }
  return hash;
}

uint32_t Fnv32a(std::string_view data) {
  uint32_t hash = kFnvOffset32;
  for (unsigned char byte : data) {
    hash ^= byte;
    hash *= kFnvPrime32;
  }
  return hash;
}

std::string SafeEncodeString(std::string_view text) {
  std::string encoded;
  encoded.reserve(text.size());
  for (unsigned char byte : text) encoded.push_back(kSafeAlphabet[byte % kSafeAlphabet.size()]);
  return encoded;
}

std::string ComputePodTemplateHash(const nlohmann::json& pod_template,
                                   std::optional<int32_t> collision_count) {
  std::string data = pod_template.dump();
  if (collision_count) {
    uint32_t value = static_cast<uint32_t>(*collision_count);
    char bytes[8] = {};
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    data.append(bytes, sizeof(bytes));
  }
  return SafeEncodeString(std::to_string(Fnv32a(data)));
}

}  // namespace k1s::controllers::history
