// Printers for apps, batch, autoscaling and policy.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/human_duration.h"
#include "api/table_printer_internal.h"

namespace k1s::api::table_internal {
namespace {

constexpr char kSelectorDoc[] =
    "A label query over pods that should match the replica count. Label keys and values that "
    "must match in order to be controlled by this replica set.";
constexpr char kReadyCountDoc[] = "Number of the pod with ready state";

json DeploymentCells(const json& deployment, int64_t now) {
  const json& spec = Field(deployment, "spec");
  const json& status = Field(deployment, "status");
  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  std::optional<std::string> selector = SelectorString(Field(spec, "selector"));
  return json::array(
      {Name(deployment),
       absl::StrCat(Int(Field(status, "readyReplicas")), "/", Int(Field(spec, "replicas"), 1)),
       Int(Field(status, "updatedReplicas")), Int(Field(status, "availableReplicas")),
       Age(deployment, now), names, images, selector ? *selector : "<invalid>"});
}

json ReplicaSetCells(const json& replica_set, int64_t now) {
  const json& spec = Field(replica_set, "spec");
  const json& status = Field(replica_set, "status");
  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  return json::array({Name(replica_set), Int(Field(spec, "replicas"), 1),
                      Int(Field(status, "replicas")), Int(Field(status, "readyReplicas")),
                      Age(replica_set, now), names, images,
                      FormatLabelSelector(Field(spec, "selector"))});
}

json StatefulSetCells(const json& stateful_set, int64_t now) {
  const json& spec = Field(stateful_set, "spec");
  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  return json::array({Name(stateful_set),
                      absl::StrCat(Int(At(stateful_set, {"status", "readyReplicas"})), "/",
                                   Int(Field(spec, "replicas"), 1)),
                      Age(stateful_set, now), names, images});
}

json DaemonSetCells(const json& daemon_set, int64_t now) {
  const json& spec = Field(daemon_set, "spec");
  const json& status = Field(daemon_set, "status");
  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  return json::array(
      {Name(daemon_set), Int(Field(status, "desiredNumberScheduled")),
       Int(Field(status, "currentNumberScheduled")), Int(Field(status, "numberReady")),
       Int(Field(status, "updatedNumberScheduled")), Int(Field(status, "numberAvailable")),
       FormatLabels(At(spec, {"template", "spec", "nodeSelector"})), Age(daemon_set, now), names,
       images, FormatLabelSelector(Field(spec, "selector"))});
}

json JobCells(const json& job, int64_t now) {
  const json& spec = Field(job, "spec");
  const json& status = Field(job, "status");
  const int64_t succeeded = Int(Field(status, "succeeded"));
  // Defaulting: with neither set both become 1; parallelism alone defaults to 1.
  const json& completions = Field(spec, "completions");
  const json& parallelism_field = Field(spec, "parallelism");
  std::string completions_text;
  if (completions.is_number()) {
    completions_text = absl::StrCat(succeeded, "/", Int(completions));
  } else if (parallelism_field.is_null()) {
    completions_text = absl::StrCat(succeeded, "/1");
  } else if (int64_t parallelism = Int(parallelism_field); parallelism > 1) {
    completions_text = absl::StrCat(succeeded, "/1 of ", parallelism);
  } else {
    completions_text = absl::StrCat(succeeded, "/1");
  }

  std::string duration;
  std::optional<int64_t> start = Time(Field(status, "startTime"));
  std::optional<int64_t> completion = Time(Field(status, "completionTime"));
  if (start) duration = HumanDuration((completion ? *completion : now) - *start);

  std::string state = "Running";
  if (HasTrueCondition(status, "Complete")) {
    state = "Complete";
  } else if (HasTrueCondition(status, "Failed")) {
    state = "Failed";
  } else if (BeingDeleted(job)) {
    state = "Terminating";
  } else if (HasTrueCondition(status, "Suspended")) {
    state = "Suspended";
  } else if (HasTrueCondition(status, "FailureTarget")) {
    state = "FailureTarget";
  }

  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  return json::array({Name(job), state, completions_text, duration, Age(job, now), names, images,
                      FormatLabelSelector(Field(spec, "selector"))});
}

json CronJobCells(const json& cron_job, int64_t now) {
  const json& spec = Field(cron_job, "spec");
  const json& status = Field(cron_job, "status");
  const json& last_schedule = Field(status, "lastScheduleTime");
  const json& suspend = Field(spec, "suspend");
  std::string suspend_text = "False";  // defaulted to false
  if (suspend.is_boolean()) suspend_text = suspend.get<bool>() ? "True" : "False";
  const json& job_spec = At(spec, {"jobTemplate", "spec"});
  auto [names, images] = ContainerCells(At(job_spec, {"template", "spec"}));
  return json::array(
      {Name(cron_job), Str(Field(spec, "schedule")), StringOr(Field(spec, "timeZone"), "<none>"),
       suspend_text, Count(Field(status, "active")),
       last_schedule.is_null() ? std::string("<none>") : Since(last_schedule, now),
       Age(cron_job, now), names, images, FormatLabelSelector(Field(job_spec, "selector"))});
}

// One spec.metrics entry as upstream's formatHPAMetrics prints it, against the status entry at
// the same index (which may be missing, or of another type).
std::string HpaMetric(const json& metric, const json& status) {
  const std::string type = Str(Field(metric, "type"));
  // External and Object metrics: an average-value target or a plain value target.
  auto value_metric = [&](std::string_view source) {
    const json& target = At(metric, {source, "target"});
    const json& observed = Field(status, source);
    const json& average = Field(target, "averageValue");
    std::string current = "<unknown>";
    if (!average.is_null()) {
      const json& current_average = At(observed, {"current", "averageValue"});
      if (Present(observed) && !current_average.is_null()) current = Quantity(current_average);
      return absl::StrCat(current, "/", Quantity(average), " (avg)");
    }
    if (Present(observed)) current = QuantityPointer(At(observed, {"current", "value"}));
    return absl::StrCat(current, "/", QuantityPointer(Field(target, "value")));
  };
  // Resource and ContainerResource metrics: prefixed with the resource name.
  auto resource_metric = [&](std::string_view source) {
    const json& spec = Field(metric, source);
    const json& target = Field(spec, "target");
    const json& observed = Field(status, source);
    const std::string name = Str(Field(spec, "name"));
    std::string current = "<unknown>";
    const json& average = Field(target, "averageValue");
    if (!average.is_null()) {
      if (Present(observed)) current = QuantityPointer(At(observed, {"current", "averageValue"}));
      return absl::StrCat(name, ": ", current, "/", Quantity(average));
    }
    const json& utilization = At(observed, {"current", "averageUtilization"});
    if (Present(observed) && utilization.is_number()) current = absl::StrCat(Int(utilization), "%");
    const json& goal = Field(target, "averageUtilization");
    return absl::StrCat(name, ": ", current, "/",
                        goal.is_number() ? absl::StrCat(Int(goal), "%") : "<auto>");
  };
  if (type == "External" || type == "Object") {
    return value_metric(type == "External" ? "external" : "object");
  }
  if (type == "Pods") {
    const json& observed = Field(status, "pods");
    std::string current = "<unknown>";
    if (Present(observed)) current = QuantityPointer(At(observed, {"current", "averageValue"}));
    return absl::StrCat(current, "/",
                        QuantityPointer(At(metric, {"pods", "target", "averageValue"})));
  }
  if (type == "Resource") return resource_metric("resource");
  if (type == "ContainerResource") return resource_metric("containerResource");
  return "<unknown type>";
}

// SetDefaults_HorizontalPodAutoscaler (autoscaling/v2): no metrics means 80% average CPU.
const json& DefaultHpaMetrics() {
  static const json* const kMetrics = new json(json::parse(R"([{"type": "Resource",
      "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}])"));
  return *kMetrics;
}

// The first two metrics, then "+ N more...".
std::string HpaTargets(const json& spec, const json& status) {
  constexpr size_t kMax = 2;
  const json* metrics = &Items(Field(spec, "metrics"));
  if (metrics->empty()) metrics = &DefaultHpaMetrics();
  const json& statuses = Items(Field(status, "currentMetrics"));
  std::vector<std::string> shown;
  for (size_t i = 0; i < metrics->size() && i < kMax; ++i) {
    shown.push_back(HpaMetric((*metrics)[i], i < statuses.size() ? statuses[i] : NullJson()));
  }
  std::string text = absl::StrJoin(shown, ", ");
  if (metrics->size() > kMax) absl::StrAppend(&text, " + ", metrics->size() - kMax, " more...");
  return text;
}

json HorizontalPodAutoscalerCells(const json& autoscaler, int64_t now) {
  const json& spec = Field(autoscaler, "spec");
  const json& status = Field(autoscaler, "status");
  const json& target_ref = Field(spec, "scaleTargetRef");
  return json::array(
      {Name(autoscaler),
       absl::StrCat(Str(Field(target_ref, "kind")), "/", Str(Field(target_ref, "name"))),
       HpaTargets(spec, status),
       absl::StrCat(Int(Field(spec, "minReplicas"), 1)),  // defaulted to 1
       Int(Field(spec, "maxReplicas")), Int(Field(status, "currentReplicas")),
       Age(autoscaler, now)});
}

json PodDisruptionBudgetCells(const json& budget, int64_t now) {
  const json& spec = Field(budget, "spec");
  auto bound = [&](std::string_view key) {
    const json& value = Field(spec, key);
    return value.is_null() ? std::string("N/A") : IntOrString(value);
  };
  return json::array({Name(budget), bound("minAvailable"), bound("maxUnavailable"),
                      Int(At(budget, {"status", "disruptionsAllowed"})), Age(budget, now)});
}

// The controlling owner as "kind.group/name", lower-cased ("statefulset.apps/web").
std::string ControllerName(const json& object) {
  for (const json& owner : Items(At(object, {"metadata", "ownerReferences"}))) {
    if (!Bool(Field(owner, "controller"))) continue;
    const std::string api_version = Str(Field(owner, "apiVersion"));
    const std::string kind = Str(Field(owner, "kind"));
    const std::string name = Str(Field(owner, "name"));
    // schema.ParseGroupVersion: "v1" is the core group. Validation rejects a second slash, which
    // upstream reports as an error; here the name alone is shown.
    const size_t slash = api_version.find('/');
    if (slash != std::string::npos && api_version.find('/', slash + 1) != std::string::npos) {
      return name;
    }
    const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    if (group.empty() && kind.empty()) return name;
    return absl::StrCat(AsciiLower(group.empty() ? kind : absl::StrCat(kind, ".", group)), "/",
                        name);
  }
  return "<none>";
}

json ControllerRevisionCells(const json& revision, int64_t now) {
  return json::array({Name(revision), ControllerName(revision), Int(Field(revision, "revision")),
                      Age(revision, now)});
}

}  // namespace

void AddWorkloadPrinters(PrinterMap& printers) {
  const TableColumn containers = Column("Containers", "string", kContainersDoc, 1);
  const TableColumn images = Column("Images", "string", kImagesDoc, 1);

  AddPrinter(
      printers, "apps", "Deployment",
      {NameColumn(), Column("Ready", "string", kReadyCountDoc),
       Column("Up-to-date", "string",
              "Total number of non-terminated pods targeted by this deployment that have the "
              "desired template spec."),
       Column("Available", "string",
              "Total number of available pods (ready for at least minReadySeconds) targeted by "
              "this deployment."),
       AgeColumn(), containers, images,
       Column("Selector", "string", "Label selector for pods.", 1)},
      DeploymentCells);
  AddPrinter(
      printers, "apps", "ReplicaSet",
      {NameColumn(),
       Column("Desired", "integer",
              "Replicas is the number of desired replicas. This is a pointer to distinguish "
              "between explicit zero and unspecified. Defaults to 1."),
       Column("Current", "integer", "Replicas is the most recently observed number of replicas."),
       Column("Ready", "integer",
              "The number of ready replicas for this replica set. A pod is considered ready "
              "when its Ready condition is true."),
       AgeColumn(), containers, images, Column("Selector", "string", kSelectorDoc, 1)},
      ReplicaSetCells);
  AddPrinter(
      printers, "apps", "StatefulSet",
      {NameColumn(), Column("Ready", "string", kReadyCountDoc), AgeColumn(), containers, images},
      StatefulSetCells);
  AddPrinter(
      printers, "apps", "DaemonSet",
      {NameColumn(),
       Column("Desired", "integer",
              "The total number of nodes that should be running the daemon pod (including "
              "nodes correctly running the daemon pod)."),
       Column("Current", "integer",
              "The number of nodes that are running at least 1 daemon pod and are supposed to "
              "run the daemon pod."),
       Column("Ready", "integer",
              "The number of nodes that should be running the daemon pod and have one or more "
              "of the daemon pod running and ready."),
       Column("Up-to-date", "integer",
              "The total number of nodes that are running updated daemon pod"),
       Column("Available", "integer",
              "The number of nodes that should be running the daemon pod and have one or more "
              "of the daemon pod running and available (ready for at least "
              "spec.minReadySeconds)"),
       Column("Node Selector", "string",
              "NodeSelector is a selector which must be true for the pod to fit on a node."),
       AgeColumn(), containers, images,
       Column("Selector", "string", "A label query over pods that are managed by the daemon set.",
              1)},
      DaemonSetCells);
  AddPrinter(
      printers, "batch", "Job",
      {NameColumn(), Column("Status", "string", "Status of the job."),
       Column("Completions", "string", "The number of pods which reached phase Succeeded."),
       Column("Duration", "string", "Time required to complete the job."), AgeColumn(), containers,
       images,
       Column("Selector", "string", "A label query over pods that should match the pod count.", 1)},
      JobCells);
  AddPrinter(
      printers, "batch", "CronJob",
      {NameColumn(),
       Column("Schedule", "string",
              "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
       Column("Timezone", "string",
              "The time zone name for the given schedule, see "
              "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
       Column("Suspend", "boolean",
              "This flag tells the controller to suspend subsequent executions, it does not "
              "apply to already started executions. Defaults to false."),
       Column("Active", "integer", "A list of pointers to currently running jobs."),
       Column("Last Schedule", "string",
              "Information when was the last time the job was successfully scheduled."),
       AgeColumn(), containers, images,
       Column("Selector", "string", "A label query over pods that should match the pod count.", 1)},
      CronJobCells);
  AddPrinter(
      printers, "apps", "ControllerRevision",
      {NameColumn(),
       Column("Controller", "string", "The object managing this revision, as kind.group/name."),
       Column("Revision", "string", "The revision number of the recorded state."), AgeColumn()},
      ControllerRevisionCells);
  AddPrinter(
      printers, "autoscaling", "HorizontalPodAutoscaler",
      {NameColumn(), Column("Reference", "string", "The scaled workload, as kind/name."),
       Column("Targets", "string", "Each metric's current value against its target."),
       Column("MinPods", "string", "The fewest replicas the autoscaler scales down to."),
       Column("MaxPods", "string", "The most replicas the autoscaler scales up to."),
       Column("Replicas", "string", "The replica count the autoscaler last saw."), AgeColumn()},
      HorizontalPodAutoscalerCells);
  AddPrinter(printers, "policy", "PodDisruptionBudget",
             {NameColumn(),
              Column("Min Available", "string",
                     "Pods that must stay available through a voluntary disruption."),
              Column("Max Unavailable", "string",
                     "Pods that may be unavailable during a voluntary disruption."),
              Column("Allowed Disruptions", "integer", "Pods that may be evicted right now."),
              AgeColumn()},
             PodDisruptionBudgetCells);
}

}  // namespace k1s::api::table_internal
