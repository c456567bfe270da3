#pragma once
// VolumeBinding: upstream's volumebinding plugin (v1.32) reduced to what one cluster needs, no
// CSI storage capacity, no volume migration and no scoring.
//   PreFilter: skips pods without claims (spec.volumes[].persistentVolumeClaim and generic
//     ephemeral volumes, claim "<pod>-<volume>"); rejects a pod whose claim is missing, lost or
//     being deleted, or which has an unbound claim of an Immediate (or no) class; sorts the
//     rest into bound claims and unbound WaitForFirstConsumer claims.
//   Filter: a bound claim's volume must admit the node (spec.nodeAffinity.required); each
//     unbound claim needs an Available volume that fits on the node (FindMatchingVolume: the
//     smallest fitting one) or a class whose provisioner can provision there. The decision per
//     node is kept in the CycleState for PreBind.
//   PreBind: writes the decision (volume spec.claimRef for a static match, the
//     volume.kubernetes.io/selected-node annotation for provisioning), then waits (bounded)
//     until the persistentvolume-binder controller has bound every claim.
//
// Stateless between cycles; thread-safe.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "scheduler/framework.h"

namespace k1s::scheduler::plugins {

struct VolumeBindingOptions {
  // How long PreBind waits for the claims to become Bound (upstream's bindTimeoutSeconds,
  // 600 s there; shorter here so a stuck pod is retried sooner).
  std::chrono::milliseconds bind_timeout{std::chrono::seconds(30)};
  // How often PreBind looks at the claims while waiting.
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(100)};
};

class VolumeBinding final : public FilterPlugin, public PreBindPlugin {
 public:
  // `objects` serves claims, volumes and storage classes (the informers' view).
  explicit VolumeBinding(std::shared_ptr<const ClusterObjects> objects,
                         VolumeBindingOptions options = {});

  std::string_view Name() const override { return "VolumeBinding"; }
  Status PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                   std::optional<std::set<std::string>>* node_names) const override;
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  absl::Status PreBind(const CycleState& state, const PodInfo& pod, const std::string& node,
                       client::Client& client) const override;

 private:
  std::shared_ptr<const ClusterObjects> objects_;
  VolumeBindingOptions options_;
};

}  // namespace k1s::scheduler::plugins
