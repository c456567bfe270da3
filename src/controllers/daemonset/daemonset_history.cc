// A DaemonSet's ControllerRevisions (upstream's constructHistory, snapshot, dedupCurHistories
// and cleanupHistory). Each revision is named "<ds>-<hash>", labelled controller-revision-hash
// with the template hash, and holds the template patch; the current revision's hash labels the
// pods made from it.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "api/errors.h"
#include "api/label_selector.h"
#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/daemonset/daemonset_impl.h"
#include "controllers/history/hash.h"
#include "controllers/history/object_fields.h"

namespace k1s::controllers {
namespace {

using history::Member;
using history::NameOf;
using history::NamespaceOf;
using history::Path;
using nlohmann::json;

const std::string kHashLabel(history::kRevisionHashLabel);

bool Matches(const json& ds, const json& revision) {
  return Member(revision, "data") == history::TemplatePatch(ds);
}

std::optional<int32_t> CollisionCount(const json& ds) {
  std::optional<int64_t> count = history::OptionalInt(Path(ds, {"status", "collisionCount"}));
  if (!count) return std::nullopt;
  return static_cast<int32_t>(*count);
}

client::ObjectPtr Share(json object) { return std::make_shared<const json>(std::move(object)); }

}  // namespace

absl::StatusOr<std::vector<client::ObjectPtr>> DaemonSetController::Impl::ControlledHistories(
    const json& ds) {
  absl::StatusOr<api::LabelSelector> selector =
      api::LabelSelector::FromJson(Path(ds, {"spec", "selector"}));
  if (!selector.ok()) return selector.status();
  std::vector<ObjectPtr> candidates =
      history::ControlledByOrOrphans(revisions_, NamespaceOf(ds), history::UidOf(ds));
  ControllerRefManager manager(client_, revisions_resource_, ds, "apps/v1", "DaemonSet", *selector);
  return manager.Claim(candidates);
}

absl::StatusOr<DaemonSetController::Impl::Histories> DaemonSetController::Impl::ConstructHistory(
    const json& ds) {
  absl::StatusOr<std::vector<ObjectPtr>> histories = ControlledHistories(ds);
  if (!histories.ok()) return histories.status();
  Histories result;
  std::vector<ObjectPtr> current;
  for (ObjectPtr revision : *histories) {
    // Older revisions may lack the hash label: their name stands in for it.
    if (Path(*revision, {"metadata", "labels", kHashLabel}).is_null()) {
      json update = *revision;
      if (!update["metadata"]["labels"].is_object()) update["metadata"]["labels"] = json::object();
      update["metadata"]["labels"][kHashLabel] = NameOf(update);
      absl::StatusOr<json> updated = client_.Update(revisions_resource_, update);
      if (!updated.ok()) return updated.status();
      revision = Share(*std::move(updated));
    }
    (Matches(ds, *revision) ? current : result.old).push_back(std::move(revision));
  }

  int64_t max_old = 0;
  for (const ObjectPtr& revision : result.old) {
    max_old = std::max(max_old, history::RevisionNumber(*revision));
  }
  int64_t current_revision = max_old + 1;
  if (current.empty()) {
    absl::StatusOr<ObjectPtr> created = Snapshot(ds, current_revision);
    if (!created.ok()) return created.status();
    result.current = *std::move(created);
    return result;
  }
  absl::StatusOr<ObjectPtr> kept = DedupCurrentHistories(ds, current);
  if (!kept.ok()) return kept.status();
  result.current = *std::move(kept);
  // A rollback to an older template makes that revision the newest again.
  if (history::RevisionNumber(*result.current) < current_revision) {
    json update = *result.current;
    update["revision"] = current_revision;
    absl::StatusOr<json> updated = client_.Update(revisions_resource_, update);
    if (!updated.ok()) return updated.status();
  }
  return result;
}

absl::StatusOr<client::ObjectPtr> DaemonSetController::Impl::Snapshot(const json& ds,
                                                                      int64_t revision) {
  std::optional<int32_t> collision_count = CollisionCount(ds);
  std::string hash =
      history::ComputePodTemplateHash(Path(ds, {"spec", "template"}), collision_count);
  std::string name = base::StrCat(NameOf(ds), "-", hash);
  json labels = Path(ds, {"spec", "template", "metadata", "labels"});
  if (!labels.is_object()) labels = json::object();
  labels[kHashLabel] = hash;
  json metadata = {
      {"name", name},
      {"namespace", NamespaceOf(ds)},
      {"labels", std::move(labels)},
      {"ownerReferences", json::array({MakeControllerRef(ds, "apps/v1", "DaemonSet")})}};
  const json& annotations = Path(ds, {"metadata", "annotations"});
  if (annotations.is_object()) metadata["annotations"] = annotations;
  json object = {{"apiVersion", "apps/v1"},
                 {"kind", "ControllerRevision"},
                 {"metadata", std::move(metadata)},
                 {"data", history::TemplatePatch(ds)},
                 {"revision", revision}};

  absl::StatusOr<json> created = client_.Create(revisions_resource_, NamespaceOf(ds), object);
  if (created.ok()) return Share(*std::move(created));
  if (!api::IsAlreadyExists(created.status())) return created.status();

  absl::StatusOr<json> existing = client_.Get(revisions_resource_, NamespaceOf(ds), name);
  if (!existing.ok()) return existing.status();
  if (Matches(ds, *existing)) return Share(*std::move(existing));

  // Another template hashed to the same name: bump status.collisionCount and come back.
  absl::StatusOr<json> fresh =
      client_.Get(client::resources::DaemonSets(), NamespaceOf(ds), NameOf(ds));
  if (!fresh.ok()) return fresh.status();
  std::optional<int32_t> fresh_count = CollisionCount(*fresh);
  if (fresh_count != collision_count) {
    return absl::AbortedError(base::StrCat("found a stale collision count (",
                                           collision_count.value_or(0), ", expected ",
                                           fresh_count.value_or(0), ") of DaemonSet \"", NameOf(ds),
                                           "\" while processing; will retry until it is updated"));
  }
  json update = *std::move(fresh);
  if (!update["status"].is_object()) update["status"] = json::object();
  update["status"]["collisionCount"] = fresh_count.value_or(0) + 1;
  absl::StatusOr<json> bumped = client_.UpdateStatus(client::resources::DaemonSets(), update);
  if (!bumped.ok()) return bumped.status();
  log_->info("found a hash collision for daemon set {}: bumping collisionCount to {}",
             client::ObjectKey(ds), fresh_count.value_or(0) + 1);
  return created.status();
}

absl::StatusOr<client::ObjectPtr> DaemonSetController::Impl::DedupCurrentHistories(
    const json& ds, const std::vector<ObjectPtr>& current) {
  if (current.size() == 1) return current.front();
  ObjectPtr keep;
  int64_t max_revision = 0;
  for (const ObjectPtr& revision : current) {
    if (history::RevisionNumber(*revision) >= max_revision) {
      keep = revision;
      max_revision = history::RevisionNumber(*revision);
    }
  }
  std::string keep_hash = history::LabelOf(*keep, history::kRevisionHashLabel);
  // Relabel the pods to the kept revision before deleting the duplicates.
  absl::StatusOr<std::vector<ObjectPtr>> pods = ClaimPods(ds);
  if (!pods.ok()) return pods.status();
  for (const ObjectPtr& pod : *pods) {
    if (history::LabelOf(*pod, history::kRevisionHashLabel) == keep_hash) continue;
    json patch = {{"metadata", {{"labels", {{kHashLabel, keep_hash}}}}}};
    absl::StatusOr<json> patched = client_.Patch(pods_resource_, NamespaceOf(*pod), NameOf(*pod),
                                                 client::PatchType::kMerge, patch.dump());
    if (!patched.ok()) return patched.status();
  }
  for (const ObjectPtr& revision : current) {
    if (NameOf(*revision) == NameOf(*keep)) continue;
    absl::Status deleted = history_.Delete(*revision);
    if (!deleted.ok()) return deleted;
  }
  return keep;
}

absl::Status DaemonSetController::Impl::CleanupHistory(const json& ds, std::vector<ObjectPtr> old) {
  // Deleted terminal pods still count: their revision may be needed to explain them.
  absl::StatusOr<NodeToPods> node_to_pods = NodesToDaemonPods(ds, true);
  if (!node_to_pods.ok()) {
    return absl::Status(node_to_pods.status().code(),
                        base::StrCat("couldn't get node to daemon pod mapping for daemon set \"",
                                     NameOf(ds), "\": ", node_to_pods.status().message()));
  }
  int64_t to_kill = static_cast<int64_t>(old.size()) - history::RevisionHistoryLimit(ds);
  if (to_kill <= 0) return absl::OkStatus();

  std::set<std::string> live_hashes;
  for (const auto& [node_name, pods] : *node_to_pods) {
    for (const ObjectPtr& pod : pods) {
      std::string hash = history::LabelOf(*pod, history::kRevisionHashLabel);
      if (!hash.empty()) live_hashes.insert(hash);
    }
  }
  std::stable_sort(old.begin(), old.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
    return history::RevisionNumber(*a) < history::RevisionNumber(*b);
  });
  auto is_live = [&](const json& revision) {
    return live_hashes.count(history::LabelOf(revision, history::kRevisionHashLabel)) > 0;
  };
  for (const ObjectPtr& revision :
       history::OldestNotLive(old, is_live, static_cast<size_t>(to_kill))) {
    absl::Status deleted = history_.Delete(*revision);
    if (!deleted.ok() && !api::IsNotFound(deleted)) return deleted;
  }
  return absl::OkStatus();
}

}  // namespace k1s::controllers
