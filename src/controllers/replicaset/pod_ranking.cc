#include "controllers/replicaset/pod_ranking.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "api/timestamps.h"
#include "base/clock.h"
#include "controllers/common/pods.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers::replicaset {
namespace {

using nlohmann::json;
using workload::Member;
using workload::Path;
using workload::StringOf;

constexpr std::string_view kDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

int32_t PhaseOrdinal(const json& pod) {
  std::string phase = StringOf(Path(pod, {"status", "phase"}));
  if (phase == "Pending") return 0;
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 0;  // an unset phase is the zero value, as a missing map entry is upstream
}

// The deletion cost annotation as an int32; 0 when absent or malformed.
int32_t DeletionCost(const json& pod) {
  std::optional<std::string> text = workload::Annotation(pod, kDeletionCostAnnotation);
  if (!text) return 0;
  int32_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  return ec == std::errc() && ptr == end ? value : 0;
}

// Unix nanos of a timestamp field; 0 (Go's zero time) when absent or unparsable.
int64_t TimestampNanos(const json& value) {
  if (!value.is_string()) return 0;
  std::optional<int64_t> seconds = api::ParseTimestamp(value.get<std::string>());
  return seconds ? *seconds * base::kNanosPerSecond : 0;
}

int64_t ReadyNanos(const json& pod) {
  const json* ready = FindCondition(pod, "Ready");
  return ready ? TimestampNanos(Member(*ready, "lastTransitionTime")) : 0;
}

// Go's afterOrZero: a zero time sorts first, then the later time.
bool AfterOrZero(int64_t t1, int64_t t2) {
  if (t1 == 0 || t2 == 0) return t1 == 0;
  return t1 > t2;
}

int64_t LogRank(int64_t t, int64_t now) {
  int64_t age = now - t;
  return age > 0 ? static_cast<int64_t>(std::log2(static_cast<double>(age))) : -1;
}

// Compares by the log2 of the age; nullopt means "equal bucket" (the caller then compares uids).
std::optional<bool> LogarithmicLess(int64_t t1, int64_t t2, int64_t now) {
  if (now == 0 || t1 == 0 || t2 == 0) return AfterOrZero(t1, t2);
  int64_t diff = LogRank(t1, now) - LogRank(t2, now);
  if (diff == 0) return std::nullopt;
  return diff < 0;
}

struct Restarts {
  int64_t regular = 0;
  int64_t sidecar = 0;
};

Restarts MaxRestarts(const json& pod) {
  Restarts out;
  const json& statuses = Path(pod, {"status", "containerStatuses"});
  if (statuses.is_array()) {
    for (const json& status : statuses) {
      out.regular = std::max(out.regular, workload::Int64Of(Member(status, "restartCount")));
    }
  }
  std::set<std::string> sidecars;
  const json& init = Path(pod, {"spec", "initContainers"});
  if (init.is_array()) {
    for (const json& container : init) {
      if (StringOf(Member(container, "restartPolicy")) == "Always") {
        sidecars.insert(StringOf(Member(container, "name")));
      }
    }
  }
  const json& init_statuses = Path(pod, {"status", "initContainerStatuses"});
  if (init_statuses.is_array()) {
    for (const json& status : init_statuses) {
      if (sidecars.count(StringOf(Member(status, "name"))) > 0) {
        out.sidecar = std::max(out.sidecar, workload::Int64Of(Member(status, "restartCount")));
      }
    }
  }
  return out;
}

struct Ranked {
  client::ObjectPtr pod;
  int32_t colocated = 0;
};

bool DeleteFirst(const Ranked& a, const Ranked& b, int64_t now) {
  const json& pi = *a.pod;
  const json& pj = *b.pod;
  // 1. Unassigned before assigned.
  std::string node_i = StringOf(Path(pi, {"spec", "nodeName"}));
  std::string node_j = StringOf(Path(pj, {"spec", "nodeName"}));
  if (node_i != node_j && (node_i.empty() || node_j.empty())) return node_i.empty();
  // 2. Pending < Unknown < Running.
  if (PhaseOrdinal(pi) != PhaseOrdinal(pj)) return PhaseOrdinal(pi) < PhaseOrdinal(pj);
  // 3. Not ready before ready.
  bool ready_i = IsPodReady(pi);
  bool ready_j = IsPodReady(pj);
  if (ready_i != ready_j) return !ready_i;
  // 4. Lower deletion cost first.
  if (DeletionCost(pi) != DeletionCost(pj)) return DeletionCost(pi) < DeletionCost(pj);
  // 5. More colocated siblings first.
  if (a.colocated != b.colocated) return a.colocated > b.colocated;
  // 6. Ready more recently first.
  if (ready_i && ready_j) {
    int64_t t1 = ReadyNanos(pi);
    int64_t t2 = ReadyNanos(pj);
    if (t1 != t2) {
      std::optional<bool> less = LogarithmicLess(t1, t2, now);
      if (!less) return workload::UidOf(pi) < workload::UidOf(pj);
      return *less;
    }
  }
  // 7. More restarts first (regular containers, then restartable init containers).
  Restarts ri = MaxRestarts(pi);
  Restarts rj = MaxRestarts(pj);
  if (ri.regular != rj.regular) return ri.regular > rj.regular;
  if (ri.sidecar != rj.sidecar) return ri.sidecar > rj.sidecar;
  // 8. Created more recently first.
  int64_t c1 = TimestampNanos(Path(pi, {"metadata", "creationTimestamp"}));
  int64_t c2 = TimestampNanos(Path(pj, {"metadata", "creationTimestamp"}));
  if (c1 != c2) {
    std::optional<bool> less = LogarithmicLess(c1, c2, now);
    if (!less) return workload::UidOf(pi) < workload::UidOf(pj);
    return *less;
  }
  return false;
}

}  // namespace

std::vector<client::ObjectPtr> PodsToDelete(std::vector<client::ObjectPtr> pods,
                                            const std::vector<client::ObjectPtr>& related_pods,
                                            int32_t count, int64_t now_nanos) {
  if (count <= 0) return {};
  if (static_cast<size_t>(count) >= pods.size()) return pods;  // all of them: no need to sort
  std::map<std::string, int32_t> active_on_node;
  for (const client::ObjectPtr& pod : related_pods) {
    if (pod && IsPodActive(*pod)) ++active_on_node[StringOf(Path(*pod, {"spec", "nodeName"}))];
  }
  std::vector<Ranked> ranked;
  ranked.reserve(pods.size());
  for (client::ObjectPtr& pod : pods) {
    int32_t rank = active_on_node[StringOf(Path(*pod, {"spec", "nodeName"}))];
    ranked.push_back({std::move(pod), rank});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [now_nanos](const Ranked& a, const Ranked& b) {
    return DeleteFirst(a, b, now_nanos);
  });
  std::vector<client::ObjectPtr> out;
  out.reserve(count);
  for (int32_t i = 0; i < count; ++i) out.push_back(ranked[i].pod);
  return out;
}

}  // namespace k1s::controllers::replicaset
