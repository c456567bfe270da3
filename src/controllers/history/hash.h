#pragma once
// The hashes workload controllers put into names and labels, as upstream computes them:
// FNV-1 / FNV-1a (hash/fnv), apimachinery's SafeEncodeString (digits mapped onto consonants and
// digits so a hash never spells a word), and controller.ComputeHash for pod templates.
//
// Our inputs are canonical JSON (nlohmann sorts keys), not Go's struct dump, so the values are
// stable across runs but not byte-identical to upstream's. Stateless; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace k1s::controllers::history {

uint32_t Fnv32(std::string_view data);   // FNV-1, 32 bit
uint32_t Fnv32a(std::string_view data);  // FNV-1a, 32 bit

// Each byte of `text` replaced by "bcdfghjklmnpqrstvwxz2456789"[byte % 27].
std::string SafeEncodeString(std::string_view text);

// controller.ComputeHash: FNV-1a of the pod template plus, when set, the collision count (as
// four little-endian bytes padded to eight), safe-encoded from its decimal form. The value of the
// DaemonSet's controller-revision-hash label and of the name suffix of its ControllerRevisions.
std::string ComputePodTemplateHash(const nlohmann::json& pod_template,
                                   std::optional<int32_t> collision_count);

}  // namespace k1s::controllers::history
