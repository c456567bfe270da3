#pragma once
// The resource arithmetic of upstream's scheduler (framework.Resource and the pod resource
// helpers): what a pod requests (containers summed, restartable init containers added, the
// largest init-container step taken when larger, overhead added) and what a node can hold, as
// int64 milli-cpu, bytes and counts.
//
// Value types and free functions; thread-safe.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace k1s::scheduler {

// Requests when a container names none of cpu/memory (schedutil.DefaultMilliCPURequest and
// DefaultMemoryRequest): used only for scoring, so best-effort pods still spread.
inline constexpr int64_t kDefaultMilliCpuRequest = 100;
inline constexpr int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;

struct Resources {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  int64_t ephemeral_storage = 0;
  int64_t allowed_pods = 0;  // only meaningful for a node's allocatable
  // Extended resources, hugepages-* and attachable-volumes-*, by name.
  std::map<std::string, int64_t> scalar;

  void Add(const Resources& other);
  void Subtract(const Resources& other);
  // Each dimension the larger of the two.
  void SetMax(const Resources& other);
  // The amount of `name` ("cpu" in millis, "memory", "ephemeral-storage", "pods" or a scalar).
  int64_t Get(std::string_view name) const;
  bool operator==(const Resources& other) const = default;
};

// upstream schedutil.IsScalarResourceName: extended ("example.com/gpu") or prefixed native
// ("kubernetes.io/...") names, "hugepages-*" or "attachable-volumes-*".
bool IsScalarResourceName(std::string_view name);

// A corev1.ResourceList ({"cpu":"500m",...}); entries that do not parse are skipped.
Resources ResourcesFromList(const nlohmann::json& list);

// resourcehelper.PodRequests: what the scheduler reserves for the pod. With `non_zero`, a
// container missing a cpu or memory request counts kDefault*Request for it (scoring).
Resources PodRequests(const nlohmann::json& pod, bool non_zero = false);

// status.allocatable of a node, with allowed_pods from its "pods" entry.
Resources NodeAllocatable(const nlohmann::json& node);

}  // namespace k1s::scheduler
