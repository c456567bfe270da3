#pragma once
// What a CustomResourceDefinition (apiextensions.k8s.io/v1) means for serving: the resource
// types of its served versions, and the status the server reports back on it (accepted names,
// the NamesAccepted and Established conditions, stored versions). Pure functions over the CRD's
// JSON; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "api/resource_types.h"
#include "api/validation.h"

namespace k1s::api {

// The finalizer that keeps a deleted CRD until every object of it is gone (upstream's name).
inline constexpr char kCustomResourceCleanupFinalizer[] = "customresourcecleanup.apiextensions.k8s.io";

// One ResourceType per served version, all stored under "/registry/<group>/<plural>/". A
// malformed CRD (validation refuses those) yields no types.
std::vector<ResourceType> CustomResourceTypes(const nlohmann::json& crd);

// The name of the version objects are stored in ("" when none is marked storage).
std::string StorageVersion(const nlohmann::json& crd);

// `crd` with the status a serving apiserver reports: acceptedNames (spec.names with defaults),
// conditions NamesAccepted and Established (True; transition times kept when unchanged, new ones
// stamped `now_seconds`), storedVersions including the storage version. A CRD being deleted gets
// Terminating=True instead of being established anew.
nlohmann::json WithServingStatus(const nlohmann::json& crd, int64_t now_seconds);

// The checks upstream makes of a CRD's names, group, scope and versions (schemas are checked by
// the structural schema compiler separately), with upstream's paths and messages.
FieldErrors ValidateCustomResourceDefinition(const nlohmann::json& crd);
// The same plus the update rules: spec.group, spec.names.plural and spec.scope are immutable
// once established... as upstream allows (scope and group never change).
FieldErrors ValidateCustomResourceDefinitionUpdate(const nlohmann::json& crd,
                                                   const nlohmann::json& old);

}  // namespace k1s::api
