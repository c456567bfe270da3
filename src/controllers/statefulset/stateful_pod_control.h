#pragma once
// Writes to a StatefulSet's pods and claims, with the events upstream's StatefulPodControl
// records on the set ("create Pod web-0 in StatefulSet web successful", "create Claim
// www-web-0 Pod web-0 in StatefulSet web success", ...). Claims are created before their pod;
// claim ownerReferences follow the retention policy.
//
// Reads claims from the shared PVC informer and writes through the controller's client.
// Thread-safe (stateless apart from its collaborators, which it does not own).
#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"

namespace k1s::controllers::statefulset {

class StatefulPodControl {
 public:
  StatefulPodControl(client::Client& client, client::Informer& claims,
                     client::EventRecorder& recorder)
      : client_(client), claims_(claims), recorder_(recorder) {}

  // Creates the pod's missing claims, then the pod, then aligns claim ownership.
  absl::Status CreateStatefulPod(const nlohmann::json& set, const nlohmann::json& pod);
  // Restores identity (name, labels), storage (volumes, claims) and claim ownership, updating
  // the pod when anything changed (conflicts retried against a fresh read).
  absl::Status UpdateStatefulPod(const nlohmann::json& set, nlohmann::json pod);
  absl::Status DeleteStatefulPod(const nlohmann::json& set, const nlohmann::json& pod);
  // The existing claims of the pod carry the ownerReferences the retention policy wants.
  absl::StatusOr<bool> ClaimsMatchRetentionPolicy(const nlohmann::json& set,
                                                  const nlohmann::json& pod);
  absl::Status UpdatePodClaimForRetentionPolicy(const nlohmann::json& set,
                                                const nlohmann::json& pod);
  // Under whenScaled=Delete, a claim still owned by an earlier pod of the same name blocks the
  // pod's creation until the garbage collector removes it.
  bool PodClaimIsStale(const nlohmann::json& set, const nlohmann::json& pod);
  // Creates claims a pending pod is missing and aligns their ownership.
  absl::Status CreateMissingPersistentVolumeClaims(const nlohmann::json& set,
                                                   const nlohmann::json& pod);

 private:
  absl::Status CreatePersistentVolumeClaims(const nlohmann::json& set, const nlohmann::json& pod);
  void RecordPodEvent(std::string_view verb, const nlohmann::json& set, const nlohmann::json& pod,
                      const absl::Status& status);
  void RecordClaimEvent(std::string_view verb, const nlohmann::json& set, const nlohmann::json& pod,
                        const nlohmann::json& claim, const absl::Status& status);

  client::Client& client_;
  client::Informer& claims_;
  client::EventRecorder& recorder_;
};

}  // namespace k1s::controllers::statefulset
