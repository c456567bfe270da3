// PodSecurity (upstream k8s.io/pod-security-admission's admission controller): the namespace's
// pod-security.kubernetes.io labels, falling back to the cluster defaults, choose a level per
// mode; pods violating the enforce level are refused, warn-level violations come back as
// Warning headers, and workloads with pod templates are only warned about. Exempt namespaces
// (kube-system by default) are not evaluated.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "admission/pod_security.h"
#include "api/errors.h"
#include "apiserver/admission_plugins.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using admission::LevelVersion;
using admission::PodSecurityLevel;
using nlohmann::json;

LevelVersion DefaultLevel(const std::string& name) {
  return LevelVersion{admission::ParseLevel(name).value_or(PodSecurityLevel::kPrivileged),
                      "latest"};
}

class PodSecurity : public AdmissionPlugin {
 public:
  PodSecurity(const ClusterReader& reader, PodSecurityDefaults defaults)
      : reader_(reader),
        defaults_{DefaultLevel(defaults.enforce), DefaultLevel(defaults.audit),
                  DefaultLevel(defaults.warn)},
        exempt_(std::move(defaults.exempt_namespaces)) {}
  std::string_view Name() const override { return "PodSecurity"; }

  absl::Status Validate(const AdmissionRequest& request, const json& object) override {
    if (request.type == nullptr || request.operation == AdmissionOperation::kDelete) {
      return absl::OkStatus();
    }
    const api::ResourceType& type = *request.type;
    if (type.group.empty() && type.kind == "Namespace" && request.subresource.empty()) {
      return ValidateNamespace(request, object);
    }
    if (std::find(exempt_.begin(), exempt_.end(), request.namespace_name) != exempt_.end()) {
      return absl::OkStatus();
    }
    if (type.group.empty() && type.kind == "Pod") return ValidatePod(request, object);
    if (!request.subresource.empty()) return absl::OkStatus();
    std::optional<std::pair<json, json>> tmpl =
        admission::PodTemplateOf(type.group, type.kind, object);
    if (!tmpl) return absl::OkStatus();
    admission::NamespacePolicy policy = PolicyOf(request.namespace_name);
    Audit(request, policy.audit, tmpl->first, tmpl->second);
    Warn(request, policy.warn, tmpl->first, tmpl->second);
    return absl::OkStatus();
  }

 private:
  admission::NamespacePolicy PolicyOf(std::string_view namespace_name) const {
    std::optional<json> ns = reader_.Get("", "Namespace", "", namespace_name);
    json labels = ns ? (*ns)["metadata"].value("labels", json::object()) : json::object();
    return admission::PolicyFromLabels(labels, defaults_);
  }

  static void Warn(const AdmissionRequest& request, const LevelVersion& level, const json& metadata,
                   const json& spec) {
    if (level.level == PodSecurityLevel::kPrivileged) return;
    std::vector<admission::Violation> violations = admission::CheckPod(level, metadata, spec);
    if (!violations.empty()) {
      request.warnings->push_back(admission::WarningMessage(level, violations));
    }
  }

  // Audit mode: the violations go into the request's audit event, as upstream annotates it.
  static void Audit(const AdmissionRequest& request, const LevelVersion& level,
                    const json& metadata, const json& spec) {
    if (request.audit_annotations == nullptr || level.level == PodSecurityLevel::kPrivileged) {
      return;
    }
    std::vector<admission::Violation> violations = admission::CheckPod(level, metadata, spec);
    if (!violations.empty()) {
      (*request.audit_annotations)[base::StrCat(admission::kAuditAnnotationPrefix,
                                                admission::kAuditViolationsAnnotation)] =
          admission::WarningMessage(level, violations);
    }
  }

  absl::Status ValidatePod(const AdmissionRequest& request, const json& pod) const {
    if (admission::IsIgnoredPodSubresource(request.subresource)) return absl::OkStatus();
    const json& spec = pod.value("spec", json::object());
    if (request.operation == AdmissionOperation::kUpdate && request.old_object != nullptr &&
        !admission::IsSignificantPodUpdate(spec,
                                           request.old_object->value("spec", json::object()))) {
      return absl::OkStatus();
    }
    admission::NamespacePolicy policy = PolicyOf(request.namespace_name);
    const json& metadata = pod.value("metadata", json::object());
    if (request.audit_annotations != nullptr) {
      (*request.audit_annotations)[base::StrCat(admission::kAuditAnnotationPrefix,
                                                admission::kEnforcePolicyAnnotation)] =
          admission::FormatLevelVersion(policy.enforce);
    }
    Audit(request, policy.audit, metadata, spec);
    if (policy.enforce.level != PodSecurityLevel::kPrivileged) {
      std::vector<admission::Violation> violations =
          admission::CheckPod(policy.enforce, metadata, spec);
      if (!violations.empty()) {
        return api::ForbiddenError(
            *request.type, request.name,
            admission::ForbiddenPodMessage(request.name, policy.enforce, violations));
      }
    }
    Warn(request, policy.warn, metadata, spec);
    return absl::OkStatus();
  }

  absl::Status ValidateNamespace(const AdmissionRequest& request, const json& ns) const {
    const json& labels = ns["metadata"].value("labels", json::object());
    std::vector<admission::LabelError> errors = admission::PodSecurityLabelErrors(labels);
    if (!errors.empty()) {
      bool unchanged = false;
      if (request.operation == AdmissionOperation::kUpdate && request.old_object != nullptr) {
        std::vector<admission::LabelError> old_errors = admission::PodSecurityLabelErrors(
            (*request.old_object)["metadata"].value("labels", json::object()));
        unchanged = old_errors.size() == errors.size() &&
                    std::equal(errors.begin(), errors.end(), old_errors.begin(),
                               [](const admission::LabelError& a, const admission::LabelError& b) {
                                 return a.field == b.field && a.value == b.value;
                               });
      }
      if (!unchanged) {
        api::FieldErrors field_errors;
        for (const admission::LabelError& error : errors) {
          field_errors.push_back(api::Invalid(error.field, error.value, error.detail));
        }
        return api::InvalidError(*request.type, request.name, field_errors);
      }
    }
    if (request.operation != AdmissionOperation::kUpdate || request.old_object == nullptr) {
      return absl::OkStatus();
    }
    LevelVersion old_enforce =
        admission::PolicyFromLabels(
            (*request.old_object)["metadata"].value("labels", json::object()), defaults_)
            .enforce;
    LevelVersion new_enforce = admission::PolicyFromLabels(labels, defaults_).enforce;
    if (admission::ShouldCheckPodsOnNamespaceUpdate(old_enforce, new_enforce) &&
        std::find(exempt_.begin(), exempt_.end(), request.name) == exempt_.end()) {
      for (std::string& warning : admission::NamespaceLabelWarnings(
               request.name, new_enforce, reader_.List("", "Pod", request.name))) {
        request.warnings->push_back(std::move(warning));
      }
    }
    return absl::OkStatus();
  }

  const ClusterReader& reader_;
  const admission::NamespacePolicy defaults_;
  const std::vector<std::string> exempt_;
};

}  // namespace

std::unique_ptr<AdmissionPlugin> NewPodSecurity(const ClusterReader& reader,
                                                PodSecurityDefaults defaults) {
  return std::make_unique<PodSecurity>(reader, std::move(defaults));
}

}  // namespace k1s::apiserver
