#pragma once
// Never-throwing reads of object fields for the DaemonSet and StatefulSet controllers and their
// history (Go's zero value when a field is absent or mistyped), plus the controller-uid index
// they put on pods and ControllerRevisions. Stateless; thread-safe.
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/informer.h"

namespace k1s::controllers::history {

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
int64_t GenerationOf(const nlohmann::json& object);
// metadata.labels[key], "" when absent.
std::string LabelOf(const nlohmann::json& object, std::string_view key);
// A minimal object an EventRecorder accepts for `object` of `kind` in `api_version`.
nlohmann::json EventReference(const nlohmann::json& object, std::string_view api_version,
                              std::string_view kind);

// The index filing each object under its controller's uid, an orphan under "orphan/<ns>"
// (upstream's podControllerUID index). Same name, keys and function as the ReplicaSet
// controller's, so a shared informer holds it once whichever controller adds it.
inline constexpr std::string_view kControllerUidIndex = "controllerUidOrOrphan";
void AddControllerUidIndex(client::Informer& informer);
// The objects controlled by `owner_uid` followed by the orphans of `namespace_name`: every
// object a controller may own after adoption.
std::vector<client::ObjectPtr> ControlledByOrOrphans(const client::Informer& informer,
                                                     std::string_view namespace_name,
                                                     std::string_view owner_uid);

}  // namespace k1s::controllers::history
