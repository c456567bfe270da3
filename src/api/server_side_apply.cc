#include "api/server_side_apply.h"

#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "api/errors.h"
#include "base/strings.h"

namespace k1s::api {
namespace {

using nlohmann::json;

constexpr std::string_view kLastAppliedAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";
constexpr std::string_view kBeforeFirstApply = "before-first-apply";

using Managed = std::map<std::string, ManagedFieldsEntry>;  // by manager identifier

std::string IdentifierOf(const ManagedFieldsEntry& entry) {
  return ManagerIdentifier(entry.manager, entry.operation, entry.api_version, entry.subresource);
}

Managed ToManaged(std::vector<ManagedFieldsEntry> entries) {
  Managed managed;
  for (ManagedFieldsEntry& entry : entries) {
    std::string id = IdentifierOf(entry);
    managed[id] = std::move(entry);
  }
  return managed;
}

std::vector<ManagedFieldsEntry> FromManaged(Managed managed) {
  std::vector<ManagedFieldsEntry> entries;
  for (auto& [id, entry] : managed) entries.push_back(std::move(entry));
  return entries;
}

const json* Metadata(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return nullptr;
  auto it = metadata->find(name);
  return it == metadata->end() ? nullptr : &*it;
}

std::string MetadataString(const json& object, const char* name) {
  const json* value = Metadata(object, name);
  return value && value->is_string() ? value->get<std::string>() : "";
}

std::string TopString(const json& object, const char* name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// schema.GroupVersionKind.String() of an object: "apps/v1, Kind=Deployment", "/v1, Kind=Pod";
// an apiVersion with more than one "/" reads as empty.
std::string GvkString(const json& object) {
  std::string api_version = TopString(object, "apiVersion");
  std::string group;
  std::string version;
  size_t slash = api_version.find('/');
  if (slash == std::string::npos) {
    version = api_version;
  } else if (api_version.find('/', slash + 1) == std::string::npos) {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  } else {
    return "/, Kind=";
  }
  return base::StrCat(group, "/", version, ", Kind=", TopString(object, "kind"));
}

// objectGVKNN: "namespace/name; apps/v1, Kind=Deployment".
std::string ObjectDescription(const json& object) {
  return base::StrCat(MetadataString(object, "namespace"), "/", MetadataString(object, "name"),
                      "; ", GvkString(object));
}

int64_t Seconds(int64_t nanos) {
  int64_t seconds = nanos / 1000000000;
  if (nanos % 1000000000 < 0) --seconds;
  return seconds;
}

const FieldSet& StrippedFields() {
  static const FieldSet* set = new FieldSet{
      MakeFieldPath({"apiVersion"}),
      MakeFieldPath({"kind"}),
      MakeFieldPath({"metadata"}),
      MakeFieldPath({"metadata", "name"}),
      MakeFieldPath({"metadata", "namespace"}),
      MakeFieldPath({"metadata", "creationTimestamp"}),
      MakeFieldPath({"metadata", "selfLink"}),
      MakeFieldPath({"metadata", "uid"}),
      MakeFieldPath({"metadata", "clusterName"}),
      MakeFieldPath({"metadata", "generation"}),
      MakeFieldPath({"metadata", "managedFields"}),
      MakeFieldPath({"metadata", "resourceVersion"}),
  };
  return *set;
}

struct Conflict {
  std::string manager;  // identifier
  FieldPath path;
};

// printManager: "\"m\"", "\"m\" with subresource \"status\"", "\"m\" using apps/v1".
std::string PrintManager(const std::string& identifier) {
  json entry = json::parse(identifier, nullptr, /*allow_exceptions=*/false);
  std::string quoted = json(identifier).dump();
  if (!entry.is_object()) return quoted;
  std::string out = json(entry.value("manager", "")).dump();
  std::string subresource = entry.value("subresource", "");
  if (!subresource.empty()) base::StrAppend(&out, " with subresource ", json(subresource).dump());
  if (entry.value("operation", "") == kOperationUpdate) {
    base::StrAppend(&out, " using ", entry.value("apiVersion", ""));
  }
  return out;
}

absl::Status ConflictStatus(const std::vector<Conflict>& conflicts) {
  std::vector<std::pair<std::string, std::string>> causes;
  for (const Conflict& conflict : conflicts) {
    causes.emplace_back("conflict with " + PrintManager(conflict.manager),
                        FieldPathString(conflict.path));
  }
  std::string message;
  if (conflicts.size() == 1) {
    message = base::StrCat("Apply failed with 1 conflict: conflict with ",
                           PrintManager(conflicts[0].manager), ": ",
                           FieldPathString(conflicts[0].path));
  } else {
    // Grouped by manager identifier, in order.
    std::map<std::string, std::vector<std::string>> by_manager;
    for (const Conflict& conflict : conflicts) {
      by_manager[conflict.manager].push_back(FieldPathString(conflict.path));
    }
    std::string lines;
    for (const auto& [manager, paths] : by_manager) {
      if (!lines.empty()) lines.push_back('\n');
      base::StrAppend(&lines, "conflicts with ", PrintManager(manager), ":");
      for (const std::string& path : paths) base::StrAppend(&lines, "\n- ", path);
    }
    message = base::StrCat("Apply failed with ", conflicts.size(), " conflicts: ", lines);
  }
  return ApplyConflictError(message, causes);
}

// Removes what the manager applied last time and no longer applies, unless someone else owns it
// (upstream's Updater.prune with addBackOwnedItems and addBackDanglingItems).
json Prune(const schema::Definition& definition, const json& merged, const Managed& managed,
           const FieldSet* last) {
  if (last == nullptr || last->Empty()) return merged;
  json pruned = RemoveFields(definition, merged, EnsureNamedFieldsAreMembers(definition, *last));

  FieldSet owned;
  for (const auto& [id, entry] : managed) owned = owned.Union(entry.fields);
  auto named = [&](const FieldSet& set) { return EnsureNamedFieldsAreMembers(definition, set); };
  FieldSet merged_set = named(FieldSetOf(definition, merged));
  FieldSet pruned_set = named(FieldSetOf(definition, pruned));
  pruned = RemoveFields(definition, merged,
                        merged_set.Difference(pruned_set.Union(named(owned))));

  pruned_set = named(FieldSetOf(definition, pruned));
  return RemoveFields(definition, merged,
                      merged_set.Difference(pruned_set).Intersection(named(*last)));
}

struct ApplyOutcome {
  std::vector<Conflict> conflicts;  // non-empty: failed
  json object;
  bool changed = false;
  Managed managed;
};

// structured-merge-diff's Updater.Apply for one manager identifier.
absl::StatusOr<ApplyOutcome> ApplyOnce(const schema::Definition& definition, const json& live,
                                       const json& applied, Managed managed,
                                       const std::string& applier, const ApplyRequest& request,
                                       bool force) {
  absl::StatusOr<json> merged = MergeObjects(definition, live, applied);
  if (!merged.ok()) {
    return absl::InternalError(
        base::StrCat("failed to merge config: ", std::string(merged.status().message())));
  }
  const FieldSet* last = nullptr;
  FieldSet last_fields;
  if (auto it = managed.find(applier); it != managed.end()) {
    last_fields = it->second.fields;
    last = &last_fields;
  }
  FieldSet set = FieldSetOf(definition, applied).RecursiveDifference(request.reset_fields);
  ManagedFieldsEntry& entry = managed[applier];
  std::optional<int64_t> previous_time = entry.time;
  entry.manager = request.manager;
  entry.operation = std::string(kOperationApply);
  entry.api_version = request.api_version;
  entry.subresource = request.subresource;
  entry.fields = set;
  entry.time = previous_time;

  // Conflicts see explicit nulls (applying null to someone else's field conflicts); the object
  // returned drops them.
  json object = Prune(definition, *merged, managed, last);
  FieldComparison compare = CompareObjects(definition, &live, &object);
  StripNulls(definition, object);
  FieldSet changed =
      compare.modified.Union(compare.added).RecursiveDifference(request.reset_fields);
  FieldSet removed = compare.removed.RecursiveDifference(request.reset_fields);
  ApplyOutcome outcome;
  std::map<std::string, FieldSet> conflicts;
  for (const auto& [id, other] : managed) {
    if (id == applier) continue;
    FieldSet conflict = other.fields.Intersection(changed);
    if (!conflict.Empty()) conflicts[id] = std::move(conflict);
  }
  if (!force && !conflicts.empty()) {
    for (const auto& [id, conflict] : conflicts) {
      conflict.Iterate([&](const FieldPath& path) { outcome.conflicts.push_back({id, path}); });
    }
    return outcome;
  }
  for (auto it = managed.begin(); it != managed.end();) {
    if (it->first != applier) {
      FieldSet& fields = it->second.fields;
      if (auto conflict = conflicts.find(it->first); conflict != conflicts.end()) {
        fields = fields.Difference(conflict->second);
      }
      fields = fields.Difference(removed);
    }
    it = it->second.fields.Empty() ? managed.erase(it) : std::next(it);
  }
  // Upstream's stripMetaManager and managedFieldsUpdater.
  if (auto it = managed.find(applier); it != managed.end()) {
    it->second.fields = it->second.fields.Difference(StrippedFields());
    if (it->second.fields.Empty()) managed.erase(it);
  }
  outcome.changed = !(live == object);
  if (outcome.changed) {
    if (auto it = managed.find(applier); it != managed.end()) {
      it->second.time = Seconds(request.now_nanos);
    }
  }
  outcome.object = outcome.changed ? std::move(object) : live;
  outcome.managed = std::move(managed);
  return outcome;
}

// The fields the last-applied annotation of client-side apply shows kubectl owned, still equal in
// the live object; nullopt when there is none to go by.
std::optional<FieldSet> AllowedFromLastApplied(const schema::Definition& definition,
                                               const json& live, const ApplyRequest& request) {
  const json* annotations = Metadata(live, "annotations");
  if (annotations == nullptr || !annotations->is_object()) return std::nullopt;
  auto it = annotations->find(std::string(kLastAppliedAnnotation));
  if (it == annotations->end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  json last = json::parse(it->get<std::string>(), nullptr, /*allow_exceptions=*/false);
  if (!last.is_object() || TopString(last, "apiVersion") != request.api_version) {
    return std::nullopt;
  }
  if (!ValidateTyped(definition, last, /*allow_duplicates=*/false).empty()) return std::nullopt;
  FieldSet set = FieldSetOf(definition, last);
  FieldComparison compare = CompareObjects(definition, &last, &live);
  return set.Difference(compare.modified).Difference(compare.added).Difference(compare.removed);
}

// The annotation kubectl's client-side apply would write for `applied`: its JSON without the
// annotation itself, with a trailing newline as Go's json.Encoder writes it.
std::string LastAppliedValue(json applied) {
  auto metadata = applied.find("metadata");
  if (metadata != applied.end() && metadata->is_object()) {
    auto annotations = metadata->find("annotations");
    if (annotations != metadata->end() && annotations->is_object()) {
      annotations->erase(std::string(kLastAppliedAnnotation));
    }
  }
  std::string out;
  // Go sorts object keys as nlohmann does; escape as Go does for <, > and &.
  std::string dumped = applied.dump();
  for (char c : dumped) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out.push_back(c);
    }
  }
  return out + "\n";
}

}  // namespace

absl::StatusOr<json> Apply(const schema::Definition& definition, const json* live,
                           const json& applied, const ApplyRequest& request) {
  // FieldManager.Apply: decode the live object's managedFields.
  Managed managed;
  if (live != nullptr) {
    if (const json* fields = Metadata(*live, "managedFields")) {
      absl::StatusOr<std::vector<ManagedFieldsEntry>> entries = DecodeManagedFields(*fields);
      if (!entries.ok()) {
        return absl::InternalError(base::StrCat("failed to decode managed fields: ",
                                                std::string(entries.status().message())));
      }
      managed = ToManaged(*std::move(entries));
    }
  }
  // versionCheckManager.
  if (TopString(applied, "apiVersion") != request.api_version ||
      TopString(applied, "kind") != request.kind) {
    return BadRequestError("invalid object type: " + GvkString(applied));
  }

  json current = live ? *live : json::object();
  if (current.is_object() && current.contains("metadata") && current["metadata"].is_object()) {
    current["metadata"].erase("managedFields");
  }
  // skipNonAppliedManager: an object not tracked yet gives its fields to "before-first-apply".
  if (managed.empty()) {
    FieldManagerRequest before = request;
    before.manager = std::string(kBeforeFirstApply);
    json tracked = UpdateManagedFields(definition, nullptr, current, before);
    if (const json* fields = Metadata(tracked, "managedFields")) {
      absl::StatusOr<std::vector<ManagedFieldsEntry>> entries = DecodeManagedFields(*fields);
      if (entries.ok()) managed = ToManaged(*std::move(entries));
    }
  }

  // structuredMergeManager.Apply.
  if (const json* fields = Metadata(applied, "managedFields"); fields && fields->is_array()) {
    return BadRequestError("metadata.managedFields must be nil");
  }
  if (std::string errors = ValidateTyped(definition, applied, /*allow_duplicates=*/false);
      !errors.empty()) {
    return absl::InternalError(base::StrCat("failed to create typed patch object (",
                                            ObjectDescription(applied), "): ", errors));
  }

  std::string applier =
      ManagerIdentifier(request.manager, kOperationApply, request.api_version, request.subresource);
  absl::StatusOr<ApplyOutcome> outcome =
      ApplyOnce(definition, current, applied, managed, applier, request, request.force);
  if (!outcome.ok()) return outcome.status();
  if (!outcome->conflicts.empty() && request.manager == "kubectl") {
    // lastAppliedManager: conflicts explained by the client-side apply annotation are forced.
    if (std::optional<FieldSet> allowed = AllowedFromLastApplied(definition, current, request)) {
      std::vector<Conflict> remaining;
      for (Conflict& conflict : outcome->conflicts) {
        if (!allowed->Has(conflict.path)) remaining.push_back(std::move(conflict));
      }
      if (remaining.empty()) {
        outcome = ApplyOnce(definition, current, applied, managed, applier, request, true);
        if (!outcome.ok()) return outcome.status();
      } else {
        outcome->conflicts = std::move(remaining);
      }
    }
  }
  if (!outcome->conflicts.empty()) return ConflictStatus(outcome->conflicts);

  json object = std::move(outcome->object);
  // lastAppliedUpdater: keep kubectl's client-side annotation in step.
  if (request.manager == "kubectl") {
    const json* annotations = Metadata(current, "annotations");
    if (annotations && annotations->is_object()) {
      auto it = annotations->find(std::string(kLastAppliedAnnotation));
      if (it != annotations->end() && it->is_string() &&
          !it->get_ref<const std::string&>().empty()) {
        object["metadata"]["annotations"][std::string(kLastAppliedAnnotation)] =
            LastAppliedValue(applied);
      }
    }
  }

  if (!request.name.empty()) {
    std::string name = MetadataString(object, "name");
    if (name.empty()) {
      return BadRequestError(base::StrCat("the name of the object (", request.name,
                                          " based on URL) was undeterminable: name must be "
                                          "provided"));
    }
    if (name != request.name) {
      return BadRequestError(base::StrCat("the name of the object (", name,
                                          ") does not match the name on the URL (", request.name,
                                          ")"));
    }
  }

  if (!object.is_object()) object = json::object();
  if (outcome->managed.empty()) {
    if (object.contains("metadata") && object["metadata"].is_object()) {
      object["metadata"].erase("managedFields");
    }
  } else {
    object["metadata"]["managedFields"] = EncodeManagedFields(FromManaged(outcome->managed));
  }
  return object;
}

}  // namespace k1s::api
