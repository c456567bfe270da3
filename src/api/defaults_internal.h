#pragma once
// Helpers shared by the defaults*.cc files: JSON accessors with Go zero-value semantics that never
// throw on wrong types, and the per-group entry points ApplyDefaults dispatches to.
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace k1s::api::defaults_internal {

using nlohmann::json;

// The member `key` of `parent` when `parent` is an object and the member is an object (GetObject)
// or an array (GetArray); nullptr otherwise (absent, null or another type).
json* GetObject(json& parent, std::string_view key);
json* GetArray(json& parent, std::string_view key);

// The object member `key`, created as {} when absent or null: a Go value struct always exists
// after decoding, so its defaults apply even when the client sent nothing. nullptr when the member
// has another type (left for validation) or `parent` is not an object.
json* EnsureObject(json& parent, std::string_view key);

// True when `parent` is an object whose member `key` is absent or null (a nil Go pointer).
bool IsUnset(const json& parent, std::string_view key);

// The string member `key`, or nullptr when absent or not a string.
const std::string* GetString(const json& parent, std::string_view key);

// True when the member is a non-empty object (a non-empty Go map).
bool IsNonEmptyObject(const json& parent, std::string_view key);
// len(x) == 0 for a Go map / slice: the member is absent, null, or an empty object / array.
// False for other types, which are left for validation.
bool IsEmptyMap(const json& parent, std::string_view key);
bool IsEmptyList(const json& parent, std::string_view key);

// `if x == "" { x = value }` for a string field: sets when absent, null or "".
void DefaultString(json& parent, std::string_view key, std::string_view value);
// `if x == nil { x = &value }` for a pointer field: sets when absent or null.
void DefaultPointer(json& parent, std::string_view key, const json& value);
// `if x == 0 { x = value }` for a non-pointer integer field: sets when absent, null or 0.
void DefaultNonZero(json& parent, std::string_view key, int64_t value);

// Calls `fn(element)` for each object element of the array member `key`.
void ForEachObject(json& parent, std::string_view key, const std::function<void(json&)>& fn);

// Core pieces reused by other groups.
void DefaultPodSpec(json& spec);                    // template flavour, see defaults.h
void DefaultPersistentVolumeClaimSpec(json& spec);  // volumeMode Filesystem
void DefaultPersistentVolumeSource(json& source);   // PV spec's volume source defaults

// Per-group entry points; each returns whether it has rules for version/kind, and applies them
// when `object` is not null (a null `object` only asks).
bool ApplyCoreDefaults(std::string_view version, std::string_view kind, json* object);
bool ApplyWorkloadDefaults(std::string_view group, std::string_view version, std::string_view kind,
                           json* object);
bool ApplyOtherDefaults(std::string_view group, std::string_view version, std::string_view kind,
                        json* object);

}  // namespace k1s::api::defaults_internal
