#include "controllers/history/object_fields.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "controllers/common/owner_refs.h"

namespace k1s::controllers::history {
namespace {

using nlohmann::json;

const json& Null() {
  static const json* const kNull = new json();
  return *kNull;
}

std::string OrphanKey(std::string_view namespace_name) {
  return base::StrCat("orphan/", namespace_name);
}

}  // namespace

const json& Member(const json& object, std::string_view key) {
  if (!object.is_object()) return Null();
  auto it = object.find(key);
  return it == object.end() ? Null() : *it;
}

const json& Path(const json& object, std::initializer_list<std::string_view> keys) {
  const json* current = &object;
  for (std::string_view key : keys) current = &Member(*current, key);
  return *current;
}

std::string StringOf(const json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

int64_t Int64Of(const json& value) { return OptionalInt(value).value_or(0); }

std::optional<int64_t> OptionalInt(const json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
  return std::nullopt;
}

std::string NameOf(const json& object) { return StringOf(Path(object, {"metadata", "name"})); }
std::string NamespaceOf(const json& object) {
  return StringOf(Path(object, {"metadata", "namespace"}));
}
std::string UidOf(const json& object) { return StringOf(Path(object, {"metadata", "uid"})); }
int64_t GenerationOf(const json& object) {
  return Int64Of(Path(object, {"metadata", "generation"}));
}
std::string LabelOf(const json& object, std::string_view key) {
  return StringOf(Member(Path(object, {"metadata", "labels"}), key));
}

json EventReference(const json& object, std::string_view api_version, std::string_view kind) {
  json metadata = json::object();
  for (std::string_view key : {"name", "namespace", "uid", "resourceVersion"}) {
    const json& value = Path(object, {"metadata", key});
    if (value.is_string()) metadata[std::string(key)] = value;
  }
  return {{"apiVersion", api_version}, {"kind", kind}, {"metadata", std::move(metadata)}};
}

void AddControllerUidIndex(client::Informer& informer) {
  informer.AddIndex(std::string(kControllerUidIndex),
                    [](const json& object) -> std::vector<std::string> {
                      if (const json* ref = ControllerRefOf(object)) {
                        std::string uid = StringOf(Member(*ref, "uid"));
                        if (!uid.empty()) return {uid};
                      }
                      return {OrphanKey(NamespaceOf(object))};
                    });
}

std::vector<client::ObjectPtr> ControlledByOrOrphans(const client::Informer& informer,
                                                     std::string_view namespace_name,
                                                     std::string_view owner_uid) {
  std::vector<client::ObjectPtr> out;
  if (!owner_uid.empty()) out = informer.ByIndex(kControllerUidIndex, owner_uid);
  std::vector<client::ObjectPtr> orphans =
      informer.ByIndex(kControllerUidIndex, OrphanKey(namespace_name));
  out.insert(out.end(), orphans.begin(), orphans.end());
  return out;
}

}  // namespace k1s::controllers::history
