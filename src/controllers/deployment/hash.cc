#include "controllers/deployment/hash.h"

#include <nlohmann/json.hpp>

namespace k1s::controllers::deployment {

uint32_t Fnv32a(std::string_view data, uint32_t hash) {
  for (unsigned char byte : data) {
    hash ^= byte;
    hash *= 16777619u;
  }
  return hash;
}

std::string SafeEncodeString(std::string_view text) {
  static constexpr std::string_view kAlphanums = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  out.reserve(text.size());
  for (unsigned char byte : text) out.push_back(kAlphanums[byte % kAlphanums.size()]);
  return out;
}

std::string ComputeHash(const nlohmann::json& pod_template,
                        std::optional<int32_t> collision_count) {
  uint32_t hash = Fnv32a(pod_template.dump());
  if (collision_count) {
    // Upstream writes the count as a little-endian uint32 into an 8-byte buffer and hashes
    // all 8 bytes.
    const uint32_t count = static_cast<uint32_t>(*collision_count);
    char bytes[8] = {};
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((count >> (8 * i)) & 0xff);
    hash = Fnv32a(std::string_view(bytes, sizeof(bytes)), hash);
  }
  return SafeEncodeString(std::to_string(hash));
}

}  // namespace k1s::controllers::deployment
