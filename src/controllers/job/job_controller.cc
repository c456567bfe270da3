// JobController: construction, lifecycle, informer handlers and the orphan-pod queue.
#include "controllers/job/job_controller.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/label_selector.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "client/resource.h"
#include "controllers/common/owner_refs.h"
#include "controllers/job/job_util.h"

namespace k1s::controllers::job {

using nlohmann::json;

namespace {

std::shared_ptr<spdlog::logger> Log() { return base::Logger("job-controller"); }

std::vector<std::string> JobUidLabel(const json& pod) {
  const json& value = Member(Member(Member(pod, "metadata"), "labels"), kControllerUidLabel);
  if (!value.is_string()) return {};
  return {value.get<std::string>()};
}

}  // namespace

JobController::JobController(ControllerContext& ctx, JobControllerOptions options)
    : ctx_(ctx),
      options_(options),
      client_(ctx.ClientFor("job-controller")),
      recorder_(ctx.events.NewRecorder("job-controller")),
      pod_control_(client_, recorder_),
      jobs_(ctx.informers.For(client::resources::Jobs())),
      pods_(ctx.informers.For(client::resources::Pods())),
      queue_("job", options.api_backoff, options.max_api_backoff),
      orphan_queue_("job_orphan_pod", options.api_backoff, options.max_api_backoff),
      expectations_(ctx.clock),
      gate_(std::make_shared<HandlerGate<JobController>>(this)) {
  pods_.AddIndex(std::string(kPodControllerUidIndex), client::IndexByControllerUid());
  pods_.AddIndex(std::string(kPodJobUidLabelIndex), JobUidLabel);
  std::shared_ptr<HandlerGate<JobController>> gate = gate_;
  jobs_.AddHandler(
      client::EventHandler{[gate](const client::ObjectPtr& job) {
                             gate->Run([&](JobController& c) { c.OnJobAdd(*job); });
                           },
                           [gate](const client::ObjectPtr& old_job, const client::ObjectPtr& job) {
                             gate->Run([&](JobController& c) { c.OnJobUpdate(*old_job, *job); });
                           },
                           [gate](const client::ObjectPtr& job) {
                             gate->Run([&](JobController& c) { c.OnJobDelete(*job); });
                           }});
  pods_.AddHandler(
      client::EventHandler{[gate](const client::ObjectPtr& pod) {
                             gate->Run([&](JobController& c) { c.OnPodAdd(*pod); });
                           },
                           [gate](const client::ObjectPtr& old_pod, const client::ObjectPtr& pod) {
                             gate->Run([&](JobController& c) { c.OnPodUpdate(*old_pod, *pod); });
                           },
                           [gate](const client::ObjectPtr& pod) {
                             gate->Run([&](JobController& c) { c.OnPodDelete(*pod, true); });
                           }});
}

JobController::~JobController() {
  gate_->Close();
  Stop();
}

absl::Status JobController::Start() {
  if (workers_ != nullptr) return absl::OkStatus();
  Log()->info("Starting job controller");
  workers_ = std::make_unique<client::QueueWorkers>(
      queue_, [this](const std::string& key) { return SyncJob(key); });
  orphan_workers_ = std::make_unique<client::QueueWorkers>(
      orphan_queue_, [this](const std::string& key) { return SyncOrphanPod(key); });
  workers_->Start(std::max<int32_t>(1, ctx_.workers));
  orphan_workers_->Start(1);
  return absl::OkStatus();
}

void JobController::Stop() {
  queue_.ShutDown();
  orphan_queue_.ShutDown();
  if (workers_ != nullptr) workers_->Stop();
  if (orphan_workers_ != nullptr) orphan_workers_->Stop();
}

int64_t JobController::NowSeconds() const {
  return ctx_.clock.NowUnixNanos() / base::kNanosPerSecond;
}

// ---- handlers ----

void JobController::EnqueueJob(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    queue_.Add(key);
  } else {
    queue_.AddAfter(key, delay);
  }
}

void JobController::EnqueueOrphanPod(const json& pod) { orphan_queue_.Add(client::ObjectKey(pod)); }

client::ObjectPtr JobController::ResolveControllerRef(const std::string& namespace_name,
                                                      const json& ref) const {
  if (StringMember(ref, "kind") != "Job") return nullptr;
  client::ObjectPtr job = jobs_.Get(namespace_name, StringMember(ref, "name"));
  if (job == nullptr || StringMember(Member(*job, "metadata"), "uid") != StringMember(ref, "uid")) {
    return nullptr;
  }
  return job;
}

std::vector<client::ObjectPtr> JobController::JobsSelectingPod(const json& pod) const {
  std::vector<client::ObjectPtr> result;
  const json& metadata = Member(pod, "metadata");
  const json& labels = Member(metadata, "labels");
  if (!labels.is_object() || labels.empty()) return result;
  for (const client::ObjectPtr& job : jobs_.List(StringMember(metadata, "namespace"))) {
    absl::StatusOr<api::LabelSelector> selector =
        api::LabelSelector::FromJson(Member(Member(*job, "spec"), "selector"));
    if (!selector.ok() || selector->Empty() || !selector->Matches(labels)) continue;
    result.push_back(job);
  }
  if (result.size() > 1) {
    Log()->warn("user error! more than one job is selecting pods with labels: {}", labels.dump());
  }
  return result;
}

void JobController::OnJobAdd(const json& job) { EnqueueJob(client::ObjectKey(job), {}); }

void JobController::OnJobUpdate(const json& old_job, const json& job) {
  std::string key = client::ObjectKey(job);
  const json& old_metadata = Member(old_job, "metadata");
  const json& metadata = Member(job, "metadata");
  if (IntMember(old_metadata, "generation") == IntMember(metadata, "generation")) {
    EnqueueJob(key, options_.sync_batch_period);
  } else {
    EnqueueJob(key, {});
  }
  if (IsJobFinished(job)) CleanupPodFinalizers(job);
  // A changed activeDeadlineSeconds: sync again when it passes.
  std::optional<int64_t> start =
      api::ParseTimestamp(StringMember(Member(job, "status"), "startTime"));
  std::optional<int64_t> deadline = IntMember(Member(job, "spec"), "activeDeadlineSeconds");
  std::optional<int64_t> old_deadline = IntMember(Member(old_job, "spec"), "activeDeadlineSeconds");
  if (start && deadline && old_deadline != deadline) {
    int64_t passed = ctx_.clock.NowUnixNanos() - *start * base::kNanosPerSecond;
    int64_t remaining = *deadline * base::kNanosPerSecond - passed;
    EnqueueJob(key, std::chrono::milliseconds(NanosToDelayMillis(remaining)));
  }
}

void JobController::OnJobDelete(const json& job) {
  EnqueueJob(client::ObjectKey(job), {});
  CleanupPodFinalizers(job);
}

void JobController::CleanupPodFinalizers(const json& job) {
  std::string uid = StringMember(Member(job, "metadata"), "uid");
  if (uid.empty()) return;
  for (const client::ObjectPtr& pod : pods_.ByIndex(kPodControllerUidIndex, uid)) {
    if (HasTrackingFinalizer(*pod)) EnqueueOrphanPod(*pod);
  }
}

void JobController::OnPodAdd(const json& pod) {
  if (Member(Member(pod, "metadata"), "deletionTimestamp").is_string()) {
    // A pod already being deleted (e.g. seen after a restart) is no creation to observe.
    OnPodDelete(pod, false);
    return;
  }
  std::string namespace_name = StringMember(Member(pod, "metadata"), "namespace");
  if (const json* ref = ControllerRefOf(pod)) {
    client::ObjectPtr job = ResolveControllerRef(namespace_name, *ref);
    if (job == nullptr) return;
    std::string key = client::ObjectKey(*job);
    expectations_.CreationObserved(key);
    EnqueueJob(key, options_.sync_batch_period);
    return;
  }
  // An orphan: clean its finalizer; a matching Job may adopt it.
  if (HasTrackingFinalizer(pod)) EnqueueOrphanPod(pod);
  for (const client::ObjectPtr& job : JobsSelectingPod(pod)) {
    EnqueueJob(client::ObjectKey(*job), options_.sync_batch_period);
  }
}

void JobController::OnPodUpdate(const json& old_pod, const json& pod) {
  const json& old_metadata = Member(old_pod, "metadata");
  const json& metadata = Member(pod, "metadata");
  if (Member(old_metadata, "resourceVersion") == Member(metadata, "resourceVersion")) return;
  if (Member(metadata, "deletionTimestamp").is_string()) {
    // Graceful deletion started: replacements may be created without waiting for the removal.
    OnPodDelete(pod, false);
    return;
  }
  std::string namespace_name = StringMember(metadata, "namespace");
  std::string uid = StringMember(metadata, "uid");
  bool finalizer_removed = !HasTrackingFinalizer(pod);
  const json* ref = ControllerRefOf(pod);
  const json* old_ref = ControllerRefOf(old_pod);
  bool ref_changed = (ref == nullptr) != (old_ref == nullptr) ||
                     (ref != nullptr && old_ref != nullptr && *ref != *old_ref);
  if (ref_changed && old_ref != nullptr) {
    if (client::ObjectPtr job = ResolveControllerRef(namespace_name, *old_ref)) {
      std::string key = client::ObjectKey(*job);
      if (finalizer_removed) finalizer_expectations_.FinalizerRemovalObserved(key, uid);
      EnqueueJob(key, options_.sync_batch_period);
    }
  }
  if (ref != nullptr) {
    client::ObjectPtr job = ResolveControllerRef(namespace_name, *ref);
    if (job == nullptr) return;
    std::string key = client::ObjectKey(*job);
    if (finalizer_removed) finalizer_expectations_.FinalizerRemovalObserved(key, uid);
    EnqueueJob(key, options_.sync_batch_period);
    return;
  }
  if (HasTrackingFinalizer(pod)) EnqueueOrphanPod(pod);
  if (Member(old_metadata, "labels") != Member(metadata, "labels") || ref_changed) {
    for (const client::ObjectPtr& job : JobsSelectingPod(pod)) {
      EnqueueJob(client::ObjectKey(*job), options_.sync_batch_period);
    }
  }
}

void JobController::OnPodDelete(const json& pod, bool final_state) {
  const json& metadata = Member(pod, "metadata");
  bool has_finalizer = HasTrackingFinalizer(pod);
  const json* ref = ControllerRefOf(pod);
  if (ref == nullptr) {
    // Maybe the garbage collector removed the reference of a Job's pod.
    if (has_finalizer) EnqueueOrphanPod(pod);
    return;
  }
  client::ObjectPtr job = ResolveControllerRef(StringMember(metadata, "namespace"), *ref);
  if (job == nullptr || IsJobFinished(*job)) {
    // SyncJob will not remove this finalizer.
    if (has_finalizer) EnqueueOrphanPod(pod);
    return;
  }
  std::string key = client::ObjectKey(*job);
  expectations_.DeletionObserved(key);
  if (final_state || !has_finalizer) {
    finalizer_expectations_.FinalizerRemovalObserved(key, StringMember(metadata, "uid"));
  }
  EnqueueJob(key, options_.sync_batch_period);
}

// ---- orphan pods ----

absl::Status JobController::SyncOrphanPod(const std::string& key) {
  client::ObjectPtr pod = pods_.GetByKey(key);
  if (pod == nullptr) return absl::OkStatus();
  const json& metadata = Member(*pod, "metadata");
  if (const json* ref = ControllerRefOf(*pod)) {
    if (StringMember(*ref, "kind") != "Job" || StringMember(*ref, "apiVersion") != "batch/v1") {
      return absl::OkStatus();  // controlled by something else: not our finalizer to remove
    }
    client::ObjectPtr job = ResolveControllerRef(StringMember(metadata, "namespace"), *ref);
    if (job != nullptr && ManagedByOtherController(*job)) return absl::OkStatus();
    if (job != nullptr && !IsJobFinished(*job)) return absl::OkStatus();  // adopted
  }
  absl::Status status = pod_control_.RemoveTrackingFinalizer(*pod);
  if (api::IsNotFound(status)) return absl::OkStatus();
  return status;
}

}  // namespace k1s::controllers::job
