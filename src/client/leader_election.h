#pragma once
// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: a candidate
// takes the Lease when it is free or its holder stopped renewing for leaseDurationSeconds,
// renews it every retry period while leading, and gives leadership up when it could not renew
// within the renew deadline, so two servers never run the same controllers at once. Writes are
// guarded by resourceVersion; spec fields holderIdentity, leaseDurationSeconds, acquireTime,
// renewTime and leaseTransitions as upstream. On Stop a leader releases the Lease (clears the
// holder) so a successor need not wait for it to expire.
//
// Thread-safe; callbacks run on the elector's thread.
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "client/client.h"

namespace k1s::client {

struct LeaderElectionConfig {
  std::string lease_namespace = "kube-system";
  std::string lease_name;  // "kube-controller-manager", "kube-scheduler"
  std::string identity;    // unique per candidate: "<hostname>_<random>"
  std::chrono::milliseconds lease_duration = std::chrono::seconds(15);
  std::chrono::milliseconds renew_deadline = std::chrono::seconds(10);
  std::chrono::milliseconds retry_period = std::chrono::seconds(2);
};

struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  // Leadership lost (not called on Stop). A k1s server treats this as fatal, as upstream does.
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;  // optional
};

class LeaderElector {
 public:
  LeaderElector(Client client, LeaderElectionConfig config, LeaderCallbacks callbacks,
                base::Clock& clock);
  ~LeaderElector();

  // Starts campaigning on a background thread.
  absl::Status Start();
  // Stops campaigning; a leader releases the Lease. Waits for the thread.
  void Stop();
  bool IsLeader() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace k1s::client
