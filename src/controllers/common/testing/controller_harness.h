#pragma once
// Everything a controller test needs around a real TestCluster: shared informers, an event
// broadcaster and a ControllerContext whose clients act as the controllers' own service
// accounts (so the default RBAC roles are exercised too). Start the controller, then call
// StartInformers(). Not thread-safe to construct.
#include <chrono>
#include <memory>
#include <string>

#include "base/clock.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/controller.h"

namespace k1s::controllers::testing {

class ControllerHarness {
 public:
  explicit ControllerHarness(base::Clock& clock = base::RealClock())
      : cluster_(clock),
        admin_(cluster_.Admin("test")),
        informers_(cluster_.Admin("informers"), std::chrono::minutes(10)),
        events_(cluster_.Admin("events"), clock),
        context_{[this](std::string_view name) {
                   return cluster_.As(
                       std::string("system:serviceaccount:kube-system:") + std::string(name),
                       {"system:serviceaccounts", "system:serviceaccounts:kube-system",
                        "system:authenticated"},
                       std::string(name));
                 },
                 informers_, events_, clock, 2} {}
  ~ControllerHarness() { informers_.Stop(); }

  bool ok() const { return cluster_.ok(); }
  // Starts the informers controllers registered with and waits until they have synced.
  bool StartInformers() {
    return informers_.Start().ok() && informers_.WaitForSync(std::chrono::seconds(10)).ok();
  }

  client::testing::TestCluster& cluster() { return cluster_; }
  client::Client& admin() { return admin_; }
  ControllerContext& context() { return context_; }
  client::EventBroadcaster& events() { return events_; }

 private:
  client::testing::TestCluster cluster_;
  client::Client admin_;
  client::InformerFactory informers_;
  client::EventBroadcaster events_;
  ControllerContext context_;
};

}  // namespace k1s::controllers::testing
