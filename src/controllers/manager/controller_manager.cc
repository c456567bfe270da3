#include "controllers/manager/controller_manager.h"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/leader_election.h"
#include "controllers/manager/registry.h"

namespace k1s::controllers {
namespace {

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("controller-manager");
  return *logger;
}

constexpr char kManagerUser[] = "system:kube-controller-manager";

std::string DefaultIdentity() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::mt19937_64 random(std::random_device{}());
  return base::StrCat(host, "_", std::to_string(random() % 100000000));
}

}  // namespace

class ControllerManager::Impl {
 public:
  Impl(TransportFactory transports, client::InformerFactory& informers,
       client::EventBroadcaster& events, ControllerManagerOptions options, base::Clock& clock)
      : transports_(std::move(transports)),
        informers_(informers),
        events_(events),
        options_(std::move(options)),
        clock_(clock) {}

  absl::Status Start(base::StopSignal& stop) {
    stop_ = &stop;
    client::Client reader(transports_(kManagerUser, {"system:authenticated"}),
                          "kube-controller-manager");
    client::LeaderElectionConfig election;
    election.lease_name = "kube-controller-manager";
    election.identity = options_.identity.empty() ? DefaultIdentity() : options_.identity;
    client::LeaderCallbacks callbacks;
    callbacks.on_started_leading = [this] {
      // Starting controllers waits for informers; the elector must keep renewing meanwhile.
      absl::MutexLock lock(&mu_);
      starter_ = std::thread([this] {
        base::SetCurrentThreadName("ctrl-start");
        RunControllers();
      });
    };
    callbacks.on_stopped_leading = [this] {
      stop_->StopWithError(absl::UnavailableError("controller-manager: leader election lost"));
    };
    elector_ = std::make_unique<client::LeaderElector>(reader, election, callbacks, clock_);
    Log().info("campaigning for kube-system/kube-controller-manager as {}", election.identity);
    return elector_->Start();
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    std::thread starter;
    {
      absl::MutexLock lock(&mu_);
      starter.swap(starter_);
    }
    if (starter.joinable()) starter.join();
    for (auto it = running_.rbegin(); it != running_.rend(); ++it) (*it)->Stop();
    running_.clear();
    if (elector_ != nullptr) elector_->Stop();
  }

 private:
  void RunControllers() {
    context_ = std::make_unique<ControllerContext>(ControllerContext{
        [this](std::string_view name) {
          std::string user = base::StrCat("system:serviceaccount:kube-system:", name);
          return client::Client(
              transports_(user, {"system:serviceaccounts", "system:serviceaccounts:kube-system",
                                 "system:authenticated"}),
              std::string(name));
        },
        informers_, events_, clock_, options_.workers});
    std::vector<std::unique_ptr<Controller>> made;
    for (const ControllerEntry& entry : Controllers()) {
      if (std::find(options_.disabled.begin(), options_.disabled.end(), entry.name) !=
          options_.disabled.end()) {
        continue;
      }
      made.push_back(entry.make(*context_, options_));
    }
    if (absl::Status started = informers_.Start(); !started.ok()) {
      stop_->StopWithError(started);
      return;
    }
    while (!informers_.WaitForSync(std::chrono::seconds(1)).ok()) {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    for (std::unique_ptr<Controller>& controller : made) {
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
      }
      if (absl::Status started = controller->Start(); !started.ok()) {
        stop_->StopWithError(absl::Status(
            started.code(), base::StrCat("controller ", controller->Name(), ": ", started.message())));
        return;
      }
      running_.push_back(std::move(controller));
    }
    Log().info("started {} controllers", running_.size());
  }

  const TransportFactory transports_;
  client::InformerFactory& informers_;
  client::EventBroadcaster& events_;
  const ControllerManagerOptions options_;
  base::Clock& clock_;
  base::StopSignal* stop_ = nullptr;
  std::unique_ptr<client::LeaderElector> elector_;
  std::unique_ptr<ControllerContext> context_;
  // Written by the starter thread, read by Stop after joining it.
  std::vector<std::unique_ptr<Controller>> running_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread starter_ ABSL_GUARDED_BY(mu_);
};

ControllerManager::ControllerManager(TransportFactory transports,
                                     client::InformerFactory& informers,
                                     client::EventBroadcaster& events,
                                     ControllerManagerOptions options, base::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(transports), informers, events, std::move(options),
                                   clock)) {}

ControllerManager::~ControllerManager() = default;

absl::Status ControllerManager::Start(base::StopSignal& stop) { return impl_->Start(stop); }

void ControllerManager::Stop() { impl_->Stop(); }

std::vector<std::string> ControllerManager::KnownControllers() {
  std::vector<std::string> names;
  for (const ControllerEntry& entry : Controllers()) names.push_back(entry.name);
  return names;
}

}  // namespace k1s::controllers
