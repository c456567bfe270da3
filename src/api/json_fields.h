#pragma once
// Null-safe reads of parsed API objects, for code that walks JSON it did not validate (caches,
// controllers, the scheduler): a missing member, or a parent that is not an object, reads as
// null, "" or an empty array instead of throwing.
//
// Free functions on const data; thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace k1s::api {

// object[key], or null.
const nlohmann::json& Member(const nlohmann::json& object, std::string_view key);
// `value` when it is an array, else an empty array.
const nlohmann::json& ArrayOrEmpty(const nlohmann::json& value);
// `value` when it is a string, else "".
std::string StringOf(const nlohmann::json& value);
// object[a][b] when it is a string, else "" (e.g. StringAt(pod, "spec", "nodeName")).
std::string StringAt(const nlohmann::json& object, std::string_view a, std::string_view b);

}  // namespace k1s::api
