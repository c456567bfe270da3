#pragma once
// Field selectors (?fieldSelector=): ANDed "field=value" / "field==value" / "field!=value" terms
// matched against the per-kind field sets of selectable_fields.h. Parsing, value escaping
// (backslash-escaped '\', ',' and '=') and error messages follow k8s.io/apimachinery/pkg/fields.
//
// A FieldSelector is an immutable value; const methods are thread-safe.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace k1s::api {

class FieldSelector {
 public:
  struct Term {
    std::string field;
    bool equals = true;  // false for "!="
    std::string value;   // unescaped
  };

  // An empty selector: matches everything.
  FieldSelector() = default;

  // "metadata.name=foo,status.phase!=Running"; "" matches everything. Terms are kept in
  // upstream's order (sorted by their raw text); no whitespace trimming. Errors are
  // InvalidArgument with upstream's text, e.g. "invalid selector: 'a'; can't understand 'a'".
  static absl::StatusOr<FieldSelector> Parse(std::string_view text);

  // "field=value" (single-object watches by name).
  static FieldSelector OneTermEqual(std::string field, std::string value);

  bool Empty() const { return terms_.empty(); }
  // The field names the terms mention, in term order (may repeat).
  std::vector<std::string> Fields() const;
  // A missing field counts as "".
  bool Matches(const std::map<std::string, std::string>& fields) const;
  // The value when the selector contains "<field>=<value>" (or ==); nullopt otherwise.
  std::optional<std::string> RequiredValue(std::string_view field) const;
  // "a=b,c!=d" with values escaped like upstream's EscapeValue.
  std::string String() const;

  const std::vector<Term>& terms() const { return terms_; }

 private:
  explicit FieldSelector(std::vector<Term> terms) : terms_(std::move(terms)) {}

  std::vector<Term> terms_;
};

// Escapes '\', ',' and '=' in a field selector value.
std::string EscapeFieldSelectorValue(std::string_view value);

}  // namespace k1s::api
