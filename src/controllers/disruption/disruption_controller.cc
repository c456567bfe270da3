#include "controllers/disruption/disruption_controller.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/label_selector.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/disruption/disruption_impl.h"
#include "controllers/disruption/pdb_util.h"

namespace k1s::controllers {

using client::ObjectPtr;
using disruption::Field;
using disruption::MetaString;
using disruption::StringField;
using nlohmann::json;

namespace {

auto& Log() {
  static auto log = base::Logger("disruption-controller");
  return log;
}

std::chrono::milliseconds CeilMillis(int64_t nanos) {
  return std::chrono::milliseconds((nanos + base::kNanosPerMilli - 1) / base::kNanosPerMilli);
}

// Runs a sync, turning a JSON type surprise in a stored object into an error.
client::QueueWorkers::Sync Guarded(std::function<absl::Status(const std::string&)> sync) {
  return [sync = std::move(sync)](const std::string& key) {
    try {
      return sync(key);
    } catch (const json::exception& error) {
      return absl::InternalError(base::StrCat("sync ", key, ": ", error.what()));
    }
  };
}

}  // namespace

DisruptionController::DisruptionController(ControllerContext& ctx, DisruptionOptions options)
    : impl_(std::make_shared<Impl>(ctx, options)) {
  impl_->RegisterHandlers();
}

DisruptionController::~DisruptionController() { Stop(); }

absl::Status DisruptionController::Start() { return impl_->Start(); }

void DisruptionController::Stop() { impl_->Stop(); }

DisruptionController::Impl::Impl(ControllerContext& ctx, DisruptionOptions options)
    : clock_(ctx.clock),
      options_(options),
      client_(ctx.ClientFor("disruption-controller")),
      pods_(ctx.informers.For(client::resources::Pods())),
      pdbs_(ctx.informers.For(client::resources::PodDisruptionBudgets())),
      recorder_(ctx.events.NewRecorder("controllermanager")),
      finder_(client_, ctx.informers.For(client::resources::ReplicationControllers()),
              ctx.informers.For(client::resources::ReplicaSets()),
              ctx.informers.For(client::resources::Deployments()),
              ctx.informers.For(client::resources::StatefulSets())),
      queue_("disruption"),
      stale_queue_("stale_pod_disruption") {}

void DisruptionController::Impl::RegisterHandlers() {
  std::weak_ptr<Impl> weak = weak_from_this();
  auto enqueue_pdb = [weak](const ObjectPtr& pdb) {
    if (auto self = weak.lock()) self->queue_.Add(client::ObjectKey(*pdb));
  };
  client::EventHandler pdb_handler;
  pdb_handler.on_add = enqueue_pdb;
  pdb_handler.on_update = [enqueue_pdb](const ObjectPtr&, const ObjectPtr& pdb) {
    enqueue_pdb(pdb);
  };
  pdb_handler.on_delete = enqueue_pdb;
  pdbs_.AddHandler(std::move(pdb_handler));

  client::EventHandler pod_handler;
  pod_handler.on_add = [weak](const ObjectPtr& pod) {
    if (auto self = weak.lock()) self->OnPod(nullptr, *pod);
  };
  pod_handler.on_update = [weak](const ObjectPtr& old_pod, const ObjectPtr& pod) {
    if (auto self = weak.lock()) self->OnPod(old_pod.get(), *pod);
  };
  pod_handler.on_delete = [weak](const ObjectPtr& pod) {
    if (auto self = weak.lock()) self->EnqueuePdbsOf(*pod);
  };
  pods_.AddHandler(std::move(pod_handler));
}

absl::Status DisruptionController::Impl::Start() {
  if (workers_ != nullptr) return absl::FailedPreconditionError("disruption already started");
  Log()->info("Starting controller disruption");
  // Upstream runs one worker per queue.
  workers_ = std::make_unique<client::QueueWorkers>(
      queue_, Guarded([this](const std::string& key) { return Sync(key); }));
  stale_workers_ = std::make_unique<client::QueueWorkers>(
      stale_queue_,
      Guarded([this](const std::string& key) { return SyncStalePodDisruption(key); }));
  workers_->Start(1);
  stale_workers_->Start(1);
  return absl::OkStatus();
}

void DisruptionController::Impl::Stop() {
  queue_.ShutDown();
  stale_queue_.ShutDown();
  if (workers_ != nullptr) workers_->Stop();
  if (stale_workers_ != nullptr) stale_workers_->Stop();
}

// ---- Handlers ----------------------------------------------------------------------------------

void DisruptionController::Impl::OnPod(const json* old_pod, const json& pod) {
  try {
    EnqueuePdbsOf(pod);
    // A pod whose labels changed may have left a PDB that must now count it out.
    if (old_pod != nullptr &&
        Field(Field(*old_pod, "metadata"), "labels") != Field(Field(pod, "metadata"), "labels")) {
      for (const ObjectPtr& pdb : PdbsForPod(*old_pod)) queue_.Add(client::ObjectKey(*pdb));
    }
    EnqueueStaleDisruptionCleanup(pod);
  } catch (const json::exception& error) {
    Log()->warn("pod {}/{}: {}", MetaString(pod, "namespace"), MetaString(pod, "name"),
                error.what());
  }
}

void DisruptionController::Impl::EnqueuePdbsOf(const json& pod) {
  std::vector<ObjectPtr> pdbs = PdbsForPod(pod);
  if (pdbs.empty()) return;
  if (pdbs.size() > 1) {
    const std::string message =
        base::StrCat("Pod ", disruption::GoQuote(MetaString(pod, "namespace")), "/",
                     disruption::GoQuote(MetaString(pod, "name")),
                     " matches multiple PodDisruptionBudgets.  Chose ",
                     disruption::GoQuote(MetaString(*pdbs.front(), "name")), " arbitrarily.");
    Log()->info("{}", message);
    Event(pod, "v1", "Pod", client::kEventWarning, "MultiplePodDisruptionBudgets", message);
  }
  // Every matching PDB is synced (upstream syncs the one it chose; the others would wait for
  // their next event).
  for (const ObjectPtr& pdb : pdbs) queue_.Add(client::ObjectKey(*pdb));
}

std::vector<ObjectPtr> DisruptionController::Impl::PdbsForPod(const json& pod) const {
  std::vector<ObjectPtr> matching;
  const json& labels = Field(Field(pod, "metadata"), "labels");
  for (ObjectPtr& pdb : pdbs_.List(MetaString(pod, "namespace"))) {
    const json& selector = Field(Field(*pdb, "spec"), "selector");
    if (!selector.is_object()) continue;  // a nil selector selects nothing
    absl::StatusOr<api::LabelSelector> parsed = api::LabelSelector::FromJson(selector);
    if (!parsed.ok() || !parsed->Matches(labels)) continue;
    matching.push_back(std::move(pdb));
  }
  std::sort(matching.begin(), matching.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
    return MetaString(*a, "name") < MetaString(*b, "name");
  });
  return matching;
}

void DisruptionController::Impl::EnqueueStaleDisruptionCleanup(const json& pod) {
  std::optional<int64_t> wait = disruption::StaleDisruptionWait(
      pod, clock_.NowUnixNanos(),
      std::chrono::nanoseconds(options_.stale_pod_disruption_timeout).count());
  if (!wait) return;
  stale_queue_.AddAfter(client::ObjectKey(pod), CeilMillis(*wait));
  Log()->debug("Enqueued pod {}/{} to cleanup stale DisruptionTarget condition",
               MetaString(pod, "namespace"), MetaString(pod, "name"));
}

// ---- Stale DisruptionTarget conditions ---------------------------------------------------------

absl::Status DisruptionController::Impl::SyncStalePodDisruption(const std::string& key) {
  auto [namespace_name, name] = client::SplitObjectKey(key);
  ObjectPtr pod = pods_.Get(namespace_name, name);
  if (pod == nullptr) return absl::OkStatus();  // deleted meanwhile
  const int64_t now = clock_.NowUnixNanos();
  std::optional<int64_t> wait = disruption::StaleDisruptionWait(
      *pod, now, std::chrono::nanoseconds(options_.stale_pod_disruption_timeout).count());
  if (!wait) return absl::OkStatus();
  if (*wait > 0) {
    stale_queue_.AddAfter(key, CeilMillis(*wait));
    return absl::OkStatus();
  }
  // podutil.UpdatePodCondition with {DisruptionTarget, False}: the status changes, so the
  // condition is replaced (reason and message cleared) with a new lastTransitionTime.
  json updated = *pod;
  json& conditions = updated["status"]["conditions"];
  for (json& condition : conditions) {
    if (StringField(condition, "type") != "DisruptionTarget") continue;
    condition = {{"type", "DisruptionTarget"},
                 {"status", "False"},
                 {"lastTransitionTime", api::FormatTimestamp(now / base::kNanosPerSecond)}};
  }
  absl::StatusOr<json> written = client_.UpdateStatus(client::resources::Pods(), updated);
  if (api::IsNotFound(written.status())) return absl::OkStatus();
  if (!written.ok()) return written.status();
  Log()->info("Reset stale DisruptionTarget condition to False for pod {}", key);
  return absl::OkStatus();
}

void DisruptionController::Impl::Event(const json& object, std::string_view api_version,
                                       std::string_view kind, std::string_view type,
                                       std::string_view reason, std::string_view message) {
  json target = {{"apiVersion", api_version},
                 {"kind", kind},
                 {"metadata",
                  {{"name", MetaString(object, "name")},
                   {"namespace", MetaString(object, "namespace")},
                   {"uid", MetaString(object, "uid")},
                   {"resourceVersion", MetaString(object, "resourceVersion")}}}};
  recorder_->Event(target, type, reason, message);
}

}  // namespace k1s::controllers
