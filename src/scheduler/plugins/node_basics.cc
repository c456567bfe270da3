// NodeUnschedulable and NodeName (upstream plugins/nodeunschedulable and plugins/nodename).
#include "scheduler/plugins/plugins.h"

namespace k1s::scheduler::plugins {

Status NodeUnschedulable::Filter(const CycleState&, const PodInfo& pod,
                                 const NodeInfo& node) const {
  if (!node.unschedulable()) return Status::Success();
  // Tolerating the taint the node controller adds for cordoned nodes tolerates the flag too.
  static const Taint kUnschedulableTaint{"node.kubernetes.io/unschedulable", "", "NoSchedule"};
  if (ToleratesTaint(pod.tolerations, kUnschedulableTaint)) return Status::Success();
  return Status::Unresolvable({"node(s) were unschedulable"});
}

Status NodeName::Filter(const CycleState&, const PodInfo& pod, const NodeInfo& node) const {
  if (pod.node_name.empty() || pod.node_name == node.name()) return Status::Success();
  return Status::Unresolvable({"node(s) didn't match the requested node name"});
}

}  // namespace k1s::scheduler::plugins
