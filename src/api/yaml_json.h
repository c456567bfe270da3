#pragma once
// YAML <-> JSON conversion as sigs.k8s.io/yaml (go-yaml v2 underneath) does it for kubectl and for
// kube-apiserver's application/yaml. Stateless and thread-safe.
//
// Plain (unquoted) scalars resolve with go-yaml v2's YAML 1.1-flavoured rules:
//  - bool: y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF
//  - null: empty, ~, null, Null, NULL
//  - int: Go base-0 syntax after dropping "_": 42, -7, +3, 0x1F, 0o17, 017 (octal), 0b101;
//    beyond int64 an unsigned value up to 2^64-1 is kept as uint64
//  - float: [-+]?(.d+|d+(.d*)?)([eE][-+]?d+)? and ".5"-style; a float with an integral value that
//    fits int64 becomes an integer (upstream emits it as an integer JSON number, "3.0" -> 3);
//    .inf/.nan are rejected since JSON cannot hold them (upstream fails the same way)
//  - everything else, including timestamps, is a string
// Quoted and block scalars and "!!str" stay strings. Keys are strings: a plain key that resolves to
// a bool/int/float is rewritten as upstream does ("on" -> "true", "0x10" -> "16"); a null or
// collection key is an error. "<<" merge keys and anchors/aliases are supported; duplicate keys
// keep the last value.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace k1s::api {

// Converts the first YAML document of `yaml` (null when there is none). Malformed YAML yields
// InvalidArgument "yaml: line L, column C: <reason>" (1-based).
absl::StatusOr<nlohmann::json> YamlToJson(std::string_view yaml);

// Every document of a multi-document stream ("---" separated); empty (null) documents skipped.
absl::StatusOr<std::vector<nlohmann::json>> YamlDocumentsToJson(std::string_view yaml);

// Block-style YAML as `kubectl get -o yaml` prints it: keys in the object's (sorted) order,
// sequences in compact style under their key, strings quoted only when a plain scalar would not
// read back as the same string ("true", "123", "", "null", " x"), multi-line strings as literal
// blocks. Ends with a newline. YamlToJson(JsonToYaml(x)) == x for every JSON value x.
std::string JsonToYaml(const nlohmann::json& value);

}  // namespace k1s::api
