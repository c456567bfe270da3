#pragma once
// Server-side apply (PATCH with Content-Type application/apply-patch+yaml, operation Apply), as
// kube-apiserver's field manager and structured-merge-diff do it.
//
// Who calls what: the registry's patch path, for an apply patch, parses the body (YAML or JSON)
// into `applied`, reads the live object (nullptr when absent: apply creates it) and calls Apply.
// The result is the object to default, admit, validate and store, with metadata.managedFields
// already set; the registry then does what it does for any patch (uid/namespace checks,
// resourceVersion, creationTimestamp...). Other writes use UpdateManagedFields
// (api/managed_fields.h). Stateless and thread-safe.
#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "api/managed_fields.h"
#include "api/schema.h"

namespace k1s::api {

struct ApplyRequest : FieldManagerRequest {
  // The kind the endpoint serves; the applied object must say the same apiVersion and kind.
  std::string kind;
  // The name in the URL; when set, the merged object's name must equal it.
  std::string name;
  // ?force=true: take the conflicting fields from their managers instead of failing.
  bool force = false;
};

// Applies `applied` to `live` for `request.manager`:
//   - the applied object must be of request.api_version and request.kind (400 "invalid object
//     type: apps/v1, Kind=Deployment") and carry no metadata.managedFields (400
//     "metadata.managedFields must be nil"), and must be valid for the schema (500 "failed to
//     create typed patch object (ns/name; apps/v1, Kind=Deployment): .spec.x: field not declared
//     in schema");
//   - an object with no managedFields first gives its fields to "before-first-apply" (Update);
//   - merge: applied values win, associative lists merge by key, sets by value, granular maps by
//     key, atomic values are replaced; fields this manager applied last time and no longer applies
//     are removed unless another manager owns them;
//   - conflicts: fields owned by other managers that the apply changes fail with 409 "Apply failed
//     with 1 conflict: conflict with \"m\" using apps/v1: .spec.replicas" and one
//     FieldManagerConflict cause per field, unless `force` (then the others lose them). With the
//     manager "kubectl", conflicts the kubectl.kubernetes.io/last-applied-configuration annotation
//     explains are forced (the client-side to server-side upgrade), and that annotation is kept
//     up to date;
//   - the manager's (manager, Apply, subresource) entry becomes exactly the applied fields, with
//     time now when the object changed; fields removed or changed leave the other entries.
// Returns the merged object (the live one when nothing changed) with managedFields set and
// explicit nulls dropped; the caller defaults it. `live` may carry managedFields; nullptr means
// the object does not exist.
absl::StatusOr<nlohmann::json> Apply(const schema::Definition& definition,
                                     const nlohmann::json* live, const nlohmann::json& applied,
                                     const ApplyRequest& request);

}  // namespace k1s::api
