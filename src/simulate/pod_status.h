#pragma once
// The pod status a kubelet reports, computed for simulated nodes: what a real kubelet on
// containerd writes once every container started (phase Running, IPs, conditions, container
// statuses) and once every container exited 0 (phase Succeeded). Field names, condition types and
// reasons follow upstream v1.32's kubelet (pkg/kubelet/kubelet_pods.go, status/generate.go).
//
// Stateless free functions; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace k1s::simulate {

// Upstream's QoS class from the pod's containers and init containers: "Guaranteed",
// "Burstable" or "BestEffort" (pkg/apis/core/v1/helper/qos ComputePodQOS).
std::string ComputeQosClass(const nlohmann::json& pod);

// The reference containerd reports for an image: "nginx" -> "docker.io/library/nginx:latest",
// "ghcr.io/a/b" -> "ghcr.io/a/b:latest"; tags and digests are kept.
std::string NormalizeImage(std::string_view image);

// 64 lowercase hex characters derived from `seed` (stable fake digests and container ids).
std::string FakeHex64(std::string_view seed);

struct RunningFacts {
  std::string host_ip;  // the node's InternalIP
  std::string pod_ip;   // the pod's IP (the host IP for hostNetwork pods)
  int64_t now_seconds = 0;
};

// The whole status of `pod` once its init containers completed and its containers run and are
// ready; keeps the existing PodScheduled condition and qosClass.
nlohmann::json RunningStatus(const nlohmann::json& pod, const RunningFacts& facts);

// The whole status once every container exited 0 with reason Completed (from a running pod's
// status: IPs, start times and container ids are kept).
nlohmann::json SucceededStatus(const nlohmann::json& pod, int64_t now_seconds);

}  // namespace k1s::simulate
