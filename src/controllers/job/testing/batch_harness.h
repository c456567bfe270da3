#pragma once
// Test harness for the batch controllers (Job, CronJob, TTL-after-finished): the shared
// controller harness with helpers for a Job's pods. Not thread-safe; one per test.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client/resource.h"
#include "controllers/common/testing/controller_harness.h"

namespace k1s::controllers::job::testing {

// The shared controller harness plus what batch tests ask about a Job's pods.
class BatchHarness : public controllers::testing::ControllerHarness {
 public:
  using ControllerHarness::ControllerHarness;

  // Pods of the Job named `job` (by the batch.kubernetes.io/job-name label).
  std::vector<nlohmann::json> JobPods(const std::string& job) {
    return List(client::resources::Pods(), "batch.kubernetes.io/job-name=" + job);
  }
  // Pods of `job` neither terminal nor being deleted.
  std::vector<nlohmann::json> ActiveJobPods(const std::string& job) {
    return ActivePods("batch.kubernetes.io/job-name=" + job);
  }
};

}  // namespace k1s::controllers::job::testing
