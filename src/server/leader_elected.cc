#include "server/leader_elected.h"

#include <unistd.h>

#include <random>

#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"

namespace k1s::server {
namespace {

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("server");
  return *logger;
}

// "<hostname>_<random>": unique per process, readable in `kubectl get lease`.
std::string CandidateIdentity() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::mt19937_64 random(std::random_device{}());
  return base::StrCat(host, "_", std::to_string(random() % 100000000));
}

}  // namespace

LeaderElectedComponent::LeaderElectedComponent(std::string lease_name, client::Client client,
                                               std::unique_ptr<base::Component> inner,
                                               base::Clock& clock)
    : lease_name_(std::move(lease_name)),
      client_(std::move(client)),
      inner_(std::move(inner)),
      clock_(clock) {}

LeaderElectedComponent::~LeaderElectedComponent() { Stop(); }

absl::Status LeaderElectedComponent::Start(base::StopSignal& stop) {
  client::LeaderElectionConfig config;
  config.lease_name = lease_name_;
  config.identity = CandidateIdentity();
  client::LeaderCallbacks callbacks;
  callbacks.on_started_leading = [this, &stop] {
    // The inner start may wait for informers; the elector must keep renewing meanwhile.
    absl::MutexLock lock(&mu_);
    starter_ = std::thread([this, &stop] {
      base::SetCurrentThreadName(base::StrCat("lead-", lease_name_).substr(0, 15));
      StartInner(stop);
    });
  };
  callbacks.on_stopped_leading = [this, &stop] {
    stop.StopWithError(
        absl::UnavailableError(base::StrCat(lease_name_, ": leader election lost")));
  };
  elector_ = std::make_unique<client::LeaderElector>(client_, config, callbacks, clock_);
  Log().info("{}: campaigning for kube-system/{} as {}", inner_->Name(), lease_name_,
             config.identity);
  return elector_->Start();
}

void LeaderElectedComponent::StartInner(base::StopSignal& stop) {
  absl::Status started = inner_->Start(stop);
  if (!started.ok()) {
    stop.StopWithError(absl::Status(
        started.code(), base::StrCat("start ", inner_->Name(), ": ", started.message())));
    return;
  }
  absl::MutexLock lock(&mu_);
  inner_started_ = true;
}

void LeaderElectedComponent::Stop() {
  std::thread starter;
  {
    absl::MutexLock lock(&mu_);
    starter.swap(starter_);
  }
  if (starter.joinable()) starter.join();
  bool started = false;
  {
    absl::MutexLock lock(&mu_);
    started = inner_started_;
    inner_started_ = false;
  }
  if (started) inner_->Stop();
  if (elector_ != nullptr) elector_->Stop();
  elector_.reset();
}

}  // namespace k1s::server
