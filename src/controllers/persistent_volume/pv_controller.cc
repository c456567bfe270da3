#include "controllers/persistent_volume/pv_controller.h"

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "client/resource.h"
#include "controllers/persistent_volume/pv_internal.h"
#include "controllers/persistent_volume/volume_util.h"

namespace k1s::controllers {

using nlohmann::json;
using pv::StringAt;

namespace {

// Claims used by a pod: "ns/claim" for each persistentVolumeClaim and generic ephemeral volume.
std::vector<std::string> PodClaimKeys(const json& pod) {
  std::vector<std::string> keys;
  std::string namespace_name = StringAt(pod, "metadata", "namespace");
  std::string pod_name = StringAt(pod, "metadata", "name");
  auto spec = pod.find("spec");
  if (spec == pod.end() || !spec->is_object()) return keys;
  auto volumes = spec->find("volumes");
  if (volumes == spec->end() || !volumes->is_array()) return keys;
  for (const json& volume : *volumes) {
    if (!volume.is_object()) continue;
    std::string claim = StringAt(volume, "persistentVolumeClaim", "claimName");
    if (!claim.empty()) {
      keys.push_back(base::StrCat(namespace_name, "/", claim));
    } else if (volume.contains("ephemeral") && volume["ephemeral"].is_object() &&
               volume.contains("name")) {
      std::string volume_name = volume["name"].is_string() ? volume["name"].get<std::string>() : "";
      keys.push_back(base::StrCat(namespace_name, "/", pod_name, "-", volume_name));
    }
  }
  return keys;
}

}  // namespace

namespace pv {

// Where informer handlers put keys: a queue until Detach.
class QueueSink {
 public:
  explicit QueueSink(client::WorkQueue& queue) : queue_(&queue) {}
  void Add(const client::ObjectPtr& object) {
    if (object == nullptr) return;
    absl::MutexLock lock(&mu_);
    if (queue_ != nullptr) queue_->Add(client::ObjectKey(*object));
  }
  void Detach() {
    absl::MutexLock lock(&mu_);
    queue_ = nullptr;
  }

 private:
  absl::Mutex mu_;
  client::WorkQueue* queue_ ABSL_GUARDED_BY(mu_);
};

namespace {

client::EventHandler Enqueuer(const std::shared_ptr<QueueSink>& sink) {
  client::EventHandler handler;
  handler.on_add = [sink](const client::ObjectPtr& object) { sink->Add(object); };
  handler.on_update = [sink](const client::ObjectPtr&, const client::ObjectPtr& object) {
    sink->Add(object);
  };
  handler.on_delete = [sink](const client::ObjectPtr& object) { sink->Add(object); };
  return handler;
}

}  // namespace

std::shared_ptr<spdlog::logger> Logger() {
  static auto log = base::Logger("persistentvolume-binder");
  return log;
}

json EventObject(const json& object, std::string_view kind) {
  return {{"apiVersion", "v1"},
          {"kind", kind},
          {"metadata",
           {{"name", StringAt(object, "metadata", "name")},
            {"namespace", StringAt(object, "metadata", "namespace")},
            {"uid", StringAt(object, "metadata", "uid")},
            {"resourceVersion", StringAt(object, "metadata", "resourceVersion")}}}};
}

}  // namespace pv

PersistentVolumeBinder::PersistentVolumeBinder(ControllerContext& ctx,
                                               PersistentVolumeBinderOptions options)
    : ctx_(ctx),
      options_(options),
      client_(ctx.ClientFor("persistent-volume-binder")),
      recorder_(ctx.events.NewRecorder("persistentvolume-controller")),
      volumes_informer_(ctx.informers.For(client::resources::PersistentVolumes())),
      claims_informer_(ctx.informers.For(client::resources::PersistentVolumeClaims())),
      classes_informer_(ctx.informers.For(client::resources::StorageClasses())),
      pods_informer_(ctx.informers.For(client::resources::Pods())),
      nodes_informer_(ctx.informers.For(client::resources::Nodes())),
      claim_sink_(std::make_shared<pv::QueueSink>(claim_queue_)),
      volume_sink_(std::make_shared<pv::QueueSink>(volume_queue_)) {
  volumes_.AddIndex(pv::kClassIndex, [](const json& volume) {
    return std::vector<std::string>{pv::VolumeClass(volume)};
  });
  volumes_.AddIndex(pv::kClaimIndex, [](const json& volume) {
    std::vector<std::string> keys;
    if (pv::HasClaimRef(volume)) keys.push_back(pv::ClaimRefKey(volume));
    return keys;
  });
  pods_informer_.AddIndex(pv::kPodClaimIndex, PodClaimKeys);
  volumes_informer_.AddHandler(pv::Enqueuer(volume_sink_));
  claims_informer_.AddHandler(pv::Enqueuer(claim_sink_));
}

PersistentVolumeBinder::~PersistentVolumeBinder() { Stop(); }

absl::Status PersistentVolumeBinder::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("persistentvolume binder already started");
    started_ = true;
  }
  // The caches start from what the informers hold.
  for (const client::ObjectPtr& volume : volumes_informer_.List()) volumes_.Store(volume);
  for (const client::ObjectPtr& claim : claims_informer_.List()) claims_.Store(claim);
  claim_workers_ = std::make_unique<client::QueueWorkers>(
      claim_queue_, [this](const std::string& key) { return SyncClaimKey(key); });
  volume_workers_ = std::make_unique<client::QueueWorkers>(
      volume_queue_, [this](const std::string& key) { return SyncVolumeKey(key); });
  // One worker each: syncs of one kind must not run concurrently.
  claim_workers_->Start(1);
  volume_workers_->Start(1);
  resync_thread_ = std::thread([this] { ResyncLoop(); });
  return absl::OkStatus();
}

void PersistentVolumeBinder::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  claim_sink_->Detach();
  volume_sink_->Detach();
  if (resync_thread_.joinable()) resync_thread_.join();
  if (claim_workers_) claim_workers_->Stop();
  if (volume_workers_) volume_workers_->Stop();
}

void PersistentVolumeBinder::ResyncLoop() {
  base::SetCurrentThreadName("pv-resync");
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(this, &PersistentVolumeBinder::StopRequested),
                           absl::FromChrono(options_.resync_period));
      if (stopping_) return;
    }
    Resync();
  }
}

void PersistentVolumeBinder::Resync() {
  for (const client::ObjectPtr& claim : claims_informer_.List()) {
    claim_queue_.Add(client::ObjectKey(*claim));
  }
  for (const client::ObjectPtr& volume : volumes_informer_.List()) {
    volume_queue_.Add(client::ObjectKey(*volume));
  }
}

absl::Status PersistentVolumeBinder::SyncClaimKey(const std::string& key) {
  if (client::ObjectPtr claim = claims_informer_.GetByKey(key)) {
    // An older version than one we wrote ourselves: wait for the informer to catch up.
    if (!claims_.Store(claim)) return absl::OkStatus();
    return SyncClaim(claim);
  }
  client::ObjectPtr cached = claims_.Get(key);
  if (cached == nullptr) return absl::OkStatus();
  claims_.Erase(key);
  // The claim is gone: its volume becomes Released.
  std::string volume_name = StringAt(*cached, "spec", "volumeName");
  if (!volume_name.empty()) volume_queue_.Add(volume_name);
  return absl::OkStatus();
}

absl::Status PersistentVolumeBinder::SyncVolumeKey(const std::string& name) {
  if (client::ObjectPtr volume = volumes_informer_.GetByKey(name)) {
    if (!volumes_.Store(volume)) return absl::OkStatus();
    return SyncVolume(volume);
  }
  client::ObjectPtr cached = volumes_.Get(name);
  if (cached == nullptr) return absl::OkStatus();
  volumes_.Erase(name);
  // The volume is gone: a claim bound to it becomes Lost.
  if (pv::HasClaimRef(*cached)) claim_queue_.Add(pv::ClaimRefKey(*cached));
  return absl::OkStatus();
}

}  // namespace k1s::controllers
