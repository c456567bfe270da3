#pragma once
// Tolerant readers for json objects of unknown quality (stored or user-supplied): a missing
// key, or a value of the wrong type, reads as null / "" instead of throwing. Thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace k1s::auth {

// object[key]; a null json when `object` is not an object or lacks the key.
const nlohmann::json& Field(const nlohmann::json& object, const char* key);

// object[key] when it is a string, else "". The view points into `object`.
std::string_view StringField(const nlohmann::json& object, const char* key);

}  // namespace k1s::auth
