#pragma once
// Kubernetes protobuf bodies ("application/vnd.kubernetes.protobuf"): client-go's typed clients
// (kubectl create configmap|secret|deployment..., kubectl create token, auth can-i) send request
// bodies in this encoding. The decoder turns them into the JSON document the JSON path would have
// received, so the rest of the apiserver only ever sees JSON; responses stay JSON.
//
// Wire format: the 4 bytes "k8s\0" then a runtime.Unknown {typeMeta{apiVersion, kind}, raw} whose
// raw is the typed object (e.g. k8s.io.api.core.v1.ConfigMap). Messages come from src/api/proto
// (k1s::k8spb) and are walked through protobuf reflection; apiVersion "group.k8s.io/v1" plus kind
// selects "k8s.io.api.<first label of group>.<version>.<kind>".
//
// JSON mapping: field json names; Time -> RFC 3339 seconds, MicroTime -> microseconds, Duration ->
// Go duration string, IntOrString -> number or string, Quantity -> string, RawExtension and
// FieldsV1 -> the embedded JSON, bytes -> base64, maps -> objects, wrapper lists (Verbs,
// ExtraValue) -> arrays, and Go embedded structs (Volume.volumeSource, Probe.handler, ...) are
// flattened into their parent.
//
// Presence: Go's marshaller writes every non-pointer field (even when zero) and pointer fields only
// when set, so the wire alone cannot tell "unset" from "zero" for scalars. The .proto files carry
// the missing Go fact as the field option (k1s.k8spb.omit_zero): the field is a non-pointer with
// `json:",omitempty"`. The rule applied, which reproduces Go's JSON of the decoded object:
//   - a zero scalar ("", 0, false) of an omit_zero field is dropped (generation: 0, hostPID:
//     false, nodePort: 0 are wire noise);
//   - every other scalar present on the wire is kept, zero included: pointer fields such as
//     replicas=0, runAsUser=0, automountServiceAccountToken=false or storageClassName="" are data;
//   - a zero Time/MicroTime is dropped (Go prints `creationTimestamp: null`);
//   - a present message is kept even when empty (`emptyDir: {}`, `resources: {}`), except the
//     top-level `status` when it ends up empty;
//   - empty maps and lists never appear on the wire, so they are absent; map values and list
//     elements are always kept (a ConfigMap key with an empty value is data).
//
// Thread-safe: stateless functions over the immutable generated descriptor pool.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace k1s::api {

inline constexpr std::string_view kProtobufMediaType = "application/vnd.kubernetes.protobuf";

// Decodes a Kubernetes protobuf body (magic + runtime.Unknown) into the object's JSON form with
// apiVersion and kind set. InvalidArgument (-> 400) for a malformed body or an unknown
// apiVersion/kind.
absl::StatusOr<nlohmann::json> DecodeKubernetesProtobuf(std::string_view body);

// The reverse, for tests and future responses: a JSON object with apiVersion and kind ->
// magic + runtime.Unknown. InvalidArgument for unknown kinds, unknown fields or mistyped values.
absl::StatusOr<std::string> EncodeKubernetesProtobuf(const nlohmann::json& object);

}  // namespace k1s::api
