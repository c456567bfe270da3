#pragma once
// Helpers shared by the pod security sources. Pure functions; thread-safe.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/go_text.h"

namespace k1s::admission::internal {

// obj[key] when obj is an object holding key, else a null value: lets checks walk optional
// fields the way Go walks nil pointers.
const nlohmann::json& Member(const nlohmann::json& obj, std::string_view key);
// The string value, or "" for anything else.
std::string StringOf(const nlohmann::json& value);
inline bool IsTrue(const nlohmann::json& value) { return value.is_boolean() && value.get<bool>(); }

// Go's strconv.Quote (fmt %q) for the messages upstream builds with it.
using base::GoQuote;

// The minor of a "v1.N" version (clamped to the newest known), kNewestPolicyMinor for "latest"
// and for anything unparsable.
int64_t PolicyMinor(std::string_view version);

}  // namespace k1s::admission::internal
