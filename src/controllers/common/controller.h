#pragma once
// What every controller in src/controllers is given and how it runs. A controller registers
// informer handlers in its constructor (through `informers`), is started once the shared
// informers have synced, and runs its work queue on its own worker threads until Stop.
//
// Writes go through `ClientFor(name)`: a client whose requests carry the controller's own
// identity (system:serviceaccount:kube-system:<name>), so RBAC's system:controller:<name> roles
// decide what it may do, as with upstream's --use-service-account-credentials.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "base/clock.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"

namespace k1s::controllers {

struct ControllerContext {
  // A client acting as the named controller's service account ("deployment-controller").
  std::function<client::Client(std::string_view controller_name)> client_for;
  client::InformerFactory& informers;
  client::EventBroadcaster& events;
  base::Clock& clock;
  int32_t workers = 2;  // worker threads per controller (upstream's --concurrent-* default 5)

  client::Client ClientFor(std::string_view name) const { return client_for(name); }
};

class Controller {
 public:
  virtual ~Controller() = default;
  // The controller's name as upstream spells it ("deployment", "garbage-collector").
  virtual std::string_view Name() const = 0;
  // Starts the workers; informers have synced.
  virtual absl::Status Start() = 0;
  // Stops the workers and waits for them.
  virtual void Stop() = 0;
};

}  // namespace k1s::controllers
