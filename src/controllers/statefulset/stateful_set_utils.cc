#include "controllers/statefulset/stateful_set_utils.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/history/history.h"
#include "controllers/history/object_fields.h"

namespace k1s::controllers::statefulset {
namespace {

using history::Member;
using history::NameOf;
using history::NamespaceOf;
using history::Path;
using history::StringOf;
using history::UidOf;
using nlohmann::json;

constexpr std::string_view kSetApiVersion = "apps/v1";
constexpr std::string_view kSetKind = "StatefulSet";
constexpr std::string_view kPodApiVersion = "v1";
constexpr std::string_view kPodKind = "Pod";

json& EnsureObject(json& parent, std::string_view key) {
  json& child = parent[std::string(key)];
  if (!child.is_object()) child = json::object();
  return child;
}

const json& OwnerRefs(const json& object) { return Path(object, {"metadata", "ownerReferences"}); }

bool IsController(const json& ref) {
  const json& controller = Member(ref, "controller");
  return controller.is_boolean() && controller.get<bool>();
}

// The reference names `object` (apiVersion, kind and name), whatever its uid.
bool MatchesRef(const json& ref, const json& object, std::string_view api_version,
                std::string_view kind) {
  return StringOf(Member(ref, "apiVersion")) == api_version &&
         StringOf(Member(ref, "kind")) == kind && StringOf(Member(ref, "name")) == NameOf(object);
}

bool HasOwnerRef(const json& target, const json& owner) {
  const json& refs = OwnerRefs(target);
  if (!refs.is_array()) return false;
  std::string uid = UidOf(owner);
  for (const json& ref : refs) {
    if (StringOf(Member(ref, "uid")) == uid) return true;
  }
  return false;
}

bool HasStaleOwnerRef(const json& target, const json& owner, std::string_view api_version,
                      std::string_view kind) {
  const json& refs = OwnerRefs(target);
  if (!refs.is_array()) return false;
  for (const json& ref : refs) {
    if (MatchesRef(ref, owner, api_version, kind)) {
      return StringOf(Member(ref, "uid")) != UidOf(owner);
    }
  }
  return false;
}

bool HasNonControllerOwner(const json& claim, const json& set, const json& pod) {
  const json& refs = OwnerRefs(claim);
  if (!refs.is_array()) return false;
  for (const json& ref : refs) {
    std::string uid = StringOf(Member(ref, "uid"));
    if ((uid == UidOf(set) || uid == UidOf(pod)) && !IsController(ref)) return true;
  }
  return false;
}

void AddControllerRef(json& refs, const json& owner, std::string_view api_version,
                      std::string_view kind) {
  std::string uid = UidOf(owner);
  for (const json& ref : refs) {
    if (StringOf(Member(ref, "uid")) == uid) return;
  }
  refs.push_back(MakeControllerRef(owner, api_version, kind));
}

std::optional<int32_t> ParseOrdinal(std::string_view digits) {
  int32_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace

std::pair<std::string, int32_t> ParentNameAndOrdinal(std::string_view pod_name) {
  size_t dash = pod_name.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == pod_name.size()) return {"", -1};
  std::string_view digits = pod_name.substr(dash + 1);
  if (digits.find_first_not_of("0123456789") != std::string_view::npos) return {"", -1};
  return {std::string(pod_name.substr(0, dash)), ParseOrdinal(digits).value_or(-1)};
}

int32_t OrdinalOf(const json& pod) { return ParentNameAndOrdinal(NameOf(pod)).second; }

int32_t StartOrdinal(const json& set) {
  return static_cast<int32_t>(history::Int64Of(Path(set, {"spec", "ordinals", "start"})));
}

int32_t SpecReplicas(const json& set) {
  return static_cast<int32_t>(history::OptionalInt(Path(set, {"spec", "replicas"})).value_or(1));
}

int32_t EndOrdinal(const json& set) { return StartOrdinal(set) + SpecReplicas(set) - 1; }

bool InOrdinalRange(const json& pod, const json& set) {
  int32_t ordinal = OrdinalOf(pod);
  return ordinal >= StartOrdinal(set) && ordinal <= EndOrdinal(set);
}

std::string PodName(const json& set, int32_t ordinal) {
  return base::StrCat(NameOf(set), "-", ordinal);
}

std::string ClaimName(const json& set, const json& claim_template, int32_t ordinal) {
  return base::StrCat(NameOf(claim_template), "-", NameOf(set), "-", ordinal);
}

bool IsMemberOf(const json& set, const json& pod) {
  return ParentNameAndOrdinal(NameOf(pod)).first == NameOf(set);
}

bool IdentityMatches(const json& set, const json& pod) {
  auto [parent, ordinal] = ParentNameAndOrdinal(NameOf(pod));
  return ordinal >= 0 && parent == NameOf(set) && NameOf(pod) == PodName(set, ordinal) &&
         NamespaceOf(pod) == NamespaceOf(set) &&
         history::LabelOf(pod, kPodNameLabel) == NameOf(pod);
}

bool StorageMatches(const json& set, const json& pod) {
  int32_t ordinal = OrdinalOf(pod);
  if (ordinal < 0) return false;
  const json& templates = Path(set, {"spec", "volumeClaimTemplates"});
  if (!templates.is_array()) return true;
  const json& volumes = Path(pod, {"spec", "volumes"});
  for (const json& claim_template : templates) {
    bool found = false;
    if (volumes.is_array()) {
      for (const json& volume : volumes) {
        if (StringOf(Member(volume, "name")) != NameOf(claim_template)) continue;
        found = StringOf(Path(volume, {"persistentVolumeClaim", "claimName"})) ==
                ClaimName(set, claim_template, ordinal);
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

void UpdateIdentity(const json& set, json& pod) {
  int32_t ordinal = OrdinalOf(pod);
  std::string name = PodName(set, ordinal);
  json& metadata = EnsureObject(pod, "metadata");
  metadata["name"] = name;
  metadata["namespace"] = NamespaceOf(set);
  json& labels = EnsureObject(metadata, "labels");
  labels[std::string(kPodNameLabel)] = name;
  labels[std::string(kPodIndexLabel)] = std::to_string(ordinal);
}

void UpdateStorage(const json& set, json& pod) {
  std::map<std::string, json> claims = ClaimsFor(set, pod);
  json volumes = json::array();
  for (const auto& [template_name, claim] : claims) {
    volumes.push_back(
        {{"name", template_name}, {"persistentVolumeClaim", {{"claimName", NameOf(claim)}}}});
  }
  json& spec = EnsureObject(pod, "spec");
  if (spec["volumes"].is_array()) {
    for (const json& volume : spec["volumes"]) {
      if (claims.count(StringOf(Member(volume, "name"))) == 0) volumes.push_back(volume);
    }
  }
  if (volumes.empty()) {
    spec.erase("volumes");
  } else {
    spec["volumes"] = std::move(volumes);
  }
}

std::map<std::string, json> ClaimsFor(const json& set, const json& pod) {
  std::map<std::string, json> claims;
  const json& templates = Path(set, {"spec", "volumeClaimTemplates"});
  if (!templates.is_array()) return claims;
  int32_t ordinal = OrdinalOf(pod);
  const json& match_labels = Path(set, {"spec", "selector", "matchLabels"});
  for (const json& claim_template : templates) {
    json claim = claim_template.is_object() ? claim_template : json::object();
    claim["apiVersion"] = "v1";
    claim["kind"] = "PersistentVolumeClaim";
    claim.erase("status");
    json& metadata = EnsureObject(claim, "metadata");
    metadata["name"] = ClaimName(set, claim_template, ordinal);
    metadata["namespace"] = NamespaceOf(set);
    json& labels = EnsureObject(metadata, "labels");
    if (match_labels.is_object()) {
      for (auto it = match_labels.begin(); it != match_labels.end(); ++it) {
        labels[it.key()] = it.value();
      }
    }
    claims[NameOf(claim_template)] = std::move(claim);
  }
  return claims;
}

json NewStatefulSetPod(const json& set, int32_t ordinal, std::string_view revision) {
  const json& pod_template = Path(set, {"spec", "template"});
  json metadata = {
      {"generateName", base::StrCat(NameOf(set), "-")},
      {"name", PodName(set, ordinal)},
      {"namespace", NamespaceOf(set)},
      {"ownerReferences", json::array({MakeControllerRef(set, kSetApiVersion, kSetKind)})}};
  for (std::string_view field : {"labels", "annotations", "finalizers"}) {
    const json& value = Path(pod_template, {"metadata", field});
    if (!value.is_null()) metadata[std::string(field)] = value;
  }
  json spec = Member(pod_template, "spec");
  if (!spec.is_object()) spec = json::object();
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", std::move(metadata)},
              {"spec", std::move(spec)}};
  UpdateIdentity(set, pod);
  // Immutable after creation: set only here.
  pod["spec"]["hostname"] = PodName(set, ordinal);
  std::string service_name = StringOf(Path(set, {"spec", "serviceName"}));
  if (!service_name.empty()) pod["spec"]["subdomain"] = service_name;
  UpdateStorage(set, pod);
  EnsureObject(pod["metadata"], "labels")[std::string(history::kRevisionHashLabel)] = revision;
  return pod;
}

json NewVersionedStatefulSetPod(const json& current_set, const json& update_set,
                                std::string_view current_revision, std::string_view update_revision,
                                int32_t ordinal) {
  const json& strategy = Path(current_set, {"spec", "updateStrategy"});
  const json& rolling = Member(strategy, "rollingUpdate");
  int32_t start = StartOrdinal(current_set);
  bool at_current;
  if (rolling.is_object()) {
    at_current = ordinal < start + history::Int64Of(Member(rolling, "partition"));
  } else {
    at_current =
        StringOf(Member(strategy, "type")) == "RollingUpdate" &&
        ordinal < start + history::Int64Of(Path(current_set, {"status", "currentReplicas"}));
  }
  if (at_current) return NewStatefulSetPod(current_set, ordinal, current_revision);
  return NewStatefulSetPod(update_set, ordinal, update_revision);
}

std::string PodRevision(const json& pod) {
  return history::LabelOf(pod, history::kRevisionHashLabel);
}

std::string PhaseOf(const json& pod) { return StringOf(Path(pod, {"status", "phase"})); }

bool IsCreated(const json& pod) { return !PhaseOf(pod).empty(); }

bool IsRunningAndReady(const json& pod) { return PhaseOf(pod) == "Running" && IsPodReady(pod); }

bool IsRunningAndAvailable(const json& pod, int32_t min_ready_seconds, int64_t now_seconds) {
  return IsPodAvailable(pod, min_ready_seconds, now_seconds);
}

bool IsUnavailable(const json& pod, int32_t min_ready_seconds, int64_t now_seconds) {
  return !IsRunningAndAvailable(pod, min_ready_seconds, now_seconds) || IsTerminating(pod);
}

bool IsTerminating(const json& pod) { return IsBeingDeleted(pod); }

bool AllowsBurst(const json& set) {
  return StringOf(Path(set, {"spec", "podManagementPolicy"})) == "Parallel";
}

bool IsOnDelete(const json& set) {
  return StringOf(Path(set, {"spec", "updateStrategy", "type"})) == "OnDelete";
}

int32_t MinReadySeconds(const json& set) {
  return static_cast<int32_t>(history::Int64Of(Path(set, {"spec", "minReadySeconds"})));
}

RetentionPolicy RetentionPolicyOf(const json& set) {
  const json& policy = Path(set, {"spec", "persistentVolumeClaimRetentionPolicy"});
  return {StringOf(Member(policy, "whenDeleted")) == "Delete",
          StringOf(Member(policy, "whenScaled")) == "Delete"};
}

bool HasUnexpectedController(const json& claim, const json& set, const json& pod) {
  RetentionPolicy policy = RetentionPolicyOf(set);
  // Under Retain/Retain anyone may manage the claims.
  if (!policy.delete_when_deleted && !policy.delete_when_scaled) return false;
  const json& refs = OwnerRefs(claim);
  if (!refs.is_array()) return false;
  for (const json& ref : refs) {
    std::string uid = StringOf(Member(ref, "uid"));
    if (MatchesRef(ref, set, kSetApiVersion, kSetKind)) {
      // Another set of the same name (wrongly orphaned pods): leave the claim alone.
      if (uid != UidOf(set)) return true;
      continue;
    }
    if (MatchesRef(ref, pod, kPodApiVersion, kPodKind)) {
      if (uid != UidOf(pod)) return true;
      continue;
    }
    if (IsController(ref)) return true;
  }
  return false;
}

bool IsClaimOwnerUpToDate(const json& claim, const json& set, const json& pod) {
  // References to earlier incarnations: the garbage collector's business, not ours.
  if (HasStaleOwnerRef(claim, set, kSetApiVersion, kSetKind) ||
      HasStaleOwnerRef(claim, pod, kPodApiVersion, kPodKind)) {
    return true;
  }
  if (HasUnexpectedController(claim, set, pod)) {
    // Our references must go; otherwise leave the other controller in charge.
    return !(HasOwnerRef(claim, set) || HasOwnerRef(claim, pod));
  }
  if (HasNonControllerOwner(claim, set, pod)) return false;
  RetentionPolicy policy = RetentionPolicyOf(set);
  bool scaled_down = !InOrdinalRange(pod, set);
  bool want_set_ref = policy.delete_when_deleted && !(policy.delete_when_scaled && scaled_down);
  bool want_pod_ref = policy.delete_when_scaled && scaled_down;
  return HasOwnerRef(claim, set) == want_set_ref && HasOwnerRef(claim, pod) == want_pod_ref;
}

void UpdateClaimOwnerRefs(json& claim, const json& set, const json& pod) {
  bool unexpected_controller = HasUnexpectedController(claim, set, pod);
  json refs = json::array();
  const json& existing = OwnerRefs(claim);
  if (existing.is_array()) {
    for (const json& ref : existing) {
      if (MatchesRef(ref, set, kSetApiVersion, kSetKind) ||
          MatchesRef(ref, pod, kPodApiVersion, kPodKind)) {
        continue;  // ours: rebuilt below
      }
      refs.push_back(ref);
    }
  }
  if (!unexpected_controller) {
    RetentionPolicy policy = RetentionPolicyOf(set);
    bool scaled_down = !InOrdinalRange(pod, set);
    if (policy.delete_when_scaled && scaled_down) {
      AddControllerRef(refs, pod, kPodApiVersion, kPodKind);
    } else if (policy.delete_when_deleted) {
      AddControllerRef(refs, set, kSetApiVersion, kSetKind);
    }
  }
  json& metadata = EnsureObject(claim, "metadata");
  if (refs.empty()) {
    metadata.erase("ownerReferences");
  } else {
    metadata["ownerReferences"] = std::move(refs);
  }
}

bool HasStalePodOwnerRef(const json& claim, const json& pod) {
  return HasStaleOwnerRef(claim, pod, kPodApiVersion, kPodKind);
}

}  // namespace k1s::controllers::statefulset
