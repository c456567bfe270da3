// Defaults of apps/v1, batch/v1 and autoscaling/v2 (pkg/apis/{apps,batch,autoscaling}/.../
// defaults.go and their generated recursion into pod templates and claim templates).
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/defaults.h"
#include "api/defaults_internal.h"

namespace k1s::api::defaults_internal {
namespace {

// spec.template is a Go value struct, so its PodSpec defaults apply even when it was omitted.
void DefaultSpecTemplate(json& spec) {
  if (json* pod_template = EnsureObject(spec, "template")) {
    ApplyPodTemplateSpecDefaults(*pod_template);
  }
}

bool IsString(const json& parent, std::string_view key, std::string_view value) {
  const std::string* text = GetString(parent, key);
  return text != nullptr && *text == value;
}

void DefaultDeployment(json& deployment) {
  json* spec = EnsureObject(deployment, "spec");
  if (spec == nullptr) return;
  DefaultPointer(*spec, "replicas", 1);
  if (json* strategy = EnsureObject(*spec, "strategy")) {
    DefaultString(*strategy, "type", "RollingUpdate");
    if (IsString(*strategy, "type", "RollingUpdate")) {
      if (json* rolling = EnsureObject(*strategy, "rollingUpdate")) {
        DefaultPointer(*rolling, "maxUnavailable", "25%");
        DefaultPointer(*rolling, "maxSurge", "25%");
      }
    }
  }
  DefaultPointer(*spec, "revisionHistoryLimit", 10);
  DefaultPointer(*spec, "progressDeadlineSeconds", 600);
  DefaultSpecTemplate(*spec);
}

void DefaultDaemonSet(json& daemon_set) {
  json* spec = EnsureObject(daemon_set, "spec");
  if (spec == nullptr) return;
  if (json* strategy = EnsureObject(*spec, "updateStrategy")) {
    DefaultString(*strategy, "type", "RollingUpdate");
    if (IsString(*strategy, "type", "RollingUpdate")) {
      if (json* rolling = EnsureObject(*strategy, "rollingUpdate")) {
        DefaultPointer(*rolling, "maxUnavailable", 1);
        DefaultPointer(*rolling, "maxSurge", 0);
      }
    }
  }
  DefaultPointer(*spec, "revisionHistoryLimit", 10);
  DefaultSpecTemplate(*spec);
}

void DefaultStatefulSet(json& stateful_set) {
  json* spec = EnsureObject(stateful_set, "spec");
  if (spec == nullptr) return;
  DefaultString(*spec, "podManagementPolicy", "OrderedReady");
  if (json* strategy = EnsureObject(*spec, "updateStrategy")) {
    const std::string* type = GetString(*strategy, "type");
    if (IsUnset(*strategy, "type") || (type != nullptr && type->empty())) {
      (*strategy)["type"] = "RollingUpdate";
      // Only an implicit RollingUpdate gets a rollingUpdate block; an explicit one keeps nil.
      DefaultPointer(*strategy, "rollingUpdate", json::object());
    }
    if (IsString(*strategy, "type", "RollingUpdate")) {
      if (json* rolling = GetObject(*strategy, "rollingUpdate")) {
        DefaultPointer(*rolling, "partition", 0);
      }
    }
  }
  // StatefulSetAutoDeletePVC is GA (on) in v1.32.
  if (json* retention = EnsureObject(*spec, "persistentVolumeClaimRetentionPolicy")) {
    DefaultString(*retention, "whenDeleted", "Retain");
    DefaultString(*retention, "whenScaled", "Retain");
  }
  DefaultPointer(*spec, "replicas", 1);
  DefaultPointer(*spec, "revisionHistoryLimit", 10);
  DefaultSpecTemplate(*spec);
  ForEachObject(*spec, "volumeClaimTemplates",
                [](json& claim) { ApplyPersistentVolumeClaimDefaults(claim); });
}

void DefaultReplicaSet(json& replica_set) {
  json* spec = EnsureObject(replica_set, "spec");
  if (spec == nullptr) return;
  DefaultPointer(*spec, "replicas", 1);
  DefaultSpecTemplate(*spec);
}

// SetDefaults_PodFailurePolicyOnPodConditionsPattern, reached from any JobSpec.
void DefaultPodFailurePolicy(json& job_spec) {
  json* policy = GetObject(job_spec, "podFailurePolicy");
  if (policy == nullptr) return;
  ForEachObject(*policy, "rules", [](json& rule) {
    ForEachObject(rule, "onPodConditions",
                  [](json& pattern) { DefaultString(pattern, "status", "True"); });
  });
}

void DefaultJob(json& job) {
  json* spec = EnsureObject(job, "spec");
  if (spec == nullptr) return;
  if (IsUnset(*spec, "completions") && IsUnset(*spec, "parallelism")) {
    (*spec)["completions"] = 1;
    (*spec)["parallelism"] = 1;
  }
  DefaultPointer(*spec, "parallelism", 1);
  if (IsUnset(*spec, "backoffLimit")) {
    // JobBackoffLimitPerIndex is beta (on) in v1.32: per-index jobs do not use the global limit.
    (*spec)["backoffLimit"] = IsUnset(*spec, "backoffLimitPerIndex")
                                  ? int64_t{6}
                                  : int64_t{std::numeric_limits<int32_t>::max()};
  }
  if (json* pod_template = GetObject(*spec, "template")) {
    json* template_metadata = GetObject(*pod_template, "metadata");
    if (template_metadata != nullptr && IsNonEmptyObject(*template_metadata, "labels")) {
      if (json* metadata = EnsureObject(job, "metadata")) {
        if (IsEmptyMap(*metadata, "labels")) {
          (*metadata)["labels"] = (*template_metadata)["labels"];
        }
      }
    }
  }
  DefaultPointer(*spec, "completionMode", "NonIndexed");
  DefaultPointer(*spec, "suspend", false);
  // JobPodReplacementPolicy is beta (on) in v1.32.
  if (IsUnset(*spec, "podReplacementPolicy")) {
    (*spec)["podReplacementPolicy"] =
        IsUnset(*spec, "podFailurePolicy") ? "TerminatingOrFailed" : "Failed";
  }
  DefaultPointer(*spec, "manualSelector", false);
  DefaultSpecTemplate(*spec);
  DefaultPodFailurePolicy(*spec);
}

void DefaultCronJob(json& cron_job) {
  json* spec = EnsureObject(cron_job, "spec");
  if (spec == nullptr) return;
  DefaultString(*spec, "concurrencyPolicy", "Allow");
  DefaultPointer(*spec, "suspend", false);
  DefaultPointer(*spec, "successfulJobsHistoryLimit", 3);
  DefaultPointer(*spec, "failedJobsHistoryLimit", 1);
  // The job template gets only the nested defaulters (pod template, failure policy), not
  // SetDefaults_Job: that runs when the controller creates the Job.
  json* job_template = EnsureObject(*spec, "jobTemplate");
  json* job_spec = job_template != nullptr ? EnsureObject(*job_template, "spec") : nullptr;
  if (job_spec == nullptr) return;
  DefaultSpecTemplate(*job_spec);
  DefaultPodFailurePolicy(*job_spec);
}

// GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: the defaults with every field the client
// set copied over.
void DefaultScalingRules(json& behavior, std::string_view key, const json& defaults) {
  if (!IsUnset(behavior, key) && GetObject(behavior, key) == nullptr) return;
  json rules = defaults;
  if (json* given = GetObject(behavior, key)) {
    for (std::string_view field : {"selectPolicy", "stabilizationWindowSeconds", "policies"}) {
      if (!IsUnset(*given, field)) rules[std::string(field)] = (*given)[std::string(field)];
    }
    // Unknown members would not survive decoding upstream; keep them for validation anyway.
    for (const auto& [name, value] : given->items()) {
      if (!rules.contains(name)) rules[name] = value;
    }
  }
  behavior[std::string(key)] = std::move(rules);
}

void DefaultHorizontalPodAutoscaler(json& autoscaler) {
  json* spec = EnsureObject(autoscaler, "spec");
  if (spec == nullptr) return;
  DefaultPointer(*spec, "minReplicas", 1);
  if (IsEmptyList(*spec, "metrics")) {
    (*spec)["metrics"] = json::array({{
        {"type", "Resource"},
        {"resource",
         {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", 80}}}}},
    }});
  }
  if (json* behavior = GetObject(*spec, "behavior")) {
    static const json kScaleUp = {
        {"stabilizationWindowSeconds", 0},
        {"selectPolicy", "Max"},
        {"policies",
         {{{"type", "Pods"}, {"value", 4}, {"periodSeconds", 15}},
          {{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}}},
    };
    // No scale-down stabilization default: the controller's flag decides it.
    static const json kScaleDown = {
        {"selectPolicy", "Max"},
        {"policies", {{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}}},
    };
    DefaultScalingRules(*behavior, "scaleUp", kScaleUp);
    DefaultScalingRules(*behavior, "scaleDown", kScaleDown);
  }
}

}  // namespace

bool ApplyWorkloadDefaults(std::string_view group, std::string_view version, std::string_view kind,
                           json* object) {
  using Defaulter = void (*)(json&);
  Defaulter defaulter = nullptr;
  if (group == "apps" && version == "v1") {
    if (kind == "Deployment") defaulter = DefaultDeployment;
    if (kind == "DaemonSet") defaulter = DefaultDaemonSet;
    if (kind == "StatefulSet") defaulter = DefaultStatefulSet;
    if (kind == "ReplicaSet") defaulter = DefaultReplicaSet;
    // ControllerRevision has no defaults.
  } else if (group == "batch" && version == "v1") {
    if (kind == "Job") defaulter = DefaultJob;
    if (kind == "CronJob") defaulter = DefaultCronJob;
  } else if (group == "autoscaling" && version == "v2") {
    if (kind == "HorizontalPodAutoscaler") defaulter = DefaultHorizontalPodAutoscaler;
  }
  if (defaulter == nullptr) return false;
  if (object != nullptr) defaulter(*object);
  return true;
}

}  // namespace k1s::api::defaults_internal
