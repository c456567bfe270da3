#include "api/custom_resources.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/timestamps.h"

namespace k1s::api {
namespace {

using nlohmann::json;

std::string Text(const json& object, const char* name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> Strings(const json& object, const char* name) {
  std::vector<std::string> values;
  if (!object.is_object() || !object.contains(name) || !object[name].is_array()) return values;
  for (const json& value : object[name]) {
    if (value.is_string()) values.push_back(value.get<std::string>());
  }
  return values;
}

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// spec.names with the defaults upstream fills in: singular = lowercase kind, listKind = kind+List.
json AcceptedNames(const json& names) {
  json accepted = names.is_object() ? names : json::object();
  if (Text(accepted, "singular").empty()) accepted["singular"] = Lowercase(Text(names, "kind"));
  if (Text(accepted, "listKind").empty()) accepted["listKind"] = Text(names, "kind") + "List";
  return accepted;
}

std::vector<PrinterColumn> PrinterColumns(const json& version) {
  std::vector<PrinterColumn> columns;
  const json* listed = version.contains("additionalPrinterColumns") &&
                               version["additionalPrinterColumns"].is_array()
                           ? &version["additionalPrinterColumns"]
                           : nullptr;
  if (listed == nullptr) {
    // Without columns of its own a custom resource prints its age, as upstream does.
    columns.push_back({"Age", "date", "", "", 0, ".metadata.creationTimestamp"});
    return columns;
  }
  for (const json& column : *listed) {
    PrinterColumn printer;
    printer.name = Text(column, "name");
    printer.type = Text(column, "type");
    printer.format = Text(column, "format");
    printer.description = Text(column, "description");
    printer.json_path = Text(column, "jsonPath");
    if (column.contains("priority") && column["priority"].is_number_integer()) {
      printer.priority = column["priority"].get<int32_t>();
    }
    columns.push_back(std::move(printer));
  }
  return columns;
}

// Sets condition `type` to `status`, keeping its transition time when the status is unchanged.
void SetCondition(json& conditions, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, int64_t now_seconds) {
  for (json& condition : conditions) {
    if (Text(condition, "type") != type) continue;
    if (Text(condition, "status") != status) {
      condition["lastTransitionTime"] = FormatTimestamp(now_seconds);
    }
    condition["status"] = status;
    condition["reason"] = reason;
    condition["message"] = message;
    return;
  }
  conditions.push_back({{"type", type},
                        {"status", status},
                        {"lastTransitionTime", FormatTimestamp(now_seconds)},
                        {"reason", reason},
                        {"message", message}});
}

}  // namespace

std::vector<ResourceType> CustomResourceTypes(const json& crd) {
  std::vector<ResourceType> types;
  if (!crd.is_object() || !crd.contains("spec") || !crd["spec"].is_object()) return types;
  const json& spec = crd["spec"];
  const std::string group = Text(spec, "group");
  const json names = AcceptedNames(spec.value("names", json::object()));
  const std::string plural = Text(names, "plural");
  const std::string kind = Text(names, "kind");
  if (group.empty() || plural.empty() || kind.empty() || !spec.contains("versions") ||
      !spec["versions"].is_array()) {
    return types;
  }
  for (const json& version : spec["versions"]) {
    if (!version.is_object() || !version.value("served", false)) continue;
    ResourceType type;
    type.group = group;
    type.version = Text(version, "name");
    if (type.version.empty()) continue;
    type.kind = kind;
    type.plural = plural;
    type.singular = Text(names, "singular");
    type.namespaced = Text(spec, "scope") != "Cluster";
    type.short_names = Strings(names, "shortNames");
    type.categories = Strings(names, "categories");
    type.verbs = StandardVerbs();
    const json& subresources = version.value("subresources", json::object());
    if (subresources.is_object() && subresources.contains("status")) {
      type.subresources.push_back("status");
    }
    type.storage_prefix = "/registry/" + group + "/" + plural + "/";
    type.custom_resource_definition = Text(crd.value("metadata", json::object()), "name");
    type.printer_columns = PrinterColumns(version);
    types.push_back(std::move(type));
  }
  return types;
}

std::string StorageVersion(const json& crd) {
  if (!crd.is_object() || !crd.contains("spec") || !crd["spec"].is_object()) return "";
  const json& versions = crd["spec"].value("versions", json::array());
  if (!versions.is_array()) return "";
  for (const json& version : versions) {
    if (version.is_object() && version.value("storage", false)) return Text(version, "name");
  }
  return "";
}

json WithServingStatus(const json& crd, int64_t now_seconds) {
  json result = crd;
  json& status = result["status"];
  if (!status.is_object()) status = json::object();
  const json& spec = crd.value("spec", json::object());
  status["acceptedNames"] = AcceptedNames(spec.is_object() ? spec.value("names", json::object())
                                                           : json::object());
  json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  SetCondition(conditions, "NamesAccepted", "True", "NoConflicts", "no conflicts found",
               now_seconds);
  const bool deleting = crd.contains("metadata") && crd["metadata"].is_object() &&
                        crd["metadata"].contains("deletionTimestamp");
  if (deleting) {
    SetCondition(conditions, "Terminating", "True", "InstanceDeletionInProgress",
                 "CustomResource deletion is in progress", now_seconds);
  } else {
    SetCondition(conditions, "Established", "True", "InitialNamesAccepted",
                 "the initial names have been accepted", now_seconds);
  }
  json& stored = status["storedVersions"];
  if (!stored.is_array()) stored = json::array();
  const std::string storage = StorageVersion(crd);
  if (!storage.empty() && std::find(stored.begin(), stored.end(), storage) == stored.end()) {
    stored.push_back(storage);
  }
  return result;
}

FieldErrors ValidateCustomResourceDefinition(const json& crd) {
  FieldErrors errors;
  const json& spec = crd.value("spec", json::object());
  if (!spec.is_object()) {
    errors.push_back(Required("spec"));
    return errors;
  }
  const std::string group = Text(spec, "group");
  const json& names = spec.value("names", json::object());
  const std::string plural = Text(names, "plural");
  const std::string name = Text(crd.value("metadata", json::object()), "name");
  if (name != plural + "." + group) {
    errors.push_back(Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
  }
  if (group.empty()) {
    errors.push_back(Required("spec.group"));
  } else {
    for (const std::string& message : IsDns1123Subdomain(group)) {
      errors.push_back(Invalid("spec.group", group, message));
    }
    if (group.find('.') == std::string::npos) {
      errors.push_back(Invalid("spec.group", group, "should be a domain with at least one dot"));
    }
  }
  const std::string scope = Text(spec, "scope");
  if (scope != "Cluster" && scope != "Namespaced") {
    errors.push_back(NotSupported("spec.scope", scope, {"Cluster", "Namespaced"}));
  }
  for (const char* field : {"plural", "singular", "kind", "listKind"}) {
    const std::string value = Text(names, field);
    const std::string path = std::string("spec.names.") + field;
    if (value.empty()) {
      if (std::string(field) == "plural" || std::string(field) == "kind") {
        errors.push_back(Required(path));
      }
      continue;
    }
    if (std::string(field) == "plural" || std::string(field) == "singular") {
      for (const std::string& message : IsDns1123Label(value)) {
        errors.push_back(Invalid(path, value, message));
      }
    }
  }
  const json& versions = spec.value("versions", json::array());
  if (!versions.is_array() || versions.empty()) {
    errors.push_back(Invalid("spec.versions", versions, "must have exactly one version marked as storage version"));
    return errors;
  }
  int storage = 0;
  std::vector<std::string> seen;
  for (size_t i = 0; i < versions.size(); ++i) {
    const json& version = versions[i];
    const std::string path = "spec.versions[" + std::to_string(i) + "]";
    const std::string version_name = Text(version, "name");
    if (version_name.empty()) {
      errors.push_back(Required(path + ".name"));
    } else {
      for (const std::string& message : IsDns1123Label(version_name)) {
        errors.push_back(Invalid(path + ".name", version_name, message));
      }
      if (std::find(seen.begin(), seen.end(), version_name) != seen.end()) {
        errors.push_back(Duplicate(path + ".name", version_name));
      }
      seen.push_back(version_name);
    }
    if (version.is_object() && version.value("storage", false)) ++storage;
  }
  if (storage != 1) {
    errors.push_back(Invalid("spec.versions", versions,
                             "must have exactly one version marked as storage version"));
  }
  return errors;
}

FieldErrors ValidateCustomResourceDefinitionUpdate(const json& crd, const json& old) {
  FieldErrors errors = ValidateCustomResourceDefinition(crd);
  const json& spec = crd.value("spec", json::object());
  const json& old_spec = old.value("spec", json::object());
  if (spec.is_object() && old_spec.is_object()) {
    for (const char* field : {"group", "scope"}) {
      if (Text(spec, field) != Text(old_spec, field)) {
        errors.push_back(Invalid(std::string("spec.") + field, Text(spec, field),
                                 "field is immutable"));
      }
    }
  }
  return errors;
}

}  // namespace k1s::api
