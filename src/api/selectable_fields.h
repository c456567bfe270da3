#pragma once
// Which fields a field selector may name for each kind, and their values for one object,
// following upstream: the storage field sets (pkg/registry/*/strategy.go "ToSelectableFields" /
// GetAttrs) and the field label conversions the apiserver applies before listing
// (AddFieldLabelConversionFunc; kinds without one accept only metadata.name and
// metadata.namespace).
//
// Pure functions of their arguments; thread-safe.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "api/field_selector.h"

namespace k1s::api {

// The selectable fields of `object` (a full JSON object of kind `kind` in `group`, "" = core):
// metadata.name, metadata.namespace when namespaced, plus the kind's own fields, e.g. for Pods
// spec.nodeName, spec.restartPolicy, spec.schedulerName, spec.serviceAccountName,
// spec.hostNetwork ("true"/"false"), status.phase, status.podIP, status.nominatedNodeName.
// Pods also carry spec.host (= spec.nodeName), the legacy name upstream rewrites to spec.nodeName.
// events.k8s.io Events expose core Event's field names (involvedObject.*, source, ...), read from
// their events.k8s.io fields (regarding.*, deprecatedSource, ...), as upstream does.
std::map<std::string, std::string> SelectableFields(std::string_view group, std::string_view kind,
                                                    bool namespaced, const nlohmann::json& object);

// OK when the apiserver accepts every field `selector` names for (group, kind); otherwise
// InvalidArgument (a 400 Bad Request) with upstream's message for the first unsupported field
// in the selector's term order:
//   kinds with a conversion (Pod, Node, Event, Secret, Service, CSR...):
//     "field label not supported: <name>"
//   batch Job: "field label \"<name>\" not supported for batchv1.Job"
//   every other kind: "\"<name>\" is not a known field selector: only \"metadata.name\",
//     \"metadata.namespace\""
// `namespaced` is accepted for symmetry; upstream's answer depends only on the kind.
absl::Status CheckFieldSelectorSupported(std::string_view group, std::string_view kind,
                                         bool namespaced, const FieldSelector& selector);

}  // namespace k1s::api
