#pragma once
// JSON Merge Patch (RFC 7386): Content-Type application/merge-patch+json. Stateless, thread-safe.
#include <nlohmann/json_fwd.hpp>

namespace k1s::api {

// RFC 7386 MergePatch(): a non-object patch replaces the whole value; in an object patch a null
// member deletes the key and any other member is merged recursively. Arrays are replaced
// wholesale (nulls inside arrays are kept).
nlohmann::json ApplyMergePatch(const nlohmann::json& document, const nlohmann::json& patch);

// The merge patch turning `original` into `modified`: removed keys map to null, changed values
// are given in full (recursing into objects present on both sides), unchanged keys are left out.
// Two equal objects give {}. As RFC 7386 cannot express null values, a `modified` holding nulls
// inside objects does not round-trip.
nlohmann::json CreateMergePatch(const nlohmann::json& original, const nlohmann::json& modified);

}  // namespace k1s::api
