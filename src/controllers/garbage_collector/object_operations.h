#pragma once
// The garbage collector's writes and live reads, addressed by ObjectReference (resolved through
// the RestMapper): GET an object, DELETE it with a uid (and resourceVersion) precondition and a
// propagation policy, drop or unblock ownerReferences, remove a finalizer. Reference and
// finalizer edits are JSON merge patches pinned to the resourceVersion they were computed from,
// so they work for built-in and custom resources alike; a Conflict is retried a few times here
// and then returned to the caller's queue.
//
// Thread-safe (the Client and RestMapper are).
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client.h"
#include "controllers/garbage_collector/object_reference.h"
#include "controllers/garbage_collector/resource_discovery.h"

namespace k1s::controllers::gc {

class ObjectOperations {
 public:
  ObjectOperations(client::Client& client, const RestMapper& mapper)
      : client_(client), mapper_(mapper) {}

  // The live object at `ref`'s name (its uid may differ from ref.uid).
  absl::StatusOr<nlohmann::json> Get(const ObjectReference& ref);
  // Deletes `ref` if its uid still matches and, when `resource_version` is set, it is unchanged;
  // on a version Conflict with unchanged ownerReferences (`owners_at_version`) it retries
  // without the version precondition, as upstream does. NotFound is returned as is.
  absl::Status Delete(const ObjectReference& ref, const std::string& resource_version,
                      const std::vector<OwnerReference>& owners_at_version,
                      const std::string& propagation_policy);
  // Removes the ownerReferences to `owner_uids` from `ref` (a no-op when none is left).
  absl::Status RemoveOwnerReferences(const ObjectReference& ref,
                                     const std::set<std::string>& owner_uids);
  // Sets blockOwnerDeletion=false on every blocking ownerReference of `ref`.
  absl::Status UnblockOwnerReferences(const ObjectReference& ref);
  // Removes `finalizer` from `ref` (NotFound and an absent finalizer are success).
  absl::Status RemoveFinalizer(const ObjectReference& ref, const std::string& finalizer);

 private:
  // GETs `ref` (another uid there reads as NotFound), asks `fields` for the metadata fields to
  // set (nullopt: nothing to do) and merge-patches them pinned to the version read; retries
  // Conflicts a few times.
  absl::Status PatchMetadata(
      const ObjectReference& ref,
      const std::function<std::optional<nlohmann::json>(const nlohmann::json& object)>& fields);
  absl::StatusOr<client::Resource> ResourceOf(const ObjectReference& ref) const;
  static std::string NamespaceFor(const client::Resource& resource, const ObjectReference& ref);

  client::Client& client_;
  const RestMapper& mapper_;
};

}  // namespace k1s::controllers::gc
