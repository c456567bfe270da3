#include "api/validate_kinds.h"

#include <nlohmann/json.hpp>

#include "api/validate_groups.h"
#include "api/validate_util.h"

namespace k1s::api {

using json = nlohmann::json;

NameRule NameRuleFor(std::string_view group, std::string_view kind) {
  if (group.empty()) {
    if (kind == "Namespace") return NameRule::kDnsLabel;
    if (kind == "Service") return NameRule::kDns1035Label;
    return NameRule::kDnsSubdomain;
  }
  if (group == "apps" && kind == "StatefulSet") return NameRule::kDnsLabel;
  if (group == "rbac.authorization.k8s.io") return NameRule::kPathSegment;
  return NameRule::kDnsSubdomain;
}

FieldErrors ValidateKind(std::string_view group, std::string_view kind, const json& object) {
  if (group.empty()) {
    if (kind == "Pod") return core_kinds::ValidatePodCreate(object);
    if (kind == "PodTemplate") return core_kinds::ValidatePodTemplate(object);
    if (kind == "ReplicationController") return core_kinds::ValidateReplicationController(object);
    return other_kinds::ValidateCore(kind, object);
  }
  if (group == "apps") {
    if (kind == "Deployment") return apps_kinds::ValidateDeployment(object);
    if (kind == "ReplicaSet") return apps_kinds::ValidateReplicaSet(object);
    if (kind == "DaemonSet") return apps_kinds::ValidateDaemonSet(object);
    if (kind == "StatefulSet") return apps_kinds::ValidateStatefulSet(object);
    if (kind == "ControllerRevision") return apps_kinds::ValidateControllerRevision(object);
    return {};
  }
  if (group == "batch") {
    if (kind == "Job") return batch_kinds::ValidateJob(object);
    if (kind == "CronJob") return batch_kinds::ValidateCronJob(object);
    return {};
  }
  return other_kinds::ValidateOther(group, kind, object);
}

FieldErrors ValidateKindUpdate(std::string_view group, std::string_view kind, const json& object,
                               const json& old) {
  if (group.empty()) {
    if (kind == "Pod") return core_kinds::ValidatePodUpdate(object, old);
    if (kind == "PodTemplate") return core_kinds::ValidatePodTemplate(object);
    if (kind == "ReplicationController") return core_kinds::ValidateReplicationController(object);
    return other_kinds::ValidateCoreUpdate(kind, object, old);
  }
  if (group == "apps") {
    FieldErrors errs;
    if (kind == "Deployment") {
      errs = apps_kinds::ValidateDeployment(object);
    } else if (kind == "ReplicaSet") {
      errs = apps_kinds::ValidateReplicaSet(object);
    } else if (kind == "DaemonSet") {
      return apps_kinds::ValidateDaemonSetUpdate(object, old);
    } else if (kind == "StatefulSet") {
      return apps_kinds::ValidateStatefulSetUpdate(object, old);
    } else if (kind == "ControllerRevision") {
      return apps_kinds::ValidateControllerRevisionUpdate(object, old);
    } else {
      return {};
    }
    // The Deployment and ReplicaSet strategies check the selector after the spec.
    validate::Append(errs, apps_kinds::ValidateSelectorImmutable(object, old));
    return errs;
  }
  if (group == "batch") {
    if (kind == "Job") return batch_kinds::ValidateJobUpdate(object, old);
    if (kind == "CronJob") return batch_kinds::ValidateCronJobUpdate(object, old);
    return {};
  }
  return other_kinds::ValidateOtherUpdate(group, kind, object, old);
}

}  // namespace k1s::api
