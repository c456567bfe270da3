#include "simulate/pod_status.h"

#include <array>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "api/json_fields.h"
#include "api/timestamps.h"
#include "base/strings.h"
#include "quota/quantity.h"

namespace k1s::simulate {
namespace {

using api::ArrayOrEmpty;
using api::Member;
using api::StringOf;

using nlohmann::json;

// Adds the positive cpu/memory quantities of `list` into `sum`; returns the names present.
std::set<std::string> AddComputeQuantities(const json& list,
                                           std::map<std::string, quota::Quantity>& sum) {
  std::set<std::string> found;
  if (!list.is_object()) return found;
  for (const char* name : {"cpu", "memory"}) {
    auto it = list.find(name);
    if (it == list.end()) continue;
    std::optional<quota::Quantity> quantity = quota::Quantity::FromJson(*it);
    if (!quantity || quantity->Sign() <= 0) continue;
    found.insert(name);
    sum[name].Add(*quantity);
  }
  return found;
}

json Condition(std::string_view type, bool status, const std::string& now,
               std::string_view reason = "") {
  json condition = {{"type", type},
                    {"status", status ? "True" : "False"},
                    {"lastProbeTime", nullptr},
                    {"lastTransitionTime", now}};
  if (!reason.empty()) condition["reason"] = reason;
  return condition;
}

// Keeps an existing condition's lastTransitionTime when its status did not change, as the
// kubelet's status manager does.
void KeepTransitionTimes(const json& old_status, json& conditions) {
  for (json& condition : conditions) {
    for (const json& old : ArrayOrEmpty(Member(old_status, "conditions"))) {
      if (Member(old, "type") == condition["type"] &&
          Member(old, "status") == condition["status"] && old.contains("lastTransitionTime")) {
        condition["lastTransitionTime"] = old["lastTransitionTime"];
      }
    }
  }
}

std::string ContainerId(const json& pod, std::string_view container) {
  std::string uid = StringOf(Member(Member(pod, "metadata"), "uid"));
  return base::StrCat("containerd://", FakeHex64(base::StrCat(uid, "/", container)));
}

json ImageFields(const json& container) {
  std::string image = NormalizeImage(StringOf(Member(container, "image")));
  std::string repository = image;
  if (size_t at = repository.find('@'); at != std::string::npos) {
    repository.resize(at);
  } else if (size_t colon = repository.rfind(':');
             colon != std::string::npos && repository.find('/', colon) == std::string::npos) {
    repository.resize(colon);
  }
  return {{"image", image}, {"imageID", base::StrCat(repository, "@sha256:", FakeHex64(image))}};
}

json RunningContainerStatus(const json& pod, const json& container, const std::string& now) {
  std::string name = StringOf(Member(container, "name"));
  json status = ImageFields(container);
  status["name"] = name;
  status["containerID"] = ContainerId(pod, name);
  status["ready"] = true;
  status["started"] = true;
  status["restartCount"] = 0;
  status["lastState"] = json::object();
  status["state"] = {{"running", {{"startedAt", now}}}};
  return status;
}

json CompletedContainerStatus(const json& pod, const json& container, const std::string& started,
                              const std::string& finished, bool ready) {
  std::string name = StringOf(Member(container, "name"));
  json status = ImageFields(container);
  status["name"] = name;
  status["containerID"] = ContainerId(pod, name);
  status["ready"] = ready;
  status["started"] = false;
  status["restartCount"] = 0;
  status["lastState"] = json::object();
  status["state"] = {{"terminated",
                      {{"exitCode", 0},
                       {"reason", "Completed"},
                       {"startedAt", started},
                       {"finishedAt", finished},
                       {"containerID", status["containerID"]}}}};
  return status;
}

bool IsSidecar(const json& init_container) {
  return StringOf(Member(init_container, "restartPolicy")) == "Always";
}

// The running startedAt of a container in an earlier status, or `fallback`.
std::string StartedAt(const json& old_statuses, const std::string& name,
                      const std::string& fallback) {
  for (const json& status : ArrayOrEmpty(old_statuses)) {
    if (!status.is_object() || Member(status, "name") != name) continue;
    const json& running = Member(Member(status, "state"), "running");
    if (running.is_object() && running.contains("startedAt")) {
      return StringOf(running["startedAt"]);
    }
  }
  return fallback;
}

// The status of container `name` in `statuses` if it has terminated already.
const json* TerminatedStatus(const json& statuses, const std::string& name) {
  for (const json& status : ArrayOrEmpty(statuses)) {
    if (status.is_object() && Member(status, "name") == name &&
        Member(Member(status, "state"), "terminated").is_object()) {
      return &status;
    }
  }
  return nullptr;
}

}  // namespace

std::string ComputeQosClass(const json& pod) {
  std::map<std::string, quota::Quantity> requests;
  std::map<std::string, quota::Quantity> limits;
  bool guaranteed = true;
  const json& spec = Member(pod, "spec");
  for (const char* field : {"containers", "initContainers"}) {
    for (const json& container : ArrayOrEmpty(Member(spec, field))) {
      const json& resources = Member(container, "resources");
      AddComputeQuantities(Member(resources, "requests"), requests);
      std::set<std::string> limited = AddComputeQuantities(Member(resources, "limits"), limits);
      if (limited.size() != 2) guaranteed = false;
    }
  }
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed) {
    for (const auto& [name, request] : requests) {
      auto limit = limits.find(name);
      if (limit == limits.end() || limit->second.Compare(request) != 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
}

std::string NormalizeImage(std::string_view image) {
  std::string name(image);
  if (name.empty()) return name;
  size_t slash = name.find('/');
  std::string first = slash == std::string::npos ? std::string() : name.substr(0, slash);
  bool has_domain =
      !first.empty() && (first.find('.') != std::string::npos ||
                         first.find(':') != std::string::npos || first == "localhost");
  if (!has_domain) {
    name = slash == std::string::npos ? base::StrCat("docker.io/library/", name)
                                      : base::StrCat("docker.io/", name);
  }
  size_t last_slash = name.rfind('/');
  bool has_tag = name.find(':', last_slash) != std::string::npos;
  if (name.find('@') == std::string::npos && !has_tag) name += ":latest";
  return name;
}

std::string FakeHex64(std::string_view seed) {
  // Four rounds of FNV-1a, each salted differently, mixed with splitmix64's finalizer.
  std::string out;
  out.reserve(64);
  for (uint64_t round = 0; round < 4; ++round) {
    uint64_t hash = 1469598103934665603ULL ^ (round * 0x9E3779B97F4A7C15ULL);
    for (char c : seed) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
    hash ^= hash >> 30;
    hash *= 0xBF58476D1CE4E5B9ULL;
    hash ^= hash >> 27;
    hash *= 0x94D049BB133111EBULL;
    hash ^= hash >> 31;
    std::array<char, 17> text{};
    std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(hash));
    out.append(text.data(), 16);
  }
  return out;
}

json RunningStatus(const json& pod, const RunningFacts& facts) {
  const json& old = Member(pod, "status");
  const json& spec = Member(pod, "spec");
  std::string now = api::FormatTimestamp(facts.now_seconds);
  json status = json::object();
  status["phase"] = "Running";
  json conditions =
      json::array({Condition("PodReadyToStartContainers", true, now),
                   Condition("Initialized", true, now), Condition("Ready", true, now),
                   Condition("ContainersReady", true, now), Condition("PodScheduled", true, now)});
  KeepTransitionTimes(old, conditions);
  status["conditions"] = std::move(conditions);
  status["hostIP"] = facts.host_ip;
  status["hostIPs"] = json::array({{{"ip", facts.host_ip}}});
  status["podIP"] = facts.pod_ip;
  status["podIPs"] = json::array({{{"ip", facts.pod_ip}}});
  std::string start_time = StringOf(Member(old, "startTime"));
  status["startTime"] = start_time.empty() ? now : start_time;
  json init_statuses = json::array();
  for (const json& container : ArrayOrEmpty(Member(spec, "initContainers"))) {
    if (IsSidecar(container)) {
      init_statuses.push_back(RunningContainerStatus(pod, container, now));
    } else {
      init_statuses.push_back(CompletedContainerStatus(pod, container, now, now, true));
    }
  }
  if (!init_statuses.empty()) status["initContainerStatuses"] = std::move(init_statuses);
  json container_statuses = json::array();
  for (const json& container : ArrayOrEmpty(Member(spec, "containers"))) {
    container_statuses.push_back(RunningContainerStatus(pod, container, now));
  }
  status["containerStatuses"] = std::move(container_statuses);
  std::string qos = StringOf(Member(old, "qosClass"));
  status["qosClass"] = qos.empty() ? ComputeQosClass(pod) : qos;
  return status;
}

json SucceededStatus(const json& pod, int64_t now_seconds) {
  const json& old = Member(pod, "status");
  const json& spec = Member(pod, "spec");
  std::string now = api::FormatTimestamp(now_seconds);
  json status = old.is_object() ? old : json::object();
  status["phase"] = "Succeeded";
  json conditions = json::array({Condition("PodReadyToStartContainers", false, now),
                                 Condition("Initialized", true, now, "PodCompleted"),
                                 Condition("Ready", false, now, "PodCompleted"),
                                 Condition("ContainersReady", false, now, "PodCompleted"),
                                 Condition("PodScheduled", true, now)});
  KeepTransitionTimes(old, conditions);
  status["conditions"] = std::move(conditions);
  json init_statuses = json::array();
  for (const json& container : ArrayOrEmpty(Member(spec, "initContainers"))) {
    std::string name = StringOf(Member(container, "name"));
    // A completed init container keeps its status; a sidecar is stopped with the pod.
    if (const json* done = TerminatedStatus(Member(old, "initContainerStatuses"), name)) {
      init_statuses.push_back(*done);
      continue;
    }
    std::string started = StartedAt(Member(old, "initContainerStatuses"), name, now);
    init_statuses.push_back(
        CompletedContainerStatus(pod, container, started, now, !IsSidecar(container)));
  }
  if (!init_statuses.empty()) status["initContainerStatuses"] = std::move(init_statuses);
  json container_statuses = json::array();
  for (const json& container : ArrayOrEmpty(Member(spec, "containers"))) {
    std::string name = StringOf(Member(container, "name"));
    std::string started = StartedAt(Member(old, "containerStatuses"), name, now);
    container_statuses.push_back(CompletedContainerStatus(pod, container, started, now, false));
  }
  status["containerStatuses"] = std::move(container_statuses);
  if (StringOf(Member(status, "qosClass")).empty()) status["qosClass"] = ComputeQosClass(pod);
  return status;
}

}  // namespace k1s::simulate
