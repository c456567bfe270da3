#pragma once
// The EndpointSlice controller (upstream's pkg/controller/endpointslice, name "endpointslice"):
// keeps the discovery.k8s.io/v1 EndpointSlices of every Service with a selector, one group per
// address type, at most `max_endpoints_per_slice` endpoints each, labelled
// kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by=
// endpointslice-controller.k8s.io and owned by the Service (the garbage collector removes them
// with it). Endpoints carry ready/serving/terminating conditions, nodeName and the node's zone.
// The Reconciler (reconciler.h) decides the writes; this class wires informers to it.
//
// Work: one queue of Service keys, fed by Service events, pod events (mapped to the Services of
// the pod's namespace that select it) and slice events not caused by our own writes (after 1 s,
// as upstream). Writes as the endpointslice-controller service account. Thread-safe.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/endpoints/endpoint_util.h"
#include "controllers/endpointslice/reconciler.h"
#include "controllers/endpointslice/slice_builder.h"
#include "controllers/endpointslice/slice_tracker.h"

namespace k1s::controllers {

struct EndpointSliceOptions {
  // --max-endpoints-per-slice
  int32_t max_endpoints_per_slice = endpointslice::kDefaultMaxEndpointsPerSlice;
};

class EndpointSliceController : public Controller {
 public:
  explicit EndpointSliceController(ControllerContext& ctx, EndpointSliceOptions options = {});
  ~EndpointSliceController() override;

  std::string_view Name() const override { return "endpointslice"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  absl::Status Sync(const std::string& key);

  ControllerContext& ctx_;
  client::Client client_;
  client::Informer& services_;
  client::Informer& pods_;
  client::Informer& slices_;
  client::Informer& nodes_;
  std::shared_ptr<client::EventRecorder> recorder_;
  // Shared with the informer handlers, which may outlive this object.
  std::shared_ptr<endpointslice::SliceTracker> tracker_;
  std::shared_ptr<client::WorkQueue> queue_;
  endpointslice::Reconciler reconciler_;
  endpoints::TriggerTimeTracker trigger_times_;
  client::QueueWorkers workers_;
  bool started_ = false;
};

}  // namespace k1s::controllers
