#pragma once
// Per-kind validation of built-in objects with upstream's field paths and messages
// (kube-apiserver v1.32 pkg/apis/<group>/validation). Objects are the external (v1) JSON after
// defaulting, so defaulted fields (restartPolicy, dnsPolicy, imagePullPolicy, protocol...) are
// expected to be present, as upstream's internal types are after conversion.
//
// Metadata is not checked here: the registry runs ValidateObjectMeta with NameRuleFor(kind).
// Embedded template metadata (labels, annotations) is checked where upstream does.
//
// Pure functions; thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "api/validation.h"

namespace k1s::api {

// Create-time validation. `group` is "" for the core group; kinds without rules return {}.
FieldErrors ValidateKind(std::string_view group, std::string_view kind,
                         const nlohmann::json& object);
// Update-time validation of `object` replacing `old`: the create rules plus immutability and
// the other update restrictions upstream enforces.
FieldErrors ValidateKindUpdate(std::string_view group, std::string_view kind,
                               const nlohmann::json& object, const nlohmann::json& old);
// The upstream name validation function of the kind (NameIsDNSSubdomain for most).
NameRule NameRuleFor(std::string_view group, std::string_view kind);

// Building blocks exposed for callers that validate embedded pod specs themselves.
// ValidatePodSpec: `path` is where the spec sits ("spec", "spec.template.spec"); `is_pod` is
// upstream's ResourceIsPod option (hostPort must equal containerPort under hostNetwork).
FieldErrors ValidatePodSpec(const nlohmann::json& spec, const std::string& path, bool is_pod);
// ValidatePodTemplateSpec: template labels/annotations, the spec, no ephemeral containers.
FieldErrors ValidatePodTemplateSpec(const nlohmann::json& template_spec, const std::string& path);

}  // namespace k1s::api
