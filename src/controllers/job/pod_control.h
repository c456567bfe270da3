#pragma once
// Writes the Job controller makes to pods, with the events upstream's PodControl records on the
// Job: create from the Job's template (SuccessfulCreate "Created pod: x" / FailedCreate), delete
// (SuccessfulDelete "Deleted pod: x" / FailedDelete) and removal of the tracking finalizer.
//
// Thread-safe (the Client and EventRecorder are).
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "client/client.h"
#include "client/event_recorder.h"

namespace k1s::controllers::job {

class PodControl {
 public:
  PodControl(client::Client& client, std::shared_ptr<client::EventRecorder> recorder)
      : client_(client), recorder_(std::move(recorder)) {}

  // Creates a pod in the Job's namespace from `template_spec` (a PodTemplateSpec) named
  // `generate_name` + random suffix, controlled by `job`.
  absl::StatusOr<nlohmann::json> CreatePod(const nlohmann::json& job,
                                           const nlohmann::json& template_spec,
                                           const std::string& generate_name);
  // Deletes the pod (NotFound is returned as is, without an event).
  absl::Status DeletePod(const nlohmann::json& job, std::string_view namespace_name,
                         std::string_view name);
  // Removes batch.kubernetes.io/job-tracking from the pod's finalizers (a strategic merge patch
  // with $deleteFromPrimitiveList). No-op when the pod lacks it.
  absl::Status RemoveTrackingFinalizer(const nlohmann::json& pod);

 private:
  client::Client& client_;
  std::shared_ptr<client::EventRecorder> recorder_;
};

}  // namespace k1s::controllers::job
