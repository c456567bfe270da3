#pragma once
// Runs a component only while this process holds a coordination.k8s.io Lease, as upstream runs
// kube-controller-manager and kube-scheduler: with several servers only the leader works.
// Start campaigns and returns; the inner component starts (on its own thread) once the Lease is
// won. Losing the Lease stops the process with an error, as upstream exits (systemd restarts
// it); Stop stops the inner component, then releases the Lease so a successor need not wait.
//
// Thread-safe; Start and Stop follow the Component contract.
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "base/lifecycle.h"
#include "client/client.h"
#include "client/leader_election.h"

namespace k1s::server {

class LeaderElectedComponent final : public base::Component {
 public:
  // `client` writes the Lease kube-system/<lease_name>; it needs get/create/update on it.
  LeaderElectedComponent(std::string lease_name, client::Client client,
                         std::unique_ptr<base::Component> inner, base::Clock& clock);
  ~LeaderElectedComponent() override;

  std::string_view Name() const override { return inner_->Name(); }
  absl::Status Start(base::StopSignal& stop) override;
  void Stop() override;

 private:
  void StartInner(base::StopSignal& stop);

  const std::string lease_name_;
  client::Client client_;
  std::unique_ptr<base::Component> inner_;
  base::Clock& clock_;
  std::unique_ptr<client::LeaderElector> elector_;
  absl::Mutex mu_;
  bool inner_started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread starter_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::server
