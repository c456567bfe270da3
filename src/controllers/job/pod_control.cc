#include "controllers/job/pod_control.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/common/owner_refs.h"
#include "controllers/job/job_util.h"

namespace k1s::controllers::job {

using nlohmann::json;

namespace {

json JobEventObject(const json& job) { return EventObject(job, "batch/v1", "Job"); }

}  // namespace

absl::StatusOr<json> PodControl::CreatePod(const json& job, const json& template_spec,
                                           const std::string& generate_name) {
  const json& template_metadata = Member(template_spec, "metadata");
  const json& labels = Member(template_metadata, "labels");
  if (!labels.is_object() || labels.empty()) {
    return absl::InvalidArgumentError("unable to create pods, no labels");
  }
  std::string namespace_name = StringMember(Member(job, "metadata"), "namespace");
  json metadata = {{"generateName", generate_name},
                   {"namespace", namespace_name},
                   {"labels", labels},
                   {"ownerReferences", json::array({MakeControllerRef(job, "batch/v1", "Job")})}};
  for (const char* key : {"annotations", "finalizers"}) {
    const json& value = Member(template_metadata, key);
    if (!value.is_null() && !value.empty()) metadata[key] = value;
  }
  json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", std::move(metadata)},
      {"spec", Member(template_spec, "spec").is_object() ? template_spec["spec"] : json::object()}};
  absl::StatusOr<json> created = client_.Create(client::resources::Pods(), namespace_name, pod);
  if (!created.ok()) {
    recorder_->Event(JobEventObject(job), client::kEventWarning, "FailedCreate",
                     base::StrCat("Error creating: ", created.status().message()));
    return created.status();
  }
  recorder_->Event(
      JobEventObject(job), client::kEventNormal, "SuccessfulCreate",
      base::StrCat("Created pod: ", StringMember(Member(*created, "metadata"), "name")));
  return created;
}

absl::Status PodControl::DeletePod(const json& job, std::string_view namespace_name,
                                   std::string_view name) {
  absl::Status status = client_.Delete(client::resources::Pods(), namespace_name, name);
  if (api::IsNotFound(status)) return status;
  if (!status.ok()) {
    recorder_->Event(JobEventObject(job), client::kEventWarning, "FailedDelete",
                     base::StrCat("Error deleting: ", status.message()));
    return status;
  }
  recorder_->Event(JobEventObject(job), client::kEventNormal, "SuccessfulDelete",
                   base::StrCat("Deleted pod: ", name));
  return absl::OkStatus();
}

absl::Status PodControl::RemoveTrackingFinalizer(const json& pod) {
  if (!HasTrackingFinalizer(pod)) return absl::OkStatus();
  const json& metadata = Member(pod, "metadata");
  json patch = {
      {"metadata", {{"$deleteFromPrimitiveList/finalizers", json::array({kTrackingFinalizer})}}}};
  absl::StatusOr<json> patched = client_.Patch(
      client::resources::Pods(), StringMember(metadata, "namespace"),
      StringMember(metadata, "name"), client::PatchType::kStrategicMerge, patch.dump());
  return patched.status();
}

}  // namespace k1s::controllers::job
