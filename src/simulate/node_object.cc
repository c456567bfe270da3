#include "simulate/node_object.h"

#include <nlohmann/json.hpp>

#include "api/timestamps.h"
#include "base/clock.h"
#include "base/strings.h"
#include "simulate/pod_status.h"

namespace k1s::simulate {
namespace {

using nlohmann::json;

struct ConditionText {
  const char* type;
  const char* status;
  const char* reason;
  const char* message;
};

// In the order the kubelet reports them (pkg/kubelet/nodestatus/setters.go).
constexpr ConditionText kConditions[] = {
    {"MemoryPressure", "False", "KubeletHasSufficientMemory",
     "kubelet has sufficient memory available"},
    {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
    {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
    {"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
};

std::string OldTransitionTime(const json& old_status, const char* type, const char* status) {
  if (!old_status.is_object() || !old_status.contains("conditions") ||
      !old_status["conditions"].is_array()) {
    return "";
  }
  for (const json& condition : old_status["conditions"]) {
    if (!condition.is_object()) continue;
    auto type_it = condition.find("type");
    auto status_it = condition.find("status");
    if (type_it != condition.end() && *type_it == type && status_it != condition.end() &&
        *status_it == status && condition.contains("lastTransitionTime") &&
        condition["lastTransitionTime"].is_string()) {
      return condition["lastTransitionTime"].get<std::string>();
    }
  }
  return "";
}

// A stable UUID-shaped identifier for the node (machineID, systemUUID).
std::string FakeUuid(const std::string& seed) {
  std::string hex = FakeHex64(seed);
  return base::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20, 12));
}

}  // namespace

std::string NodeInternalIp(int32_t index) {
  return base::StrCat("10.200.", index / 254, ".", index % 254 + 1);
}

json NodeForRegistration(const std::string& name, const NodeShape& shape) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels",
             {{"beta.kubernetes.io/arch", shape.architecture},
              {"beta.kubernetes.io/os", "linux"},
              {"kubernetes.io/arch", shape.architecture},
              {"kubernetes.io/hostname", name},
              {"kubernetes.io/os", "linux"},
              {kSimulatedLabel, "true"}}},
            {"annotations",
             {{"node.alpha.kubernetes.io/ttl", "0"},
              {"volumes.kubernetes.io/controller-managed-attach-detach", "true"}}}}},
          {"spec", json::object()}};
}

json NodeStatus(const std::string& name, int32_t index, const NodeShape& shape,
                const json& old_status, int64_t now_seconds) {
  std::string now = api::FormatTimestamp(now_seconds);
  json resources = {{"cpu", shape.cpu},     {"memory", shape.memory},
                    {"pods", shape.pods},   {"ephemeral-storage", shape.ephemeral_storage},
                    {"hugepages-1Gi", "0"}, {"hugepages-2Mi", "0"}};
  json conditions = json::array();
  for (const ConditionText& text : kConditions) {
    std::string transition = OldTransitionTime(old_status, text.type, text.status);
    conditions.push_back({{"type", text.type},
                          {"status", text.status},
                          {"reason", text.reason},
                          {"message", text.message},
                          {"lastHeartbeatTime", now},
                          {"lastTransitionTime", transition.empty() ? now : transition}});
  }
  return {{"capacity", resources},
          {"allocatable", resources},
          {"conditions", std::move(conditions)},
          {"addresses", json::array({{{"type", "InternalIP"}, {"address", NodeInternalIp(index)}},
                                     {{"type", "Hostname"}, {"address", name}}})},
          {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 10250}}}}},
          {"nodeInfo",
           {{"machineID", FakeHex64(name).substr(0, 32)},
            {"systemUUID", FakeUuid(base::StrCat("system/", name))},
            {"bootID", FakeUuid(base::StrCat("boot/", name))},
            {"kernelVersion", "6.1.0-k1s-simulated"},
            {"osImage", "k1s simulated node"},
            {"containerRuntimeVersion", "containerd://1.7.24"},
            {"kubeletVersion", shape.kubelet_version},
            {"kubeProxyVersion", ""},
            {"operatingSystem", "linux"},
            {"architecture", shape.architecture}}}};
}

json NodeLease(const std::string& name, const std::string& node_uid, int32_t lease_duration_seconds,
               int64_t now_nanos) {
  json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", name}, {"namespace", kNodeLeaseNamespace}}},
                {"spec",
                 {{"holderIdentity", name},
                  {"leaseDurationSeconds", lease_duration_seconds},
                  {"renewTime", api::FormatMicroTimestamp(now_nanos)}}}};
  if (!node_uid.empty()) {
    lease["metadata"]["ownerReferences"] =
        json::array({{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", name}, {"uid", node_uid}}});
  }
  return lease;
}

}  // namespace k1s::simulate
