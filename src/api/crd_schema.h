#pragma once
// The compiled form of a CustomResourceDefinition version's schema.openAPIV3Schema
// (apiextensions.k8s.io/v1 JSONSchemaProps) and what kube-apiserver does with it for custom
// objects: pruning of unknown fields, defaulting, and OpenAPI v3 validation with upstream's
// messages (apiextensions-apiserver pkg/apiserver/schema/* and kube-openapi's validate package,
// as converted to field errors by pkg/apiserver/validation).
//
// A CrdSchema is immutable once compiled; all methods are const and thread-safe, so one compiled
// schema per CRD version can be shared by every request.
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/validation.h"

namespace k1s::api {

class CrdSchema {
 public:
  struct Node;  // one schema node; defined in crd_schema.cc

  // Compiles `openapi_v3_schema`. Returns null and fills `errors` with what a CRD create or update
  // reports for a schema that is not structural or otherwise invalid, with paths under
  // `field_path` (e.g. "spec.versions[0].schema.openAPIV3Schema"). `errors` may be null.
  static std::shared_ptr<const CrdSchema> Compile(const nlohmann::json& openapi_v3_schema,
                                                  std::string_view field_path, FieldErrors* errors);

  // Removes fields the schema does not specify, as upstream does on decode: unknown fields are
  // dropped unless x-kubernetes-preserve-unknown-fields; at the root and in
  // x-kubernetes-embedded-resource objects apiVersion, kind and metadata are kept and metadata is
  // reduced to ObjectMeta's fields. Returns the pruned paths, sorted ("spec.foo",
  // "spec.items[0].bar", "metadata.junk"), for fieldValidation=Strict/Warn
  // (`unknown field "spec.foo"`).
  std::vector<std::string> Prune(nlohmann::json& object) const;

  // Applies `default` values (upstream structuraldefaulting.Default after
  // PruneNonNullableNullsWithoutDefaults): nulls under non-nullable schemas without a default are
  // dropped, missing fields and non-nullable nulls get their default, recursively into
  // properties, additionalProperties values and array items. Run on write and on read.
  void Default(nlohmann::json& object) const;

  // Validates a custom object (after pruning and defaulting) against the schema plus
  // x-kubernetes-list-type set/map uniqueness. Paths are rooted at the object ("spec.replicas").
  // x-kubernetes-validations (CEL) rules are not evaluated.
  FieldErrors Validate(const nlohmann::json& object) const;

  // Validation ratcheting (CRDValidationRatcheting, on since 1.30): errors on values that are
  // unchanged from `old_object` at the same path are dropped, so tightening a schema does not
  // block updates that leave the offending fields alone.
  FieldErrors ValidateUpdate(const nlohmann::json& object, const nlohmann::json& old_object) const;

  // True when some node of the schema carries x-kubernetes-validations, which this
  // implementation does not evaluate.
  bool HasCelRules() const { return has_cel_rules_; }

  ~CrdSchema();
  CrdSchema(const CrdSchema&) = delete;
  CrdSchema& operator=(const CrdSchema&) = delete;

 private:
  CrdSchema();
  std::unique_ptr<Node> root_;
  bool has_cel_rules_ = false;
};

}  // namespace k1s::api
