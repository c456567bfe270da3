#pragma once
// Preemption, as upstream's DefaultPreemption PostFilter (framework/plugins/defaultpreemption and
// framework/preemption, v1.32): when a pod fits nowhere, find nodes where evicting
// lower-priority pods would make it fit, pick the cheapest (fewest PodDisruptionBudget
// violations, lowest victim priority...), evict the victims and nominate the node for the pod
// (status.nominatedNodeName) so it is scheduled there once they are gone.
//
// Parts:
//   Nominator           which pending pods are nominated to which node (upstream's nominator in
//                       internal/queue); filters count nominated pods of equal or higher
//                       priority on their node.
//   EvaluatePreemption  the dry run on a snapshot: candidates, victims and the verdict message.
//   ExecutePreemption   the writes: DisruptionTarget condition, DELETE, "Preempted" event,
//                       clearing lower-priority nominations on the node.
//
// Nominator is thread-safe; the rest are free functions over immutable inputs.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "api/label_selector.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "scheduler/algorithm.h"
#include "scheduler/node_info.h"
#include "scheduler/pod_info.h"

namespace k1s::scheduler {

// A pending pod nominated to a node.
struct NominatedPod {
  std::string key;
  int32_t priority = 0;
  std::shared_ptr<const PlacedPod> placed;  // what it would reserve there
};

// node name -> the pods nominated there; an immutable copy taken once per scheduling cycle.
struct NominatedPods {
  std::map<std::string, std::vector<NominatedPod>, std::less<>> by_node;
};

class Nominator {
 public:
  // upstream AddNominatedPod: `node` (when set) overrides the pod's status.nominatedNodeName,
  // and "" removes the nomination; nullopt keeps status.nominatedNodeName.
  void Add(const client::ObjectPtr& pod, const std::optional<std::string>& node = std::nullopt);
  // upstream UpdateNominatedPod: an update that neither had nor has status.nominatedNodeName
  // keeps the nomination the scheduler made itself (the status write may not be seen yet).
  void Update(const client::ObjectPtr& old_pod, const client::ObjectPtr& pod);
  void Delete(const std::string& key);
  // "" when not nominated.
  std::string NodeOf(const std::string& key) const;
  std::shared_ptr<const NominatedPods> Snapshot() const;

 private:
  void AddLocked(const client::ObjectPtr& pod, const std::string& key, const std::string& node)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeleteLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Copy-on-write: snapshots handed out stay unchanged.
  NominatedPods& Mutable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::string> node_of_ ABSL_GUARDED_BY(mu_);  // key -> node
  std::shared_ptr<NominatedPods> pods_ ABSL_GUARDED_BY(mu_) = std::make_shared<NominatedPods>();
};

// status.nominatedNodeName ("" when unset).
std::string NominatedNodeName(const nlohmann::json& pod);

// A policy/v1 PodDisruptionBudget, as preemption reads it.
struct PodDisruptionBudget {
  std::string namespace_name;
  std::optional<api::LabelSelector> selector;  // nullopt: invalid, nil or empty (matches none)
  int32_t disruptions_allowed = 0;             // status.disruptionsAllowed
  std::set<std::string> disrupted_pods;        // status.disruptedPods (names)
};
std::vector<PodDisruptionBudget> ParsePodDisruptionBudgets(
    const std::vector<client::ObjectPtr>& objects);

struct Victims {
  std::vector<std::shared_ptr<const PlacedPod>> pods;  // most important first
  int64_t num_pdb_violations = 0;
};

struct Candidate {
  std::string node;
  Victims victims;
};

// Whether the pod fits on a (modified) node: the filters with nominated pods.
using FitsFunc = std::function<Status(const NodeInfo&)>;

// upstream MoreImportantPod: higher priority, then earlier status.startTime (a pod without one
// counts as started `now_seconds`).
bool MoreImportantPod(const PlacedPod& a, const PlacedPod& b, int64_t now_seconds);

// upstream filterPodsWithPDBViolation: splits `pods` (order kept) into those whose eviction
// would exceed a matching budget and the others.
void SplitByPdbViolation(const std::vector<std::shared_ptr<const PlacedPod>>& pods,
                         const std::vector<PodDisruptionBudget>& pdbs,
                         std::vector<std::shared_ptr<const PlacedPod>>* violating,
                         std::vector<std::shared_ptr<const PlacedPod>>* non_violating);

// upstream SelectVictimsOnNode: removes every lower-priority pod, checks the pod fits, then
// gives back as many as possible (PDB-violating ones first, most important first). On success
// `victims` holds the pods to evict.
Status SelectVictimsOnNode(const PodInfo& pod, const NodeInfo& node,
                           const std::vector<PodDisruptionBudget>& pdbs, const FitsFunc& fits,
                           int64_t now_seconds, Victims* victims);

// upstream pickOneNodeForPreemption: the index of the best candidate (ties: the first).
size_t PickOneNodeForPreemption(const std::vector<Candidate>& candidates, int64_t now_seconds);

// upstream PodEligibleToPreemptOthers: "" when eligible, else the reason.
std::string PodEligibleToPreemptOthers(const PodInfo& pod, const Snapshot& snapshot,
                                       const Diagnosis& diagnosis);

struct PreemptionResult {
  // The post-filter message ("preemption: ..."); empty when a candidate was found.
  std::string message;
  // What to do with the pod's nomination: set it to this node ("" clears); nullopt keeps it.
  std::optional<std::string> nominated_node;
  std::shared_ptr<const Candidate> candidate;  // the victims to evict, on success
};

struct PreemptionOptions {
  int32_t min_candidate_nodes_percentage = 10;  // upstream DefaultPreemptionArgs defaults
  int32_t min_candidate_nodes_absolute = 100;
};

// The budgets, read only when some node might be helped.
using PdbSource = std::function<std::vector<PodDisruptionBudget>()>;

// upstream Evaluator.Preempt up to (not including) prepareCandidate. `offset_random` picks where
// the dry run starts among the potential nodes.
PreemptionResult EvaluatePreemption(const PodInfo& pod, const Snapshot& snapshot,
                                    const Diagnosis& diagnosis, const PdbSource& pdbs,
                                    const FitsFunc& fits, uint64_t offset_random,
                                    int64_t now_seconds, const PreemptionOptions& options = {});

// Enough of a pod for an Event's involvedObject.
nlohmann::json PodReference(const nlohmann::json& pod);

// upstream prepareCandidate: for each victim the DisruptionTarget=True condition (reason
// PreemptionByScheduler) in pods/status, a DELETE guarded by its uid and a "Preempted" event;
// then clears status.nominatedNodeName of the lower-priority pods `nominated` to that node. A
// victim already gone is not an error; failing to clear a nomination is only logged.
absl::Status ExecutePreemption(client::Client& client, client::EventRecorder& recorder,
                               const nlohmann::json& preemptor, const Candidate& candidate,
                               const NominatedPods& nominated, int64_t now_seconds);

}  // namespace k1s::scheduler
