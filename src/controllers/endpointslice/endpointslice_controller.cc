#include "controllers/endpointslice/endpointslice_controller.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/strings.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
namespace ep = endpoints;
namespace es = endpointslice;

constexpr std::string_view kControllerName = "endpointslice-controller";
// The event source upstream's controller uses.
constexpr std::string_view kEventComponent = "endpoint-slice-controller";
// Slices managed here, filed under "ns/service".
constexpr std::string_view kServiceIndex = "k1s.endpointslice/service";
// Slice changes made by others are handled after this delay, batching bursts (upstream's
// endpointSliceChangeMinSyncDelay).
constexpr std::chrono::milliseconds kSliceChangeDelay{1000};

}  // namespace

EndpointSliceController::EndpointSliceController(ControllerContext& ctx,
                                                 EndpointSliceOptions options)
    : ctx_(ctx),
      client_(ctx.ClientFor(kControllerName)),
      services_(ctx.informers.For(client::resources::Services())),
      pods_(ctx.informers.For(client::resources::Pods())),
      slices_(ctx.informers.For(client::resources::EndpointSlices())),
      nodes_(ctx.informers.For(client::resources::Nodes())),
      recorder_(ctx.events.NewRecorder(std::string(kEventComponent))),
      tracker_(std::make_shared<es::SliceTracker>()),
      queue_(std::make_shared<client::WorkQueue>("endpoint_slice")),
      reconciler_(client_, nodes_, *tracker_, options.max_endpoints_per_slice),
      workers_(*queue_, [this](const std::string& key) { return Sync(key); }) {
  std::shared_ptr<client::WorkQueue> queue = queue_;
  std::shared_ptr<es::SliceTracker> tracker = tracker_;
  client::Informer* services = &services_;

  slices_.AddIndex(std::string(kServiceIndex), [](const json& slice) {
    std::vector<std::string> keys;
    if (es::ManagedByController(slice)) {
      std::string key = es::ServiceKeyOfSlice(slice);
      if (!key.empty()) keys.push_back(std::move(key));
    }
    return keys;
  });

  auto enqueue_service = [queue](const client::ObjectPtr& service) {
    queue->Add(client::ObjectKey(*service));
  };
  services_.AddHandler({enqueue_service,
                        [queue](const client::ObjectPtr&, const client::ObjectPtr& service) {
                          queue->Add(client::ObjectKey(*service));
                        },
                        enqueue_service});

  auto enqueue_memberships = [queue, services](const client::ObjectPtr& pod) {
    for (const std::string& key : ep::ServiceMemberships(*services, *pod)) queue->Add(key);
  };
  pods_.AddHandler(
      {enqueue_memberships,
       [queue, services](const client::ObjectPtr& old_pod, const client::ObjectPtr& new_pod) {
         for (const std::string& key :
              ep::ServicesToUpdateOnPodChange(*services, *old_pod, *new_pod)) {
           queue->Add(key);
         }
       },
       enqueue_memberships});

  auto enqueue_slice_service = [queue](const json& slice) {
    const std::string key = es::ServiceKeyOfSlice(slice);
    if (!key.empty()) queue->AddAfter(key, kSliceChangeDelay);
  };
  slices_.AddHandler(
      {[tracker, enqueue_slice_service](const client::ObjectPtr& slice) {
         if (es::ManagedByController(*slice) && tracker->ShouldSync(*slice)) {
           enqueue_slice_service(*slice);
         }
       },
       [tracker, enqueue_slice_service](const client::ObjectPtr& old_slice,
                                        const client::ObjectPtr& slice) {
         if (es::ServiceKeyOfSlice(*old_slice) != es::ServiceKeyOfSlice(*slice)) {
           // Someone moved the slice to another Service: both need a look.
           enqueue_slice_service(*slice);
           enqueue_slice_service(*old_slice);
         } else if (es::ManagedByController(*old_slice) != es::ManagedByController(*slice) ||
                    (es::ManagedByController(*slice) && tracker->ShouldSync(*slice))) {
           enqueue_slice_service(*slice);
         }
       },
       [tracker, enqueue_slice_service](const client::ObjectPtr& slice) {
         if (es::ManagedByController(*slice) && tracker->HandleDeletion(*slice)) {
           enqueue_slice_service(*slice);
         }
       }});
}

EndpointSliceController::~EndpointSliceController() { Stop(); }

absl::Status EndpointSliceController::Start() {
  if (started_) return absl::OkStatus();
  started_ = true;
  workers_.Start(ctx_.workers);
  return absl::OkStatus();
}

void EndpointSliceController::Stop() { workers_.Stop(); }

absl::Status EndpointSliceController::Sync(const std::string& key) {
  const auto [namespace_name, name] = client::SplitObjectKey(key);
  const client::ObjectPtr service = services_.Get(namespace_name, name);
  if (service == nullptr) {
    // The garbage collector deletes the slices through their ownerReferences.
    tracker_->DeleteService(key);
    trigger_times_.DeleteService(namespace_name, name);
    return absl::OkStatus();
  }
  const json& spec = (*service).contains("spec") ? (*service)["spec"] : json();
  if ((spec.is_object() && spec.value("type", "") == "ExternalName") ||
      !ep::HasSelector(*service)) {
    return absl::OkStatus();
  }

  std::vector<client::ObjectPtr> pods;
  for (const client::ObjectPtr& pod : pods_.List(namespace_name)) {
    if (ep::SelectorMatches(*service, *pod)) pods.push_back(pod);
  }
  const std::vector<client::ObjectPtr> slices = slices_.ByIndex(kServiceIndex, key);
  if (tracker_->Stale(key, slices)) {
    return absl::UnavailableError("EndpointSlice informer cache is out of date");
  }
  const std::optional<int64_t> trigger_time = trigger_times_.Compute(*service, pods);
  absl::Status status = reconciler_.Reconcile(*service, pods, slices, trigger_time);
  if (!status.ok()) {
    recorder_->Event(
        *service, client::kEventWarning, "FailedToUpdateEndpointSlices",
        base::StrCat("Error updating Endpoint Slices for Service ", key, ": ", status.message()));
  }
  return status;
}

}  // namespace k1s::controllers
