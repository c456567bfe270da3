// Rollbacks asked for with the deprecated extensions/v1beta1 rollbackTo (kept as the
// "deprecated.deployment.rollback.to" annotation; upstream rollback.go). `kubectl rollout undo`
// no longer uses it: it patches the old template back itself, and the ordinary sync then finds
// the old ReplicaSet and gives it the next revision.
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "controllers/deployment/deployment_controller_impl.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
namespace wl = workload;
namespace du = deployment;
using RsPtr = du::RsPtr;
using RsList = du::RsList;

}  // namespace

absl::Status DeploymentController::Impl::Rollback(json& d, const RsList& rs_list) {
  absl::StatusOr<NewAndOld> rss = GetAllReplicaSetsAndSyncRevision(d, rs_list, true);
  if (!rss.ok()) return rss.status();
  RsList all = rss->old_rss;
  all.push_back(rss->new_rs);
  int64_t revision = du::RollbackRevision(d).value_or(0);
  if (revision == 0) {
    revision = du::LastRevision(all);
    if (revision == 0) {
      Event(d, client::kEventWarning, du::kRollbackRevisionNotFound,
            "Unable to find last revision.");
      return UpdateDeploymentAndClearRollbackTo(d);
    }
  }
  for (const RsPtr& rs : all) {
    if (!rs || du::Revision(*rs) != revision) continue;
    absl::StatusOr<bool> performed = RollbackToTemplate(d, *rs);
    if (!performed.ok()) return performed.status();
    if (*performed) {
      Event(d, client::kEventNormal, du::kRollbackDone,
            base::StrCat("Rolled back deployment \"", wl::NameOf(d), "\" to revision ", revision));
    }
    return absl::OkStatus();
  }
  Event(d, client::kEventWarning, du::kRollbackRevisionNotFound,
        "Unable to find the revision to rollback to.");
  return UpdateDeploymentAndClearRollbackTo(d);
}

absl::StatusOr<bool> DeploymentController::Impl::RollbackToTemplate(json& d, const json& rs) {
  bool performed = false;
  const json& rs_template = wl::Path(rs, {"spec", "template"});
  if (!du::EqualIgnoreHash(wl::Path(d, {"spec", "template"}), rs_template)) {
    json pod_template = json::object();
    pod_template["metadata"] = wl::Member(rs_template, "metadata");
    pod_template["spec"] = wl::Member(rs_template, "spec");
    if (pod_template["metadata"].is_object() && pod_template["metadata"]["labels"].is_object()) {
      pod_template["metadata"]["labels"].erase(std::string(du::kPodTemplateHashLabel));
    }
    d["spec"]["template"] = std::move(pod_template);
    du::SetDeploymentAnnotationsTo(d, rs);
    performed = true;
  } else {
    Event(d, client::kEventWarning, du::kRollbackTemplateUnchanged,
          base::StrCat("The rollback revision contains the same template as current deployment \"",
                       wl::NameOf(d), "\""));
  }
  if (absl::Status status = UpdateDeploymentAndClearRollbackTo(d); !status.ok()) return status;
  return performed;
}

absl::Status DeploymentController::Impl::UpdateDeploymentAndClearRollbackTo(json& d) {
  json& annotations = d["metadata"]["annotations"];
  if (annotations.is_object()) annotations.erase(std::string(du::kRollbackToAnnotation));
  absl::StatusOr<json> updated = client_.Update(deployments_resource_, d);
  if (!updated.ok()) return updated.status();
  d = *std::move(updated);
  return absl::OkStatus();
}

}  // namespace k1s::controllers
