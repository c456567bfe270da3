#pragma once
// The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished,
// "ttl-after-finished" in kube-controller-manager v1.32): deletes a finished Job (Complete or
// Failed) once spec.ttlSecondsAfterFinished have passed since the condition's
// lastTransitionTime, with foreground propagation (its pods go first) and a uid precondition.
//
// Data flow: Job add/update events enqueue finished Jobs that have a TTL; a sync checks the
// cached Job, requeues it exactly at expiry (measured on ctx.clock) when it has not expired,
// and otherwise re-reads the Job from the server (the TTL may have changed) before deleting it.
//
// Ownership: owns its queue and workers; the informers and clock belong to the
// ControllerContext, which must outlive it. Thread-safe.
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/job/handler_gate.h"

namespace k1s::controllers::ttl_after_finished {

class TtlAfterFinishedController : public Controller {
 public:
  explicit TtlAfterFinishedController(ControllerContext& ctx);
  ~TtlAfterFinishedController() override;

  std::string_view Name() const override { return "ttl-after-finished"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  void OnJob(const nlohmann::json& job);
  absl::Status ProcessJob(const std::string& key);
  // Whether the Job's TTL has expired; when it will expire later, requeues it for then.
  absl::StatusOr<bool> ProcessTtl(const nlohmann::json& job);

  ControllerContext& ctx_;
  client::Client client_;
  client::Informer& jobs_;
  client::WorkQueue queue_;
  std::unique_ptr<client::QueueWorkers> workers_;
  std::shared_ptr<job::HandlerGate<TtlAfterFinishedController>> gate_;
};

// Nanoseconds until the finished `job` (with a TTL) expires, negative when past; errors when the
// finish time is unknown.
absl::StatusOr<int64_t> JobTimeLeftNanos(const nlohmann::json& job, int64_t now_nanos);

}  // namespace k1s::controllers::ttl_after_finished
