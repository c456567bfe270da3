#pragma once
// The PersistentVolume binder (upstream's "persistentvolume-binder" controller) binds Pending
// claims to pre-provisioned volumes and keeps both sides of each binding consistent:
//   - a claim without spec.volumeName gets the best Available volume (same class, capacity
//     >= request, access modes offered, volume mode, selector; the smallest fits first):
//     pv.spec.claimRef, both phases Bound, the pv.kubernetes.io/bind-completed and
//     pv.kubernetes.io/bound-by-controller annotations;
//   - a claim of a WaitForFirstConsumer class waits (event WaitForFirstConsumer) until the
//     scheduler reserves a volume for it (claimRef) or asks for provisioning on the node it picked
//     (volume.kubernetes.io/selected-node; see Options::bind_on_selected_node);
//   - provisioning is a provisioner's job: a claim of a class with a provisioner gets the
//     volume.kubernetes.io/storage-provisioner annotations and an ExternalProvisioning event;
//     a claim without class and without volume gets FailedBinding;
//   - a claim without class gets the default StorageClass (retroactive assignment);
//   - a volume whose claim is gone becomes Released; Retain keeps it, Delete leaves it to its
//     provisioner (a static volume without one is marked Failed); a bound claim whose volume
//     is gone becomes Lost.
//
// One worker per queue (claims, volumes), as upstream: two claim syncs at once could bind two
// claims to one volume. Every resync_period every claim and volume is checked again.
// Writes as system:serviceaccount:kube-system:persistent-volume-binder (update, no patch);
// events from "persistentvolume-controller". Thread-safe; Start and Stop once each.
#include <chrono>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/persistent_volume/versioned_cache.h"

namespace k1s::controllers {

namespace pv {
class QueueSink;
}  // namespace pv

struct PersistentVolumeBinderOptions {
  // Every claim and volume is synced again this often (upstream's
  // --pvclaimbinder-sync-period).
  std::chrono::milliseconds resync_period{std::chrono::seconds(15)};
  // A WaitForFirstConsumer claim with a selected node is bound here to an Available volume
  // whose node affinity admits that node. Off, as upstream: the scheduler's VolumeBinding
  // reserves the volume (claimRef) itself, and sets the selected node only to ask for
  // provisioning, which a static volume appearing later must not preempt.
  bool bind_on_selected_node = false;
};

class PersistentVolumeBinder : public Controller {
 public:
  explicit PersistentVolumeBinder(ControllerContext& ctx,
                                  PersistentVolumeBinderOptions options = {});
  ~PersistentVolumeBinder() override;

  std::string_view Name() const override { return "persistentvolume-binder"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  bool StopRequested() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; }
  void ResyncLoop();
  void Resync();

  // Queue syncs: the key's informer object, or the cached one when it was deleted.
  absl::Status SyncClaimKey(const std::string& key);
  absl::Status SyncVolumeKey(const std::string& name);

  // Claims (pv_sync_claim.cc).
  absl::Status SyncClaim(const client::ObjectPtr& claim);
  absl::Status SyncUnboundClaim(const client::ObjectPtr& claim);
  absl::Status SyncBoundClaim(const client::ObjectPtr& claim);
  absl::StatusOr<bool> IsDelayBindingMode(const nlohmann::json& claim) const;
  absl::StatusOr<client::ObjectPtr> FindBestMatch(const nlohmann::json& claim,
                                                  bool delay_binding) const;
  // True when the claim was updated with the default class (it is synced again then).
  absl::StatusOr<bool> AssignDefaultStorageClass(const nlohmann::json& claim);
  absl::Status EmitWaitForFirstConsumer(const nlohmann::json& claim);
  absl::Status ProvisionClaim(const client::ObjectPtr& claim);

  // Volumes (pv_sync_volume.cc).
  absl::Status SyncVolume(const client::ObjectPtr& volume);
  absl::Status ReclaimVolume(const client::ObjectPtr& volume);
  // The claim a volume's claimRef names: the cached one, double-checked against the informer
  // and the apiserver when missing or of another uid. Null when there is none.
  absl::StatusOr<client::ObjectPtr> ClaimOfVolume(const nlohmann::json& volume);

  // Writes (pv_binding.cc); each stores the written version in the cache.
  absl::Status Bind(client::ObjectPtr volume, client::ObjectPtr claim);
  absl::StatusOr<client::ObjectPtr> BindVolumeToClaim(const client::ObjectPtr& volume,
                                                      const nlohmann::json& claim);
  absl::StatusOr<client::ObjectPtr> BindClaimToVolume(const client::ObjectPtr& claim,
                                                      const nlohmann::json& volume);
  absl::Status UnbindVolume(const client::ObjectPtr& volume);
  absl::StatusOr<client::ObjectPtr> UpdateVolumePhase(const client::ObjectPtr& volume,
                                                      std::string_view phase,
                                                      std::string_view message);
  absl::StatusOr<client::ObjectPtr> UpdateVolumePhaseWithEvent(const client::ObjectPtr& volume,
                                                               std::string_view phase,
                                                               std::string_view type,
                                                               std::string_view reason,
                                                               std::string_view message);
  // `volume` null resets accessModes and capacity; otherwise they come from the volume.
  absl::StatusOr<client::ObjectPtr> UpdateClaimStatus(const client::ObjectPtr& claim,
                                                      std::string_view phase,
                                                      const nlohmann::json* volume);
  absl::StatusOr<client::ObjectPtr> UpdateClaimStatusWithEvent(const client::ObjectPtr& claim,
                                                               std::string_view phase,
                                                               std::string_view type,
                                                               std::string_view reason,
                                                               std::string_view message);
  absl::StatusOr<client::ObjectPtr> WriteVolume(const nlohmann::json& volume, bool status);
  absl::StatusOr<client::ObjectPtr> WriteClaim(const nlohmann::json& claim, bool status);

  ControllerContext& ctx_;
  const PersistentVolumeBinderOptions options_;
  client::Client client_;
  std::shared_ptr<client::EventRecorder> recorder_;
  client::Informer& volumes_informer_;
  client::Informer& claims_informer_;
  client::Informer& classes_informer_;
  client::Informer& pods_informer_;
  client::Informer& nodes_informer_;
  pv::VersionedCache volumes_;
  pv::VersionedCache claims_;
  client::WorkQueue claim_queue_{"claims"};
  client::WorkQueue volume_queue_{"volumes"};
  // What the shared informers' handlers enqueue into; detached on Stop, so handlers that
  // outlive the binder do nothing.
  std::shared_ptr<pv::QueueSink> claim_sink_;
  std::shared_ptr<pv::QueueSink> volume_sink_;
  std::unique_ptr<client::QueueWorkers> claim_workers_;
  std::unique_ptr<client::QueueWorkers> volume_workers_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread resync_thread_;
};

}  // namespace k1s::controllers
