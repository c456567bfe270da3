#pragma once
// Unknown and duplicate field detection for the fieldValidation query parameter, worded as
// kube-apiserver words it.
//
// Upstream decodes request bodies with sigs.k8s.io/json's strict mode and reports every problem
// as `unknown field "<path>"` or `duplicate field "<path>"`, where the path joins member names
// with "." and list positions as "[i]" ("spec.template.spec.containers[0].bar"). With
// fieldValidation=Strict the request fails with 400 "strict decoding error: <findings joined by
// ", ">"; with Warn (the default) each finding becomes a `Warning: 299 - "<finding>"` header;
// Ignore drops them. Findings are capped at 100 and deduplicated, as upstream does.
//
// The checks follow the schema catalog: struct members must be properties of their definition
// (apiVersion and kind are always known at the top), map values are checked when they are
// structs, and opaque values (kAny: RawExtension, apiextensions JSON, FieldsV1) are not looked
// into. Without a definition (custom resources) only duplicates are reported.
// Stateless and thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "api/schema.h"

namespace k1s::api {

enum class FieldValidation { kIgnore, kWarn, kStrict };

// Parses the fieldValidation query value: "Ignore", "Warn", "Strict"; empty means Warn (the
// upstream default). nullopt for anything else (upstream answers 400 for it).
std::optional<FieldValidation> ParseFieldValidation(std::string_view value);

// Parses a raw JSON body and appends its findings to `findings` in document order, e.g.
// `unknown field "spec.foo"`, `duplicate field "metadata.name"`. With `definition`, reports
// unknown and duplicate fields against it; without, duplicates anywhere (unstructured objects).
// Repeated members keep their last value. Malformed JSON yields InvalidArgument with the
// parser's message.
absl::StatusOr<nlohmann::json> ParseJsonStrict(std::string_view body,
                                               const schema::Definition* definition,
                                               std::vector<std::string>* findings);

// Unknown fields of an already decoded object (YAML and protobuf bodies, patch results), in
// member-name order since the document order is gone.
std::vector<std::string> FindUnknownFields(const schema::Definition& definition,
                                           const nlohmann::json& object);

// Removes the fields FindUnknownFields reports, as upstream's typed decoding does: stored
// objects of built-in kinds hold only fields their type declares.
void PruneUnknownFields(const schema::Definition& definition, nlohmann::json& object);

// go-yaml's strict-mode complaint about repeated map keys in the first document of a YAML body,
// which kube-apiserver lists first among a YAML request's strict decoding errors:
// "yaml: unmarshal errors:\n  line 5: key \"x\" already set in map" (the line is the repeated
// key's value's). Keys compare as go-yaml resolves them ("1" and "0x1" are the same int key).
// nullopt when no key repeats or the YAML does not parse (the conversion reports that).
std::optional<std::string> FindYamlDuplicateKeys(std::string_view yaml);

// The 400 message for Strict: "strict decoding error: unknown field \"a\", duplicate field ...".
std::string StrictDecodingMessage(const std::vector<std::string>& findings);

// The value of one Warning header for a finding: `299 - "unknown field \"spec.foo\""`.
std::string WarningHeaderValue(std::string_view text);

}  // namespace k1s::api
