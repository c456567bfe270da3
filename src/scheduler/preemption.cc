#include "scheduler/preemption.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "api/json_fields.h"
#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"

namespace k1s::scheduler {
namespace {

using api::Member;
using api::StringAt;

using nlohmann::json;

constexpr char kNotHelpful[] = "Preemption is not helpful for scheduling";
constexpr char kNoVictims[] = "No preemption victims found for incoming pod";
constexpr char kPreemptionPrefix[] = "preemption: ";

// upstream GetPodStartTime: status.startTime, or now for pods not started yet.
int64_t StartTime(const PlacedPod& pod, int64_t now_seconds) {
  if (pod.object == nullptr) return now_seconds;
  std::string start = StringAt(*pod.object, "status", "startTime");
  if (start.empty()) return now_seconds;
  return api::ParseTimestamp(start).value_or(now_seconds);
}

// upstream podTerminatingByPreemption: being deleted, with DisruptionTarget=True from preemption.
bool TerminatingByPreemption(const PlacedPod& pod) {
  if (!pod.terminating || pod.object == nullptr) return false;
  const json& conditions = Member(Member(*pod.object, "status"), "conditions");
  for (const json& condition : conditions.is_array() ? conditions : json::array()) {
    if (Member(condition, "type") != "DisruptionTarget") continue;
    return Member(condition, "status") == "True" &&
           Member(condition, "reason") == "PreemptionByScheduler";
  }
  return false;
}

// upstream GetEarliestPodStartTime: the earliest start among the highest-priority victims.
int64_t EarliestStartOfHighestPriority(const Victims& victims, int64_t now_seconds) {
  int32_t max_priority = victims.pods.front()->priority;
  int64_t earliest = StartTime(*victims.pods.front(), now_seconds);
  for (const auto& pod : victims.pods) {
    if (pod->priority == max_priority) {
      earliest = std::min(earliest, StartTime(*pod, now_seconds));
    } else if (pod->priority > max_priority) {
      max_priority = pod->priority;
      earliest = StartTime(*pod, now_seconds);
    }
  }
  return earliest;
}

// utilerrors.NewAggregate(...).Error(): one error as is, several in brackets.
std::string AggregateErrors(const std::vector<std::string>& errors) {
  if (errors.size() == 1) return errors.front();
  std::string out = "[";
  for (const std::string& error : errors) {
    if (out.size() > 1) out += ", ";
    out += error;
  }
  return out + "]";
}

std::shared_ptr<spdlog::logger> Log() { return base::Logger("scheduler"); }

absl::Status PatchStatus(client::Client& client, const json& pod, const json& status) {
  json patch = {{"status", status}};
  return client
      .Patch(client::resources::Pods(), StringAt(pod, "metadata", "namespace"),
             StringAt(pod, "metadata", "name"), client::PatchType::kStrategicMerge, patch.dump(),
             "status")
      .status();
}

}  // namespace

std::string NominatedNodeName(const json& pod) {
  return StringAt(pod, "status", "nominatedNodeName");
}

// --- Nominator ---

NominatedPods& Nominator::Mutable() {
  if (pods_.use_count() > 1) pods_ = std::make_shared<NominatedPods>(*pods_);
  return *pods_;
}

void Nominator::DeleteLocked(const std::string& key) {
  auto it = node_of_.find(key);
  if (it == node_of_.end()) return;
  NominatedPods& pods = Mutable();
  auto node = pods.by_node.find(it->second);
  if (node != pods.by_node.end()) {
    std::vector<NominatedPod>& list = node->second;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const NominatedPod& pod) { return pod.key == key; }),
               list.end());
    if (list.empty()) pods.by_node.erase(node);
  }
  node_of_.erase(it);
}

void Nominator::AddLocked(const client::ObjectPtr& pod, const std::string& key,
                          const std::string& node) {
  DeleteLocked(key);
  // Nothing to reserve for a pod that is gone or already placed.
  if (node.empty() || IsAssigned(*pod)) return;
  node_of_[key] = node;
  NominatedPod entry;
  entry.key = key;
  entry.priority = PodPriority(*pod);
  entry.placed = MakePlacedPod(pod);
  Mutable().by_node[node].push_back(std::move(entry));
}

void Nominator::Add(const client::ObjectPtr& pod, const std::optional<std::string>& node) {
  std::string key = client::ObjectKey(*pod);
  absl::MutexLock lock(&mu_);
  AddLocked(pod, key, node.has_value() ? *node : NominatedNodeName(*pod));
}

void Nominator::Update(const client::ObjectPtr& old_pod, const client::ObjectPtr& pod) {
  std::string key = client::ObjectKey(*pod);
  absl::MutexLock lock(&mu_);
  std::string node = NominatedNodeName(*pod);
  // The scheduler's own nomination outlives updates that predate its status write.
  if (node.empty() && (old_pod == nullptr || NominatedNodeName(*old_pod).empty())) {
    if (auto it = node_of_.find(key); it != node_of_.end()) node = it->second;
  }
  AddLocked(pod, key, node);
}

void Nominator::Delete(const std::string& key) {
  absl::MutexLock lock(&mu_);
  DeleteLocked(key);
}

std::string Nominator::NodeOf(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = node_of_.find(key);
  return it == node_of_.end() ? "" : it->second;
}

std::shared_ptr<const NominatedPods> Nominator::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return pods_;
}

// --- Victim selection ---

std::vector<PodDisruptionBudget> ParsePodDisruptionBudgets(
    const std::vector<client::ObjectPtr>& objects) {
  std::vector<PodDisruptionBudget> pdbs;
  pdbs.reserve(objects.size());
  for (const client::ObjectPtr& object : objects) {
    PodDisruptionBudget pdb;
    pdb.namespace_name = StringAt(*object, "metadata", "namespace");
    const json& selector = Member(Member(*object, "spec"), "selector");
    if (!selector.is_null()) {
      absl::StatusOr<api::LabelSelector> parsed = api::LabelSelector::FromJson(selector);
      // An invalid selector matches no pod, and so does an empty one (unlike elsewhere).
      if (parsed.ok() && !parsed->Empty()) pdb.selector = std::move(*parsed);
    }
    const json& status = Member(*object, "status");
    const json& allowed = Member(status, "disruptionsAllowed");
    if (allowed.is_number_integer()) {
      pdb.disruptions_allowed = static_cast<int32_t>(allowed.get<int64_t>());
    }
    const json& disrupted = Member(status, "disruptedPods");
    if (disrupted.is_object()) {
      for (const auto& [name, when] : disrupted.items()) pdb.disrupted_pods.insert(name);
    }
    pdbs.push_back(std::move(pdb));
  }
  return pdbs;
}

bool MoreImportantPod(const PlacedPod& a, const PlacedPod& b, int64_t now_seconds) {
  if (a.priority != b.priority) return a.priority > b.priority;
  return StartTime(a, now_seconds) < StartTime(b, now_seconds);
}

void SplitByPdbViolation(const std::vector<std::shared_ptr<const PlacedPod>>& pods,
                         const std::vector<PodDisruptionBudget>& pdbs,
                         std::vector<std::shared_ptr<const PlacedPod>>* violating,
                         std::vector<std::shared_ptr<const PlacedPod>>* non_violating) {
  std::vector<int32_t> allowed;
  allowed.reserve(pdbs.size());
  for (const PodDisruptionBudget& pdb : pdbs) allowed.push_back(pdb.disruptions_allowed);
  for (const auto& pod : pods) {
    bool violated = false;
    if (!pod->labels.empty()) {
      for (size_t i = 0; i < pdbs.size(); ++i) {
        const PodDisruptionBudget& pdb = pdbs[i];
        if (pdb.namespace_name != pod->namespace_name || !pdb.selector ||
            !pdb.selector->Matches(pod->labels)) {
          continue;
        }
        // Already counted by the disruption controller: evicting it costs nothing more.
        std::string name = client::SplitObjectKey(pod->key).second;
        if (pdb.disrupted_pods.count(name) > 0) continue;
        if (--allowed[i] < 0) violated = true;
      }
    }
    (violated ? violating : non_violating)->push_back(pod);
  }
}

Status SelectVictimsOnNode(const PodInfo& pod, const NodeInfo& node,
                           const std::vector<PodDisruptionBudget>& pdbs, const FitsFunc& fits,
                           int64_t now_seconds, Victims* victims) {
  victims->pods.clear();
  victims->num_pdb_violations = 0;
  NodeInfo trial = node;
  std::vector<std::shared_ptr<const PlacedPod>> potential;
  for (const auto& [key, placed] : node.pods()) {
    if (placed->priority < pod.priority) potential.push_back(placed);
  }
  if (potential.empty()) return Status::Unresolvable({kNoVictims});
  for (const auto& placed : potential) trial.RemovePod(placed->key);
  // Not even without every lower-priority pod: this node cannot help (pod affinity to a victim
  // is not considered, as upstream).
  if (Status status = fits(trial); !status.ok()) return status;
  auto more_important = [now_seconds](const std::shared_ptr<const PlacedPod>& a,
                                      const std::shared_ptr<const PlacedPod>& b) {
    return MoreImportantPod(*a, *b, now_seconds);
  };
  std::stable_sort(potential.begin(), potential.end(), more_important);
  std::vector<std::shared_ptr<const PlacedPod>> violating;
  std::vector<std::shared_ptr<const PlacedPod>> non_violating;
  SplitByPdbViolation(potential, pdbs, &violating, &non_violating);
  // Gives a pod back when the preemptor still fits with it; otherwise it is a victim.
  auto reprieve = [&](const std::shared_ptr<const PlacedPod>& placed) {
    trial.AddPod(placed);
    if (fits(trial).ok()) return true;
    trial.RemovePod(placed->key);
    victims->pods.push_back(placed);
    return false;
  };
  for (const auto& placed : violating) {
    if (!reprieve(placed)) ++victims->num_pdb_violations;
  }
  for (const auto& placed : non_violating) reprieve(placed);
  if (!violating.empty() && !non_violating.empty()) {
    std::stable_sort(victims->pods.begin(), victims->pods.end(), more_important);
  }
  return Status::Success();
}

size_t PickOneNodeForPreemption(const std::vector<Candidate>& candidates, int64_t now_seconds) {
  if (candidates.size() <= 1) return 0;
  // Each criterion keeps the candidates with the highest score; the next one breaks ties.
  using Score = std::function<int64_t(const Victims&)>;
  const std::vector<Score> criteria = {
      // Fewest PodDisruptionBudget violations.
      [](const Victims& v) { return -v.num_pdb_violations; },
      // Lowest highest-priority victim (victims are sorted most important first).
      [](const Victims& v) { return -static_cast<int64_t>(v.pods.front()->priority); },
      // Smallest sum of priorities, each shifted to be >= 0 so negative ones do not reward
      // evicting more pods.
      [](const Victims& v) {
        int64_t sum = 0;
        for (const auto& pod : v.pods) {
          sum += static_cast<int64_t>(pod->priority) +
                 static_cast<int64_t>(std::numeric_limits<int32_t>::max()) + 1;
        }
        return -sum;
      },
      // Fewest victims.
      [](const Victims& v) { return -static_cast<int64_t>(v.pods.size()); },
      // The latest start among the highest-priority victims.
      [now_seconds](const Victims& v) { return EarliestStartOfHighestPriority(v, now_seconds); },
  };
  std::vector<size_t> remaining(candidates.size());
  for (size_t i = 0; i < remaining.size(); ++i) remaining[i] = i;
  for (const Score& score : criteria) {
    std::vector<size_t> best;
    int64_t max_score = std::numeric_limits<int64_t>::min();
    for (size_t index : remaining) {
      int64_t value = score(candidates[index].victims);
      if (value > max_score) {
        max_score = value;
        best.clear();
      }
      if (value == max_score) best.push_back(index);
    }
    if (best.size() == 1) return best.front();
    remaining = std::move(best);
  }
  return remaining.front();
}

std::string PodEligibleToPreemptOthers(const PodInfo& pod, const Snapshot& snapshot,
                                       const Diagnosis& diagnosis) {
  if (pod.preemption_policy == "Never") return "not eligible due to preemptionPolicy=Never.";
  std::string nominated = NominatedNodeName(*pod.pod);
  if (nominated.empty()) return "";
  // The nominated node cannot take the pod any more, whatever is evicted: preempt elsewhere.
  Code code = Code::kUnschedulableAndUnresolvable;
  if (auto it = diagnosis.node_statuses.find(nominated); it != diagnosis.node_statuses.end()) {
    code = it->second.code;
  } else if (diagnosis.absent_nodes) {
    code = diagnosis.absent_nodes->code;
  }
  if (code == Code::kUnschedulableAndUnresolvable) return "";
  // Victims of an earlier preemption are still terminating there: wait for them.
  if (NodeInfoPtr node = snapshot.Get(nominated); node != nullptr) {
    for (const auto& [key, placed] : node->pods()) {
      if (placed->priority < pod.priority && TerminatingByPreemption(*placed)) {
        return "not eligible due to a terminating pod on the nominated node.";
      }
    }
  }
  return "";
}

PreemptionResult EvaluatePreemption(const PodInfo& pod, const Snapshot& snapshot,
                                    const Diagnosis& diagnosis, const PdbSource& pdbs,
                                    const FitsFunc& fits, uint64_t offset_random,
                                    int64_t now_seconds, const PreemptionOptions& options) {
  PreemptionResult result;
  if (std::string reason = PodEligibleToPreemptOthers(pod, snapshot, diagnosis); !reason.empty()) {
    result.message = base::StrCat(kPreemptionPrefix, reason);
    return result;
  }
  const int32_t all_nodes = static_cast<int32_t>(snapshot.nodes.size());
  // Only nodes rejected as Unschedulable (not ...AndUnresolvable) might be helped.
  std::vector<NodeInfoPtr> potential;
  for (const NodeInfoPtr& node : snapshot.nodes) {
    Code code = Code::kUnschedulableAndUnresolvable;
    if (auto it = diagnosis.node_statuses.find(node->name()); it != diagnosis.node_statuses.end()) {
      code = it->second.code;
    } else if (diagnosis.absent_nodes) {
      code = diagnosis.absent_nodes->code;
    }
    if (code == Code::kUnschedulable) potential.push_back(node);
  }
  Diagnosis dry_run;
  dry_run.absent_nodes = Status::Unresolvable({kNotHelpful});
  std::vector<Candidate> non_violating;
  std::vector<Candidate> violating;
  std::vector<std::string> errors;
  if (!potential.empty()) {
    const std::vector<PodDisruptionBudget> budgets =
        pdbs ? pdbs() : std::vector<PodDisruptionBudget>{};
    const size_t count = potential.size();
    // upstream calculateNumCandidates: a share of the nodes, at least an absolute number.
    size_t wanted = count * static_cast<size_t>(options.min_candidate_nodes_percentage) / 100;
    wanted = std::max(wanted, static_cast<size_t>(options.min_candidate_nodes_absolute));
    wanted = std::min(wanted, count);
    const size_t offset = static_cast<size_t>(offset_random % count);
    for (size_t i = 0; i < count; ++i) {
      const NodeInfo& node = *potential[(offset + i) % count];
      Candidate candidate;
      candidate.node = node.name();
      Status status =
          SelectVictimsOnNode(pod, node, budgets, fits, now_seconds, &candidate.victims);
      if (status.ok() && !candidate.victims.pods.empty()) {
        std::vector<Candidate>& list =
            candidate.victims.num_pdb_violations == 0 ? non_violating : violating;
        if (list.size() < wanted) list.push_back(std::move(candidate));
        if (!non_violating.empty() && non_violating.size() + violating.size() >= wanted) break;
        continue;
      }
      if (status.ok()) {
        status =
            Status{Code::kError,
                   {base::StrCat("expected at least one victim pod on node \"", node.name(), "\"")},
                   {}};
      }
      if (status.code == Code::kError && !status.reasons.empty()) {
        errors.push_back(status.reasons.front());
      }
      dry_run.node_statuses[node.name()] = std::move(status);
    }
  }
  std::vector<Candidate> candidates = std::move(non_violating);
  for (Candidate& candidate : violating) candidates.push_back(std::move(candidate));
  if (candidates.empty()) {
    if (!errors.empty()) {
      result.message = base::StrCat(kPreemptionPrefix, AggregateErrors(errors));
      return result;
    }
    // Clears a nomination the pod may still hold.
    result.nominated_node = "";
    result.message = base::StrCat(kPreemptionPrefix, FitErrorMessage(all_nodes, dry_run));
    return result;
  }
  const size_t best = PickOneNodeForPreemption(candidates, now_seconds);
  result.nominated_node = candidates[best].node;
  result.candidate = std::make_shared<const Candidate>(std::move(candidates[best]));
  return result;
}

// --- Execution ---

json PodReference(const json& pod) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", StringAt(pod, "metadata", "name")},
            {"namespace", StringAt(pod, "metadata", "namespace")},
            {"uid", StringAt(pod, "metadata", "uid")},
            {"resourceVersion", StringAt(pod, "metadata", "resourceVersion")}}}};
}

absl::Status ExecutePreemption(client::Client& client, client::EventRecorder& recorder,
                               const json& preemptor, const Candidate& candidate,
                               const NominatedPods& nominated, int64_t now_seconds) {
  std::string scheduler_name = StringAt(preemptor, "spec", "schedulerName");
  if (scheduler_name.empty()) scheduler_name = kDefaultSchedulerName;
  const std::string message =
      base::StrCat(scheduler_name, ": preempting to accommodate a higher priority pod");
  const std::string preemptor_uid = StringAt(preemptor, "metadata", "uid");
  for (const auto& victim : candidate.victims.pods) {
    const json& pod = *victim->object;
    // The DisruptionTarget condition first, so whoever watches the pod learns why it goes.
    std::string transition = api::FormatTimestamp(now_seconds);
    bool unchanged = false;
    const json& conditions = Member(Member(pod, "status"), "conditions");
    for (const json& condition : conditions.is_array() ? conditions : json::array()) {
      if (Member(condition, "type") != "DisruptionTarget") continue;
      if (Member(condition, "status") == "True") {
        unchanged = Member(condition, "reason") == "PreemptionByScheduler" &&
                    Member(condition, "message") == message;
        const json& since = Member(condition, "lastTransitionTime");
        if (since.is_string()) transition = since.get<std::string>();
      }
    }
    if (!unchanged) {
      json status = {{"conditions", json::array({{{"type", "DisruptionTarget"},
                                                  {"status", "True"},
                                                  {"reason", "PreemptionByScheduler"},
                                                  {"message", message},
                                                  {"lastTransitionTime", transition}}})}};
      if (absl::Status patched = PatchStatus(client, pod, status); !patched.ok()) {
        return patched;
      }
    }
    client::DeleteOptions options;
    options.precondition_uid = victim->uid;  // never a same-named successor
    absl::Status deleted = client.Delete(client::resources::Pods(), victim->namespace_name,
                                         client::SplitObjectKey(victim->key).second, options);
    if (!deleted.ok()) {
      if (api::IsNotFound(deleted) || api::IsConflict(deleted)) continue;  // already gone
      return deleted;
    }
    recorder.Event(PodReference(pod), client::kEventNormal, "Preempted",
                   base::StrCat("Preempted by pod ", preemptor_uid, " on node ", candidate.node));
  }
  // Lower-priority pods nominated to this node may no longer fit there: let them look again.
  const int32_t priority = PodPriority(preemptor);
  auto it = nominated.by_node.find(candidate.node);
  if (it == nominated.by_node.end()) return absl::OkStatus();
  for (const NominatedPod& other : it->second) {
    if (other.priority >= priority || other.placed->object == nullptr) continue;
    const json& pod = *other.placed->object;
    if (NominatedNodeName(pod).empty()) continue;
    absl::Status cleared = PatchStatus(client, pod, {{"nominatedNodeName", nullptr}});
    if (!cleared.ok() && !api::IsNotFound(cleared)) {
      Log()->warn("clearing the nominated node of {}: {}", other.key, cleared);
    }
  }
  return absl::OkStatus();
}

}  // namespace k1s::scheduler
