#pragma once
// Turns the pods a Service selects into the Service's EndpointSlices with as few writes as
// possible, following upstream's k8s.io/endpointslice Reconciler: per address type and per set
// of ports, endpoints already in a slice stay there (updated in place when they changed),
// endpoints no longer wanted are dropped, slices that change anyway are filled up first, the
// rest goes into the unchanged slice that ends up closest to full, and only then into new
// slices of at most `max_endpoints_per_slice`. A slice that would be deleted while another is
// created is reused instead; an empty Service keeps one placeholder slice; slices of another
// owner or address type are deleted. Hints are never set.
//
// Called from the controller's workers, one Service at a time per key; thread-safe otherwise
// (the client, informer and tracker are).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/client.h"
#include "client/informer.h"
#include "controllers/endpointslice/slice_tracker.h"

namespace k1s::controllers::endpointslice {

class Reconciler {
 public:
  Reconciler(client::Client& client, client::Informer& nodes, SliceTracker& tracker,
             int32_t max_endpoints_per_slice);

  // `existing` are the Service's slices managed by this controller; `trigger_time` (Unix
  // seconds) becomes the last-change-trigger-time annotation of written slices.
  absl::Status Reconcile(const nlohmann::json& service, const std::vector<client::ObjectPtr>& pods,
                         const std::vector<client::ObjectPtr>& existing,
                         std::optional<int64_t> trigger_time);

 private:
  struct Plan {
    std::vector<nlohmann::json> create;
    std::vector<nlohmann::json> update;
    std::vector<nlohmann::json> remove;
  };
  // Endpoint key -> endpoint; ordered so "any" endpoint is always the same one.
  using EndpointSet = std::map<std::string, nlohmann::json>;

  absl::Status ReconcileAddressType(const nlohmann::json& service,
                                    const std::vector<client::ObjectPtr>& pods,
                                    const std::vector<nlohmann::json>& existing,
                                    const std::string& address_type,
                                    std::optional<int64_t> trigger_time,
                                    std::vector<std::string>& errors);
  void ReconcilePortMapping(const nlohmann::json& service,
                            const std::vector<nlohmann::json>& existing, EndpointSet& desired,
                            const nlohmann::json& ports, const std::string& address_type,
                            Plan& plan) const;
  absl::Status Finalize(const nlohmann::json& service, Plan plan,
                        std::optional<int64_t> trigger_time);
  absl::Status DeleteSlice(const nlohmann::json& service, const nlohmann::json& slice);

  client::Client& client_;
  client::Informer& nodes_;
  SliceTracker& tracker_;
  const size_t max_endpoints_per_slice_;
};

}  // namespace k1s::controllers::endpointslice
