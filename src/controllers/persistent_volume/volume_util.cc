#include "controllers/persistent_volume/volume_util.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "api/label_selector.h"
#include "api/validate_util.h"
#include "base/strings.h"
#include "controllers/common/pods.h"

namespace k1s::controllers::pv {

using nlohmann::json;

namespace {

const json& Field(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringOf(const json& value) {
  return value.is_string() ? value.get<std::string>() : "";
}

std::set<std::string> Strings(const json& list) {
  std::set<std::string> values;
  if (!list.is_array()) return values;
  for (const json& entry : list) {
    if (entry.is_string()) values.insert(entry.get<std::string>());
  }
  return values;
}

std::set<std::string> AccessModes(const json& object) {
  return Strings(Field(Field(object, "spec"), "accessModes"));
}

std::string VolumeModeOf(const json& object) {
  std::string mode = StringOf(Field(Field(object, "spec"), "volumeMode"));
  return mode.empty() ? "Filesystem" : mode;
}

api::validate::Quantity QuantityOr0(const json& value) {
  std::optional<api::validate::Quantity> quantity = api::validate::ParseQuantity(value);
  return quantity ? *quantity : api::validate::Quantity{};
}

api::validate::Quantity RequestedStorage(const json& claim) {
  return QuantityOr0(Field(Field(Field(Field(claim, "spec"), "resources"), "requests"), "storage"));
}

api::validate::Quantity VolumeCapacity(const json& volume) {
  return QuantityOr0(Field(Field(Field(volume, "spec"), "capacity"), "storage"));
}

bool MatchesRequirement(const json& requirement, const json& node) {
  std::string key = StringOf(Field(requirement, "key"));
  std::string op = StringOf(Field(requirement, "operator"));
  std::set<std::string> values = Strings(Field(requirement, "values"));
  const json& label = Field(Field(Field(node, "metadata"), "labels"), key);
  bool present = label.is_string();
  std::string value = StringOf(label);
  if (op == "In") return present && values.count(value) > 0;
  if (op == "NotIn") return !present || values.count(value) == 0;
  if (op == "Exists") return present;
  if (op == "DoesNotExist") return !present;
  if (op == "Gt" || op == "Lt") {
    if (!present || values.size() != 1) return false;
    try {
      int64_t have = std::stoll(value);
      int64_t want = std::stoll(*values.begin());
      return op == "Gt" ? have > want : have < want;
    } catch (...) {
      return false;
    }
  }
  return false;
}

bool MatchesField(const json& requirement, const json& node) {
  if (StringOf(Field(requirement, "key")) != "metadata.name") return false;
  std::string op = StringOf(Field(requirement, "operator"));
  std::set<std::string> values = Strings(Field(requirement, "values"));
  std::string name = StringAt(node, "metadata", "name");
  if (op == "In") return values.count(name) > 0;
  if (op == "NotIn") return values.count(name) == 0;
  return false;
}

bool MatchesTerm(const json& term, const json& node) {
  const json& expressions = Field(term, "matchExpressions");
  const json& fields = Field(term, "matchFields");
  bool has_expressions = expressions.is_array() && !expressions.empty();
  bool has_fields = fields.is_array() && !fields.empty();
  // An empty term selects no node.
  if (!has_expressions && !has_fields) return false;
  if (has_expressions) {
    for (const json& requirement : expressions) {
      if (!MatchesRequirement(requirement, node)) return false;
    }
  }
  if (has_fields) {
    for (const json& requirement : fields) {
      if (!MatchesField(requirement, node)) return false;
    }
  }
  return true;
}

bool IsAvailable(const json& volume) { return StringAt(volume, "status", "phase") == "Available"; }

}  // namespace

std::string StringAt(const json& object, std::string_view section, std::string_view key) {
  return StringOf(Field(Field(object, section), key));
}

bool HasAnnotation(const json& object, std::string_view key) {
  return Field(Field(Field(object, "metadata"), "annotations"), key).is_string();
}

std::string Annotation(const json& object, std::string_view key) {
  return StringOf(Field(Field(Field(object, "metadata"), "annotations"), key));
}

std::string ClaimKey(const json& claim) {
  return base::StrCat(StringAt(claim, "metadata", "namespace"), "/",
                      StringAt(claim, "metadata", "name"));
}

bool HasClaimRef(const json& volume) {
  return Field(Field(volume, "spec"), "claimRef").is_object();
}

std::string ClaimRefKey(const json& volume) {
  if (!HasClaimRef(volume)) return "";
  const json& ref = Field(Field(volume, "spec"), "claimRef");
  return base::StrCat(StringOf(Field(ref, "namespace")), "/", StringOf(Field(ref, "name")));
}

std::string ClaimRefUid(const json& volume) {
  return StringOf(Field(Field(Field(volume, "spec"), "claimRef"), "uid"));
}

std::string ClaimClass(const json& claim) {
  if (HasAnnotation(claim, kAnnBetaStorageClass)) return Annotation(claim, kAnnBetaStorageClass);
  return StringAt(claim, "spec", "storageClassName");
}

bool ClaimHasClass(const json& claim) {
  return HasAnnotation(claim, kAnnBetaStorageClass) ||
         Field(Field(claim, "spec"), "storageClassName").is_string();
}

std::string VolumeClass(const json& volume) {
  if (HasAnnotation(volume, kAnnBetaStorageClass)) {
    return Annotation(volume, kAnnBetaStorageClass);
  }
  return StringAt(volume, "spec", "storageClassName");
}

bool AccessModesSatisfied(const json& claim, const json& volume) {
  std::set<std::string> offered = AccessModes(volume);
  for (const std::string& mode : AccessModes(claim)) {
    if (offered.count(mode) == 0) return false;
  }
  return true;
}

bool VolumeModeMismatch(const json& claim, const json& volume) {
  return VolumeModeOf(claim) != VolumeModeOf(volume);
}

bool IsVolumeBoundToClaim(const json& volume, const json& claim) {
  if (!HasClaimRef(volume)) return false;
  const json& ref = Field(Field(volume, "spec"), "claimRef");
  if (StringOf(Field(ref, "name")) != StringAt(claim, "metadata", "name") ||
      StringOf(Field(ref, "namespace")) != StringAt(claim, "metadata", "namespace")) {
    return false;
  }
  std::string uid = StringOf(Field(ref, "uid"));
  return uid.empty() || uid == StringAt(claim, "metadata", "uid");
}

bool NodeAffinityMatches(const json& volume, const json& node) {
  const json& affinity = Field(Field(volume, "spec"), "nodeAffinity");
  const json& required = Field(affinity, "required");
  if (!required.is_object()) return true;
  const json& terms = Field(required, "nodeSelectorTerms");
  if (!terms.is_array()) return false;
  for (const json& term : terms) {
    if (MatchesTerm(term, node)) return true;
  }
  return false;
}

std::string CheckVolumeSatisfiesClaim(const json& volume, const json& claim) {
  if (IsBeingDeleted(volume)) {
    return base::StrCat("the volume is marked for deletion \"",
                        StringAt(volume, "metadata", "name"), "\"");
  }
  if (VolumeCapacity(volume).Compare(RequestedStorage(claim)) < 0) {
    return "requested PV is too small";
  }
  if (VolumeClass(volume) != ClaimClass(claim)) return "storageClassName does not match";
  if (VolumeModeMismatch(claim, volume)) return "incompatible volumeMode";
  if (!AccessModesSatisfied(claim, volume)) return "incompatible accessMode";
  return "";
}

absl::StatusOr<client::ObjectPtr> FindBestMatch(const json& claim,
                                                const std::vector<client::ObjectPtr>& volumes,
                                                bool delay_binding, const json* node) {
  std::optional<api::LabelSelector> selector;
  const json& selector_json = Field(Field(claim, "spec"), "selector");
  if (selector_json.is_object()) {
    absl::StatusOr<api::LabelSelector> parsed = api::LabelSelector::FromJson(selector_json);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          base::StrCat("error creating internal label selector for claim: ", ClaimKey(claim), ": ",
                       parsed.status().message()));
    }
    selector = *std::move(parsed);
  }
  // Volumes grouped by their access mode sets; only sets offering every requested mode count,
  // the smallest sets first.
  std::set<std::string> requested = AccessModes(claim);
  std::map<std::set<std::string>, std::vector<client::ObjectPtr>> by_modes;
  for (const client::ObjectPtr& volume : volumes) {
    std::set<std::string> modes = AccessModes(*volume);
    if (std::includes(modes.begin(), modes.end(), requested.begin(), requested.end())) {
      by_modes[modes].push_back(volume);
    }
  }
  std::vector<const std::pair<const std::set<std::string>, std::vector<client::ObjectPtr>>*> groups;
  for (const auto& group : by_modes) groups.push_back(&group);
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto* a, const auto* b) { return a->first.size() < b->first.size(); });

  api::validate::Quantity request = RequestedStorage(claim);
  std::string requested_class = ClaimClass(claim);
  for (const auto* group : groups) {
    client::ObjectPtr smallest;
    api::validate::Quantity smallest_capacity;
    for (const client::ObjectPtr& volume : group->second) {
      bool bound_to_claim = IsVolumeBoundToClaim(*volume, claim);
      if (HasClaimRef(*volume) && !bound_to_claim) continue;
      api::validate::Quantity capacity = VolumeCapacity(*volume);
      if (capacity.Compare(request) < 0) continue;
      if (VolumeModeMismatch(claim, *volume)) continue;
      if (IsBeingDeleted(*volume)) continue;
      bool affinity_ok = node == nullptr || NodeAffinityMatches(*volume, *node);
      if (bound_to_claim) {
        if (!affinity_ok) return client::ObjectPtr();
        return volume;
      }
      if (node == nullptr && delay_binding) continue;  // the consumer's node decides
      if (!IsAvailable(*volume)) continue;
      if (selector && !selector->Matches(Field(Field(*volume, "metadata"), "labels"))) continue;
      if (VolumeClass(*volume) != requested_class) continue;
      if (!affinity_ok) continue;
      if (node != nullptr && !AccessModesSatisfied(claim, *volume)) continue;
      if (smallest == nullptr || smallest_capacity.Compare(capacity) > 0) {
        smallest = volume;
        smallest_capacity = capacity;
      }
    }
    if (smallest != nullptr) return smallest;
  }
  return client::ObjectPtr();
}

client::ObjectPtr DefaultClass(const std::vector<client::ObjectPtr>& classes) {
  client::ObjectPtr best;
  for (const client::ObjectPtr& candidate : classes) {
    if (Annotation(*candidate, kAnnDefaultClass) != "true" &&
        Annotation(*candidate, kAnnBetaDefaultClass) != "true") {
      continue;
    }
    if (best == nullptr) {
      best = candidate;
      continue;
    }
    int64_t created = CreationSeconds(*candidate);
    int64_t best_created = CreationSeconds(*best);
    if (created > best_created ||
        (created == best_created &&
         StringAt(*candidate, "metadata", "name") < StringAt(*best, "metadata", "name"))) {
      best = candidate;
    }
  }
  return best;
}

json ClaimReference(const json& claim) {
  return {{"kind", "PersistentVolumeClaim"},
          {"namespace", StringAt(claim, "metadata", "namespace")},
          {"name", StringAt(claim, "metadata", "name")},
          {"uid", StringAt(claim, "metadata", "uid")},
          {"apiVersion", "v1"},
          {"resourceVersion", StringAt(claim, "metadata", "resourceVersion")}};
}

}  // namespace k1s::controllers::pv
