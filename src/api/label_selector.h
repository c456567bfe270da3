#pragma once
// Label selectors: the ?labelSelector= query form and metav1.LabelSelector objects (Deployment,
// Service... selectors), matched against an object's metadata.labels. Parsing, error messages
// and String() follow k8s.io/apimachinery/pkg/labels.
//
// A LabelSelector is an immutable value; const methods are thread-safe.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace k1s::api {

class LabelSelector {
 public:
  enum class Operator {
    kEquals,        // a=b
    kDoubleEquals,  // a==b
    kNotEquals,     // a!=b
    kIn,            // a in (x,y)
    kNotIn,         // a notin (x,y)
    kExists,        // a
    kDoesNotExist,  // !a
    kGreaterThan,   // a>5 (integer comparison)
    kLessThan,      // a<5
  };
  struct Requirement {
    std::string key;
    Operator op = Operator::kExists;
    std::vector<std::string> values;  // sorted and de-duplicated when parsed from text
  };

  // An empty selector: matches everything.
  LabelSelector() = default;

  // "a=b,c==d,e!=f,g in (x,y),h notin (z),k,!m,n>3"; "" (or only whitespace) matches everything.
  // Errors are InvalidArgument with upstream's text, e.g. "found 'x', expected: ',' or 'end of
  // string'" or "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": ...".
  static absl::StatusOr<LabelSelector> Parse(std::string_view text);

  // A metav1.LabelSelector object {matchLabels, matchExpressions}. null, absent or {} selects
  // everything (callers decide when an empty selector should mean "nothing").
  static absl::StatusOr<LabelSelector> FromJson(const nlohmann::json& selector);

  // True when the selector has no requirements (matches everything).
  bool Empty() const { return requirements_.empty(); }

  // `labels` is an object's metadata.labels: an object of strings, or null / missing.
  bool Matches(const nlohmann::json& labels) const;
  bool Matches(const std::map<std::string, std::string>& labels) const;

  // Canonical text like upstream's String(): requirements sorted by key, "in"/"notin" values
  // sorted: "a=b,c in (x,y),!d".
  std::string String() const;

  // The value when the selector pins `key` to exactly one value (=, == or "in" with one value).
  bool RequiresExactMatch(std::string_view key, std::string* value) const;

  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  explicit LabelSelector(std::vector<Requirement> requirements)
      : requirements_(std::move(requirements)) {}

  std::vector<Requirement> requirements_;  // sorted by key
};

}  // namespace k1s::api
