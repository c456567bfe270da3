#pragma once
// Shared by the binder's source files only: index names, the logger, event objects.
#include <spdlog/logger.h>

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace k1s::controllers::pv {

inline constexpr char kClassIndex[] = "class";             // volumes by storage class
inline constexpr char kClaimIndex[] = "claim";             // volumes by claimRef "ns/name"
inline constexpr char kPodClaimIndex[] = "pod-pvc-index";  // pods by claim "ns/name"

std::shared_ptr<spdlog::logger> Logger();
// The reference an event is about: apiVersion v1, `kind`, and the object's metadata.
nlohmann::json EventObject(const nlohmann::json& object, std::string_view kind);

}  // namespace k1s::controllers::pv
