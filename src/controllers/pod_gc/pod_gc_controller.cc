#include "controllers/pod_gc/pod_gc_controller.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/thread_name.h"
#include "client/resource.h"
#include "controllers/common/pods.h"

namespace k1s::controllers {

using nlohmann::json;

namespace {

constexpr char kOutOfServiceTaint[] = "node.kubernetes.io/out-of-service";

auto& Log() {
  static auto log = base::Logger("pod-garbage-collector");
  return log;
}

std::string StringAt(const json& object, const char* section, const char* key) {
  if (!object.is_object()) return "";
  auto part = object.find(section);
  if (part == object.end() || !part->is_object()) return "";
  auto it = part->find(key);
  return it != part->end() && it->is_string() ? it->get<std::string>() : "";
}

std::string PodName(const json& pod) {
  return StringAt(pod, "metadata", "namespace") + "/" + StringAt(pod, "metadata", "name");
}

// Phase neither Pending, Running nor Unknown (a pod without a phase counts as Pending).
bool IsTerminated(const json& pod) {
  std::string phase = StringAt(pod, "status", "phase");
  return !phase.empty() && phase != "Pending" && phase != "Running" && phase != "Unknown";
}

bool IsEvicted(const json& pod) {
  return StringAt(pod, "status", "phase") == "Failed" &&
         StringAt(pod, "status", "reason") == "Evicted";
}

// Evicted pods first, then the oldest, then by name.
bool EvictedThenOldest(const client::ObjectPtr& a, const client::ObjectPtr& b) {
  bool a_evicted = IsEvicted(*a);
  bool b_evicted = IsEvicted(*b);
  if (a_evicted != b_evicted) return a_evicted;
  int64_t a_created = CreationSeconds(*a);
  int64_t b_created = CreationSeconds(*b);
  if (a_created != b_created) return a_created < b_created;
  return StringAt(*a, "metadata", "name") < StringAt(*b, "metadata", "name");
}

bool IsNodeReady(const json& node) {
  const json* ready = FindCondition(node, "Ready");
  return ready != nullptr && ready->is_object() && ready->contains("status") &&
         (*ready)["status"] == "True";
}

bool HasTaint(const json& node, std::string_view key) {
  auto spec = node.find("spec");
  if (spec == node.end() || !spec->is_object()) return false;
  auto taints = spec->find("taints");
  if (taints == spec->end() || !taints->is_array()) return false;
  for (const json& taint : *taints) {
    if (taint.is_object() && taint.contains("key") && taint["key"] == key) return true;
  }
  return false;
}

}  // namespace

PodGcController::PodGcController(ControllerContext& ctx, PodGcOptions options)
    : ctx_(ctx),
      options_(options),
      client_(ctx.ClientFor("pod-garbage-collector")),
      pods_(ctx.informers.For(client::resources::Pods())),
      nodes_(ctx.informers.For(client::resources::Nodes())) {}

PodGcController::~PodGcController() { Stop(); }

absl::Status PodGcController::Start() {
  absl::MutexLock lock(&mu_);
  if (started_) return absl::FailedPreconditionError("pod garbage collector already started");
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void PodGcController::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void PodGcController::Loop() {
  base::SetCurrentThreadName("pod-gc");
  while (true) {
    RunOnce();
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &PodGcController::StopRequested),
                         absl::FromChrono(options_.gc_period));
    if (stopping_) return;
  }
}

void PodGcController::RunOnce() {
  absl::MutexLock lock(&pass_mu_);
  Pods pods = pods_.List();
  if (options_.terminated_pod_threshold > 0) GcTerminated(pods);
  GcTerminating(pods);
  GcOrphaned(pods);
  GcUnscheduledTerminating(pods);
}

void PodGcController::GcTerminated(const Pods& pods) {
  Pods terminated;
  for (const client::ObjectPtr& pod : pods) {
    if (IsTerminated(*pod)) terminated.push_back(pod);
  }
  int64_t excess = static_cast<int64_t>(terminated.size()) - options_.terminated_pod_threshold;
  if (excess <= 0) return;
  Log()->info("garbage collecting {} terminated pods", excess);
  std::sort(terminated.begin(), terminated.end(), EvictedThenOldest);
  for (int64_t i = 0; i < excess; ++i) {
    absl::Status status = MarkFailedAndDelete(*terminated[i], nullptr);
    if (!status.ok() && !api::IsNotFound(status)) {
      Log()->warn("delete terminated pod {}: {}", PodName(*terminated[i]), status);
    }
  }
}

void PodGcController::GcTerminating(const Pods& pods) {
  Pods terminating;
  for (const client::ObjectPtr& pod : pods) {
    if (!IsBeingDeleted(*pod)) continue;
    std::string node_name = StringAt(*pod, "spec", "nodeName");
    if (node_name.empty()) continue;
    client::ObjectPtr node = nodes_.GetByKey(node_name);
    if (node == nullptr) continue;
    // Pods stuck terminating on a node declared out of service.
    if (!IsNodeReady(*node) && HasTaint(*node, kOutOfServiceTaint)) terminating.push_back(pod);
  }
  if (terminating.empty()) return;
  std::sort(terminating.begin(), terminating.end(), EvictedThenOldest);
  for (const client::ObjectPtr& pod : terminating) {
    Log()->info("garbage collecting pod {} terminating on an out-of-service node", PodName(*pod));
    absl::Status status = MarkFailedAndDelete(*pod, nullptr);
    if (!status.ok() && !api::IsNotFound(status)) {
      Log()->warn("delete terminating pod {}: {}", PodName(*pod), status);
    }
  }
}

void PodGcController::GcOrphaned(const Pods& pods) {
  std::set<std::string> existing;
  for (const client::ObjectPtr& node : nodes_.List()) {
    existing.insert(StringAt(*node, "metadata", "name"));
  }
  int64_t ready_at =
      ctx_.clock.MonotonicNanos() + std::chrono::nanoseconds(options_.quarantine).count();
  for (const client::ObjectPtr& pod : pods) {
    std::string node_name = StringAt(*pod, "spec", "nodeName");
    // emplace keeps the first (earliest) quarantine end.
    if (!node_name.empty() && existing.count(node_name) == 0) {
      quarantined_.emplace(node_name, ready_at);
    }
  }
  std::set<std::string> deleted;
  int64_t now = ctx_.clock.MonotonicNanos();
  for (auto it = quarantined_.begin(); it != quarantined_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    std::string node_name = it->first;
    it = quarantined_.erase(it);
    if (existing.count(node_name) > 0) continue;
    absl::StatusOr<json> node = client_.Get(client::resources::Nodes(), "", node_name);
    if (api::IsNotFound(node.status())) {
      deleted.insert(node_name);
    } else if (!node.ok()) {
      // Quarantined again on the next pass if still missing.
      Log()->warn("get node {}: {}", node_name, node.status());
    }
  }
  if (deleted.empty()) return;
  json condition = {{"type", "DisruptionTarget"},
                    {"status", "True"},
                    {"reason", "DeletionByPodGC"},
                    {"message", "PodGC: node no longer exists"}};
  for (const client::ObjectPtr& pod : pods) {
    std::string node_name = StringAt(*pod, "spec", "nodeName");
    if (deleted.count(node_name) == 0) continue;
    Log()->info("found orphaned pod {} assigned to the node {}, deleting", PodName(*pod),
                node_name);
    absl::Status status = MarkFailedAndDelete(*pod, &condition);
    if (status.ok()) {
      Log()->info("forced deletion of orphaned pod {} succeeded", PodName(*pod));
    } else if (!api::IsNotFound(status)) {
      Log()->warn("delete orphaned pod {}: {}", PodName(*pod), status);
    }
  }
}

void PodGcController::GcUnscheduledTerminating(const Pods& pods) {
  for (const client::ObjectPtr& pod : pods) {
    if (!IsBeingDeleted(*pod) || !StringAt(*pod, "spec", "nodeName").empty()) continue;
    Log()->info("found unscheduled terminating pod {} not assigned to any node, deleting",
                PodName(*pod));
    absl::Status status = MarkFailedAndDelete(*pod, nullptr);
    if (status.ok()) {
      Log()->info("forced deletion of unscheduled terminating pod {} succeeded", PodName(*pod));
    } else if (!api::IsNotFound(status)) {
      Log()->warn("delete unscheduled terminating pod {}: {}", PodName(*pod), status);
    }
  }
}

absl::Status PodGcController::MarkFailedAndDelete(const json& pod, const json* condition) {
  std::string namespace_name = StringAt(pod, "metadata", "namespace");
  std::string name = StringAt(pod, "metadata", "name");
  Log()->info("force deleting pod {}/{}", namespace_name, name);
  std::string phase = StringAt(pod, "status", "phase");
  if (phase != "Succeeded" && phase != "Failed") {
    // No kubelet will move an orphaned pod out of Running: mark it Failed first.
    json status = {{"phase", "Failed"}};
    if (condition != nullptr) {
      json entry = *condition;
      std::string now = api::FormatTimestamp(ctx_.clock.NowUnixNanos() / 1'000'000'000);
      entry["lastTransitionTime"] = now;
      const json* current = FindCondition(pod, (*condition)["type"].get<std::string>());
      if (current != nullptr && current->is_object() && current->contains("status") &&
          (*current)["status"] == (*condition)["status"] &&
          current->contains("lastTransitionTime")) {
        entry["lastTransitionTime"] = (*current)["lastTransitionTime"];
      }
      status["conditions"] = json::array({entry});
    }
    json patch = {{"metadata", {{"uid", StringAt(pod, "metadata", "uid")}}}, {"status", status}};
    absl::StatusOr<json> patched =
        client_.Patch(client::resources::Pods(), namespace_name, name,
                      client::PatchType::kStrategicMerge, patch.dump(), "status");
    if (!patched.ok()) return patched.status();
  }
  client::DeleteOptions options;
  options.grace_period_seconds = 0;
  return client_.Delete(client::resources::Pods(), namespace_name, name, options);
}

}  // namespace k1s::controllers
