#pragma once
// The subset of kubectl JSONPath (k8s.io/client-go/util/jsonpath) that CRD
// additionalPrinterColumns and kubectl custom columns use, plus the cell conversion the
// apiextensions table convertor applies per column type.
//
// A parsed JsonPath is immutable; evaluation is const and thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace k1s::api {

class JsonPath {
 public:
  // Parses `.spec.replicas`, `{.spec.replicas}`, `$.a.b`, `.items[0]`, `.items[-1]`,
  // `.items[1:3]`, `.spec.containers[*].name`, `.metadata.labels['app.kubernetes.io/name']`,
  // `.metadata.labels.app\.kubernetes\.io/name`, `.a.*`, `..name` (recursive descent) and
  // filters `[?(@.type=="Ready")]` with ==, !=, <, <=, >, >= against a string, number or boolean
  // literal, or `[?(@.field)]` for existence. Only one expression: no text, range or end blocks.
  static absl::StatusOr<JsonPath> Parse(std::string_view expression);

  // Every value the path selects, in document order. Missing keys and out-of-range indices select
  // nothing (upstream's AllowMissingKeys(true), as printer columns use it).
  std::vector<nlohmann::json> FindResults(const nlohmann::json& object) const;

  struct Step;  // defined in json_path.cc
  JsonPath();
  ~JsonPath();
  JsonPath(JsonPath&&) noexcept;
  JsonPath& operator=(JsonPath&&) noexcept;
  JsonPath(const JsonPath&);
  JsonPath& operator=(const JsonPath&);

 private:
  std::vector<Step> steps_;
};

// The cell an additionalPrinterColumn of `type` ("string", "integer", "number", "boolean",
// "date") shows for `object` (upstream tableconvertor): null when the path selects nothing or the
// first value does not fit the type; integer and number convert between each other; "string"
// prints the value as kubectl's JSONPath printer does (strings raw, numbers and booleans as Go
// prints them, objects and arrays as compact JSON); "date" is the age of an RFC 3339 timestamp as
// HumanDuration relative to `now_unix_seconds` ("<invalid>" when unparsable, "<unknown>" for "").
// The column's `format` is a client hint and does not change the cell, as upstream.
nlohmann::json PrinterColumnCell(const nlohmann::json& object, const JsonPath& path,
                                 std::string_view type, int64_t now_unix_seconds);

// Go's fmt %v for a float64 ("10", "0.5", "1e+21", "1e-05"), used in upstream's messages.
std::string GoFormatFloat(double value);

}  // namespace k1s::api
