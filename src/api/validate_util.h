#pragma once
// Building blocks shared by the per-group kind validators (validate_core.cc, validate_apps.cc,
// ...): JSON accessors that tolerate missing or mistyped members, upstream's reusable checks
// (labels, label selectors, non-negative fields, int-or-percent, resource quantities) and the Go
// `%#v` renderings upstream prints for map and struct values in field errors.
//
// Internal to src/api; pure functions, thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/numeric/int128.h"
#include "api/validation.h"

namespace k1s::api::validate {

// ---- JSON access --------------------------------------------------------------------------------

// The member `key` of `object`, or a shared null when `object` is not an object or lacks it.
const nlohmann::json& Get(const nlohmann::json& object, std::string_view key);
// The member as a string, "" when absent or not a string.
std::string Str(const nlohmann::json& object, std::string_view key);
// The member as an integer when it is a number.
std::optional<int64_t> Int(const nlohmann::json& object, std::string_view key);
bool Has(const nlohmann::json& object, std::string_view key);  // present and not null
bool IsTrue(const nlohmann::json& object, std::string_view key);
// Array members: size 0 when absent.
size_t Size(const nlohmann::json& value);

std::string Child(std::string_view path, std::string_view name);  // "spec" + "x" = "spec.x"
std::string Index(std::string_view path, size_t i);               // "a[3]"
std::string Key(std::string_view path, std::string_view key);     // "a[key]"

void Append(FieldErrors& to, FieldErrors from);

// ---- Go renderings of bad values ----------------------------------------------------------------

// A FieldError whose bad value is already rendered (for Go `%#v` output).
FieldError InvalidRendered(std::string field, std::string rendered, std::string detail);
FieldError NotSupportedRendered(std::string field, std::string rendered,
                                const std::vector<std::string>& valid);
// map[string]string{"a":"b", "c":"d"} (keys sorted, as fmt prints maps); map[string]string(nil)
// when `value` is absent.
std::string GoStringMap(const nlohmann::json& value);
// v1.LabelSelector{MatchLabels:..., MatchExpressions:...} for a metav1.LabelSelector.
std::string GoLabelSelector(const nlohmann::json& selector);
// intstr.IntOrString{Type:0, IntVal:1, StrVal:""}.
std::string GoIntOrString(const nlohmann::json& value);
// Go's []string{"a", "b"}; []string(nil) when absent.
std::string GoStringSlice(const nlohmann::json& value);

// The cmp.Diff upstream appends to "spec is immutable" style errors, approximated: one "-"/"+"
// line pair per changed top-level member, named as the Go field, values as JSON.
std::string GoSpecDiff(std::string_view go_type, const nlohmann::json& before,
                       const nlohmann::json& after);

// ---- upstream messages --------------------------------------------------------------------------

inline constexpr char kImmutableMsg[] = "field is immutable";
inline constexpr char kNonNegativeMsg[] = "must be greater than or equal to 0";
// validation.RegexError: msg + " (e.g. 'a',  or 'b', regex used for validation is 're')".
std::string RegexError(std::string_view msg, std::string_view regex,
                       const std::vector<std::string_view>& examples);
// validation.InclusiveRangeError.
std::string InclusiveRangeError(int64_t lo, int64_t hi);

// ---- reusable checks ----------------------------------------------------------------------------

// ValidateNonnegativeField when the member is present.
void NonNegative(const nlohmann::json& object, std::string_view key, std::string_view path,
                 FieldErrors& errs);
// unversionedvalidation.ValidateLabels over a string map at `path`.
void ValidateLabelMap(const nlohmann::json& labels, std::string_view path, FieldErrors& errs);
// unversionedvalidation.ValidateLabelName.
void ValidateLabelName(std::string_view key, std::string_view path, FieldErrors& errs);
// apimachinery ValidateAnnotations (keys and total size) at `path`.
void ValidateAnnotationMap(const nlohmann::json& annotations, std::string_view path,
                           FieldErrors& errs);
// unversionedvalidation.ValidateLabelSelector (strict label values).
void ValidateLabelSelector(const nlohmann::json& selector, std::string_view path,
                           FieldErrors& errs);

// A metav1.LabelSelector converted to a matcher the way LabelSelectorAsSelector does.
struct Selector {
  bool valid = true;                         // false: LabelSelectorAsSelector would fail
  bool nothing = false;                      // nil selector: matches nothing
  bool empty = false;                        // {} selector: matches everything
  const nlohmann::json* selector = nullptr;  // the input; must outlive the Selector
  bool Matches(const nlohmann::json& labels) const;
};
Selector AsSelector(const nlohmann::json& selector);

// util/validation checks used by several kinds.
std::vector<std::string> IsValidPortNum(int64_t port);
std::vector<std::string> IsValidPortName(std::string_view name);
std::vector<std::string> IsValidPercent(std::string_view value);
std::vector<std::string> IsConfigMapKey(std::string_view key);
std::vector<std::string> IsValidIp(std::string_view value);
bool IsValidCidr(std::string_view value);
// Path segment name rule for things like rbac names ("may not contain '/'").
std::vector<std::string> IsDns1123SubdomainWithWildcard(std::string_view value);

// IntOrString helpers (apps/policy): an int, or a string "N%".
struct IntOrPercent {
  bool is_string = false;
  int64_t int_value = 0;
  std::string str_value;
};
IntOrPercent ToIntOrPercent(const nlohmann::json& value);
// ValidatePositiveIntOrPercent.
void ValidatePositiveIntOrPercent(const nlohmann::json& value, std::string_view path,
                                  FieldErrors& errs);
// getIntOrPercentValue: the percentage number or the int.
int64_t IntOrPercentValue(const nlohmann::json& value);
// IsNotMoreThan100Percent.
void NotMoreThan100Percent(const nlohmann::json& value, std::string_view path, FieldErrors& errs);

// ---- resource quantities ------------------------------------------------------------------------

// A parsed resource.Quantity: exact value in nano units and the canonical String().
struct Quantity {
  absl::int128 nanos = 0;
  std::string canonical;
  int Compare(const Quantity& other) const {
    return nanos < other.nanos ? -1 : nanos > other.nanos ? 1 : 0;
  }
  bool IsInteger() const;
};
// Quantities arrive as strings ("500m", "1Gi") or JSON numbers.
std::optional<Quantity> ParseQuantity(const nlohmann::json& value);
inline constexpr char kQuantityRegexMsg[] =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

}  // namespace k1s::api::validate
