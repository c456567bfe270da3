#include "controllers/node_lifecycle/taint_eviction_controller.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "controllers/common/pods.h"
#include "controllers/node_lifecycle/taints.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
namespace nl = node_lifecycle;

constexpr std::string_view kEventComponent = "taint-eviction-controller";
constexpr std::string_view kNodeNameIndex = "spec.nodeName";
// How often due deletions are looked for (upstream's timed workers fire on their own timers).
constexpr absl::Duration kTick = absl::Milliseconds(100);
// Upstream's retries of one deletion.
constexpr int32_t kDeleteAttempts = 5;

std::string PodNodeName(const json& pod) {
  return pod.contains("spec") && pod["spec"].is_object() ? pod["spec"].value("nodeName", "") : "";
}

json PodTolerations(const json& pod) {
  if (!pod.contains("spec") || !pod["spec"].is_object()) return json::array();
  const json& tolerations =
      pod["spec"].contains("tolerations") ? pod["spec"]["tolerations"] : json();
  return tolerations.is_array() ? tolerations : json::array();
}

}  // namespace

TaintEvictionController::TaintEvictionController(ControllerContext& ctx, std::string_view identity)
    : ctx_(ctx),
      client_(ctx.ClientFor(identity)),
      nodes_(ctx.informers.For(client::resources::Nodes())),
      pods_(ctx.informers.For(client::resources::Pods())),
      recorder_(ctx.events.NewRecorder(std::string(kEventComponent))),
      node_queue_(std::make_shared<client::WorkQueue>("taint_eviction_nodes")),
      pod_queue_(std::make_shared<client::WorkQueue>("taint_eviction_pods")),
      evict_queue_(std::make_shared<client::WorkQueue>("taint_eviction")),
      node_workers_(*node_queue_, [this](const std::string& name) { return SyncNode(name); }),
      pod_workers_(*pod_queue_, [this](const std::string& key) { return SyncPod(key); }),
      evict_workers_(*evict_queue_, [this](const std::string& key) { return Evict(key); }) {
  pods_.AddIndex(std::string(kNodeNameIndex), client::IndexByNodeName());

  std::shared_ptr<client::WorkQueue> nodes = node_queue_;
  auto node_name = [](const client::ObjectPtr& node) {
    return (*node)["metadata"].value("name", "");
  };
  nodes_.AddHandler(
      {[nodes, node_name](const client::ObjectPtr& node) {
         if (!nl::NoExecuteTaints(*node).empty()) nodes->Add(node_name(node));
       },
       [nodes, node_name](const client::ObjectPtr& old_node, const client::ObjectPtr& node) {
         if (nl::NoExecuteTaints(*old_node) != nl::NoExecuteTaints(*node)) {
           nodes->Add(node_name(node));
         }
       },
       [nodes, node_name](const client::ObjectPtr& node) { nodes->Add(node_name(node)); }});

  std::shared_ptr<client::WorkQueue> pods = pod_queue_;
  auto enqueue_pod = [pods](const client::ObjectPtr& pod) { pods->Add(client::ObjectKey(*pod)); };
  pods_.AddHandler({enqueue_pod,
                    [pods](const client::ObjectPtr& old_pod, const client::ObjectPtr& pod) {
                      if (PodNodeName(*old_pod) != PodNodeName(*pod) ||
                          PodTolerations(*old_pod) != PodTolerations(*pod)) {
                        pods->Add(client::ObjectKey(*pod));
                      }
                    },
                    enqueue_pod});
}

TaintEvictionController::~TaintEvictionController() { Stop(); }

absl::Status TaintEvictionController::Start() {
  if (started_) return absl::OkStatus();
  started_ = true;
  timer_thread_ = std::thread([this] { TimerLoop(); });
  node_workers_.Start(ctx_.workers);
  pod_workers_.Start(ctx_.workers);
  evict_workers_.Start(ctx_.workers);
  return absl::OkStatus();
}

void TaintEvictionController::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (timer_thread_.joinable()) timer_thread_.join();
  node_workers_.Stop();
  pod_workers_.Stop();
  evict_workers_.Stop();
}

void TaintEvictionController::TimerLoop() {
  base::SetCurrentThreadName("taint-eviction");
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const int64_t now = ctx_.clock.MonotonicNanos();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      auto [fire_at, key] = *timers_.begin();
      timers_.erase(timers_.begin());
      auto it = work_.find(key);
      // Cancelled or rescheduled work leaves stale timers behind.
      if (it == work_.end() || it->second.fire_at != fire_at ||
          it->second.state != WorkState::kScheduled) {
        continue;
      }
      it->second.state = WorkState::kFiring;
      evict_queue_->Add(key);
    }
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kTick);
  }
}

void TaintEvictionController::AddWork(const std::string& key, int64_t created_at, int64_t fire_at) {
  absl::MutexLock lock(&mu_);
  if (work_.count(key) != 0) return;  // scheduled, running or done: never twice
  work_[key] = Work{created_at, fire_at, WorkState::kScheduled};
  if (fire_at <= ctx_.clock.MonotonicNanos()) {
    work_[key].state = WorkState::kFiring;
    evict_queue_->Add(key);
  } else {
    timers_.emplace(fire_at, key);
  }
}

bool TaintEvictionController::CancelWork(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = work_.find(key);
  if (it == work_.end()) return false;
  const bool pending = it->second.state != WorkState::kDone;
  work_.erase(it);
  return pending;
}

void TaintEvictionController::EmitEvent(const std::string& key, std::string_view prefix) {
  const auto [namespace_name, name] = client::SplitObjectKey(key);
  json ref = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", namespace_name}}}};
  recorder_->Event(ref, client::kEventNormal, "TaintManagerEviction",
                   base::StrCat(prefix, " Pod ", key));
}

void TaintEvictionController::CancelWorkWithEvent(const std::string& key) {
  if (CancelWork(key)) EmitEvent(key, "Cancelling deletion of");
}

void TaintEvictionController::ProcessPodOnNode(const std::string& key, const json& tolerations,
                                               const std::vector<json>& taints, int64_t now) {
  if (taints.empty()) {
    CancelWorkWithEvent(key);
    return;
  }
  std::vector<json> used;
  if (!nl::MatchingTolerations(taints, tolerations, &used)) {
    // Deleted right away: whatever was scheduled is replaced.
    CancelWorkWithEvent(key);
    AddWork(key, now, now);
    return;
  }
  const int64_t seconds = nl::MinTolerationSeconds(used);
  if (seconds < 0) {
    CancelWorkWithEvent(key);  // tolerated forever
    return;
  }
  int64_t start = now;
  const int64_t wait = seconds * base::kNanosPerSecond;
  {
    absl::MutexLock lock(&mu_);
    auto it = work_.find(key);
    if (it != work_.end()) {
      if (it->second.state == WorkState::kDone) return;  // deleted already
      // The wait counts from when the pod was first found under the taints; work scheduled
      // earlier (or with a deadline no later) stands.
      start = it->second.created_at;
      if (start < now || it->second.fire_at <= start + wait) return;
    }
  }
  CancelWorkWithEvent(key);
  AddWork(key, start, start + wait);
}

absl::Status TaintEvictionController::SyncNode(const std::string& name) {
  const client::ObjectPtr node = nodes_.Get("", name);
  std::vector<json> taints;
  {
    absl::MutexLock lock(&mu_);
    if (node == nullptr) {
      // Pods of a deleted node are the pod garbage collector's.
      tainted_nodes_.erase(name);
      return absl::OkStatus();
    }
    taints = nl::NoExecuteTaints(*node);
    if (taints.empty()) {
      tainted_nodes_.erase(name);
    } else {
      tainted_nodes_[name] = taints;
    }
  }
  const int64_t now = ctx_.clock.MonotonicNanos();
  for (const client::ObjectPtr& pod : pods_.ByIndex(kNodeNameIndex, name)) {
    const std::string key = client::ObjectKey(*pod);
    if (taints.empty()) {
      CancelWorkWithEvent(key);
    } else {
      ProcessPodOnNode(key, PodTolerations(*pod), taints, now);
    }
  }
  return absl::OkStatus();
}

absl::Status TaintEvictionController::SyncPod(const std::string& key) {
  const client::ObjectPtr pod = pods_.GetByKey(key);
  if (pod == nullptr) {
    CancelWork(key);
    return absl::OkStatus();
  }
  const std::string node_name = PodNodeName(*pod);
  if (node_name.empty()) return absl::OkStatus();
  std::vector<json> taints;
  {
    absl::MutexLock lock(&mu_);
    auto it = tainted_nodes_.find(node_name);
    if (it == tainted_nodes_.end()) return absl::OkStatus();
    taints = it->second;
  }
  ProcessPodOnNode(key, PodTolerations(*pod), taints, ctx_.clock.MonotonicNanos());
  return absl::OkStatus();
}

absl::Status TaintEvictionController::Evict(const std::string& key) {
  {
    absl::MutexLock lock(&mu_);
    auto it = work_.find(key);
    if (it == work_.end() || it->second.state != WorkState::kFiring) return absl::OkStatus();
  }
  base::Logger("taint-eviction")->info("deleting pod {}", key);
  EmitEvent(key, "Marking for deletion");
  absl::Status status;
  for (int32_t attempt = 0; attempt < kDeleteAttempts; ++attempt) {
    status = MarkAndDeletePod(key);
    if (status.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  absl::MutexLock lock(&mu_);
  auto it = work_.find(key);
  if (it == work_.end()) return absl::OkStatus();
  if (status.ok()) {
    it->second.state = WorkState::kDone;  // kept: the pod is not deleted twice
  } else {
    // Dropped; the next change of the pod or node schedules it again.
    base::Logger("taint-eviction")->warn("deleting pod {}: {}", key, status);
    work_.erase(it);
  }
  return absl::OkStatus();
}

absl::Status TaintEvictionController::MarkAndDeletePod(const std::string& key) {
  const auto [namespace_name, name] = client::SplitObjectKey(key);
  absl::StatusOr<json> pod = client_.Get(client::resources::Pods(), namespace_name, name);
  if (!pod.ok()) return api::IsNotFound(pod.status()) ? absl::OkStatus() : pod.status();
  const json condition = {{"type", "DisruptionTarget"},
                          {"status", "True"},
                          {"reason", "DeletionByTaintManager"},
                          {"message", "Taint manager: deleting due to NoExecute taint"}};
  const json* current = FindCondition(*pod, "DisruptionTarget");
  if (current == nullptr || current->value("status", "") != "True" ||
      current->value("reason", "") != condition["reason"] ||
      current->value("message", "") != condition["message"]) {
    json& status = (*pod)["status"];
    if (!status.is_object()) status = json::object();
    json& conditions = status["conditions"];
    if (!conditions.is_array()) conditions = json::array();
    json updated = condition;
    updated["lastTransitionTime"] =
        api::FormatTimestamp(ctx_.clock.NowUnixNanos() / base::kNanosPerSecond);
    bool replaced = false;
    for (json& existing : conditions) {
      if (existing.is_object() && existing.value("type", "") == "DisruptionTarget") {
        if (existing.value("status", "") == "True") {
          updated["lastTransitionTime"] = existing.value("lastTransitionTime", "");
        }
        existing = updated;
        replaced = true;
      }
    }
    if (!replaced) conditions.push_back(updated);
    absl::StatusOr<json> written = client_.UpdateStatus(client::resources::Pods(), *pod);
    if (!written.ok()) {
      return api::IsNotFound(written.status()) ? absl::OkStatus() : written.status();
    }
  }
  absl::Status deleted = client_.Delete(client::resources::Pods(), namespace_name, name);
  return deleted.ok() || api::IsNotFound(deleted) ? absl::OkStatus() : deleted;
}

}  // namespace k1s::controllers
