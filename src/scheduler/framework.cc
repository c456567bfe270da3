#include "scheduler/framework.h"

#include <algorithm>

#include "scheduler/plugins/inter_pod_affinity.h"
#include "scheduler/plugins/plugins.h"
#include "scheduler/plugins/pod_topology_spread.h"
#include "scheduler/plugins/volume_binding.h"

namespace k1s::scheduler {

Plugins DefaultPlugins(std::shared_ptr<const ClusterObjects> objects) {
  if (objects == nullptr) objects = std::make_shared<StaticObjects>();
  auto taints = std::make_shared<plugins::TaintToleration>();
  auto affinity = std::make_shared<plugins::NodeAffinity>();
  auto fit = std::make_shared<plugins::NodeResourcesFit>();
  auto spread = std::make_shared<plugins::PodTopologySpread>(objects);
  auto pod_affinity = std::make_shared<plugins::InterPodAffinity>(objects);
  auto volume_binding = std::make_shared<plugins::VolumeBinding>(objects);
  auto images = std::make_shared<plugins::ImageLocality>();
  Plugins result;
  result.filters = {std::make_shared<plugins::NodeUnschedulable>(),
                    std::make_shared<plugins::NodeName>(),
                    taints,
                    affinity,
                    std::make_shared<plugins::NodePorts>(),
                    fit,
                    std::make_shared<plugins::VolumeRestrictions>(objects),
                    volume_binding,
                    spread,
                    pod_affinity,
                    images};  // last: only its PreFilter does something (see plugins.h)
  result.scores = {taints,       affinity, fit, spread,
                   pod_affinity, std::make_shared<plugins::BalancedAllocation>(), images};
  result.pre_binds = {volume_binding};
  return result;
}

void DefaultNormalizeScore(int64_t max_priority, bool reverse, std::vector<int64_t>& scores) {
  int64_t max_count = 0;
  for (int64_t score : scores) max_count = std::max(max_count, score);
  if (max_count == 0) {
    if (reverse) std::fill(scores.begin(), scores.end(), max_priority);
    return;
  }
  for (int64_t& score : scores) {
    score = max_priority * score / max_count;
    if (reverse) score = max_priority - score;
  }
}

}  // namespace k1s::scheduler
