#pragma once
// Field-level validation errors and the object-metadata checks every kind shares, with the exact
// wording of upstream Kubernetes (k8s.io/apimachinery field.Error, util/validation,
// api/validation/objectmeta.go) so clients and conformance tests see the messages they expect.
//
// Everything here is a pure function of its arguments; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/go_text.h"

namespace k1s::api {

// One problem with one field of a request body: a metav1.StatusCause once rendered.
struct FieldError {
  enum class Type {
    kRequired,
    kInvalid,
    kDuplicate,
    kNotSupported,
    kForbidden,
    kTooLong,
    kTooMany,
    kNotFound,
    kInternal
  };
  Type type = Type::kInvalid;
  std::string field;       // "metadata.name", "spec.ports[0].port", "metadata.labels"
  std::string value_json;  // the bad value as upstream prints it (`"Foo"`, `5`, `["a"]`); may be ""
  std::string detail;

  // metav1.CauseType: "FieldValueInvalid", "FieldValueRequired", ...
  std::string Reason() const;
  // field.Error.ErrorBody(): `Invalid value: "Foo": a lowercase RFC 1123 ...`, `Required value`.
  std::string Message() const;
  // field + ": " + Message(), what upstream aggregates into Status.message.
  std::string ToString() const;
};
using FieldErrors = std::vector<FieldError>;

FieldError Required(std::string field, std::string detail = "");
FieldError Invalid(std::string field, const nlohmann::json& value, std::string detail);
FieldError Forbidden(std::string field, std::string detail);
FieldError NotSupported(std::string field, const nlohmann::json& value,
                        const std::vector<std::string>& valid);
// `Too long: may not be more than <max> bytes` (the value itself is never printed).
FieldError TooLong(std::string field, const nlohmann::json& value, int64_t max_length);
// `Too many: <actual>: must have at most <max> items`.
FieldError TooMany(std::string field, int64_t actual, int64_t max_items);
FieldError Duplicate(std::string field, const nlohmann::json& value);
FieldError NotFound(std::string field, const nlohmann::json& value);
FieldError InternalError(std::string field, std::string detail);

// Renders a value the way upstream's field.Error does: strings Go-quoted (%q), numbers and
// booleans plainly, everything else as JSON (with Go's HTML-safe escaping of <, > and &).
std::string RenderBadValue(const nlohmann::json& value);
// Go's strconv.Quote, used for names in messages (`ConfigMap "foo" is invalid`).
using base::GoQuote;

// k8s.io/apimachinery/pkg/util/validation checks. Each returns the upstream messages, empty when
// the value is valid.
std::vector<std::string> IsDns1123Subdomain(std::string_view value);
std::vector<std::string> IsDns1123Label(std::string_view value);
std::vector<std::string> IsQualifiedName(std::string_view value);  // label and annotation keys
std::vector<std::string> IsValidLabelValue(std::string_view value);
// RFC 1035 label: like a DNS-1123 label but starting with a letter (service names).
std::vector<std::string> IsDns1035Label(std::string_view value);

// How a kind's metadata.name is checked (upstream ValidateNameFunc).
enum class NameRule {
  kDnsSubdomain,  // most kinds
  kDnsLabel,      // namespaces, services...
  kPathSegment,   // RBAC and others: not "." or "..", no "/" or "%"
  kDns1035Label,  // services: a label that starts with a letter
};
// Messages for a name under `rule`; `prefix` is true for generateName, which upstream checks
// as if its trailing '-' were a letter.
std::vector<std::string> ValidateName(std::string_view name, NameRule rule, bool prefix);

// Metadata checks on create (upstream ValidateObjectMeta with field path "metadata"): name or
// generateName, namespace presence per scope, generation, labels, annotations (keys and 256 KiB
// total), ownerReferences and finalizers. `metadata` that is not an object counts as empty.
FieldErrors ValidateObjectMeta(const nlohmann::json& metadata, bool namespaced, NameRule rule);

// Metadata checks on update: ValidateObjectMeta on the new metadata plus upstream's update rules:
// name, namespace, uid, creationTimestamp, deletionTimestamp and deletionGracePeriodSeconds are
// immutable ("field is immutable"), generation may not decrease and no finalizer may be added
// once the old object is being deleted. resourceVersion is deliberately not required here: the
// caller fills it in for unconditional updates before validating.
FieldErrors ValidateObjectMetaUpdate(const nlohmann::json& new_metadata,
                                     const nlohmann::json& old_metadata, bool namespaced,
                                     NameRule rule);

// apierrors.NewInvalid's message. `qualified_kind` is schema.GroupKind.String(): "ConfigMap" for
// the core group, "Deployment.apps" otherwise. One error: `ConfigMap "foo" is invalid:
// metadata.name: Invalid value: ...`; several: `... is invalid: [a, b]` (duplicates dropped);
// none: `ConfigMap "foo" is invalid`.
std::string InvalidMessage(std::string_view qualified_kind, std::string_view name,
                           const FieldErrors& errors);

}  // namespace k1s::api
