#include "scheduler/scheduler.h"

#include <nlohmann/json.hpp>

#include "api/json_fields.h"
#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "scheduler/pod_info.h"

namespace k1s::scheduler {
namespace {

using api::Member;
using api::StringAt;

using nlohmann::json;

constexpr size_t kMaxEventMessage = 1024;  // upstream truncateMessage

std::shared_ptr<spdlog::logger> Log() { return base::Logger("scheduler"); }

// The parts of a Node the filters read: a change to any of them may let a pod fit.
bool SchedulingPropertiesChanged(const json& before, const json& after) {
  return Member(Member(before, "metadata"), "labels") !=
             Member(Member(after, "metadata"), "labels") ||
         Member(Member(before, "spec"), "taints") != Member(Member(after, "spec"), "taints") ||
         Member(Member(before, "spec"), "unschedulable") !=
             Member(Member(after, "spec"), "unschedulable") ||
         Member(Member(before, "status"), "allocatable") !=
             Member(Member(after, "status"), "allocatable");
}

std::string TruncateMessage(const std::string& message) {
  if (message.size() <= kMaxEventMessage) return message;
  constexpr std::string_view kSuffix = " ...";
  return base::StrCat(message.substr(0, kMaxEventMessage - kSuffix.size()), kSuffix);
}

}  // namespace

Scheduler::Scheduler(client::Client client, client::InformerFactory& informers,
                     std::shared_ptr<client::EventRecorder> recorder, base::Clock& clock,
                     SchedulerOptions options)
    : client_(client.WithFieldManager("kube-scheduler")),
      pods_(informers.For(client::resources::Pods())),
      nodes_(informers.For(client::resources::Nodes())),
      pdbs_(informers.For(client::resources::PodDisruptionBudgets())),
      recorder_(std::move(recorder)),
      clock_(clock),
      options_(std::move(options)),
      core_(std::make_shared<Core>(clock, options_.queue)),
      objects_(std::make_shared<InformerObjects>(
          informers, [core = core_] { core->queue.MoveAllToActiveOrBackoff(); })),
      algorithm_(DefaultPlugins(objects_), options_.algorithm, core_->nominator,
                 [pdbs = &pdbs_] { return pdbs->List(); }) {
  RegisterHandlers();
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::RegisterHandlers() {
  std::shared_ptr<Core> core = core_;
  const std::string name = options_.scheduler_name;
  auto pending = [name](const json& pod) {
    return !IsAssigned(pod) && !IsTerminal(pod) && !IsBeingDeleted(pod) &&
           IsResponsibleFor(pod, name);
  };
  client::EventHandler pods;
  pods.on_add = [core, pending](const client::ObjectPtr& pod) {
    if (IsAssigned(*pod)) {
      if (IsTerminal(*pod)) return;
      core->cache.AddPod(pod);
      // A new pod on a node can satisfy another's (anti-)affinity or spread.
      core->queue.MoveAllToActiveOrBackoff();
    } else if (pending(*pod)) {
      core->queue.Add(pod);
      core->nominator->Add(pod);  // a status.nominatedNodeName from before a restart counts
    }
  };
  pods.on_update = [core, pending](const client::ObjectPtr& old, const client::ObjectPtr& pod) {
    std::string key = client::ObjectKey(*pod);
    if (IsAssigned(*pod)) {
      if (!IsAssigned(*old)) {  // bound, by us or by someone else
        core->queue.Delete(key);
        core->nominator->Delete(key);
      }
      if (IsTerminal(*pod)) {
        if (!IsTerminal(*old) && IsAssigned(*old)) {
          core->cache.RemovePod(key);
          core->queue.MoveAllToActiveOrBackoff();  // its resources are free
        } else if (!IsAssigned(*old)) {
          core->cache.RemovePod(key);
        }
      } else if (!IsAssigned(*old) || Member(*old, "spec") != Member(*pod, "spec") ||
                 IsBeingDeleted(*old) != IsBeingDeleted(*pod)) {
        // Terminating pods still hold their node; preemption needs to know they are going.
        core->cache.UpdatePod(pod);
      }
    } else if (pending(*pod)) {
      core->queue.Update(pod);
      core->nominator->Update(old, pod);
    } else {
      core->queue.Delete(key);
      core->nominator->Delete(key);
    }
  };
  pods.on_delete = [core](const client::ObjectPtr& pod) {
    std::string key = client::ObjectKey(*pod);
    core->nominator->Delete(key);
    if (IsAssigned(*pod)) {
      core->cache.RemovePod(key);
      core->queue.MoveAllToActiveOrBackoff();
    } else {
      core->queue.Delete(key);
    }
  };
  pods_.AddHandler(std::move(pods));
  client::EventHandler nodes;
  nodes.on_add = [core](const client::ObjectPtr& node) {
    core->cache.AddNode(node);
    core->queue.MoveAllToActiveOrBackoff();
  };
  nodes.on_update = [core](const client::ObjectPtr& old, const client::ObjectPtr& node) {
    if (!SchedulingPropertiesChanged(*old, *node)) return;
    core->cache.UpdateNode(node);
    core->queue.MoveAllToActiveOrBackoff();
  };
  nodes.on_delete = [core](const client::ObjectPtr& node) {
    core->cache.RemoveNode(StringAt(*node, "metadata", "name"));
  };
  nodes_.AddHandler(std::move(nodes));
}

absl::Status Scheduler::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::OkStatus();
  }
  for (client::Informer* informer : {&pods_, &nodes_, &pdbs_}) {
    if (absl::Status status = informer->WaitForSync(options_.sync_timeout); !status.ok()) {
      return absl::Status(status.code(),
                          base::StrCat("scheduler: waiting for the ", informer->resource().plural,
                                       " informer: ", status.message()));
    }
  }
  if (absl::Status status = objects_->WaitForSync(options_.sync_timeout); !status.ok()) {
    return absl::Status(status.code(), base::StrCat("scheduler: waiting for ", status.message()));
  }
  absl::MutexLock lock(&mu_);
  if (started_) return absl::OkStatus();
  started_ = true;
  schedule_thread_ = std::thread([this] { ScheduleLoop(); });
  for (int32_t i = 0; i < std::max<int32_t>(1, options_.bind_workers); ++i) {
    binders_.emplace_back([this] { BindLoop(); });
  }
  Log()->info("{} started with {} nodes", options_.scheduler_name, core_->cache.NodeCount());
  return absl::OkStatus();
}

void Scheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  core_->queue.Close();
  if (schedule_thread_.joinable()) schedule_thread_.join();
  for (std::thread& binder : binders_) binder.join();
  binders_.clear();
}

Scheduler::Stats Scheduler::GetStats() const {
  return {attempts_.load(), bound_.load(), unschedulable_.load(), errors_.load(),
          preemptions_.load()};
}

void Scheduler::ScheduleLoop() {
  base::SetCurrentThreadName("k1s-scheduler");
  while (std::optional<QueuedPod> pod = core_->queue.Pop()) ScheduleOne(*pod);
}

void Scheduler::ScheduleOne(const QueuedPod& queued) {
  ++attempts_;
  if (IsBeingDeleted(*queued.pod) || core_->cache.IsAssumed(queued.key)) {
    core_->queue.Done(queued.key);
    return;
  }
  PodInfo info = MakePodInfo(queued.pod);
  std::shared_ptr<const Snapshot> snapshot = core_->cache.GetSnapshot();
  ScheduleResult result = algorithm_.Schedule(info, *snapshot);
  if (result.node.empty()) {
    ++unschedulable_;
    std::optional<std::string> nominate = result.nominated_node;
    if (result.preemption != nullptr) {
      // upstream prepareCandidate: evict now; the pod waits for the victims to go.
      absl::Status status =
          ExecutePreemption(client_, *recorder_, *queued.pod, *result.preemption,
                            result.nominated != nullptr ? *result.nominated : NominatedPods{},
                            clock_.NowUnixNanos() / base::kNanosPerSecond);
      if (status.ok()) {
        ++preemptions_;
      } else {
        ++errors_;
        Log()->warn("preempting for {} on {}: {}", queued.key, result.preemption->node, status);
        nominate.reset();
        result.diagnosis.post_filter_message = base::StrCat("preemption: ", status.message());
        result.message =
            FitErrorMessage(static_cast<int32_t>(snapshot->nodes.size()), result.diagnosis);
      }
    }
    Log()->debug("unable to schedule {}: {}", queued.key, result.message);
    HandleFailure(queued, "Unschedulable", result.message, /*error=*/false, nominate);
    return;
  }
  // Counted on the node from now on, while the binding is written in the background. (The
  // snapshot goes first: a node no snapshot shares is changed in place, not copied.)
  snapshot.reset();
  core_->cache.AssumePod(info.placed, result.node);
  core_->nominator->Delete(queued.key);
  absl::MutexLock lock(&mu_);
  bindings_.push_back({queued, std::move(info), result.node, std::move(result.state)});
}

void Scheduler::BindLoop() {
  base::SetCurrentThreadName("k1s-sched-bind");
  while (true) {
    Binding binding;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !bindings_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      binding = std::move(bindings_.front());
      bindings_.pop_front();
    }
    Bind(binding);
  }
}

void Scheduler::Bind(const Binding& binding) {
  for (const auto& plugin : algorithm_.plugins().pre_binds) {
    absl::Status status = plugin->PreBind(*binding.state, binding.info, binding.node, client_);
    if (!status.ok()) {
      FailBinding(binding, base::StrCat("running PreBind plugin \"", plugin->Name(),
                                        "\": ", status.message()));
      return;
    }
  }
  const json& pod = *binding.pod.pod;
  std::string namespace_name = StringAt(pod, "metadata", "namespace");
  std::string name = StringAt(pod, "metadata", "name");
  json body = {
      {"apiVersion", "v1"},
      {"kind", "Binding"},
      {"metadata",
       {{"name", name}, {"namespace", namespace_name}, {"uid", StringAt(pod, "metadata", "uid")}}},
      {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", binding.node}}}};
  absl::StatusOr<json> bound =
      client_.Create(client::resources::Pods(), namespace_name, body, {}, name, "binding");
  if (bound.ok()) {
    ++bound_;
    recorder_->Event(
        PodReference(pod), client::kEventNormal, "Scheduled",
        base::StrCat("Successfully assigned ", namespace_name, "/", name, " to ", binding.node));
    core_->queue.Done(binding.pod.key);
    return;
  }
  FailBinding(binding,
              base::StrCat("running Bind plugin \"DefaultBinder\": ", bound.status().message()));
}

void Scheduler::FailBinding(const Binding& binding, const std::string& message) {
  ++errors_;
  Log()->warn("binding {} to {}: {}", binding.pod.key, binding.node, message);
  core_->cache.ForgetPod(binding.pod.key);
  core_->queue.MoveAllToActiveOrBackoff();  // what it held on the node is free again
  HandleFailure(binding.pod, "SchedulerError", message, /*error=*/true,
                /*nominate=*/std::string());  // upstream clearNominatedNode
}

void Scheduler::HandleFailure(const QueuedPod& queued, const std::string& reason,
                              const std::string& message, bool error,
                              const std::optional<std::string>& nominate) {
  // Act on the pod as it is now: gone or bound meanwhile means nothing to report.
  client::ObjectPtr current = pods_.GetByKey(queued.key);
  if (current == nullptr || IsAssigned(*current)) {
    core_->queue.Done(queued.key);
    return;
  }
  core_->queue.AddUnschedulable(queued, error);
  // Right away, not when the status write comes back: the next cycle must already count it.
  core_->nominator->Add(current, nominate);
  recorder_->Event(PodReference(*current), client::kEventWarning, "FailedScheduling",
                   TruncateMessage(message));
  absl::Status status = UpdatePodScheduledCondition(*current, reason, message, nominate);
  if (!status.ok() && !api::IsNotFound(status)) {
    ++errors_;
    Log()->warn("updating the PodScheduled condition of {}: {}", queued.key, status);
  }
}

absl::Status Scheduler::UpdatePodScheduledCondition(const json& pod, const std::string& reason,
                                                    const std::string& message,
                                                    const std::optional<std::string>& nominate) {
  // The nomination is written only when it changes.
  const bool nominate_changed = nominate.has_value() && *nominate != NominatedNodeName(pod);
  std::string transition;
  const json& conditions = Member(Member(pod, "status"), "conditions");
  for (const json& condition : conditions.is_array() ? conditions : json::array()) {
    if (Member(condition, "type") != "PodScheduled") continue;
    bool was_false = Member(condition, "status") == "False";
    if (was_false && Member(condition, "reason") == reason &&
        Member(condition, "message") == message && !nominate_changed) {
      return absl::OkStatus();  // unchanged: no write
    }
    if (was_false && Member(condition, "lastTransitionTime").is_string()) {
      transition = condition["lastTransitionTime"].get<std::string>();
    }
  }
  if (transition.empty()) {
    transition = api::FormatTimestamp(clock_.NowUnixNanos() / base::kNanosPerSecond);
  }
  json patch = {{"status",
                 {{"conditions", json::array({{{"type", "PodScheduled"},
                                               {"status", "False"},
                                               {"reason", reason},
                                               {"message", message},
                                               {"lastProbeTime", nullptr},
                                               {"lastTransitionTime", transition}}})}}}};
  if (nominate_changed) {
    patch["status"]["nominatedNodeName"] = nominate->empty() ? json(nullptr) : json(*nominate);
  }
  return client_
      .Patch(client::resources::Pods(), StringAt(pod, "metadata", "namespace"),
             StringAt(pod, "metadata", "name"), client::PatchType::kStrategicMerge, patch.dump(),
             "status")
      .status();
}

}  // namespace k1s::scheduler
