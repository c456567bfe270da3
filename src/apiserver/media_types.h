#pragma once
// Content negotiation as kube-apiserver does it: which representation the Accept header asks
// for (plain JSON or YAML, a meta.k8s.io Table, PartialObjectMetadata, aggregated discovery) and
// how a request body is decoded. Pure functions; thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace k1s::apiserver {

enum class Representation {
  kJson,
  kYaml,
  kTable,                  // application/json;as=Table;g=meta.k8s.io;v=v1
  kPartialObjectMetadata,  // ...;as=PartialObjectMetadata (and ...List)
  kDiscoveryV2,            // application/json;as=APIGroupDiscoveryList;g=apidiscovery.k8s.io;v=v2
};

struct Negotiated {
  Representation representation = Representation::kJson;
  std::string content_type;  // what the response says it is
};

// The first acceptable entry of `accept` (an empty header means JSON). `allow_discovery` admits
// the aggregated discovery type (only /api and /apis serve it). nullopt: nothing acceptable (406).
std::optional<Negotiated> Negotiate(std::string_view accept, bool allow_discovery);

// Decodes a request body sent as JSON or YAML (by Content-Type). Errors are 400 BadRequest
// Status errors in upstream's words, or 415 for an unknown media type.
absl::StatusOr<nlohmann::json> DecodeBody(std::string_view content_type, std::string_view body);

// The media type without parameters, lower-cased: "application/json".
std::string BaseMediaType(std::string_view content_type);

}  // namespace k1s::apiserver
