#pragma once
// The state of one JobController::SyncJob call (upstream's syncJobCtx), internal to the Job
// controller. Owned by the syncing worker; not shared.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/informer.h"
#include "controllers/job/backoff.h"
#include "controllers/job/indexes.h"

namespace k1s::controllers::job {

struct SyncContext {
  std::string key;
  // A private copy of the Job whose status is rewritten during the sync; replaced by the
  // server's answer after each status update.
  nlohmann::json job;
  std::vector<client::ObjectPtr> pods;  // the claimed pods; the pointers below point into them
  std::vector<const nlohmann::json*> active_pods;
  // The terminal (or interim FailureTarget / SuccessCriteriaMet) condition decided this sync.
  std::optional<nlohmann::json> finished_condition;
  int32_t succeeded = 0;
  int32_t failed = 0;
  int32_t ready = 0;
  int32_t terminating = 0;
  OrderedIntervals prev_succeeded_indexes;
  OrderedIntervals succeeded_indexes;
  std::optional<OrderedIntervals> failed_indexes;  // with backoffLimitPerIndex only
  BackoffRecord new_backoff_record;
  std::set<std::string> expected_rm_finalizers;
  // status.uncountedTerminatedPods as the sync found it.
  std::set<std::string> uncounted_succeeded;
  std::set<std::string> uncounted_failed;
  // Per index, the failed pod kept until its replacement carries its failure count.
  std::map<int32_t, const nlohmann::json*> delayed_deletion_per_index;
};

}  // namespace k1s::controllers::job
