#include "controllers/replicaset/object_fields.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace k1s::controllers::workload {

using nlohmann::json;

namespace {

const json& Null() {
  static const json* const kNull = new json();
  return *kNull;
}

int32_t ClampInt32(int64_t value) {
  if (value > std::numeric_limits<int32_t>::max()) return std::numeric_limits<int32_t>::max();
  if (value < std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(value);
}

json Prune(const json& value, bool drop_zero) {
  if (value.is_object()) {
    json out = json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      json child = Prune(it.value(), drop_zero);
      if (child.is_null()) continue;
      out[it.key()] = std::move(child);
    }
    return out.empty() ? json() : out;
  }
  if (value.is_array()) {
    json out = json::array();
    // Elements keep their positions: an element that prunes away stays as null.
    for (const json& element : value) out.push_back(Prune(element, drop_zero));
    return out.empty() ? json() : out;
  }
  if (drop_zero) {
    if ((value.is_number_integer() || value.is_number_unsigned()) && value.get<int64_t>() == 0) {
      return json();
    }
    if (value.is_number_float() && value.get<double>() == 0) return json();
    if (value.is_boolean() && !value.get<bool>()) return json();
    if (value.is_string() && value.get_ref<const std::string&>().empty()) return json();
  }
  return value;
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
  if (value.is_number_integer() || value.is_number_unsigned()) return value.get<int64_t>();
  if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
  return std::nullopt;
}

std::string NameOf(const json& object) { return StringOf(Path(object, {"metadata", "name"})); }
std::string NamespaceOf(const json& object) {
  return StringOf(Path(object, {"metadata", "namespace"}));
}
std::string UidOf(const json& object) { return StringOf(Path(object, {"metadata", "uid"})); }
std::string KeyOf(const json& object) {
  std::string ns = NamespaceOf(object);
  return ns.empty() ? NameOf(object) : base::StrCat(ns, "/", NameOf(object));
}
int64_t GenerationOf(const json& object) {
  return Int64Of(Path(object, {"metadata", "generation"}));
}

std::optional<std::string> Annotation(const json& object, std::string_view key) {
  const json& value = Member(Path(object, {"metadata", "annotations"}), key);
  if (!value.is_string()) return std::nullopt;
  return value.get<std::string>();
}

int32_t SpecReplicas(const json& object) {
  std::optional<int64_t> replicas = OptionalInt(Path(object, {"spec", "replicas"}));
  return replicas ? ClampInt32(*replicas) : 1;
}

int32_t StatusInt(const json& object, std::string_view field) {
  return ClampInt32(Int64Of(Member(Member(object, "status"), field)));
}

int32_t MinReadySeconds(const json& object) {
  return ClampInt32(Int64Of(Path(object, {"spec", "minReadySeconds"})));
}

json WithoutEmpty(const json& value) { return Prune(value, false); }
json WithoutZero(const json& value) { return Prune(value, true); }

json EventReference(const json& object, std::string_view api_version, std::string_view kind) {
  json metadata = json::object();
  for (const char* field : {"name", "namespace", "uid", "resourceVersion"}) {
    const json& value = Path(object, {"metadata", field});
    if (value.is_string()) metadata[field] = value;
  }
  return json{{"apiVersion", std::string(api_version)},
              {"kind", std::string(kind)},
              {"metadata", std::move(metadata)}};
}

}  // namespace k1s::controllers::workload
