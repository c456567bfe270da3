// TaintToleration (upstream plugins/tainttoleration).
#include "base/strings.h"
#include "scheduler/plugins/plugins.h"

namespace k1s::scheduler::plugins {

Status TaintToleration::Filter(const CycleState&, const PodInfo& pod, const NodeInfo& node) const {
  for (const Taint& taint : node.taints()) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    if (ToleratesTaint(pod.tolerations, taint)) continue;
    return Status::Unresolvable(
        {base::StrCat("node(s) had untolerated taint {", taint.key, ": ", taint.value, "}")});
  }
  return Status::Success();
}

// The number of PreferNoSchedule taints the pod's PreferNoSchedule (or any-effect) tolerations
// leave untolerated; fewer is better.
int64_t TaintToleration::Score(const CycleState&, const PodInfo& pod, const NodeInfo& node) const {
  std::vector<Toleration> prefer;
  for (const Toleration& toleration : pod.tolerations) {
    if (toleration.effect.empty() || toleration.effect == "PreferNoSchedule") {
      prefer.push_back(toleration);
    }
  }
  int64_t count = 0;
  for (const Taint& taint : node.taints()) {
    if (taint.effect == "PreferNoSchedule" && !ToleratesTaint(prefer, taint)) ++count;
  }
  return count;
}

void TaintToleration::NormalizeScore(const CycleState&, const PodInfo&,
                                     std::vector<int64_t>& scores) const {
  DefaultNormalizeScore(kMaxNodeScore, /*reverse=*/true, scores);
}

}  // namespace k1s::scheduler::plugins
