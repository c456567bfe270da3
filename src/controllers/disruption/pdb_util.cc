#include "controllers/disruption/pdb_util.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "api/timestamps.h"
#include "base/strings.h"
#include "controllers/common/pods.h"

namespace k1s::controllers::disruption {

using nlohmann::json;

namespace {

// strconv.Atoi: an optional sign and decimal digits, within int range.
absl::StatusOr<int64_t> GoAtoi(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  bool ok = !digits.empty();
  for (char c : digits) ok = ok && c >= '0' && c <= '9';
  const std::string prefix = base::StrCat("strconv.Atoi: parsing ", GoQuote(text), ": ");
  if (!ok) return absl::InvalidArgumentError(base::StrCat(prefix, "invalid syntax"));
  int64_t value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
    if (value > std::numeric_limits<int32_t>::max() + int64_t{1}) {
      return absl::InvalidArgumentError(base::StrCat(prefix, "value out of range"));
    }
  }
  return text[0] == '-' ? -value : value;
}

std::string GoStringSlice(const json& values) {
  std::string out = "[";
  if (values.is_array()) {
    bool first = true;
    for (const json& value : values) {
      if (!first) out += " ";
      first = false;
      out += value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  return out + "]";
}

}  // namespace

const json& Field(const json& object, std::string_view name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

std::string StringField(const json& object, std::string_view name) {
  const json& value = Field(object, name);
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::optional<int64_t> IntField(const json& object, std::string_view name) {
  const json& value = Field(object, name);
  if (!value.is_number_integer()) return std::nullopt;
  return value.get<int64_t>();
}

std::string MetaString(const json& object, std::string_view name) {
  return StringField(Field(object, "metadata"), name);
}

absl::StatusOr<int32_t> ScaledValue(const json& int_or_percent, int32_t total, bool round_up) {
  if (int_or_percent.is_null()) return absl::InvalidArgumentError("nil value for IntOrString");
  if (int_or_percent.is_number_integer()) {
    return static_cast<int32_t>(int_or_percent.get<int64_t>());
  }
  if (!int_or_percent.is_string()) {
    return absl::InvalidArgumentError(
        "invalid value for IntOrString: invalid type: neither int nor percentage");
  }
  const std::string text = int_or_percent.get<std::string>();
  if (text.empty() || text.back() != '%') {
    return absl::InvalidArgumentError(
        "invalid value for IntOrString: invalid type: string is not a percentage");
  }
  absl::StatusOr<int64_t> percent = GoAtoi(std::string_view(text).substr(0, text.size() - 1));
  if (!percent.ok()) {
    return absl::InvalidArgumentError(base::StrCat("invalid value for IntOrString: invalid value ",
                                                   GoQuote(text), ": ",
                                                   percent.status().message()));
  }
  double scaled = static_cast<double>(*percent) * static_cast<double>(total) / 100.0;
  return static_cast<int32_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

std::string GoSelectorString(const json& selector) {
  if (!selector.is_object()) return "nil";
  std::string labels = "map[string]string{";
  // nlohmann objects iterate in key order, as gogo's sortkeys does.
  const json& match_labels = Field(selector, "matchLabels");
  if (match_labels.is_object()) {
    for (const auto& [key, value] : match_labels.items()) {
      base::StrAppend(&labels, key, ": ", value.is_string() ? value.get<std::string>() : "", ",");
    }
  }
  labels += "}";
  std::string expressions = "[]LabelSelectorRequirement{";
  const json& match_expressions = Field(selector, "matchExpressions");
  if (match_expressions.is_array()) {
    for (const json& requirement : match_expressions) {
      base::StrAppend(&expressions,
                      "LabelSelectorRequirement{Key:", StringField(requirement, "key"),
                      ",Operator:", StringField(requirement, "operator"),
                      ",Values:", GoStringSlice(Field(requirement, "values")), ",},");
    }
  }
  expressions += "}";
  return base::StrCat("&LabelSelector{MatchLabels:", labels, ",MatchExpressions:", expressions,
                      ",}");
}

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

DisruptedPods BuildDisruptedPods(const std::vector<client::ObjectPtr>& pods, const json& pdb,
                                 int64_t now_nanos) {
  DisruptedPods result;
  const json& recorded = Field(Field(pdb, "status"), "disruptedPods");
  if (!recorded.is_object() || recorded.empty()) return result;
  for (const client::ObjectPtr& pod : pods) {
    // A pod already being deleted needs no entry any more; entries of pods that are gone are
    // dropped by not being visited.
    if (IsBeingDeleted(*pod)) continue;
    const std::string name = MetaString(*pod, "name");
    auto entry = recorded.find(name);
    if (entry == recorded.end() || !entry->is_string()) continue;
    const int64_t disrupted_at = api::ParseTimestamp(entry->get<std::string>()).value_or(0);
    const int64_t expected_deletion = disrupted_at * base::kNanosPerSecond + kDeletionTimeoutNanos;
    if (expected_deletion < now_nanos) {
      result.expired.push_back(pod);
      continue;
    }
    if (!result.recheck_at_nanos || expected_deletion < *result.recheck_at_nanos) {
      result.recheck_at_nanos = expected_deletion;
    }
    result.kept[name] = disrupted_at;
  }
  return result;
}

int32_t CountHealthyPods(const std::vector<client::ObjectPtr>& pods,
                         const std::map<std::string, int64_t>& disrupted, int64_t now_nanos) {
  int32_t healthy = 0;
  for (const client::ObjectPtr& pod : pods) {
    if (IsBeingDeleted(*pod)) continue;
    // Evicted moments ago: expected to be marked for deletion soon.
    auto entry = disrupted.find(MetaString(*pod, "name"));
    if (entry != disrupted.end() &&
        entry->second * base::kNanosPerSecond + kDeletionTimeoutNanos > now_nanos) {
      continue;
    }
    if (IsPodReady(*pod)) ++healthy;
  }
  return healthy;
}

std::optional<int64_t> StaleDisruptionWait(const json& pod, int64_t now_nanos,
                                           int64_t timeout_nanos) {
  if (IsBeingDeleted(pod)) return std::nullopt;
  const json* condition = FindCondition(pod, "DisruptionTarget");
  // Conditions the kubelet adds may take arbitrarily long before the pod terminates; terminal
  // pods keep theirs to spare needless writes.
  if (condition == nullptr || StringField(*condition, "status") != "True" ||
      StringField(*condition, "reason") == "TerminationByKubelet" || IsPodTerminal(pod)) {
    return std::nullopt;
  }
  const int64_t since =
      api::ParseTimestamp(StringField(*condition, "lastTransitionTime")).value_or(0);
  const int64_t wait = timeout_nanos - (now_nanos - since * base::kNanosPerSecond);
  return wait < 0 ? 0 : wait;
}

}  // namespace k1s::controllers::disruption
