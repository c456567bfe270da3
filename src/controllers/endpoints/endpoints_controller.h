#pragma once
// The Endpoints controller (upstream's pkg/controller/endpoint, name "endpoint"): keeps one
// core/v1 Endpoints object per Service with a selector, listing the selected pods' IPs as ready
// or not-ready addresses with the ports each pod resolves, hostnames for pods in the Service's
// subdomain, the headless label, the last-change-trigger-time annotation and truncation to 1000
// addresses (endpoints.kubernetes.io/over-capacity: truncated). Deletes the Endpoints of
// deleted Services; leaves default/kubernetes (owned by the apiserver) and selector-less
// Services alone; writes nothing when nothing changed.
//
// Work: one queue of Service keys; pod changes map to the Services selecting the pod (services
// of its namespace only). Writes as the endpoint-controller service account. Thread-safe.
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/endpoints/endpoint_util.h"

namespace k1s::controllers {

class EndpointsController : public Controller {
 public:
  explicit EndpointsController(ControllerContext& ctx);
  ~EndpointsController() override;

  std::string_view Name() const override { return "endpoint"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  absl::Status Sync(const std::string& key);
  absl::Status DeleteEndpoints(const std::string& namespace_name, const std::string& name);
  bool IsStale(const std::string& key, const std::string& resource_version);

  ControllerContext& ctx_;
  client::Client client_;
  client::Informer& services_;
  client::Informer& pods_;
  client::Informer& endpoints_;
  std::shared_ptr<client::EventRecorder> recorder_;
  // Shared with the informer handlers, which may outlive this object.
  std::shared_ptr<client::WorkQueue> queue_;
  client::QueueWorkers workers_;
  endpoints::TriggerTimeTracker trigger_times_;

  // The resourceVersion each Endpoints had before our last update of it: seeing it again in the
  // lister means the informer has not caught up yet.
  absl::Mutex mu_;
  std::map<std::string, std::string> replaced_versions_ ABSL_GUARDED_BY(mu_);
  bool started_ = false;
};

}  // namespace k1s::controllers
