#include "controllers/manager/controller_manager.h"

#include <algorithm>

#include "base/logging.h"
#include "base/strings.h"
#include "controllers/manager/registry.h"

namespace k1s::controllers {
namespace {

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("controller-manager");
  return *logger;
}

}  // namespace

ControllerManager::ControllerManager(TransportFactory transports,
                                     client::InformerFactory& informers,
                                     client::EventBroadcaster& events,
                                     ControllerManagerOptions options, base::Clock& clock)
    : transports_(std::move(transports)),
      informers_(informers),
      events_(events),
      options_(std::move(options)),
      clock_(clock) {}

ControllerManager::~ControllerManager() { Stop(); }

absl::Status ControllerManager::Start(base::StopSignal& stop) {
  context_ = std::make_unique<ControllerContext>(ControllerContext{
      [this](std::string_view name) {
        std::string user = base::StrCat("system:serviceaccount:kube-system:", name);
        return client::Client(
            transports_(user, {"system:serviceaccounts", "system:serviceaccounts:kube-system",
                               "system:authenticated"}),
            std::string(name));
      },
      informers_, events_, clock_, options_.workers});
  // Constructors register informer handlers, so every controller exists before informers start.
  std::vector<std::unique_ptr<Controller>> made;
  for (const ControllerEntry& entry : Controllers()) {
    if (std::find(options_.disabled.begin(), options_.disabled.end(), entry.name) !=
        options_.disabled.end()) {
      continue;
    }
    made.push_back(entry.make(*context_, options_));
  }
  if (absl::Status started = informers_.Start(); !started.ok()) return started;
  while (!informers_.WaitForSync(std::chrono::seconds(1)).ok()) {
    if (stop.stopped()) return absl::CancelledError("stopping before the informers synced");
  }
  for (std::unique_ptr<Controller>& controller : made) {
    if (absl::Status started = controller->Start(); !started.ok()) {
      Stop();
      return absl::Status(started.code(), base::StrCat("controller ", controller->Name(), ": ",
                                                       started.message()));
    }
    running_.push_back(std::move(controller));
  }
  Log().info("started {} controllers", running_.size());
  return absl::OkStatus();
}

void ControllerManager::Stop() {
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) (*it)->Stop();
  running_.clear();
}

std::vector<std::string> ControllerManager::KnownControllers() {
  std::vector<std::string> names;
  for (const ControllerEntry& entry : Controllers()) names.push_back(entry.name);
  return names;
}

}  // namespace k1s::controllers
