#pragma once
// The pod-template-hash a Deployment gives its ReplicaSets: FNV-32a over the pod template,
// then over collisionCount (when set) as upstream's controller.ComputeHash does, printed as a
// decimal and mapped through rand.SafeEncodeString's alphabet "bcdfghjklmnpqrstvwxz2456789".
//
// Upstream hashes its Go object dump (hashutil.DeepHashObject); k1s hashes the template's
// canonical JSON (sorted keys, compact), so for the same template the value differs from the
// one kube-controller-manager would pick. Nothing depends on the two agreeing: the hash only
// needs to be stable here, and existing ReplicaSets are matched by template equality, never by
// recomputing their hash. Stateless; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace k1s::controllers::deployment {

// FNV-1a, 32 bits.
uint32_t Fnv32a(std::string_view data, uint32_t hash = 2166136261u);

// Each byte b of `text` becomes alphabet[b % 27], as upstream's SafeEncodeString.
std::string SafeEncodeString(std::string_view text);

// The hash label value for `pod_template` with the Deployment's status.collisionCount.
std::string ComputeHash(const nlohmann::json& pod_template, std::optional<int32_t> collision_count);

}  // namespace k1s::controllers::deployment
