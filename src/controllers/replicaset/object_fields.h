#pragma once
// Typed, never-throwing reads of the object fields the workload controllers (ReplicaSet,
// Deployment) use, with Go's zero values for absent or mistyped fields, plus the comparisons
// upstream makes with apiequality.Semantic (nil and empty collections are equal).
// Stateless; thread-safe.
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace k1s::controllers::workload {

// object[key] when `object` is an object holding `key`, else a shared null.
const nlohmann::json& Member(const nlohmann::json& object, std::string_view key);
// A nested member: Path(pod, {"spec", "nodeName"}).
const nlohmann::json& Path(const nlohmann::json& object,
                           std::initializer_list<std::string_view> keys);

std::string StringOf(const nlohmann::json& value);  // "" unless a string
int64_t Int64Of(const nlohmann::json& value);       // 0 unless an integer
std::optional<int64_t> OptionalInt(const nlohmann::json& value);

std::string NameOf(const nlohmann::json& object);
std::string NamespaceOf(const nlohmann::json& object);
std::string UidOf(const nlohmann::json& object);
std::string KeyOf(const nlohmann::json& object);  // "ns/name"
int64_t GenerationOf(const nlohmann::json& object);
// metadata.annotations[key] when present and a string.
std::optional<std::string> Annotation(const nlohmann::json& object, std::string_view key);

// spec.replicas of a ReplicaSet or Deployment; the API defaults it to 1, so absent means 1.
int32_t SpecReplicas(const nlohmann::json& object);
// status.<field> as int32 (0 when absent).
int32_t StatusInt(const nlohmann::json& object, std::string_view field);
int32_t MinReadySeconds(const nlohmann::json& object);

// A copy without nulls, empty objects and empty arrays (at any depth): Go decodes all of them
// to nil, and Semantic.DeepEqual treats nil and empty alike.
nlohmann::json WithoutEmpty(const nlohmann::json& value);
// The same, also dropping 0, false and "": every field of apps/v1 statuses is omitempty, so
// two statuses are equal exactly when these forms are.
nlohmann::json WithoutZero(const nlohmann::json& value);

// A minimal object an EventRecorder accepts for `object` of kind `kind` ("apps/v1").
nlohmann::json EventReference(const nlohmann::json& object, std::string_view api_version,
                              std::string_view kind);

}  // namespace k1s::controllers::workload
