// NodeResourcesFit and NodeResourcesBalancedAllocation (upstream plugins/noderesources).
#include <cmath>
#include <vector>

#include "base/strings.h"
#include "scheduler/plugins/plugins.h"

namespace k1s::scheduler::plugins {
namespace {

// One resource's request that does not fit; `unresolvable` when it exceeds the whole node.
void Check(std::vector<std::string>& reasons, bool& unresolvable, int64_t request,
           int64_t allocatable, int64_t requested, std::string reason) {
  if (request <= 0 || request <= allocatable - requested) return;
  reasons.push_back(std::move(reason));
  if (request > allocatable) unresolvable = true;
}

// leastRequestedScore: the share left free once the pod is there, 0..100.
int64_t LeastRequested(int64_t requested, int64_t capacity) {
  if (capacity == 0 || requested > capacity) return 0;
  return (capacity - requested) * kMaxNodeScore / capacity;
}

}  // namespace

Status NodeResourcesFit::Filter(const CycleState&, const PodInfo& pod, const NodeInfo& node) const {
  std::vector<std::string> reasons;
  bool unresolvable = false;
  const Resources& allocatable = node.allocatable();
  const Resources& requested = node.requested();
  if (node.pod_count() + 1 > allocatable.allowed_pods) reasons.push_back("Too many pods");
  const Resources& request = pod.requests;
  Check(reasons, unresolvable, request.milli_cpu, allocatable.milli_cpu, requested.milli_cpu,
        "Insufficient cpu");
  Check(reasons, unresolvable, request.memory, allocatable.memory, requested.memory,
        "Insufficient memory");
  Check(reasons, unresolvable, request.ephemeral_storage, allocatable.ephemeral_storage,
        requested.ephemeral_storage, "Insufficient ephemeral-storage");
  for (const auto& [name, quantity] : request.scalar) {
    Check(reasons, unresolvable, quantity, allocatable.Get(name), requested.Get(name),
          base::StrCat("Insufficient ", name));
  }
  if (reasons.empty()) return Status::Success();
  return unresolvable ? Status::Unresolvable(std::move(reasons))
                      : Status::Unschedulable(std::move(reasons));
}

// LeastAllocated on cpu and memory (weight 1 each), counting default requests for containers
// that name none, so best-effort pods spread too.
int64_t NodeResourcesFit::Score(const CycleState&, const PodInfo& pod, const NodeInfo& node) const {
  const Resources& allocatable = node.allocatable();
  const Resources& used = node.non_zero_requested();
  int64_t total = 0;
  int64_t weights = 0;
  if (allocatable.milli_cpu > 0) {
    total +=
        LeastRequested(used.milli_cpu + pod.non_zero_requests.milli_cpu, allocatable.milli_cpu);
    ++weights;
  }
  if (allocatable.memory > 0) {
    total += LeastRequested(used.memory + pod.non_zero_requests.memory, allocatable.memory);
    ++weights;
  }
  return weights == 0 ? 0 : total / weights;
}

// 100 * (1 - std) of the cpu and memory fractions requested once the pod is there (actual
// requests, no defaults), each fraction capped at 1.
int64_t BalancedAllocation::Score(const CycleState&, const PodInfo& pod,
                                  const NodeInfo& node) const {
  const Resources& allocatable = node.allocatable();
  const Resources& used = node.requested();
  std::vector<double> fractions;
  if (allocatable.milli_cpu > 0) {
    fractions.push_back(std::min(
        1.0, static_cast<double>(used.milli_cpu + pod.requests.milli_cpu) / allocatable.milli_cpu));
  }
  if (allocatable.memory > 0) {
    fractions.push_back(
        std::min(1.0, static_cast<double>(used.memory + pod.requests.memory) / allocatable.memory));
  }
  double std_dev = 0;
  if (fractions.size() == 2) std_dev = std::abs((fractions[0] - fractions[1]) / 2);
  return static_cast<int64_t>((1 - std_dev) * static_cast<double>(kMaxNodeScore));
}

}  // namespace k1s::scheduler::plugins
