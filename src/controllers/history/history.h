#pragma once
// ControllerRevisions (apps/v1): the recorded history of a workload's pod template, shared by the
// DaemonSet and StatefulSet controllers as upstream's pkg/controller/history.
//
// Free functions build, name, order and compare revisions; History reads revisions from the
// shared ControllerRevision informer and writes them through the controller's own client. A
// revision's `data` holds the strategic-merge patch {"spec":{"template":{..., "$patch":
// "replace"}}} that restores the owner's template, its `revision` a number increasing with each
// change of template (a rollback renumbers the old revision instead of creating a new one).
//
// History is thread-safe (the client and informer are); it owns neither.
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "api/label_selector.h"
#include "client/client.h"
#include "client/informer.h"

namespace k1s::controllers::history {

// The label holding the hash of a revision's data (history.ControllerRevisionHashLabel).
inline constexpr std::string_view kControllerRevisionHashLabel = "controller.kubernetes.io/hash";
// The label on pods (and DaemonSet revisions) naming the revision they were made from
// (apps.ControllerRevisionHashLabelKey, DefaultDaemonSetUniqueLabelKey, StatefulSetRevisionLabel).
inline constexpr std::string_view kRevisionHashLabel = "controller-revision-hash";
// spec.revisionHistoryLimit when unset.
inline constexpr int32_t kDefaultRevisionHistoryLimit = 10;

// "<prefix>-<hash>", the prefix cut to 223 bytes so the name stays within 253.
std::string ControllerRevisionName(std::string_view prefix, std::string_view hash);

// FNV-1 of the revision's serialized data plus the decimal `probe` (a collision count),
// safe-encoded (history.HashControllerRevision).
std::string HashControllerRevision(const nlohmann::json& revision, std::optional<int32_t> probe);

// A revision owned (controller reference) by `parent`, labelled with `template_labels` plus the
// data hash, named "<parent>-<hash>" in the parent's namespace.
nlohmann::json NewControllerRevision(const nlohmann::json& parent, std::string_view api_version,
                                     std::string_view kind, const nlohmann::json& template_labels,
                                     nlohmann::json data, int64_t revision,
                                     std::optional<int32_t> collision_count);

// The patch that replaces an owner's spec.template with its current one (getPatch upstream).
nlohmann::json TemplatePatch(const nlohmann::json& owner);
// `owner` with spec.template restored from a revision made by TemplatePatch (ApplyRevision).
nlohmann::json ApplyTemplatePatch(const nlohmann::json& owner, const nlohmann::json& revision);

int64_t RevisionNumber(const nlohmann::json& revision);  // `revision`, 0 when missing
// spec.revisionHistoryLimit of a workload, kDefaultRevisionHistoryLimit when unset.
int32_t RevisionHistoryLimit(const nlohmann::json& owner);

// Sorts by revision number, then creation time, then name (stable).
void SortControllerRevisions(std::vector<client::ObjectPtr>& revisions);
// True when both revisions hold the same data (EqualRevision).
bool EqualRevision(const nlohmann::json& lhs, const nlohmann::json& rhs);
// The revisions equal to `needle`, in their original order.
std::vector<client::ObjectPtr> FindEqualRevisions(const std::vector<client::ObjectPtr>& revisions,
                                                  const nlohmann::json& needle);
// 1 for an empty history, else one more than the last (sorted) revision's number.
int64_t NextRevision(const std::vector<client::ObjectPtr>& sorted_revisions);
// Up to `count` revisions from the front of `sorted_revisions` (oldest first) for which
// `is_live` is false: what truncating a history to its limit deletes.
std::vector<client::ObjectPtr> OldestNotLive(
    const std::vector<client::ObjectPtr>& sorted_revisions,
    const std::function<bool(const nlohmann::json&)>& is_live, size_t count);

class History {
 public:
  // `revisions` is the shared ControllerRevision informer; writes go through `client`.
  History(client::Client& client, client::Informer& revisions);

  // Revisions in the parent's namespace matching `selector` that `parent` controls or that
  // have no controller (ListControllerRevisions).
  std::vector<client::ObjectPtr> List(const nlohmann::json& parent,
                                      const api::LabelSelector& selector) const;
  // Creates `revision` for `parent`, renaming it "<parent>-<hash>" with `collision_count` mixed
  // into the hash; a name taken by different data bumps the count and tries again. An existing
  // revision with the same data is returned as is.
  absl::StatusOr<nlohmann::json> Create(const nlohmann::json& parent,
                                        const nlohmann::json& revision, int32_t& collision_count);
  // Renumbers `revision` (retrying conflicts against a fresh read).
  absl::StatusOr<nlohmann::json> Renumber(const nlohmann::json& revision, int64_t new_revision);
  absl::Status Delete(const nlohmann::json& revision);
  // Makes `parent` the controller of the orphan `revision` (a patch guarded by its uid).
  absl::StatusOr<nlohmann::json> Adopt(const nlohmann::json& parent, std::string_view api_version,
                                       std::string_view kind, const nlohmann::json& revision);

 private:
  client::Client& client_;
  client::Informer& revisions_;
};

}  // namespace k1s::controllers::history
