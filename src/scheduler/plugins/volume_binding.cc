// VolumeBinding (see volume_binding.h): upstream's volume_binding.go and binder.go, with the
// component-helpers rules it relies on (claim and volume classes, IsDelayBindingMode,
// FindMatchingVolume, CheckNodeAffinity, GetBindVolumeToClaim).
#include "scheduler/plugins/volume_binding.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "api/json_fields.h"
#include "api/label_selector.h"
#include "base/strings.h"
#include "client/resource.h"
#include "quota/quantity.h"
#include "scheduler/selectors.h"

namespace k1s::scheduler::plugins {
namespace {

using api::Member;
using api::StringOf;

using nlohmann::json;

constexpr char kStateKey[] = "VolumeBinding";
constexpr char kAnnSelectedNode[] = "volume.kubernetes.io/selected-node";
constexpr char kAnnBindCompleted[] = "pv.kubernetes.io/bind-completed";
constexpr char kAnnBoundByController[] = "pv.kubernetes.io/bound-by-controller";
constexpr char kAnnBetaStorageClass[] = "volume.beta.kubernetes.io/storage-class";
constexpr char kNoProvisioner[] = "kubernetes.io/no-provisioner";

// upstream's ConflictReasons, in the order FindPodVolumes appends them.
constexpr char kReasonNodeConflict[] = "node(s) had volume node affinity conflict";
constexpr char kReasonBindConflict[] = "node(s) didn't find available persistent volumes to bind";
constexpr char kReasonPVNotExist[] =
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
constexpr char kReasonUnboundImmediate[] = "pod has unbound immediate PersistentVolumeClaims";


std::string Metadata(const json& object, const char* key) {
  return StringOf(Member(Member(object, "metadata"), key));
}

int64_t ResourceVersion(const json& object) {
  int64_t version = 0;
  return absl::SimpleAtoi(Metadata(object, "resourceVersion"), &version) ? version : 0;
}

// GetPersistentVolumeClaimClass / GetPersistentVolumeClass: the beta annotation wins.
std::string ObjectClass(const json& object) {
  const json& beta =
      Member(Member(Member(object, "metadata"), "annotations"), kAnnBetaStorageClass);
  if (beta.is_string()) return beta.get<std::string>();
  return StringOf(Member(Member(object, "spec"), "storageClassName"));
}

// spec.volumeMode, defaulted.
std::string VolumeMode(const json& object) {
  std::string mode = StringOf(Member(Member(object, "spec"), "volumeMode"));
  return mode.empty() ? "Filesystem" : mode;
}

quota::Quantity StorageQuantity(const json& list) {
  std::optional<quota::Quantity> quantity = quota::Quantity::FromJson(Member(list, "storage"));
  return quantity ? *quantity : quota::Quantity();
}

// upstream isPVCFullyBound.
bool ClaimFullyBound(const json& claim) {
  return !StringOf(Member(Member(claim, "spec"), "volumeName")).empty() &&
         Member(Member(claim, "metadata"), "annotations").contains(kAnnBindCompleted);
}

struct ClaimInfo {
  client::ObjectPtr object;
  std::string name;
  std::string key;  // "ns/name"
  std::string uid;
  std::string class_name;
  bool has_selected_node = false;
  std::string selected_node;
  quota::Quantity request;
  std::vector<std::string> access_modes;
  std::string volume_mode;
  std::optional<api::LabelSelector> selector;
  std::string selector_error;  // spec.selector did not parse
};

ClaimInfo ParseClaim(client::ObjectPtr object) {
  ClaimInfo claim;
  const json& pvc = *object;
  const json& spec = Member(pvc, "spec");
  claim.name = Metadata(pvc, "name");
  claim.key = base::StrCat(Metadata(pvc, "namespace"), "/", claim.name);
  claim.uid = Metadata(pvc, "uid");
  claim.class_name = ObjectClass(pvc);
  const json& selected = Member(Member(Member(pvc, "metadata"), "annotations"), kAnnSelectedNode);
  claim.has_selected_node = selected.is_string();
  claim.selected_node = StringOf(selected);
  claim.request = StorageQuantity(Member(Member(spec, "resources"), "requests"));
  if (const json& modes = Member(spec, "accessModes"); modes.is_array()) {
    for (const json& mode : modes) {
      if (mode.is_string()) claim.access_modes.push_back(mode.get<std::string>());
    }
  }
  claim.volume_mode = VolumeMode(pvc);
  if (const json& selector = Member(spec, "selector"); selector.is_object()) {
    absl::StatusOr<api::LabelSelector> parsed = api::LabelSelector::FromJson(selector);
    if (parsed.ok()) {
      claim.selector = *std::move(parsed);
    } else {
      claim.selector_error =
          base::StrCat("error creating internal label selector for claim: ", claim.key, ": ",
                       parsed.status().message());
    }
  }
  claim.object = std::move(object);
  return claim;
}

// spec.nodeAffinity.required of a volume (nullopt: no constraint).
std::optional<NodeSelector> VolumeNodeAffinity(const json& volume) {
  const json& required = Member(Member(Member(volume, "spec"), "nodeAffinity"), "required");
  if (!required.is_object()) return std::nullopt;
  NodeSelector selector;
  const json& terms = Member(required, "nodeSelectorTerms");
  if (terms.is_array()) {
    for (const json& term : terms) selector.terms.push_back(ParseNodeSelectorTerm(term));
  }
  return selector;
}

// upstream CheckNodeAffinity: matched against a node that has only the labels (a matchFields
// term never matches there).
bool AffinityAdmits(const std::optional<NodeSelector>& affinity, const Labels& labels) {
  static const std::string kNoName;
  return !affinity || affinity->Matches(labels, kNoName);
}

struct VolumeInfo {
  client::ObjectPtr object;
  std::string name;
  std::string class_name;
  quota::Quantity capacity;
  std::set<std::string> access_modes;
  std::string volume_mode;
  Labels labels;
  bool available = false;  // status.phase Available
  bool deleting = false;
  bool has_claim_ref = false;
  std::string ref_namespace;
  std::string ref_name;
  std::string ref_uid;
  std::optional<NodeSelector> affinity;

  // upstream IsVolumeBoundToClaim.
  bool BoundTo(const ClaimInfo& claim) const {
    if (!has_claim_ref || ref_name != claim.name) return false;
    if (base::StrCat(ref_namespace, "/", ref_name) != claim.key) return false;
    return ref_uid.empty() || ref_uid == claim.uid;
  }
};

VolumeInfo ParseVolume(client::ObjectPtr object) {
  VolumeInfo volume;
  const json& pv = *object;
  const json& spec = Member(pv, "spec");
  volume.name = Metadata(pv, "name");
  volume.class_name = ObjectClass(pv);
  volume.capacity = StorageQuantity(Member(spec, "capacity"));
  if (const json& modes = Member(spec, "accessModes"); modes.is_array()) {
    for (const json& mode : modes) {
      if (mode.is_string()) volume.access_modes.insert(mode.get<std::string>());
    }
  }
  volume.volume_mode = VolumeMode(pv);
  volume.labels = ParseLabels(pv);
  volume.available = StringOf(Member(Member(pv, "status"), "phase")) == "Available";
  volume.deleting = IsBeingDeleted(pv);
  if (const json& ref = Member(spec, "claimRef"); ref.is_object()) {
    volume.has_claim_ref = true;
    volume.ref_namespace = StringOf(Member(ref, "namespace"));
    volume.ref_name = StringOf(Member(ref, "name"));
    volume.ref_uid = StringOf(Member(ref, "uid"));
  }
  volume.affinity = VolumeNodeAffinity(pv);
  volume.object = std::move(object);
  return volume;
}

struct ClassInfo {
  bool found = false;
  std::string provisioner;
  std::vector<NodeSelectorTerm> allowed_topologies;  // ORed; empty: every node
};

ClassInfo ParseClass(const client::ObjectPtr& object) {
  ClassInfo info;
  if (object == nullptr) return info;
  info.found = true;
  info.provisioner = StringOf(Member(*object, "provisioner"));
  const json& topologies = Member(*object, "allowedTopologies");
  if (!topologies.is_array()) return info;
  for (const json& term : topologies) {
    // matchLabelExpressions are "key in (values)"; an empty value list makes the term invalid.
    NodeSelectorTerm parsed;
    const json& expressions = Member(term, "matchLabelExpressions");
    if (expressions.is_array()) {
      for (const json& expression : expressions) {
        SelectorRequirement requirement;
        requirement.key = StringOf(Member(expression, "key"));
        requirement.op = SelectorRequirement::Op::kIn;
        if (const json& values = Member(expression, "values"); values.is_array()) {
          for (const json& value : values) {
            if (value.is_string()) requirement.values.insert(value.get<std::string>());
          }
        }
        if (requirement.values.empty()) parsed.valid = false;
        parsed.expressions.push_back(std::move(requirement));
      }
    }
    info.allowed_topologies.push_back(std::move(parsed));
  }
  return info;
}

// v1helper.MatchTopologySelectorTerms.
bool TopologyAdmits(const ClassInfo& info, const Labels& labels) {
  static const std::string kNoName;
  if (info.allowed_topologies.empty()) return true;
  for (const NodeSelectorTerm& term : info.allowed_topologies) {
    if (term.Matches(labels, kNoName)) return true;
  }
  return false;
}

struct BoundClaim {
  bool volume_found = false;
  std::optional<NodeSelector> affinity;  // of its volume
};

// What the pod needs on one node (upstream PodVolumes): indexes into StateData::delayed.
struct Decision {
  std::vector<std::pair<size_t, const VolumeInfo*>> static_bindings;
  std::vector<size_t> provisions;
};

struct StateData {
  std::vector<BoundClaim> bound;
  std::vector<ClaimInfo> delayed;  // unbound WaitForFirstConsumer claims, smallest request first
  std::map<std::string, std::vector<VolumeInfo>> volumes_by_class;  // for `delayed`
  std::map<std::string, ClassInfo> classes;                         // for `delayed`
  // Filter may run on several nodes at once; PreBind reads the chosen node's entry.
  mutable absl::Mutex mu;
  mutable std::map<std::string, Decision> decisions ABSL_GUARDED_BY(mu);
};

Status ErrorStatus(std::string message) { return {Code::kError, {std::move(message)}, {}}; }

// upstream volume.IsDelayBindingMode.
absl::StatusOr<bool> IsDelayBindingMode(const ClaimInfo& claim, const ClusterObjects& objects) {
  if (claim.class_name.empty()) return false;
  client::ObjectPtr storage_class =
      objects.Get(client::resources::StorageClasses(), "", claim.class_name);
  if (storage_class == nullptr) return false;
  const json& mode = Member(*storage_class, "volumeBindingMode");
  if (!mode.is_string()) {
    return absl::InternalError(
        base::StrCat("VolumeBindingMode not set for StorageClass \"", claim.class_name, "\""));
  }
  return mode.get<std::string>() == "WaitForFirstConsumer";
}

// upstream volume.FindMatchingVolume with a node and delayed binding: a volume pre-bound to
// the claim if it fits the node, else the smallest Available one that fits.
const VolumeInfo* FindMatchingVolume(const ClaimInfo& claim, const std::vector<VolumeInfo>& volumes,
                                     const Labels& labels,
                                     const std::vector<const VolumeInfo*>& excluded) {
  const VolumeInfo* smallest = nullptr;
  for (const VolumeInfo& volume : volumes) {
    if (std::find(excluded.begin(), excluded.end(), &volume) != excluded.end()) continue;
    bool bound_to_claim = volume.BoundTo(claim);
    if (volume.has_claim_ref && !bound_to_claim) continue;
    if (volume.capacity.Compare(claim.request) < 0) continue;
    if (volume.volume_mode != claim.volume_mode) continue;
    if (volume.deleting) continue;
    bool affinity_ok = AffinityAdmits(volume.affinity, labels);
    if (bound_to_claim) return affinity_ok ? &volume : nullptr;
    if (!volume.available) continue;
    if (claim.selector && !claim.selector->Matches(volume.labels)) continue;
    if (volume.class_name != claim.class_name) continue;
    if (!affinity_ok) continue;
    bool modes_ok = std::all_of(
        claim.access_modes.begin(), claim.access_modes.end(),
        [&volume](const std::string& mode) { return volume.access_modes.count(mode) > 0; });
    if (!modes_ok) continue;
    if (smallest == nullptr || smallest->capacity.Compare(volume.capacity) > 0) {
      smallest = &volume;
    }
  }
  return smallest;
}

// A claim the pod names: spec.volumes[].persistentVolumeClaim or a generic ephemeral volume.
struct ClaimRef {
  std::string name;
  bool ephemeral = false;
};

std::vector<ClaimRef> PodClaims(const PodInfo& pod) {
  std::vector<ClaimRef> refs;
  const json& volumes = Member(Member(*pod.pod, "spec"), "volumes");
  if (!volumes.is_array()) return refs;
  for (const json& volume : volumes) {
    if (const json& pvc = Member(volume, "persistentVolumeClaim"); pvc.is_object()) {
      refs.push_back({StringOf(Member(pvc, "claimName")), false});
    } else if (Member(volume, "ephemeral").is_object()) {
      refs.push_back({base::StrCat(pod.name, "-", StringOf(Member(volume, "name"))), true});
    }
  }
  return refs;
}

// ephemeral.VolumeIsForPod: the pod must be the claim's controller.
bool ControlledBy(const json& claim, const std::string& pod_uid) {
  const json& owners = Member(Member(claim, "metadata"), "ownerReferences");
  if (!owners.is_array()) return false;
  for (const json& owner : owners) {
    const json& controller = Member(owner, "controller");
    if (controller.is_boolean() && controller.get<bool>()) {
      return StringOf(Member(owner, "uid")) == pod_uid;
    }
  }
  return false;
}

json ClaimReference(const json& claim) {
  return {{"kind", "PersistentVolumeClaim"},
          {"namespace", Metadata(claim, "namespace")},
          {"name", Metadata(claim, "name")},
          {"uid", Metadata(claim, "uid")},
          {"apiVersion", "v1"},
          {"resourceVersion", Metadata(claim, "resourceVersion")}};
}

// The PreBind writes, with the resourceVersion each came back with.
struct Written {
  const ClaimInfo* claim = nullptr;
  std::string volume;  // static bindings: the volume's name
  int64_t version = 0;
};

}  // namespace

VolumeBinding::VolumeBinding(std::shared_ptr<const ClusterObjects> objects,
                             VolumeBindingOptions options)
    : objects_(std::move(objects)), options_(options) {}

Status VolumeBinding::PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                                std::optional<std::set<std::string>>* node_names) const {
  std::vector<ClaimRef> refs = PodClaims(pod);
  if (refs.empty()) return Status::Skip();
  // upstream podHasPVCs: every claim must exist and be usable.
  std::vector<client::ObjectPtr> claims;
  for (const ClaimRef& ref : refs) {
    client::ObjectPtr claim =
        objects_->Get(client::resources::PersistentVolumeClaims(), pod.namespace_name, ref.name);
    if (claim == nullptr) {
      return Status::Unresolvable(
          {ref.ephemeral ? base::StrCat("waiting for ephemeral volume controller to create the "
                                        "persistentvolumeclaim \"",
                                        ref.name, "\"")
                         : base::StrCat("persistentvolumeclaim \"", ref.name, "\" not found")});
    }
    if (StringOf(Member(Member(*claim, "status"), "phase")) == "Lost") {
      return Status::Unresolvable({base::StrCat(
          "persistentvolumeclaim \"", ref.name, "\" bound to non-existent persistentvolume \"",
          StringOf(Member(Member(*claim, "spec"), "volumeName")), "\"")});
    }
    if (IsBeingDeleted(*claim)) {
      return Status::Unresolvable(
          {base::StrCat("persistentvolumeclaim \"", ref.name, "\" is being deleted")});
    }
    if (ref.ephemeral && !ControlledBy(*claim, pod.uid)) {
      return Status::Unresolvable(
          {base::StrCat("PVC ", pod.namespace_name, "/", ref.name, " was not created for pod ",
                        pod.namespace_name, "/", pod.name, " (pod is not owner)")});
    }
    claims.push_back(std::move(claim));
  }

  // upstream GetPodVolumeClaims: bound, unbound delayed, unbound immediate.
  auto data = std::make_shared<StateData>();
  bool unbound_immediate = false;
  for (client::ObjectPtr& object : claims) {
    if (ClaimFullyBound(*object)) {
      BoundClaim bound;
      client::ObjectPtr volume =
          objects_->Get(client::resources::PersistentVolumes(), "",
                        StringOf(Member(Member(*object, "spec"), "volumeName")));
      bound.volume_found = volume != nullptr;
      if (volume != nullptr) bound.affinity = VolumeNodeAffinity(*volume);
      data->bound.push_back(std::move(bound));
      continue;
    }
    ClaimInfo claim = ParseClaim(std::move(object));
    absl::StatusOr<bool> delayed = IsDelayBindingMode(claim, *objects_);
    if (!delayed.ok()) return ErrorStatus(std::string(delayed.status().message()));
    // A claim naming its volume (pre-bound) is the PV controller's to bind.
    if (*delayed && StringOf(Member(Member(*claim.object, "spec"), "volumeName")).empty()) {
      data->delayed.push_back(std::move(claim));
    } else {
      unbound_immediate = true;
    }
  }
  if (unbound_immediate) return Status::Unresolvable({kReasonUnboundImmediate});

  if (!data->delayed.empty()) {
    // byPVCSize: smaller requests pick first, so they take the smaller volumes.
    std::stable_sort(
        data->delayed.begin(), data->delayed.end(),
        [](const ClaimInfo& a, const ClaimInfo& b) { return a.request.Compare(b.request) < 0; });
    for (const ClaimInfo& claim : data->delayed) {
      data->volumes_by_class.try_emplace(claim.class_name);
      if (data->classes.count(claim.class_name) == 0) {
        data->classes[claim.class_name] =
            ParseClass(objects_->Get(client::resources::StorageClasses(), "", claim.class_name));
      }
    }
    for (client::ObjectPtr& object : objects_->List(client::resources::PersistentVolumes(), "")) {
      auto it = data->volumes_by_class.find(ObjectClass(*object));
      if (it != data->volumes_by_class.end()) it->second.push_back(ParseVolume(std::move(object)));
    }
  }
  state.Write(kStateKey, std::shared_ptr<const StateData>(std::move(data)));
  return Status::Success();
}

Status VolumeBinding::Filter(const CycleState& state, const PodInfo& pod,
                             const NodeInfo& node) const {
  const auto* stored = state.Read<std::shared_ptr<const StateData>>(kStateKey);
  if (stored == nullptr) return Status::Success();  // the pod has no claims
  const StateData& data = **stored;
  const Labels& labels = node.labels();

  // checkBoundClaims: stops at the first volume that is missing or does not admit the node.
  bool bound_satisfied = true;
  bool bound_volumes_found = true;
  for (const BoundClaim& bound : data.bound) {
    if (!bound.volume_found) {
      bound_volumes_found = false;
      break;
    }
    if (!AffinityAdmits(bound.affinity, labels)) {
      bound_satisfied = false;
      break;
    }
  }

  bool unbound_satisfied = true;
  Decision decision;
  if (!data.delayed.empty()) {
    std::vector<size_t> to_match;
    std::vector<size_t> to_provision;
    for (size_t i = 0; i < data.delayed.size(); ++i) {
      const ClaimInfo& claim = data.delayed[i];
      if (!claim.has_selected_node) {
        to_match.push_back(i);
      } else if (claim.selected_node == node.name()) {
        to_provision.push_back(i);
      } else {
        // Provisioning already started for another node.
        unbound_satisfied = false;
        break;
      }
    }
    if (unbound_satisfied) {
      std::vector<const VolumeInfo*> chosen;
      for (size_t i : to_match) {
        const ClaimInfo& claim = data.delayed[i];
        if (!claim.selector_error.empty()) return ErrorStatus(claim.selector_error);
        const VolumeInfo* volume =
            FindMatchingVolume(claim, data.volumes_by_class.at(claim.class_name), labels, chosen);
        if (volume == nullptr) {
          unbound_satisfied = false;
          to_provision.push_back(i);
          continue;
        }
        chosen.push_back(volume);
        decision.static_bindings.emplace_back(i, volume);
      }
      if (!to_provision.empty()) {
        // checkVolumeProvisions decides for every claim left.
        unbound_satisfied = true;
        for (size_t i : to_provision) {
          const ClaimInfo& claim = data.delayed[i];
          if (claim.class_name.empty()) {
            return ErrorStatus(base::StrCat("no class for claim \"", claim.key, "\""));
          }
          const ClassInfo& info = data.classes.at(claim.class_name);
          if (!info.found) {
            return ErrorStatus(
                base::StrCat("failed to find storage class \"", claim.class_name, "\""));
          }
          if (info.provisioner.empty() || info.provisioner == kNoProvisioner ||
              !TopologyAdmits(info, labels)) {
            unbound_satisfied = false;
            break;
          }
          decision.provisions.push_back(i);
        }
      }
    }
  }

  if (!bound_satisfied || !unbound_satisfied || !bound_volumes_found) {
    std::vector<std::string> reasons;
    if (!bound_satisfied) reasons.emplace_back(kReasonNodeConflict);
    if (!unbound_satisfied) reasons.emplace_back(kReasonBindConflict);
    if (!bound_volumes_found) reasons.emplace_back(kReasonPVNotExist);
    return Status::Unresolvable(std::move(reasons));
  }
  if (!data.delayed.empty()) {
    absl::MutexLock lock(&data.mu);
    data.decisions[node.name()] = std::move(decision);
  }
  return Status::Success();
}

absl::Status VolumeBinding::PreBind(const CycleState& state, const PodInfo& pod,
                                    const std::string& node, client::Client& client) const {
  const auto* stored = state.Read<std::shared_ptr<const StateData>>(kStateKey);
  if (stored == nullptr || (*stored)->delayed.empty()) return absl::OkStatus();  // all bound
  const StateData& data = **stored;
  Decision decision;
  {
    absl::MutexLock lock(&data.mu);
    auto it = data.decisions.find(node);
    if (it == data.decisions.end()) {
      return absl::InternalError(base::StrCat("no pod volumes found for node \"", node, "\""));
    }
    decision = it->second;
  }

  // bindAPIUpdate: pre-bind each matched volume to its claim (the PV controller completes the
  // binding), then hand each claim to provision to its provisioner via the selected node.
  std::vector<Written> bindings;
  for (const auto& [index, volume] : decision.static_bindings) {
    const ClaimInfo& claim = data.delayed[index];
    json updated = *volume->object;
    if (!volume->BoundTo(claim) &&
        !Member(Member(updated, "metadata"), "annotations").contains(kAnnBoundByController)) {
      updated["metadata"]["annotations"][kAnnBoundByController] = "yes";
    }
    updated["spec"]["claimRef"] = ClaimReference(*claim.object);
    absl::StatusOr<json> written = client.Update(client::resources::PersistentVolumes(), updated);
    if (!written.ok()) return written.status();
    bindings.push_back({&claim, volume->name, ResourceVersion(*written)});
  }
  std::vector<Written> provisions;
  for (size_t index : decision.provisions) {
    const ClaimInfo& claim = data.delayed[index];
    json updated = *claim.object;
    updated["metadata"]["annotations"][kAnnSelectedNode] = node;
    absl::StatusOr<json> written =
        client.Update(client::resources::PersistentVolumeClaims(), updated);
    if (!written.ok()) return written.status();
    provisions.push_back({&claim, "", ResourceVersion(*written)});
  }

  // checkBindings on the informers' view until every claim is bound. Objects older than what
  // was written are not judged yet.
  const client::Resource claims = client::resources::PersistentVolumeClaims();
  auto check = [&]() -> absl::StatusOr<bool> {
    for (const Written& binding : bindings) {
      client::ObjectPtr volume =
          objects_->Get(client::resources::PersistentVolumes(), "", binding.volume);
      if (volume == nullptr) {
        return absl::NotFoundError(base::StrCat("failed to check binding: persistentvolume \"",
                                                binding.volume, "\" not found"));
      }
      client::ObjectPtr claim = objects_->Get(claims, pod.namespace_name, binding.claim->name);
      if (claim == nullptr) {
        return absl::NotFoundError(base::StrCat("failed to check binding: persistentvolumeclaim \"",
                                                binding.claim->name, "\" not found"));
      }
      if (ResourceVersion(*volume) < binding.version) return false;
      const json& ref = Member(Member(*volume, "spec"), "claimRef");
      if (!ref.is_object() || StringOf(Member(ref, "uid")).empty()) {
        return absl::AbortedError(
            base::StrCat("ClaimRef got reset for pv \"", binding.volume, "\""));
      }
      if (!ClaimFullyBound(*claim)) return false;
    }
    for (const Written& provision : provisions) {
      client::ObjectPtr claim = objects_->Get(claims, pod.namespace_name, provision.claim->name);
      if (claim == nullptr) {
        return absl::NotFoundError(
            base::StrCat("failed to check provisioning pvc: persistentvolumeclaim \"",
                         provision.claim->name, "\" not found"));
      }
      if (ResourceVersion(*claim) < provision.version) return false;
      const json& annotations = Member(Member(*claim, "metadata"), "annotations");
      if (!annotations.is_object()) {
        return absl::AbortedError(
            base::StrCat("selectedNode annotation reset for PVC \"", provision.claim->name, "\""));
      }
      if (StringOf(Member(annotations, kAnnSelectedNode)) != node) {
        // A provisioner that failed drops the annotation so the pod is scheduled again.
        return absl::AbortedError(
            base::StrCat("provisioning failed for PVC \"", provision.claim->name, "\""));
      }
      if (!ClaimFullyBound(*claim)) return false;
    }
    return true;
  };

  auto deadline = std::chrono::steady_clock::now() + options_.bind_timeout;
  while (true) {
    absl::StatusOr<bool> done = check();
    if (!done.ok()) {
      return absl::Status(done.status().code(),
                          base::StrCat("binding volumes: ", done.status().message()));
    }
    if (*done) return absl::OkStatus();
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(options_.poll_interval);
  }
  std::string pending;
  for (const auto* list : {&bindings, &provisions}) {
    for (const Written& written : *list) {
      base::StrAppend(&pending, pending.empty() ? "" : ", ", written.claim->key);
    }
  }
  return absl::DeadlineExceededError(
      base::StrCat("binding volumes: timed out after ", options_.bind_timeout.count(),
                   "ms waiting for PersistentVolumeClaims to be bound: ", pending));
}

}  // namespace k1s::scheduler::plugins
