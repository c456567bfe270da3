#include "controllers/history/history.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "api/errors.h"
#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/history/hash.h"
#include "controllers/history/object_fields.h"

namespace k1s::controllers::history {
namespace {

using nlohmann::json;

constexpr size_t kMaxPrefixLength = 223;
// retry.DefaultBackoff's step count for conflict retries.
constexpr int kConflictRetries = 5;

}  // namespace

std::string ControllerRevisionName(std::string_view prefix, std::string_view hash) {
  if (prefix.size() > kMaxPrefixLength) prefix = prefix.substr(0, kMaxPrefixLength);
  return base::StrCat(prefix, "-", hash);
}

std::string HashControllerRevision(const json& revision, std::optional<int32_t> probe) {
  std::string data;
  const json& payload = Member(revision, "data");
  if (!payload.is_null()) data = payload.dump();
  if (probe) data += std::to_string(*probe);
  return SafeEncodeString(std::to_string(Fnv32(data)));
}

json NewControllerRevision(const json& parent, std::string_view api_version, std::string_view kind,
                           const json& template_labels, json data, int64_t revision,
                           std::optional<int32_t> collision_count) {
  json labels = template_labels.is_object() ? template_labels : json::object();
  json object = {
      {"apiVersion", "apps/v1"},
      {"kind", "ControllerRevision"},
      {"metadata",
       {{"namespace", NamespaceOf(parent)},
        {"ownerReferences", json::array({MakeControllerRef(parent, api_version, kind)})}}},
      {"data", std::move(data)},
      {"revision", revision},
  };
  std::string hash = HashControllerRevision(object, collision_count);
  labels[std::string(kControllerRevisionHashLabel)] = hash;
  object["metadata"]["labels"] = std::move(labels);
  object["metadata"]["name"] = ControllerRevisionName(NameOf(parent), hash);
  return object;
}

json TemplatePatch(const json& owner) {
  json pod_template = Member(Member(owner, "spec"), "template");
  if (!pod_template.is_object()) pod_template = json::object();
  pod_template["$patch"] = "replace";
  return {{"spec", {{"template", std::move(pod_template)}}}};
}

json ApplyTemplatePatch(const json& owner, const json& revision) {
  json restored = owner;
  json pod_template = Member(Member(Member(revision, "data"), "spec"), "template");
  if (!pod_template.is_object()) return restored;
  pod_template.erase("$patch");
  if (!restored["spec"].is_object()) restored["spec"] = json::object();
  restored["spec"]["template"] = std::move(pod_template);
  return restored;
}

int64_t RevisionNumber(const json& revision) {
  const json& value = Member(revision, "revision");
  return value.is_number_integer() ? value.get<int64_t>() : 0;
}

int32_t RevisionHistoryLimit(const json& owner) {
  const json& value = Member(Member(owner, "spec"), "revisionHistoryLimit");
  return value.is_number_integer() ? value.get<int32_t>() : kDefaultRevisionHistoryLimit;
}

void SortControllerRevisions(std::vector<client::ObjectPtr>& revisions) {
  std::stable_sort(revisions.begin(), revisions.end(),
                   [](const client::ObjectPtr& a, const client::ObjectPtr& b) {
                     int64_t ra = RevisionNumber(*a);
                     int64_t rb = RevisionNumber(*b);
                     if (ra != rb) return ra < rb;
                     int64_t ca = CreationSeconds(*a);
                     int64_t cb = CreationSeconds(*b);
                     if (ca != cb) return ca < cb;
                     return NameOf(*a) < NameOf(*b);
                   });
}

bool EqualRevision(const json& lhs, const json& rhs) {
  return Member(lhs, "data") == Member(rhs, "data");
}

std::vector<client::ObjectPtr> FindEqualRevisions(const std::vector<client::ObjectPtr>& revisions,
                                                  const json& needle) {
  std::vector<client::ObjectPtr> equal;
  for (const client::ObjectPtr& revision : revisions) {
    if (EqualRevision(*revision, needle)) equal.push_back(revision);
  }
  return equal;
}

int64_t NextRevision(const std::vector<client::ObjectPtr>& sorted_revisions) {
  if (sorted_revisions.empty()) return 1;
  return RevisionNumber(*sorted_revisions.back()) + 1;
}

std::vector<client::ObjectPtr> OldestNotLive(const std::vector<client::ObjectPtr>& sorted_revisions,
                                             const std::function<bool(const json&)>& is_live,
                                             size_t count) {
  std::vector<client::ObjectPtr> chosen;
  for (const client::ObjectPtr& revision : sorted_revisions) {
    if (chosen.size() >= count) break;
    if (!is_live(*revision)) chosen.push_back(revision);
  }
  return chosen;
}

History::History(client::Client& client, client::Informer& revisions)
    : client_(client), revisions_(revisions) {}

std::vector<client::ObjectPtr> History::List(const json& parent,
                                             const api::LabelSelector& selector) const {
  std::string uid = UidOf(parent);
  std::vector<client::ObjectPtr> owned;
  for (client::ObjectPtr& revision : revisions_.List(NamespaceOf(parent), selector)) {
    const json* ref = ControllerRefOf(*revision);
    if (ref == nullptr || StringOf(Member(*ref, "uid")) == uid) {
      owned.push_back(std::move(revision));
    }
  }
  return owned;
}

absl::StatusOr<json> History::Create(const json& parent, const json& revision,
                                     int32_t& collision_count) {
  std::string namespace_name = NamespaceOf(parent);
  json clone = revision;
  // Bounded so a server that keeps answering AlreadyExists cannot spin us forever.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::string hash = HashControllerRevision(revision, collision_count);
    std::string name = ControllerRevisionName(NameOf(parent), hash);
    clone["metadata"]["name"] = name;
    clone["metadata"]["namespace"] = namespace_name;
    absl::StatusOr<json> created =
        client_.Create(client::resources::ControllerRevisions(), namespace_name, clone);
    if (!api::IsAlreadyExists(created.status())) return created;
    absl::StatusOr<json> existing =
        client_.Get(client::resources::ControllerRevisions(), namespace_name, name);
    if (!existing.ok()) return existing.status();
    if (EqualRevision(*existing, clone)) return existing;
    ++collision_count;
  }
  return absl::AbortedError("create controller revision: too many name collisions");
}

absl::StatusOr<json> History::Renumber(const json& revision, int64_t new_revision) {
  json clone = revision;
  absl::Status last;
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    if (RevisionNumber(clone) == new_revision) return clone;
    clone["revision"] = new_revision;
    absl::StatusOr<json> updated = client_.Update(client::resources::ControllerRevisions(), clone);
    if (updated.ok()) return updated;
    last = updated.status();
    if (!api::IsConflict(last)) return last;
    absl::StatusOr<json> fresh =
        client_.Get(client::resources::ControllerRevisions(), NamespaceOf(clone), NameOf(clone));
    if (!fresh.ok()) return fresh.status();
    clone = *std::move(fresh);
  }
  return last;
}

absl::Status History::Delete(const json& revision) {
  return client_.Delete(client::resources::ControllerRevisions(), NamespaceOf(revision),
                        NameOf(revision));
}

absl::StatusOr<json> History::Adopt(const json& parent, std::string_view api_version,
                                    std::string_view kind, const json& revision) {
  if (const json* owner = ControllerRefOf(revision); owner != nullptr) {
    return absl::FailedPreconditionError(
        base::StrCat("attempt to adopt revision owned by ", owner->dump()));
  }
  json patch = {{"metadata",
                 {{"ownerReferences", json::array({MakeControllerRef(parent, api_version, kind)})},
                  {"uid", UidOf(revision)}}}};
  return client_.Patch(client::resources::ControllerRevisions(), NamespaceOf(parent),
                       NameOf(revision), client::PatchType::kStrategicMerge, patch.dump());
}

}  // namespace k1s::controllers::history
