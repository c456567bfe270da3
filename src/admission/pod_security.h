#pragma once
// Pod Security Admission: the policy evaluator of k8s.io/pod-security-admission v1.32 (the
// baseline and restricted Pod Security Standards), the namespace label parsing and the exact
// messages upstream's admission controller produces.
//
// How upstream's controller uses these pieces (the caller wires them to requests):
//   * Pods (create, and updates IsSignificantPodUpdate accepts; subresources in
//     IsIgnoredPodSubresource skipped): policy = PolicyFromLabels(namespace labels). If every mode
//     is privileged and the labels are valid, allow. Otherwise CheckPod(enforce): violations deny
//     with ForbiddenPodMessage. If allowed, CheckPod(warn) violations add WarningMessage(warn) as
//     a response warning. CheckPod(audit) violations go in the audit annotation
//     "pod-security.kubernetes.io/audit-violations" with the same WarningMessage text.
//   * Workloads (PodTemplateOf kinds; any subresource skipped; never denied): skipped when warn
//     and audit are privileged and the labels are valid; else warn/audit as for pods.
//   * Namespaces: create with ValidatePodSecurityLabels errors is rejected as invalid; update is
//     rejected only when the new errors are non-empty and differ from the old object's. When
//     ShouldCheckPodsOnNamespaceUpdate(old enforce, new enforce), the response carries
//     NamespaceLabelWarnings for the namespace's existing pods.
//
// Everything here is a pure function of its arguments: thread-safe, no I/O.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k1s::admission {

// Namespace labels that select the policy of each mode.
inline constexpr std::string_view kEnforceLevelLabel = "pod-security.kubernetes.io/enforce";
inline constexpr std::string_view kEnforceVersionLabel =
    "pod-security.kubernetes.io/enforce-version";
inline constexpr std::string_view kAuditLevelLabel = "pod-security.kubernetes.io/audit";
inline constexpr std::string_view kAuditVersionLabel = "pod-security.kubernetes.io/audit-version";
inline constexpr std::string_view kWarnLevelLabel = "pod-security.kubernetes.io/warn";
inline constexpr std::string_view kWarnVersionLabel = "pod-security.kubernetes.io/warn-version";

// Audit annotations upstream records (keys are kAuditAnnotationPrefix + name).
inline constexpr std::string_view kAuditAnnotationPrefix = "pod-security.kubernetes.io/";
inline constexpr std::string_view kEnforcePolicyAnnotation =
    "enforce-policy";  // "restricted:v1.30"
inline constexpr std::string_view kAuditViolationsAnnotation = "audit-violations";
inline constexpr std::string_view kExemptAnnotation = "exempt";  // "user", "namespace", ...

// The newest policy version this evaluator knows; "latest" and newer versions evaluate as it.
inline constexpr int64_t kNewestPolicyMinor = 32;

enum class PodSecurityLevel { kPrivileged, kBaseline, kRestricted };

struct LevelVersion {
  PodSecurityLevel level = PodSecurityLevel::kPrivileged;
  std::string version = "latest";  // "latest" or "v1.N"

  bool operator==(const LevelVersion&) const = default;
};

std::string_view LevelName(PodSecurityLevel level);  // "privileged" | "baseline" | "restricted"
std::optional<PodSecurityLevel> ParseLevel(std::string_view text);
bool IsValidVersion(std::string_view text);              // "latest" or "v1.N" (upstream's regexp)
std::string FormatLevelVersion(const LevelVersion& lv);  // "restricted:latest"

// The effective policy of a namespace.
struct NamespacePolicy {
  LevelVersion enforce{};
  LevelVersion audit{};
  LevelVersion warn{};

  bool operator==(const NamespacePolicy&) const = default;
};

// One invalid pod-security label, as upstream's field.Invalid error.
struct LabelError {
  std::string field;   // "metadata.labels[pod-security.kubernetes.io/enforce]"
  std::string value;   // the label's value
  std::string detail;  // "must be one of privileged, baseline, restricted"
};
// Errors in label order enforce, enforce-version, audit, audit-version, warn, warn-version.
std::vector<LabelError> PodSecurityLabelErrors(const nlohmann::json& labels);
// The same errors rendered as upstream's field.Error.Error():
// `metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of ...`.
std::vector<std::string> ValidatePodSecurityLabels(const nlohmann::json& labels);

// The policy from a namespace's labels (a JSON object of strings; anything else means no labels),
// each missing label falling back to `defaults`. As upstream: an invalid enforce level evaluates
// as restricted, an invalid audit or warn level as privileged, an invalid version as latest; when
// enforce is set explicitly and no warn level is, warn is raised to a stricter enforce level
// (taking enforce's version unless warn-version is set).
NamespacePolicy PolicyFromLabels(const nlohmann::json& labels, const NamespacePolicy& defaults);

// One failed check: upstream's forbiddenReason and forbiddenDetail.
struct Violation {
  std::string reason;  // "allowPrivilegeEscalation != false"
  std::string
      detail;  // `container "nginx" must set securityContext.allowPrivilegeEscalation=false`

  bool operator==(const Violation&) const = default;
};

// Runs every check of `policy.level` at `policy.version` on a pod's metadata and spec, in
// upstream's order (baseline checks by id, then restricted checks by id). Privileged: none.
// An unparsable version evaluates as latest.
std::vector<Violation> CheckPod(const LevelVersion& policy, const nlohmann::json& pod_metadata,
                                const nlohmann::json& pod_spec);

// "reason (detail), reason (detail)": the text after `violates PodSecurity "...": `.
std::string FormatViolations(const std::vector<Violation>& violations);
// "reason, reason": the per-pod text of namespace label warnings.
std::string FormatReasons(const std::vector<Violation>& violations);

// The whole enforce error message: `pods "x" is forbidden: violates PodSecurity
// "restricted:latest": <FormatViolations>` (`pods is forbidden: ...` when pod_name is empty).
std::string ForbiddenPodMessage(std::string_view pod_name, const LevelVersion& policy,
                                const std::vector<Violation>& violations);
// `would violate PodSecurity "restricted:latest": <FormatViolations>`: the warning for pods and
// workloads, and the audit-violations annotation value.
std::string WarningMessage(const LevelVersion& policy, const std::vector<Violation>& violations);

// The pod template (metadata, spec) of a workload: core ReplicationController and PodTemplate,
// apps Deployment, ReplicaSet, StatefulSet and DaemonSet, batch Job and CronJob
// (spec.jobTemplate.spec.template). nullopt for other kinds, and when the object has no template
// (upstream then skips the evaluation). Missing metadata or spec in a template come back as {}.
std::optional<std::pair<nlohmann::json, nlohmann::json>> PodTemplateOf(
    std::string_view group, std::string_view kind, const nlohmann::json& object);

// Pod subresources upstream never evaluates (exec, attach, binding, eviction, log, portforward,
// proxy, status); every other pod subresource (ephemeralcontainers, resize, ...) is evaluated.
bool IsIgnoredPodSubresource(std::string_view subresource);
// Whether a pod update needs evaluation: container or init container counts changed, an image
// changed, or an ephemeral container was added or changed its image.
bool IsSignificantPodUpdate(const nlohmann::json& new_pod_spec, const nlohmann::json& old_pod_spec);

// Whether a namespace update must dry-run its pods: the enforce policy changed, is not
// privileged, and is not merely relaxed at the same version.
bool ShouldCheckPodsOnNamespaceUpdate(const LevelVersion& old_enforce,
                                      const LevelVersion& new_enforce);
// Upstream's warnings for existing pods (full Pod objects) against a new enforce policy:
// `existing pods in namespace "ns" violate the new PodSecurity enforce level "restricted:latest"`
// followed by one sorted line per distinct set of reasons, `pod-a (and 2 other pods): reasons`.
// At most 3000 pods are checked (one per controller first), as upstream, with a leading
// `new PodSecurity enforce level only checked against the first 3000 of N existing pods` when
// there are more. Empty when every pod passes and none were skipped.
std::vector<std::string> NamespaceLabelWarnings(std::string_view namespace_name,
                                                const LevelVersion& new_enforce,
                                                const std::vector<nlohmann::json>& pods);

}  // namespace k1s::admission
