// apps/v1 kinds: Deployment, ReplicaSet, DaemonSet, StatefulSet and ControllerRevision. Mirrors
// pkg/apis/apps/validation/validation.go and the apps registry strategies (selector immutability).
#include <nlohmann/json.hpp>
#include <string>

#include "api/validate_groups.h"
#include "api/validate_kinds.h"
#include "api/validate_util.h"
#include "base/strings.h"

namespace k1s::api::apps_kinds {
namespace {

using json = nlohmann::json;
using base::StrCat;
using namespace validate;  // NOLINT(build/namespaces): internal helpers

// The common selector checks of Deployment/ReplicaSet/StatefulSet specs; returns the matcher.
Selector RequiredSelector(const json& spec, const char* kind_for_message, FieldErrors& errs) {
  const json& selector = Get(spec, "selector");
  if (selector.is_null()) {
    errs.push_back(Required("spec.selector"));
  } else {
    ValidateLabelSelector(selector, "spec.selector", errs);
    if (Size(Get(selector, "matchLabels")) + Size(Get(selector, "matchExpressions")) == 0) {
      errs.push_back(InvalidRendered("spec.selector", GoLabelSelector(selector),
                                     StrCat("empty selector is invalid for ", kind_for_message)));
    }
  }
  return AsSelector(selector);
}

// ValidatePodTemplateSpecForReplicaSet (also used by Deployment).
void TemplateForReplicaSet(const json& spec, const Selector& selector, FieldErrors& errs) {
  const json& tmpl = Get(spec, "template");
  if (tmpl.is_null()) {
    errs.push_back(Required("spec.template"));
    return;
  }
  const json& labels = Get(Get(tmpl, "metadata"), "labels");
  if (!selector.empty && !selector.Matches(labels)) {
    errs.push_back(InvalidRendered("spec.template.metadata.labels", GoStringMap(labels),
                                   "`selector` does not match template `labels`"));
  }
  Append(errs, ValidatePodTemplateSpec(tmpl, "spec.template"));
  std::string restart = Str(Get(tmpl, "spec"), "restartPolicy");
  if (restart != "Always") {
    errs.push_back(NotSupported("spec.template.spec.restartPolicy", restart, {"Always"}));
  }
  if (Has(Get(tmpl, "spec"), "activeDeadlineSeconds")) {
    errs.push_back(Forbidden("spec.template.spec.activeDeadlineSeconds",
                             "activeDeadlineSeconds in ReplicaSet is not Supported"));
  }
}

void SelectorAsSelectorError(const json& spec, const Selector& selector, FieldErrors& errs) {
  if (!selector.valid) {
    errs.push_back(InvalidRendered("spec.selector", GoLabelSelector(Get(spec, "selector")),
                                   "invalid label selector"));
  }
}

std::string GoDeploymentStrategy(const json& strategy) {
  return StrCat("apps.DeploymentStrategy{Type:", GoQuote(Str(strategy, "type")),
                ", RollingUpdate:(*apps.RollingUpdateDeployment)(",
                Has(strategy, "rollingUpdate") ? "0xc000000000" : "nil", ")}");
}

void DeploymentStrategy(const json& strategy, FieldErrors& errs) {
  std::string type = Str(strategy, "type");
  if (type == "Recreate") {
    if (Has(strategy, "rollingUpdate")) {
      errs.push_back(Forbidden("spec.strategy.rollingUpdate",
                               "may not be specified when strategy `type` is 'Recreate'"));
    }
  } else if (type == "RollingUpdate") {
    if (!Has(strategy, "rollingUpdate")) {
      errs.push_back(
          Required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
      return;
    }
    const json& ru = Get(strategy, "rollingUpdate");
    const json& unavailable = Get(ru, "maxUnavailable");
    const json& surge = Get(ru, "maxSurge");
    ValidatePositiveIntOrPercent(unavailable, "spec.strategy.rollingUpdate.maxUnavailable", errs);
    ValidatePositiveIntOrPercent(surge, "spec.strategy.rollingUpdate.maxSurge", errs);
    if (IntOrPercentValue(unavailable) == 0 && IntOrPercentValue(surge) == 0) {
      errs.push_back(InvalidRendered("spec.strategy.rollingUpdate.maxUnavailable",
                                     GoIntOrString(unavailable),
                                     "may not be 0 when `maxSurge` is 0"));
    }
    NotMoreThan100Percent(unavailable, "spec.strategy.rollingUpdate.maxUnavailable", errs);
  } else {
    errs.push_back(NotSupportedRendered("spec.strategy", GoDeploymentStrategy(strategy),
                                        {"Recreate", "RollingUpdate"}));
  }
}

}  // namespace

FieldErrors ValidateDeployment(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  NonNegative(spec, "replicas", "spec.replicas", errs);
  Selector selector = RequiredSelector(spec, "deployment", errs);
  if (!selector.valid) {
    SelectorAsSelectorError(spec, selector, errs);
  } else {
    TemplateForReplicaSet(spec, selector, errs);
  }
  DeploymentStrategy(Get(spec, "strategy"), errs);
  NonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
  NonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errs);
  if (Has(spec, "rollbackTo")) {
    NonNegative(Get(spec, "rollbackTo"), "revision", "spec.rollback.version", errs);
  }
  if (std::optional<int64_t> deadline = Int(spec, "progressDeadlineSeconds")) {
    NonNegative(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", errs);
    if (*deadline <= Int(spec, "minReadySeconds").value_or(0)) {
      errs.push_back(Invalid("spec.progressDeadlineSeconds", *deadline,
                             "must be greater than minReadySeconds"));
    }
  }
  return errs;
}

FieldErrors ValidateReplicaSet(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  NonNegative(spec, "replicas", "spec.replicas", errs);
  NonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
  // Upstream's ReplicaSet check reuses the deployment wording.
  Selector selector = RequiredSelector(spec, "deployment", errs);
  if (!selector.valid) {
    SelectorAsSelectorError(spec, selector, errs);
  } else {
    TemplateForReplicaSet(spec, selector, errs);
  }
  return errs;
}

FieldErrors ValidateDaemonSet(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  const json& selector_json = Get(spec, "selector");
  ValidateLabelSelector(selector_json, "spec.selector", errs);
  Selector selector = AsSelector(selector_json);
  const json& tmpl = Get(spec, "template");
  const json& labels = Get(Get(tmpl, "metadata"), "labels");
  if (selector.valid && !selector.Matches(labels)) {
    errs.push_back(InvalidRendered("spec.template.metadata.labels", GoStringMap(labels),
                                   "`selector` does not match template `labels`"));
  }
  if (selector_json.is_object() &&
      Size(Get(selector_json, "matchLabels")) + Size(Get(selector_json, "matchExpressions")) == 0) {
    errs.push_back(InvalidRendered("spec.selector", GoLabelSelector(selector_json),
                                   "empty selector is invalid for daemonset"));
  }
  Append(errs, ValidatePodTemplateSpec(tmpl, "spec.template"));
  std::string restart = Str(Get(tmpl, "spec"), "restartPolicy");
  if (restart != "Always") {
    errs.push_back(NotSupported("spec.template.spec.restartPolicy", restart, {"Always"}));
  }
  if (Has(Get(tmpl, "spec"), "activeDeadlineSeconds")) {
    errs.push_back(Forbidden("spec.template.spec.activeDeadlineSeconds",
                             "activeDeadlineSeconds in DaemonSet is not Supported"));
  }
  NonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
  const json& strategy = Get(spec, "updateStrategy");
  std::string type = Str(strategy, "type");
  if (type == "RollingUpdate") {
    if (!Has(strategy, "rollingUpdate")) {
      errs.push_back(Required("spec.updateStrategy.rollingUpdate"));
    } else {
      const json& ru = Get(strategy, "rollingUpdate");
      const json& unavailable = Get(ru, "maxUnavailable");
      const json& surge = Get(ru, "maxSurge");
      std::string base = "spec.updateStrategy.rollingUpdate";
      ValidatePositiveIntOrPercent(unavailable, Child(base, "maxUnavailable"), errs);
      ValidatePositiveIntOrPercent(surge, Child(base, "maxSurge"), errs);
      NotMoreThan100Percent(unavailable, Child(base, "maxUnavailable"), errs);
      NotMoreThan100Percent(surge, Child(base, "maxSurge"), errs);
      bool has_unavailable = IntOrPercentValue(unavailable) != 0;
      bool has_surge = IntOrPercentValue(surge) != 0;
      if (has_unavailable && has_surge) {
        errs.push_back(InvalidRendered(Child(base, "maxSurge"), GoIntOrString(surge),
                                       "may not be set when maxUnavailable is non-zero"));
      } else if (!has_unavailable && !has_surge) {
        errs.push_back(Required(Child(base, "maxUnavailable"), "cannot be 0 when maxSurge is 0"));
      }
    }
  } else if (type != "OnDelete") {
    errs.push_back(
        NotSupportedRendered("spec.updateStrategy",
                             StrCat("apps.DaemonSetUpdateStrategy{Type:", GoQuote(type),
                                    ", RollingUpdate:(*apps.RollingUpdateDaemonSet)(",
                                    Has(strategy, "rollingUpdate") ? "0xc000000000" : "nil", ")}"),
                             {"RollingUpdate", "OnDelete"}));
  }
  NonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errs);
  return errs;
}

FieldErrors ValidateDaemonSetUpdate(const json& object, const json& old) {
  FieldErrors errs = ValidateDaemonSet(object);
  Append(errs, ValidateSelectorImmutable(object, old));
  return errs;
}

FieldErrors ValidateStatefulSet(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  std::string policy = Str(spec, "podManagementPolicy");
  if (policy.empty()) {
    errs.push_back(Required("spec.podManagementPolicy"));
  } else if (policy != "OrderedReady" && policy != "Parallel") {
    errs.push_back(
        Invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const json& strategy = Get(spec, "updateStrategy");
  std::string type = Str(strategy, "type");
  if (type.empty()) {
    errs.push_back(Required("spec.updateStrategy"));
  } else if (type == "OnDelete") {
    if (Has(strategy, "rollingUpdate")) {
      errs.push_back(InvalidRendered("spec.updateStrategy.rollingUpdate",
                                     "&apps.RollingUpdateStatefulSetStrategy{...}",
                                     "only allowed for updateStrategy 'RollingUpdate'"));
    }
  } else if (type == "RollingUpdate") {
    const json& ru = Get(strategy, "rollingUpdate");
    NonNegative(ru, "partition", "spec.updateStrategy.rollingUpdate.partition", errs);
  } else {
    errs.push_back(
        InvalidRendered("spec.updateStrategy",
                        StrCat("apps.StatefulSetUpdateStrategy{Type:", GoQuote(type),
                               ", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(",
                               Has(strategy, "rollingUpdate") ? "0xc000000000" : "nil", ")}"),
                        "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const json& retention = Get(spec, "persistentVolumeClaimRetentionPolicy");
  if (retention.is_object()) {
    for (const char* key : {"whenDeleted", "whenScaled"}) {
      std::string value = Str(retention, key);
      if (value != "Retain" && value != "Delete") {
        errs.push_back(NotSupported(StrCat("spec.persistentVolumeClaimRetentionPolicy.", key),
                                    value, {"Retain", "Delete"}));
      }
    }
  }
  NonNegative(spec, "replicas", "spec.replicas", errs);
  NonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
  if (Has(spec, "ordinals"))
    NonNegative(Get(spec, "ordinals"), "start", "spec.ordinals.start", errs);
  Selector selector = RequiredSelector(spec, "statefulset", errs);
  const json& tmpl = Get(spec, "template");
  if (!selector.valid) {
    errs.push_back(InvalidRendered("spec.selector", GoLabelSelector(Get(spec, "selector")), ""));
  } else {
    // Upstream validates only the template's labels and annotations for StatefulSets.
    const json& labels = Get(Get(tmpl, "metadata"), "labels");
    if (!selector.empty && !selector.Matches(labels)) {
      errs.push_back(InvalidRendered("spec.template.metadata.labels", GoStringMap(labels),
                                     "`selector` does not match template `labels`"));
    }
    ValidateLabelMap(labels, "spec.template.labels", errs);
    ValidateAnnotationMap(Get(Get(tmpl, "metadata"), "annotations"), "spec.template.annotations",
                          errs);
  }
  std::string restart = Str(Get(tmpl, "spec"), "restartPolicy");
  if (restart != "Always") {
    errs.push_back(NotSupported("spec.template.spec.restartPolicy", restart, {"Always"}));
  }
  if (Has(Get(tmpl, "spec"), "activeDeadlineSeconds")) {
    errs.push_back(Forbidden("spec.template.spec.activeDeadlineSeconds",
                             "activeDeadlineSeconds in StatefulSet is not Supported"));
  }
  return errs;
}

FieldErrors ValidateStatefulSetUpdate(const json& object, const json& old) {
  FieldErrors errs = ValidateStatefulSet(object);
  json now = Get(object, "spec");
  json before = Get(old, "spec");
  for (const char* mutable_field : {"replicas", "template", "updateStrategy", "minReadySeconds",
                                    "ordinals", "persistentVolumeClaimRetentionPolicy"}) {
    if (now.is_object()) now.erase(mutable_field);
    if (before.is_object()) before.erase(mutable_field);
  }
  if (now != before) {
    errs.push_back(Forbidden("spec",
                             "updates to statefulset spec for fields other than 'replicas', "
                             "'ordinals', 'template', 'updateStrategy', "
                             "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                             "forbidden"));
  }
  return errs;
}

FieldErrors ValidateControllerRevision(const json& object) {
  FieldErrors errs;
  if (Get(object, "data").is_null()) errs.push_back(Required("data", "data is mandatory"));
  NonNegative(object, "revision", "revision", errs);
  return errs;
}

FieldErrors ValidateControllerRevisionUpdate(const json& object, const json& old) {
  FieldErrors errs = ValidateControllerRevision(object);
  if (Get(object, "data") != Get(old, "data")) {
    errs.push_back(Invalid("data", Get(object, "data"), kImmutableMsg));
  }
  return errs;
}

FieldErrors ValidateSelectorImmutable(const json& object, const json& old) {
  const json& now = Get(Get(object, "spec"), "selector");
  if (now == Get(Get(old, "spec"), "selector")) return {};
  // A *metav1.LabelSelector prints with %#v once dereferenced; nil prints as null.
  std::string rendered = now.is_null() ? "null" : GoLabelSelector(now);
  return {InvalidRendered("spec.selector", rendered, kImmutableMsg)};
}

}  // namespace k1s::api::apps_kinds
