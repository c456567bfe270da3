// One update pass of a StatefulSet, as upstream's defaultStatefulSetControl.UpdateStatefulSet:
// find or make the current and update revisions, bring the pods in range to life (in ordinal
// order, one at a time unless Parallel), remove the condemned ones (highest ordinal first),
// roll pods to the update revision from the top down to the partition, record status, and
// truncate the revision history.
#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "api/errors.h"
#include "base/logging.h"
#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/history/object_fields.h"
#include "controllers/statefulset/stateful_set_utils.h"
#include "controllers/statefulset/statefulset_impl.h"

namespace k1s::controllers {
namespace {

using history::Member;
using history::NameOf;
using history::NamespaceOf;
using history::Path;
using history::StringOf;
using nlohmann::json;
namespace sts = statefulset;

// Status writes retried on conflict (retry.DefaultRetry's steps).
constexpr int kStatusRetries = 5;
// The most writes a burst pass has in flight at once upstream (MaxBatchSize).
constexpr size_t kMaxBatchSize = 500;

client::ObjectPtr Share(json object) { return std::make_shared<const json>(std::move(object)); }

absl::Status Combine(const absl::Status& first, const absl::Status& second) {
  if (first.ok()) return second;
  if (second.ok()) return first;
  return absl::Status(first.code(),
                      base::StrCat("[", first.message(), ", ", second.message(), "]"));
}

// runForAll: a monotonic pass stops at the first pod that says so (or fails); a burst pass
// visits every pod in slow-start batches (1, 2, 4, ...), stopping after a batch with an error.
absl::Status RunForAll(size_t count, const std::function<absl::Status(size_t, bool&)>& fn,
                       bool monotonic, bool& should_exit) {
  should_exit = false;
  if (monotonic) {
    for (size_t i = 0; i < count; ++i) {
      bool exit = false;
      absl::Status status = fn(i, exit);
      if (exit || !status.ok()) {
        should_exit = true;
        return status;
      }
    }
    return absl::OkStatus();
  }
  size_t next = 0;
  for (size_t batch = std::min<size_t>(count, 1); batch > 0;
       batch = std::min({2 * batch, count - next, kMaxBatchSize})) {
    absl::Status first_error;
    for (size_t end = next + batch; next < end; ++next) {
      bool ignored = false;
      absl::Status status = fn(next, ignored);
      if (!status.ok() && first_error.ok()) first_error = status;
    }
    if (!first_error.ok()) {
      should_exit = true;
      return first_error;
    }
  }
  return absl::OkStatus();
}

// Descending ordinal: the order condemned pods go away.
bool HigherOrdinal(const client::ObjectPtr& a, const client::ObjectPtr& b) {
  return sts::OrdinalOf(*a) > sts::OrdinalOf(*b);
}

}  // namespace

absl::Status StatefulSetController::Impl::UpdateStatefulSet(const json& set,
                                                            const std::vector<ObjectPtr>& pods,
                                                            int32_t& available) {
  absl::StatusOr<api::LabelSelector> selector =
      api::LabelSelector::FromJson(Path(set, {"spec", "selector"}));
  if (!selector.ok()) return selector.status();
  std::vector<ObjectPtr> revisions = history_.List(set, *selector);
  history::SortControllerRevisions(revisions);

  absl::StatusOr<Revisions> live = GetStatefulSetRevisions(set, revisions);
  if (!live.ok()) return live.status();
  json status;
  absl::Status updated = UpdatePods(set, *live, pods, status);
  absl::Status result = updated;
  if (!status.is_null()) {
    absl::Status recorded = UpdateStatus(set, status);
    if (!recorded.ok() && !updated.ok()) {
      log_->warn("could not update status of stateful set {}: {}", client::ObjectKey(set),
                 recorded);
    }
    if (updated.ok()) result = recorded;
    available = static_cast<int32_t>(history::Int64Of(Member(status, "availableReplicas")));
  }
  // Maintain the history limit whatever happened.
  return Combine(result, TruncateHistory(set, pods, revisions, *live));
}

absl::StatusOr<StatefulSetController::Impl::Revisions>
StatefulSetController::Impl::GetStatefulSetRevisions(const json& set,
                                                     const std::vector<ObjectPtr>& revisions) {
  Revisions result;
  result.collision_count =
      static_cast<int32_t>(history::Int64Of(Path(set, {"status", "collisionCount"})));
  json candidate = history::NewControllerRevision(
      set, "apps/v1", "StatefulSet", Path(set, {"spec", "template", "metadata", "labels"}),
      history::TemplatePatch(set), history::NextRevision(revisions), result.collision_count);
  const json& annotations = Path(set, {"metadata", "annotations"});
  if (annotations.is_object()) candidate["metadata"]["annotations"] = annotations;

  std::vector<ObjectPtr> equal = history::FindEqualRevisions(revisions, candidate);
  if (!equal.empty() && history::EqualRevision(*revisions.back(), *equal.back())) {
    // The newest revision already is the template: nothing changed.
    result.update = revisions.back();
  } else if (!equal.empty()) {
    // Back to an older template: that revision becomes the newest again.
    absl::StatusOr<json> renumbered =
        history_.Renumber(*equal.back(), history::RevisionNumber(candidate));
    if (!renumbered.ok()) return renumbered.status();
    result.update = Share(*std::move(renumbered));
  } else {
    absl::StatusOr<json> created = history_.Create(set, candidate, result.collision_count);
    if (!created.ok()) return created.status();
    result.update = Share(*std::move(created));
  }

  std::string current_name = StringOf(Path(set, {"status", "currentRevision"}));
  for (const ObjectPtr& revision : revisions) {
    if (NameOf(*revision) == current_name) result.current = revision;
  }
  // A new set starts its history at the update revision.
  if (result.current == nullptr) result.current = result.update;
  return result;
}

void StatefulSetController::Impl::CountReplicas(json& status, const json& set,
                                                const Revisions& revisions,
                                                const std::vector<ObjectPtr>& pods) const {
  int32_t replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
  int32_t min_ready = sts::MinReadySeconds(set);
  int64_t now = NowSeconds();
  std::string current_name = NameOf(*revisions.current);
  std::string update_name = NameOf(*revisions.update);
  for (const ObjectPtr& pod : pods) {
    if (pod == nullptr) continue;
    if (sts::IsCreated(*pod)) ++replicas;
    if (sts::IsRunningAndReady(*pod)) {
      ++ready;
      if (sts::IsRunningAndAvailable(*pod, min_ready, now)) ++available;
    }
    if (sts::IsCreated(*pod) && !sts::IsTerminating(*pod)) {
      std::string revision = sts::PodRevision(*pod);
      if (revision == current_name) ++current;
      if (revision == update_name) ++updated;
    }
  }
  status["replicas"] = replicas;
  status["readyReplicas"] = ready;
  status["availableReplicas"] = available;
  status["currentReplicas"] = current;
  status["updatedReplicas"] = updated;
}

absl::Status StatefulSetController::Impl::UpdatePods(const json& set, const Revisions& revisions,
                                                     const std::vector<ObjectPtr>& pods,
                                                     json& status) {
  json current_set = history::ApplyTemplatePatch(set, *revisions.current);
  json update_set = history::ApplyTemplatePatch(set, *revisions.update);
  std::string current_name = NameOf(*revisions.current);
  std::string update_name = NameOf(*revisions.update);
  int32_t min_ready = sts::MinReadySeconds(set);
  int64_t now = NowSeconds();

  status = {{"observedGeneration", history::GenerationOf(set)},
            {"currentRevision", current_name},
            {"updateRevision", update_name},
            {"collisionCount", revisions.collision_count}};
  CountReplicas(status, set, revisions, pods);

  // Pods in [start, end] sit at their index; valid ordinals outside it are condemned.
  int32_t start = sts::StartOrdinal(set);
  int32_t replica_count = std::max(sts::SpecReplicas(set), 0);
  std::vector<ObjectPtr> replicas(static_cast<size_t>(replica_count));
  std::vector<ObjectPtr> condemned;
  for (const ObjectPtr& pod : pods) {
    if (sts::InOrdinalRange(*pod, set)) {
      replicas[sts::OrdinalOf(*pod) - start] = pod;
    } else if (sts::OrdinalOf(*pod) >= 0) {
      condemned.push_back(pod);
    }
  }
  // Missing ordinals get a pod at the right revision (created by ProcessReplica).
  for (int32_t index = 0; index < replica_count; ++index) {
    if (replicas[index] != nullptr) continue;
    replicas[index] = Share(sts::NewVersionedStatefulSetPod(current_set, update_set, current_name,
                                                            update_name, start + index));
  }
  std::sort(condemned.begin(), condemned.end(), HigherOrdinal);

  // The first unavailable pod: lowest ordinal among replicas, then among condemned.
  std::string first_unavailable;
  for (const ObjectPtr& pod : replicas) {
    if (sts::IsUnavailable(*pod, min_ready, now)) {
      first_unavailable = NameOf(*pod);
      break;
    }
  }
  if (first_unavailable.empty()) {
    for (auto it = condemned.rbegin(); it != condemned.rend(); ++it) {
      if (sts::IsUnavailable(**it, min_ready, now)) {
        first_unavailable = NameOf(**it);
        break;
      }
    }
  }

  // A set being deleted only has its status recorded.
  if (IsBeingDeleted(set)) return absl::OkStatus();

  bool monotonic = !sts::AllowsBurst(set);
  std::vector<ObjectPtr> all = replicas;
  all.insert(all.end(), condemned.begin(), condemned.end());
  auto finish = [&](absl::Status result) {
    CountReplicas(status, set, revisions, all);
    return result;
  };

  // Every replica in range exists, is healthy (when monotonic) and has its identity.
  bool should_exit = false;
  absl::Status result = RunForAll(
      replicas.size(),
      [&](size_t i, bool& exit) {
        return ProcessReplica(set, update_set, monotonic, *replicas[i], exit);
      },
      monotonic, should_exit);
  if (should_exit || !result.ok()) return finish(result);

  // Condemned pods' claims take on the ownership their retention policy asks for.
  result = RunForAll(
      condemned.size(),
      [&](size_t i, bool& exit) -> absl::Status {
        absl::StatusOr<bool> match =
            pod_control_.ClaimsMatchRetentionPolicy(update_set, *condemned[i]);
        if (!match.ok()) {
          exit = true;
          return match.status();
        }
        if (*match) return absl::OkStatus();
        absl::Status owned =
            pod_control_.UpdatePodClaimForRetentionPolicy(update_set, *condemned[i]);
        if (!owned.ok()) exit = true;
        return owned;
      },
      monotonic, should_exit);
  if (should_exit || !result.ok()) return finish(result);

  // Scale down: highest ordinal first, after every remaining pod is healthy (when monotonic).
  result = RunForAll(
      condemned.size(),
      [&](size_t i, bool& exit) {
        return ProcessCondemned(set, first_unavailable, monotonic, *condemned[i], exit);
      },
      monotonic, should_exit);
  if (should_exit || !result.ok()) return finish(result);
  CountReplicas(status, set, revisions, all);

  if (sts::IsOnDelete(set)) return absl::OkStatus();

  // Rolling update: replace the highest pod not at the update revision, down to the partition,
  // one at a time, waiting for each replacement to become available.
  const json& rolling = Path(set, {"spec", "updateStrategy", "rollingUpdate"});
  int64_t update_min = rolling.is_object() ? history::Int64Of(Member(rolling, "partition")) : 0;
  for (int64_t target = replica_count - 1; target >= update_min; --target) {
    const json& pod = *replicas[target];
    if (sts::PodRevision(pod) != update_name && !sts::IsTerminating(pod)) {
      log_->debug("stateful set {}: terminating pod {} for update", client::ObjectKey(set),
                  NameOf(pod));
      absl::Status deleted = pod_control_.DeleteStatefulPod(set, pod);
      if (!deleted.ok() && !api::IsNotFound(deleted)) return deleted;
      status["currentReplicas"] = history::Int64Of(status["currentReplicas"]) - 1;
      return absl::OkStatus();
    }
    if (sts::IsUnavailable(pod, min_ready, now)) return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status StatefulSetController::Impl::ProcessReplica(const json& set, const json& update_set,
                                                         bool monotonic, const json& pod,
                                                         bool& should_exit) {
  should_exit = true;
  // A finished pod (failed, or evicted and succeeded) is replaced: delete it now, create its
  // successor on a later pass once it is gone.
  std::string phase = sts::PhaseOf(pod);
  if (phase == "Failed" || phase == "Succeeded") {
    if (!sts::IsTerminating(pod)) return pod_control_.DeleteStatefulPod(set, pod);
    return absl::OkStatus();
  }
  if (!sts::IsCreated(pod)) {
    // A claim still owned by a scaled-away predecessor must go first.
    if (pod_control_.PodClaimIsStale(set, pod)) return absl::OkStatus();
    if (absl::Status created = pod_control_.CreateStatefulPod(set, pod); !created.ok()) {
      return created;
    }
    if (monotonic) return absl::OkStatus();
  }
  if (phase == "Pending") {
    if (absl::Status claims = pod_control_.CreateMissingPersistentVolumeClaims(set, pod);
        !claims.ok()) {
      return claims;
    }
  }
  int32_t min_ready = sts::MinReadySeconds(set);
  if (monotonic) {
    // Ordered: wait for this pod to be up before looking at the next ordinal.
    if (sts::IsTerminating(pod)) return absl::OkStatus();
    if (!sts::IsRunningAndReady(pod)) return absl::OkStatus();
    if (!sts::IsRunningAndAvailable(pod, min_ready, NowSeconds())) return absl::OkStatus();
  }
  should_exit = false;
  // An error here means the pod is mid-update; treat the claims as matching for now.
  absl::StatusOr<bool> retention = pod_control_.ClaimsMatchRetentionPolicy(update_set, pod);
  bool retention_matches = !retention.ok() || *retention;
  if (sts::IdentityMatches(set, pod) && sts::StorageMatches(set, pod) && retention_matches) {
    return absl::OkStatus();
  }
  absl::Status updated = pod_control_.UpdateStatefulPod(update_set, pod);
  if (!updated.ok()) should_exit = true;
  return updated;
}

absl::Status StatefulSetController::Impl::ProcessCondemned(const json& set,
                                                           const std::string& first_unavailable,
                                                           bool monotonic, const json& pod,
                                                           bool& should_exit) {
  if (sts::IsTerminating(pod)) {
    // Ordered scale down waits for the pod to be gone.
    should_exit = monotonic;
    return absl::OkStatus();
  }
  should_exit = true;
  if (monotonic && NameOf(pod) != first_unavailable) {
    // Only the first unhealthy pod may go while another pod is unhealthy.
    if (!sts::IsRunningAndReady(pod)) return absl::OkStatus();
    if (!sts::IsRunningAndAvailable(pod, sts::MinReadySeconds(set), NowSeconds())) {
      return absl::OkStatus();
    }
  }
  log_->debug("stateful set {}: terminating pod {} for scale down", client::ObjectKey(set),
              NameOf(pod));
  return pod_control_.DeleteStatefulPod(set, pod);
}

absl::Status StatefulSetController::Impl::UpdateStatus(const json& set, json& status) {
  int32_t replicas = sts::SpecReplicas(set);
  // A finished rolling update makes the update revision current.
  if (!sts::IsOnDelete(set) &&
      StringOf(Path(set, {"spec", "updateStrategy", "type"})) == "RollingUpdate" &&
      history::Int64Of(status["updatedReplicas"]) == replicas &&
      history::Int64Of(status["readyReplicas"]) == replicas &&
      history::Int64Of(status["replicas"]) == replicas) {
    status["currentReplicas"] = status["updatedReplicas"];
    status["currentRevision"] = status["updateRevision"];
  }
  const json& old = Member(set, "status");
  bool inconsistent =
      history::Int64Of(status["observedGeneration"]) >
          history::Int64Of(Member(old, "observedGeneration")) ||
      StringOf(status["currentRevision"]) != StringOf(Member(old, "currentRevision")) ||
      StringOf(status["updateRevision"]) != StringOf(Member(old, "updateRevision"));
  for (const char* field :
       {"replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"}) {
    if (history::Int64Of(status[field]) != history::Int64Of(Member(old, field))) {
      inconsistent = true;
    }
  }
  if (!inconsistent) return absl::OkStatus();

  // As the Go struct serializes: omitempty fields vanish at their zero value.
  json written = status;
  for (const char* field :
       {"readyReplicas", "currentReplicas", "updatedReplicas", "observedGeneration"}) {
    if (history::Int64Of(written[field]) == 0) written.erase(field);
  }
  for (const char* field : {"currentRevision", "updateRevision"}) {
    if (StringOf(written[field]).empty()) written.erase(field);
  }
  json update = set;
  absl::Status last;
  for (int attempt = 0; attempt < kStatusRetries; ++attempt) {
    update["status"] = written;
    absl::StatusOr<json> stored = client_.UpdateStatus(client::resources::StatefulSets(), update);
    if (stored.ok()) return absl::OkStatus();
    last = stored.status();
    if (!api::IsConflict(last)) return last;
    absl::StatusOr<json> fresh =
        client_.Get(client::resources::StatefulSets(), NamespaceOf(set), NameOf(set));
    if (!fresh.ok()) return fresh.status();
    update = *std::move(fresh);
  }
  return last;
}

absl::Status StatefulSetController::Impl::TruncateHistory(const json& set,
                                                          const std::vector<ObjectPtr>& pods,
                                                          const std::vector<ObjectPtr>& revisions,
                                                          const Revisions& live) {
  std::set<std::string> live_names;
  if (live.current != nullptr) live_names.insert(NameOf(*live.current));
  if (live.update != nullptr) live_names.insert(NameOf(*live.update));
  for (const ObjectPtr& pod : pods) live_names.insert(sts::PodRevision(*pod));
  auto is_live = [&](const json& revision) { return live_names.count(NameOf(revision)) > 0; };

  size_t history_size = 0;
  for (const ObjectPtr& revision : revisions) {
    if (!is_live(*revision)) ++history_size;
  }
  int32_t limit = history::RevisionHistoryLimit(set);
  if (limit < 0 || history_size <= static_cast<size_t>(limit)) return absl::OkStatus();
  for (const ObjectPtr& revision :
       history::OldestNotLive(revisions, is_live, history_size - static_cast<size_t>(limit))) {
    absl::Status deleted = history_.Delete(*revision);
    if (!deleted.ok() && !api::IsNotFound(deleted)) return deleted;
  }
  return absl::OkStatus();
}

}  // namespace k1s::controllers
