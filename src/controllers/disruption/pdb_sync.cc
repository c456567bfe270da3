// The PDB sync of the disruption controller: pods -> counts -> status (see
// disruption_controller.h for the data flow).
#include <map>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/label_selector.h"
#include "base/logging.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/common/owner_refs.h"
#include "controllers/disruption/disruption_impl.h"
#include "controllers/disruption/pdb_status.h"
#include "controllers/disruption/pdb_util.h"

namespace k1s::controllers {

using client::ObjectPtr;
using disruption::Field;
using disruption::MetaString;
using nlohmann::json;

namespace {

auto& Log() {
  static auto log = base::Logger("disruption-controller");
  return log;
}

constexpr char kPolicyV1[] = "policy/v1";
constexpr char kPdbKind[] = "PodDisruptionBudget";

}  // namespace

absl::Status DisruptionController::Impl::Sync(const std::string& key) {
  auto [namespace_name, name] = client::SplitObjectKey(key);
  ObjectPtr pdb = pdbs_.Get(namespace_name, name);
  if (pdb == nullptr) {
    Log()->debug("podDisruptionBudget {} has been deleted", key);
    return absl::OkStatus();
  }
  absl::Status status = TrySync(*pdb);
  // A conflict only means our copy is stale: retry without the fail-safe.
  if (status.ok() || api::IsConflict(status)) return status;
  Log()->error("Failed to sync PDB {}: {}", key, status.message());
  return FailSafe(*pdb, status);
}

absl::Status DisruptionController::Impl::TrySync(const json& pdb) {
  const std::string namespace_name = MetaString(pdb, "namespace");
  std::vector<ObjectPtr> pods;
  const json& selector = Field(Field(pdb, "spec"), "selector");
  if (selector.is_object()) {  // a nil selector selects nothing
    absl::StatusOr<api::LabelSelector> parsed = api::LabelSelector::FromJson(selector);
    if (!parsed.ok()) {
      Event(pdb, kPolicyV1, kPdbKind, client::kEventWarning, "NoPods",
            base::StrCat("Failed to get pods: ", parsed.status().message()));
      return parsed.status();
    }
    pods = pods_.List(namespace_name, *parsed);
  }
  if (pods.empty()) {
    Event(pdb, kPolicyV1, kPdbKind, client::kEventNormal, "NoPods", "No matching pods found");
  }

  absl::StatusOr<ExpectedCount> expected = ExpectedPodCount(pdb, pods);
  if (!expected.ok()) {
    Event(pdb, kPolicyV1, kPdbKind, client::kEventWarning, "CalculateExpectedPodCountFailed",
          base::StrCat("Failed to calculate the number of expected pods: ",
                       expected.status().message()));
    return expected.status();
  }
  // Unmanaged pods are reported, not fatal: failing here would only hot-loop status writes.
  if (!expected->unmanaged_pods.empty()) {
    Log()->debug("Found unmanaged pods associated with PDB {}/{}: {}", namespace_name,
                 MetaString(pdb, "name"), expected->unmanaged_pods.size());
    Event(pdb, kPolicyV1, kPdbKind, client::kEventWarning, "UnmanagedPods",
          base::StrCat("Pods selected by this PodDisruptionBudget (selector: ",
                       disruption::GoSelectorString(selector),
                       ") were found to be unmanaged. As a result, the status of the PDB cannot "
                       "be calculated correctly, which may result in undefined behavior. To "
                       "account for these pods please set \".spec.minAvailable\" field of the "
                       "PDB to an integer value."));
  }

  const int64_t now = clock_.NowUnixNanos();
  disruption::DisruptedPods disrupted = disruption::BuildDisruptedPods(pods, pdb, now);
  for (const ObjectPtr& pod : disrupted.expired) {
    Log()->info("pod {}/{} was expected to be deleted but it wasn't, updating PDB {}",
                namespace_name, MetaString(*pod, "name"), MetaString(pdb, "name"));
    // Upstream names the PDB "<namespace>/<namespace>" here; kept as it writes it.
    Event(*pod, "v1", "Pod", client::kEventWarning, "NotDeleted",
          base::StrCat("Pod was expected by PDB ", namespace_name, "/", namespace_name,
                       " to be deleted but it wasn't"));
  }
  disruption::BudgetCounts counts;
  counts.current_healthy = disruption::CountHealthyPods(pods, disrupted.kept, now);
  counts.desired_healthy = expected->desired_healthy;
  counts.expected_pods = expected->expected;
  counts.disrupted_pods = std::move(disrupted.kept);

  std::optional<json> status = disruption::UpdatedStatus(pdb, counts, now / base::kNanosPerSecond);
  if (status) {
    absl::Status written = WriteStatus(pdb, *std::move(status));
    if (!written.ok()) return written;
  }
  if (disrupted.recheck_at_nanos) {
    // Back when the earliest recorded disruption expires.
    const int64_t wait = *disrupted.recheck_at_nanos - now;
    queue_.AddAfter(client::ObjectKey(pdb),
                    std::chrono::milliseconds(wait / base::kNanosPerMilli + 1));
  }
  return absl::OkStatus();
}

absl::StatusOr<DisruptionController::Impl::ExpectedCount>
DisruptionController::Impl::ExpectedPodCount(const json& pdb, const std::vector<ObjectPtr>& pods) {
  ExpectedCount count;
  const json& spec = Field(pdb, "spec");
  const json& max_unavailable = Field(spec, "maxUnavailable");
  const json& min_available = Field(spec, "minAvailable");
  if (!max_unavailable.is_null()) {
    absl::StatusOr<int32_t> scale = ExpectedScale(pods, count.unmanaged_pods);
    if (!scale.ok()) return scale.status();
    count.expected = *scale;
    absl::StatusOr<int32_t> unavailable =
        disruption::ScaledValue(max_unavailable, count.expected, /*round_up=*/true);
    if (!unavailable.ok()) return unavailable.status();
    count.desired_healthy = std::max<int32_t>(0, count.expected - *unavailable);
  } else if (min_available.is_number_integer()) {
    count.desired_healthy = static_cast<int32_t>(min_available.get<int64_t>());
    count.expected = static_cast<int32_t>(pods.size());
  } else if (min_available.is_string()) {
    absl::StatusOr<int32_t> scale = ExpectedScale(pods, count.unmanaged_pods);
    if (!scale.ok()) return scale.status();
    count.expected = *scale;
    absl::StatusOr<int32_t> available =
        disruption::ScaledValue(min_available, count.expected, /*round_up=*/true);
    if (!available.ok()) return available.status();
    count.desired_healthy = *available;
  }
  return count;
}

absl::StatusOr<int32_t> DisruptionController::Impl::ExpectedScale(
    const std::vector<ObjectPtr>& pods, std::vector<std::string>& unmanaged) {
  // Each pod has at most one controller (its controllerRef); the denominator is the sum of the
  // scales of the distinct controllers.
  std::map<std::string, int32_t> scale_by_uid;
  for (const ObjectPtr& pod : pods) {
    const json* ref = ControllerRefOf(*pod);
    if (ref == nullptr) {
      unmanaged.push_back(MetaString(*pod, "name"));
      continue;
    }
    if (scale_by_uid.count(disruption::StringField(*ref, "uid")) > 0) continue;
    absl::StatusOr<std::optional<disruption::ControllerScale>> found =
        finder_.Find(*ref, MetaString(*pod, "namespace"));
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      return absl::FailedPreconditionError(base::StrCat(
          "found no controllers for pod ", disruption::GoQuote(MetaString(*pod, "name"))));
    }
    scale_by_uid[(*found)->uid] = (*found)->scale;
  }
  int32_t expected = 0;
  for (const auto& [uid, scale] : scale_by_uid) expected += scale;
  return expected;
}

absl::Status DisruptionController::Impl::FailSafe(const json& pdb, const absl::Status& cause) {
  json status = disruption::FailSafeStatus(pdb, std::string(cause.message()),
                                           clock_.NowUnixNanos() / base::kNanosPerSecond);
  if (status == Field(pdb, "status")) return absl::OkStatus();
  return WriteStatus(pdb, std::move(status));
}

absl::Status DisruptionController::Impl::WriteStatus(const json& pdb, json status) {
  json updated = pdb;
  updated["apiVersion"] = kPolicyV1;
  updated["kind"] = kPdbKind;
  updated["status"] = std::move(status);
  // Not retried here: a failure goes back to the queue.
  return client_.UpdateStatus(client::resources::PodDisruptionBudgets(), updated).status();
}

}  // namespace k1s::controllers
