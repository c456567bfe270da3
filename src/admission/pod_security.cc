// Pod security labels, versions, messages, workload templates and namespace label warnings. The
// checks themselves are in pod_security_checks.cc.
#include "admission/pod_security.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "absl/strings/str_join.h"
#include "admission/pod_security_internal.h"
#include "base/strings.h"

namespace k1s::admission {
namespace internal {

const nlohmann::json& Member(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::string StringOf(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}


namespace {

// The N of "v1.N" per upstream's `^v1\.([0-9]|[1-9][0-9]*)$` and strconv.Atoi (64-bit).
std::optional<int64_t> ParseMinor(std::string_view text) {
  if (!text.starts_with("v1.") || text.size() == 3) return std::nullopt;
  std::string_view digits = text.substr(3);
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

int64_t PolicyMinor(std::string_view version) {
  std::optional<int64_t> minor = ParseMinor(version);
  return minor ? std::min(*minor, kNewestPolicyMinor) : kNewestPolicyMinor;
}

}  // namespace internal

using internal::GoQuote;
using internal::Member;
using internal::StringOf;
using json = nlohmann::json;

std::string_view LevelName(PodSecurityLevel level) {
  switch (level) {
    case PodSecurityLevel::kBaseline:
      return "baseline";
    case PodSecurityLevel::kRestricted:
      return "restricted";
    case PodSecurityLevel::kPrivileged:
      break;
  }
  return "privileged";
}

std::optional<PodSecurityLevel> ParseLevel(std::string_view text) {
  for (PodSecurityLevel level : {PodSecurityLevel::kPrivileged, PodSecurityLevel::kBaseline,
                                 PodSecurityLevel::kRestricted}) {
    if (text == LevelName(level)) return level;
  }
  return std::nullopt;
}

bool IsValidVersion(std::string_view text) {
  return text == "latest" || internal::ParseMinor(text).has_value();
}

std::string FormatLevelVersion(const LevelVersion& lv) {
  return base::StrCat(LevelName(lv.level), ":", lv.version);
}

namespace {

constexpr std::string_view kLevelError = "must be one of privileged, baseline, restricted";
constexpr std::string_view kVersionError = "must be \"latest\" or \"v1.x\"";

// One mode's labels, in upstream's parsing order.
struct ModeLabels {
  std::string_view level_label;
  std::string_view version_label;
  LevelVersion NamespacePolicy::*mode;
  PodSecurityLevel invalid_level;  // enforce fails closed, audit and warn fail open
};
constexpr ModeLabels kModes[] = {
    {kEnforceLevelLabel, kEnforceVersionLabel, &NamespacePolicy::enforce,
     PodSecurityLevel::kRestricted},
    {kAuditLevelLabel, kAuditVersionLabel, &NamespacePolicy::audit, PodSecurityLevel::kPrivileged},
    {kWarnLevelLabel, kWarnVersionLabel, &NamespacePolicy::warn, PodSecurityLevel::kPrivileged},
};

// The label's value when present (any JSON value other than a string reads as "").
std::optional<std::string> Label(const json& labels, std::string_view key) {
  if (!labels.is_object()) return std::nullopt;
  auto it = labels.find(key);
  if (it == labels.end()) return std::nullopt;
  return StringOf(*it);
}

}  // namespace

std::vector<LabelError> PodSecurityLabelErrors(const json& labels) {
  std::vector<LabelError> errors;
  auto invalid = [&](std::string_view key, const std::string& value, std::string_view detail) {
    errors.push_back({base::StrCat("metadata.labels[", key, "]"), value, std::string(detail)});
  };
  for (const ModeLabels& m : kModes) {
    if (auto level = Label(labels, m.level_label); level && !ParseLevel(*level)) {
      invalid(m.level_label, *level, kLevelError);
    }
    if (auto version = Label(labels, m.version_label); version && !IsValidVersion(*version)) {
      invalid(m.version_label, *version, kVersionError);
    }
  }
  return errors;
}

std::vector<std::string> ValidatePodSecurityLabels(const json& labels) {
  std::vector<std::string> out;
  for (const LabelError& e : PodSecurityLabelErrors(labels)) {
    out.push_back(base::StrCat(e.field, ": Invalid value: ", GoQuote(e.value), ": ", e.detail));
  }
  return out;
}

NamespacePolicy PolicyFromLabels(const json& labels, const NamespacePolicy& defaults) {
  NamespacePolicy policy = defaults;
  for (const ModeLabels& m : kModes) {
    LevelVersion& lv = policy.*m.mode;
    if (auto level = Label(labels, m.level_label))
      lv.level = ParseLevel(*level).value_or(m.invalid_level);
    if (auto version = Label(labels, m.version_label)) {
      lv.version = IsValidVersion(*version) ? *version : "latest";
    }
  }
  // A valid explicit enforce level stricter than warn also warns, unless a warn level is set (even
  // an invalid one); warn then takes enforce's version unless warn-version is set.
  std::optional<std::string> enforce_level = Label(labels, kEnforceLevelLabel);
  bool explicit_enforce = enforce_level && ParseLevel(*enforce_level);
  if (explicit_enforce && !Label(labels, kWarnLevelLabel) &&
      policy.enforce.level > policy.warn.level) {
    policy.warn.level = policy.enforce.level;
    if (!Label(labels, kWarnVersionLabel)) policy.warn.version = policy.enforce.version;
  }
  return policy;
}

std::string FormatViolations(const std::vector<Violation>& violations) {
  return absl::StrJoin(violations, ", ", [](std::string* out, const Violation& v) {
    out->append(v.reason.empty() ? "unknown forbidden reason" : v.reason);
    if (!v.detail.empty()) base::StrAppend(out, " (", v.detail, ")");
  });
}

std::string FormatReasons(const std::vector<Violation>& violations) {
  return absl::StrJoin(violations, ", ", [](std::string* out, const Violation& v) {
    out->append(v.reason.empty() ? "unknown forbidden reason" : v.reason);
  });
}

std::string ForbiddenPodMessage(std::string_view pod_name, const LevelVersion& policy,
                                const std::vector<Violation>& violations) {
  std::string subject = pod_name.empty() ? "pods" : base::StrCat("pods ", GoQuote(pod_name));
  return base::StrCat(subject, " is forbidden: violates PodSecurity ",
                      GoQuote(FormatLevelVersion(policy)), ": ", FormatViolations(violations));
}

std::string WarningMessage(const LevelVersion& policy, const std::vector<Violation>& violations) {
  return base::StrCat("would violate PodSecurity ", GoQuote(FormatLevelVersion(policy)), ": ",
                      FormatViolations(violations));
}

std::optional<std::pair<json, json>> PodTemplateOf(std::string_view group, std::string_view kind,
                                                   const json& object) {
  const json* tmpl = nullptr;
  if (group.empty() && kind == "PodTemplate") {
    tmpl = &Member(object, "template");
  } else if ((group.empty() && kind == "ReplicationController") ||
             (group == "apps" && (kind == "Deployment" || kind == "ReplicaSet" ||
                                  kind == "StatefulSet" || kind == "DaemonSet")) ||
             (group == "batch" && kind == "Job")) {
    tmpl = &Member(Member(object, "spec"), "template");
  } else if (group == "batch" && kind == "CronJob") {
    tmpl = &Member(Member(Member(Member(object, "spec"), "jobTemplate"), "spec"), "template");
  }
  if (tmpl == nullptr || !tmpl->is_object()) return std::nullopt;
  auto object_or_empty = [](const json& value) {
    return value.is_object() ? value : json::object();
  };
  return std::make_pair(object_or_empty(Member(*tmpl, "metadata")),
                        object_or_empty(Member(*tmpl, "spec")));
}

bool IsIgnoredPodSubresource(std::string_view subresource) {
  static constexpr std::string_view kIgnored[] = {"exec", "attach",      "binding", "eviction",
                                                  "log",  "portforward", "proxy",   "status"};
  return std::find(std::begin(kIgnored), std::end(kIgnored), subresource) != std::end(kIgnored);
}

namespace {

const json& ArrayMember(const json& obj, std::string_view key) {
  static const json kEmpty = json::array();
  const json& value = Member(obj, key);
  return value.is_array() ? value : kEmpty;
}

std::string ImageOf(const json& container) { return StringOf(Member(container, "image")); }

}  // namespace

bool IsSignificantPodUpdate(const json& new_pod_spec, const json& old_pod_spec) {
  for (std::string_view list : {"containers", "initContainers"}) {
    const json& now = ArrayMember(new_pod_spec, list);
    const json& before = ArrayMember(old_pod_spec, list);
    if (now.size() != before.size()) return true;
    for (size_t i = 0; i < now.size(); ++i) {
      if (ImageOf(now[i]) != ImageOf(before[i])) return true;
    }
  }
  const json& old_ephemeral = ArrayMember(old_pod_spec, "ephemeralContainers");
  for (const json& c : ArrayMember(new_pod_spec, "ephemeralContainers")) {
    std::string name = StringOf(Member(c, "name"));
    auto old = std::find_if(old_ephemeral.begin(), old_ephemeral.end(),
                            [&](const json& o) { return StringOf(Member(o, "name")) == name; });
    if (old == old_ephemeral.end() || ImageOf(*old) != ImageOf(c)) return true;
  }
  return false;
}

bool ShouldCheckPodsOnNamespaceUpdate(const LevelVersion& old_enforce,
                                      const LevelVersion& new_enforce) {
  if (new_enforce == old_enforce || new_enforce.level == PodSecurityLevel::kPrivileged) {
    return false;
  }
  return !(new_enforce.version == old_enforce.version && new_enforce.level <= old_enforce.level);
}

namespace {

constexpr size_t kMaxPodsToCheck = 3000;

// Upstream's prioritizePods: pods without a controller and the first pod of each controller in
// list order, then the remaining pods of already-seen controllers.
std::vector<const json*> PrioritizePods(const std::vector<json>& pods) {
  std::vector<const json*> first;
  std::vector<const json*> duplicates;
  std::set<std::string> controllers;
  for (const json& pod : pods) {
    const json& refs = ArrayMember(Member(pod, "metadata"), "ownerReferences");
    auto controller = std::find_if(refs.begin(), refs.end(), [](const json& ref) {
      return internal::IsTrue(Member(ref, "controller"));
    });
    if (controller == refs.end() ||
        controllers.insert(StringOf(Member(*controller, "uid"))).second) {
      first.push_back(&pod);
    } else {
      duplicates.push_back(&pod);
    }
  }
  first.insert(first.end(), duplicates.begin(), duplicates.end());
  return first;
}

}  // namespace

std::vector<std::string> NamespaceLabelWarnings(std::string_view namespace_name,
                                                const LevelVersion& new_enforce,
                                                const std::vector<json>& pods) {
  struct PodCount {
    std::string first_name;  // lexically first pod name with these reasons
    int64_t count = 0;
  };
  std::vector<const json*> prioritized = PrioritizePods(pods);
  size_t checked = std::min(prioritized.size(), kMaxPodsToCheck);
  std::vector<std::string> reasons_seen;  // first-seen order
  std::map<std::string, PodCount> counts;
  for (size_t i = 0; i < checked; ++i) {
    const json& pod = *prioritized[i];
    std::vector<Violation> violations =
        CheckPod(new_enforce, Member(pod, "metadata"), Member(pod, "spec"));
    if (violations.empty()) continue;
    std::string reasons = FormatReasons(violations);
    std::string name = StringOf(Member(Member(pod, "metadata"), "name"));
    auto [it, inserted] = counts.try_emplace(reasons, PodCount{name, 0});
    if (inserted) {
      reasons_seen.push_back(reasons);
    } else if (name < it->second.first_name) {
      it->second.first_name = name;
    }
    ++it->second.count;
  }

  std::vector<std::string> warnings;
  if (checked < prioritized.size()) {
    warnings.push_back(absl::StrCat("new PodSecurity enforce level only checked against the first ",
                                    checked, " of ", prioritized.size(), " existing pods"));
  }
  if (reasons_seen.empty()) return warnings;
  warnings.push_back(base::StrCat("existing pods in namespace ", GoQuote(namespace_name),
                                  " violate the new PodSecurity enforce level ",
                                  GoQuote(FormatLevelVersion(new_enforce))));
  std::vector<std::string> pod_warnings;
  for (const std::string& reasons : reasons_seen) {
    const PodCount& c = counts[reasons];
    std::string others;
    if (c.count == 2) others = " (and 1 other pod)";
    if (c.count > 2) others = absl::StrCat(" (and ", c.count - 1, " other pods)");
    pod_warnings.push_back(base::StrCat(c.first_name, others, ": ", reasons));
  }
  std::sort(pod_warnings.begin(), pod_warnings.end());
  warnings.insert(warnings.end(), pod_warnings.begin(), pod_warnings.end());
  return warnings;
}

}  // namespace k1s::admission
