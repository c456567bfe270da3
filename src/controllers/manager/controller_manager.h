#pragma once
// The controller manager: every controller of src/controllers as threads of one component, the
// way kube-controller-manager runs them. The server runs it under leader election
// (server/leader_elected.h), so with several servers only one runs controllers.
//
// Clients: informers come from the process's shared factory (one copy of each resource for the
// controllers and the scheduler); each controller writes as its own service account
// (system:serviceaccount:kube-system:<name>), so the default RBAC policy's system:controller:*
// roles apply to it. The factory and broadcaster outlive the manager; whoever owns them stops
// them after it.
//
// Start builds the controllers, starts the informers they use, waits for them to sync and then
// starts each controller. Thread-safe; Start and Stop follow the Component contract.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "base/clock.h"
#include "base/lifecycle.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/transport.h"
#include "controllers/common/controller.h"

namespace k1s::controllers {

struct ControllerManagerOptions {
  // Controllers not to run, by name ("deployment", "garbage-collector", ...).
  std::vector<std::string> disabled;
  std::string cluster_cidr = "10.42.0.0/16";
  int32_t node_cidr_mask_size = 24;
  int32_t workers = 2;
};

// Makes the transport a client with the given identity uses (in-process on a server).
using TransportFactory = std::function<std::shared_ptr<client::Transport>(
    const std::string& user, const std::vector<std::string>& groups)>;

class ControllerManager : public base::Component {
 public:
  ControllerManager(TransportFactory transports, client::InformerFactory& informers,
                    client::EventBroadcaster& events, ControllerManagerOptions options,
                    base::Clock& clock);
  ~ControllerManager() override;

  std::string_view Name() const override { return "controller-manager"; }
  absl::Status Start(base::StopSignal& stop) override;
  void Stop() override;

  // Names of every controller this build has, in start order.
  static std::vector<std::string> KnownControllers();

 private:
  const TransportFactory transports_;
  client::InformerFactory& informers_;
  client::EventBroadcaster& events_;
  const ControllerManagerOptions options_;
  base::Clock& clock_;
  std::unique_ptr<ControllerContext> context_;
  std::vector<std::unique_ptr<Controller>> running_;
};

}  // namespace k1s::controllers
