#include "controllers/node_lifecycle/node_lifecycle_controller.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "controllers/common/pods.h"
#include "controllers/node_lifecycle/taints.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
namespace nl = node_lifecycle;

constexpr std::string_view kControllerName = "node-controller";
constexpr std::string_view kNodeLeaseNamespace = "kube-node-lease";
constexpr std::string_view kNodeNameIndex = "spec.nodeName";
constexpr std::string_view kExcludeDisruptionLabel = "node.kubernetes.io/exclude-disruption";
// How often the monitor thread looks at the clock (upstream's NodeEvictionPeriod).
constexpr absl::Duration kTick = absl::Milliseconds(100);
// Upstream's NodeHealthUpdateRetry.
constexpr int32_t kHealthUpdateAttempts = 5;
// The conditions set to Unknown when a node goes silent (NetworkUnavailable is the network
// plugin's).
constexpr std::string_view kSilencedConditions[] = {"Ready", "MemoryPressure", "DiskPressure",
                                                    "PIDPressure"};

std::shared_ptr<spdlog::logger> Log() { return base::Logger("node-lifecycle"); }

const json& Member(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringMember(const json& object, std::string_view key) {
  const json& value = Member(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string NodeName(const json& node) { return StringMember(Member(node, "metadata"), "name"); }

std::string Label(const json& node, std::string_view key) {
  return StringMember(Member(Member(node, "metadata"), "labels"), key);
}

// Region and zone, as upstream's GetZoneKey ("" when the node has neither).
std::string ZoneKey(const json& node) {
  std::string region = Label(node, "topology.kubernetes.io/region");
  if (region.empty()) region = Label(node, "failure-domain.beta.kubernetes.io/region");
  std::string zone = Label(node, "topology.kubernetes.io/zone");
  if (zone.empty()) zone = Label(node, "failure-domain.beta.kubernetes.io/zone");
  if (region.empty() && zone.empty()) return "";
  return region + ":\x00:" + zone;
}

// The condition of `type` in a node status object, or null.
json* StatusCondition(json& status, std::string_view type) {
  if (!status.is_object() || !status.contains("conditions") || !status["conditions"].is_array()) {
    return nullptr;
  }
  for (json& condition : status["conditions"]) {
    if (condition.is_object() && StringMember(condition, "type") == type) return &condition;
  }
  return nullptr;
}

// A MicroTime ("2026-01-02T03:04:05.123456Z") in Unix nanoseconds; 0 when missing or malformed.
int64_t ParseMicroTime(const std::string& text) {
  std::optional<int64_t> seconds = api::ParseTimestamp(text);
  if (!seconds.has_value()) return 0;
  int64_t nanos = *seconds * base::kNanosPerSecond;
  const size_t dot = text.find('.');
  if (dot != std::string::npos) {
    int64_t scale = base::kNanosPerSecond / 10;
    for (size_t i = dot + 1; i < text.size() && text[i] >= '0' && text[i] <= '9' && scale > 0;
         ++i, scale /= 10) {
      nanos += (text[i] - '0') * scale;
    }
  }
  return nanos;
}

std::string FormatNanos(int64_t unix_nanos) {
  return api::FormatTimestamp(unix_nanos / base::kNanosPerSecond);
}

std::string ConditionStatus(const json& condition) { return StringMember(condition, "status"); }

}  // namespace

struct NodeLifecycleController::NodeHealth {
  json status;                   // the node status last seen
  int64_t probe = 0;             // when the node last showed a sign of life
  int64_t ready_transition = 0;  // when its Ready condition last changed
  bool has_lease = false;
  int64_t lease_renew = 0;  // the renewTime of the lease last seen
};

struct NodeLifecycleController::ReadyConditions {
  json observed;  // before the check (a made-up Unknown one when the node never posted)
  json current;   // after it; null when the node has none
};

NodeLifecycleController::NodeLifecycleController(ControllerContext& ctx,
                                                 NodeLifecycleOptions options)
    : ctx_(ctx),
      options_(options),
      client_(ctx.ClientFor(kControllerName)),
      nodes_(ctx.informers.For(client::resources::Nodes())),
      pods_(ctx.informers.For(client::resources::Pods())),
      leases_(ctx.informers.For(client::resources::Leases())),
      recorder_(ctx.events.NewRecorder(std::string(kControllerName))),
      node_queue_(std::make_shared<client::WorkQueue>("node_lifecycle_controller")),
      pod_queue_(std::make_shared<client::WorkQueue>("node_lifecycle_controller_pods")),
      node_workers_(*node_queue_, [this](const std::string& name) { return SyncNode(name); }),
      pod_workers_(*pod_queue_, [this](const std::string& key) { return SyncPod(key); }) {
  if (options_.run_taint_eviction) {
    taint_eviction_ = std::make_unique<TaintEvictionController>(ctx);
  }
  pods_.AddIndex(std::string(kNodeNameIndex), client::IndexByNodeName());

  std::shared_ptr<client::WorkQueue> nodes = node_queue_;
  nodes_.AddHandler({[nodes](const client::ObjectPtr& node) { nodes->Add(NodeName(*node)); },
                     [nodes](const client::ObjectPtr&, const client::ObjectPtr& node) {
                       nodes->Add(NodeName(*node));
                     },
                     nullptr});
  // A pod newly bound to a node that is not ready must be marked not ready too.
  std::shared_ptr<client::WorkQueue> pods = pod_queue_;
  auto node_of = [](const client::ObjectPtr& pod) {
    return StringMember(Member(*pod, "spec"), "nodeName");
  };
  pods_.AddHandler(
      {[pods, node_of](const client::ObjectPtr& pod) {
         if (!node_of(pod).empty()) pods->Add(client::ObjectKey(*pod));
       },
       [pods, node_of](const client::ObjectPtr& old_pod, const client::ObjectPtr& pod) {
         if (!node_of(pod).empty() && node_of(pod) != node_of(old_pod)) {
           pods->Add(client::ObjectKey(*pod));
         }
       },
       nullptr});
}

NodeLifecycleController::~NodeLifecycleController() { Stop(); }

absl::Status NodeLifecycleController::Start() {
  if (started_) return absl::OkStatus();
  started_ = true;
  if (taint_eviction_) {
    if (absl::Status status = taint_eviction_->Start(); !status.ok()) return status;
  }
  node_workers_.Start(ctx_.workers);
  pod_workers_.Start(ctx_.workers);
  monitor_thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void NodeLifecycleController::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (monitor_thread_.joinable()) monitor_thread_.join();
  node_workers_.Stop();
  pod_workers_.Stop();
  if (taint_eviction_) taint_eviction_->Stop();
}

void NodeLifecycleController::Run() {
  base::SetCurrentThreadName("node-lifecycle");
  const int64_t period =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.monitor_period).count();
  int64_t next_monitor = ctx_.clock.MonotonicNanos();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const int64_t now = ctx_.clock.MonotonicNanos();
    if (now >= next_monitor) {
      MonitorNodeHealth();
      next_monitor = now + period;
    }
    DoNoExecuteTaintingPass();
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kTick);
  }
}

void NodeLifecycleController::RecordNodeEvent(const json& node, std::string_view reason,
                                              std::string_view message) {
  const std::string name = NodeName(node);
  json ref = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", {{"name", name}, {"uid", StringMember(Member(node, "metadata"), "uid")}}}};
  recorder_->Event(ref, client::kEventNormal, reason,
                   base::StrCat("Node ", name, " event: ", message));
}

void NodeLifecycleController::RecordNodeStatusChange(const json& node, std::string_view status) {
  const std::string name = NodeName(node);
  json ref = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", {{"name", name}, {"uid", StringMember(Member(node, "metadata"), "uid")}}}};
  recorder_->Event(ref, client::kEventNormal, status,
                   base::StrCat("Node ", name, " status is now: ", status));
}

nl::RateLimitedTimedQueue& NodeLifecycleController::ZoneQueue(const std::string& zone) {
  auto& queue = zone_tainters_[zone];
  if (!queue) {
    queue = std::make_unique<nl::RateLimitedTimedQueue>(ctx_.clock, options_.eviction_qps);
    zone_states_.emplace(zone, ZoneState::kInitial);
  }
  return *queue;
}

void NodeLifecycleController::MonitorNodeHealth() {
  const std::vector<client::ObjectPtr> nodes = nodes_.List();
  std::set<std::string> present;
  for (const client::ObjectPtr& node : nodes) {
    const std::string name = NodeName(*node);
    present.insert(name);
    const std::string zone = ZoneKey(*node);
    auto known = known_nodes_.find(name);
    if (known == known_nodes_.end()) {
      Log()->info("observed a new node {}", name);
      RecordNodeEvent(*node, "RegisteredNode",
                      base::StrCat("Registered Node ", name, " in Controller"));
      known_nodes_[name] = zone;
      ZoneQueue(zone);
      if (absl::Status status = MarkNodeAsReachable(*node); !status.ok()) {
        Log()->warn("node {}: removing NoExecute taints: {}", name, status);
      }
    } else if (known->second != zone) {
      known->second = zone;
      ZoneQueue(zone);
    }
  }
  for (auto it = known_nodes_.begin(); it != known_nodes_.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    Log()->info("observed deletion of node {}", it->first);
    RecordNodeEvent(json{{"metadata", {{"name", it->first}}}}, "RemovingNode",
                    base::StrCat("Removing Node ", it->first, " from Controller"));
    nodes_to_retry_.erase(it->first);
    {
      absl::MutexLock lock(&mu_);
      health_.erase(it->first);
    }
    it = known_nodes_.erase(it);
  }

  std::map<std::string, std::vector<std::string>> zone_readiness;
  for (const client::ObjectPtr& listed : nodes) {
    json node = *listed;
    const std::string name = NodeName(node);
    absl::StatusOr<ReadyConditions> ready;
    for (int32_t attempt = 0; attempt < kHealthUpdateAttempts; ++attempt) {
      ready = TryUpdateNodeHealth(node);
      if (ready.ok()) break;
      absl::StatusOr<json> fresh = client_.Get(client::resources::Nodes(), "", name);
      if (!fresh.ok()) break;
      node = std::move(*fresh);
    }
    if (!ready.ok()) {
      Log()->warn("updating health of node {}: {}; no pods will be evicted", name, ready.status());
      continue;
    }
    if (!Member(Member(node, "metadata"), "labels").contains(kExcludeDisruptionLabel)) {
      zone_readiness[ZoneKey(node)].push_back(ConditionStatus(ready->current));
    }
    if (!ready->current.is_null()) {
      ProcessTaintBasedEviction(node, ready->observed);
      const bool became_not_ready =
          ConditionStatus(ready->current) != "True" && ConditionStatus(ready->observed) == "True";
      const bool retry =
          nodes_to_retry_.count(name) != 0 && ConditionStatus(ready->observed) != "True";
      if (became_not_ready) RecordNodeStatusChange(node, "NodeNotReady");
      if (became_not_ready || retry) {
        absl::Status status = MarkPodsNotReady(pods_.ByIndex(kNodeNameIndex, name), name);
        if (!status.ok()) {
          Log()->warn("marking pods of node {} not ready: {}; will retry", name, status);
          nodes_to_retry_.insert(name);
          continue;
        }
      }
    }
    nodes_to_retry_.erase(name);
  }
  HandleDisruption(zone_readiness, nodes);
}

absl::StatusOr<NodeLifecycleController::ReadyConditions>
NodeLifecycleController::TryUpdateNodeHealth(json& node) {
  const std::string name = NodeName(node);
  const int64_t now = ctx_.clock.NowUnixNanos();
  const int64_t created = CreationSeconds(node) * base::kNanosPerSecond;
  const std::string created_text = StringMember(Member(node, "metadata"), "creationTimestamp");
  if (!node["status"].is_object()) node["status"] = json::object();

  std::unique_ptr<NodeHealth> health;
  {
    absl::MutexLock lock(&mu_);
    auto it = health_.find(name);
    if (it != health_.end()) health = std::make_unique<NodeHealth>(*it->second);
  }
  // Whatever happens, what was learnt is kept.
  struct Save {
    NodeLifecycleController* self;
    const std::string& name;
    std::unique_ptr<NodeHealth>& health;
    ~Save() {
      if (!health) return;
      absl::MutexLock lock(&self->mu_);
      self->health_[name] = std::move(health);
    }
  } save{this, name, health};

  ReadyConditions result;
  int64_t grace = 0;
  const json* current = StatusCondition(node["status"], "Ready");
  if (current == nullptr) {
    // Never posted: judged from the node's creation with the startup grace period.
    result.observed = {{"type", "Ready"},
                       {"status", "Unknown"},
                       {"lastHeartbeatTime", created_text},
                       {"lastTransitionTime", created_text}};
    grace =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.startup_grace_period).count();
    if (health) {
      health->status = node["status"];
    } else {
      health = std::make_unique<NodeHealth>(NodeHealth{node["status"], created, created});
    }
  } else {
    result.observed = *current;
    grace = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.grace_period).count();
  }

  const json* saved = health ? StatusCondition(health->status, "Ready") : nullptr;
  if (!health || (saved == nullptr && current != nullptr) ||
      (saved != nullptr && current == nullptr)) {
    health = std::make_unique<NodeHealth>(NodeHealth{node["status"], now, now});
  } else if (saved != nullptr && current != nullptr &&
             Member(*saved, "lastHeartbeatTime") != Member(*current, "lastHeartbeatTime")) {
    const int64_t transition =
        Member(*saved, "lastTransitionTime") != Member(*current, "lastTransitionTime")
            ? now
            : health->ready_transition;
    health = std::make_unique<NodeHealth>(NodeHealth{node["status"], now, transition});
  }
  // A renewed lease is a sign of life too (even from a node that never posted status).
  const client::ObjectPtr lease = leases_.Get(kNodeLeaseNamespace, name);
  if (lease != nullptr) {
    const int64_t renew = ParseMicroTime(StringMember(Member(*lease, "spec"), "renewTime"));
    if (!health->has_lease || health->lease_renew < renew) {
      health->has_lease = true;
      health->lease_renew = renew;
      health->probe = now;
    }
  }

  if (now > health->probe + grace) {
    const std::string now_text = FormatNanos(now);
    json& status = node["status"];
    for (std::string_view type : kSilencedConditions) {
      json* condition = StatusCondition(status, type);
      if (condition == nullptr) {
        if (!status["conditions"].is_array()) status["conditions"] = json::array();
        status["conditions"].push_back({{"type", type},
                                        {"status", "Unknown"},
                                        {"reason", "NodeStatusNeverUpdated"},
                                        {"message", "Kubelet never posted node status."},
                                        {"lastHeartbeatTime", created_text},
                                        {"lastTransitionTime", now_text}});
      } else if (StringMember(*condition, "status") != "Unknown") {
        (*condition)["status"] = "Unknown";
        (*condition)["reason"] = "NodeStatusUnknown";
        (*condition)["message"] = "Kubelet stopped posting node status.";
        (*condition)["lastTransitionTime"] = now_text;
      }
    }
    const json* ready = StatusCondition(status, "Ready");
    if (ready != nullptr && *ready != result.observed) {
      Log()->info(
          "node {} has not reported for longer than the grace period; marking it "
          "Unknown",
          name);
      absl::StatusOr<json> written = client_.UpdateStatus(client::resources::Nodes(), node);
      if (!written.ok()) return written.status();
      node = std::move(*written);
      const int64_t probe = health->probe;
      const bool has_lease = health->has_lease;
      const int64_t lease_renew = health->lease_renew;
      health = std::make_unique<NodeHealth>(
          NodeHealth{node["status"], probe, now, has_lease, lease_renew});
    }
  }
  const json* after = StatusCondition(node["status"], "Ready");
  result.current = after != nullptr ? *after : json();
  return result;
}

void NodeLifecycleController::ProcessTaintBasedEviction(const json& node, const json& observed) {
  const std::string name = NodeName(node);
  const std::vector<json> taints = nl::NodeTaints(node);
  const json unreachable = nl::MakeTaint(nl::kTaintUnreachable, "NoExecute");
  const json not_ready = nl::MakeTaint(nl::kTaintNotReady, "NoExecute");
  const std::string status = ConditionStatus(observed);
  if (status == "False" || status == "Unknown") {
    const bool is_false = status == "False";
    const json& wanted = is_false ? not_ready : unreachable;
    const json& opposite = is_false ? unreachable : not_ready;
    if (nl::TaintExists(taints, opposite)) {
      // Already tainted the other way: swap at once.
      absl::Status swapped = nl::SwapNodeTaints(client_, ctx_.clock, node, {wanted}, {opposite});
      if (!swapped.ok()) Log()->warn("node {}: swapping NoExecute taints: {}", name, swapped);
    } else if (ZoneQueue(ZoneKey(node)).Add(name, StringMember(Member(node, "metadata"), "uid"))) {
      Log()->info("node {} is {}; queued for the NoExecute taint", name,
                  is_false ? "NotReady" : "unresponsive");
    }
  } else if (status == "True") {
    if (absl::Status reachable = MarkNodeAsReachable(node); !reachable.ok()) {
      Log()->warn("node {}: removing NoExecute taints: {}", name, reachable);
    }
  }
}

absl::Status NodeLifecycleController::MarkNodeAsReachable(const json& node) {
  absl::Status status = nl::SwapNodeTaints(client_, ctx_.clock, node, {},
                                           {nl::MakeTaint(nl::kTaintUnreachable, "NoExecute"),
                                            nl::MakeTaint(nl::kTaintNotReady, "NoExecute")});
  if (!status.ok()) return status;
  ZoneQueue(ZoneKey(node)).Remove(NodeName(node));
  return absl::OkStatus();
}

void NodeLifecycleController::DoNoExecuteTaintingPass() {
  for (auto& [zone, queue] : zone_tainters_) {
    queue->Try([this](const nl::RateLimitedTimedQueue::Item& item) -> std::pair<bool, int64_t> {
      const client::ObjectPtr node = nodes_.Get("", item.value);
      if (node == nullptr) return {true, 0};  // gone
      json copy = *node;
      const json* ready = StatusCondition(copy["status"], "Ready");
      if (ready == nullptr) return {true, 0};
      const json unreachable = nl::MakeTaint(nl::kTaintUnreachable, "NoExecute");
      const json not_ready = nl::MakeTaint(nl::kTaintNotReady, "NoExecute");
      const std::string status = ConditionStatus(*ready);
      absl::Status swapped;
      if (status == "False") {
        swapped = nl::SwapNodeTaints(client_, ctx_.clock, copy, {not_ready}, {unreachable});
      } else if (status == "Unknown") {
        swapped = nl::SwapNodeTaints(client_, ctx_.clock, copy, {unreachable}, {not_ready});
      } else {
        return {true, 0};  // ready again
      }
      if (!swapped.ok()) {
        Log()->warn("node {}: adding the NoExecute taint: {}", item.value, swapped);
        return {false, 0};
      }
      return {true, 0};
    });
  }
}

NodeLifecycleController::ZoneState NodeLifecycleController::ComputeZoneState(
    const std::vector<std::string>& readiness) const {
  size_t ready = 0;
  size_t not_ready = 0;
  for (const std::string& status : readiness) (status == "True" ? ready : not_ready)++;
  if (ready == 0 && not_ready > 0) return ZoneState::kFullDisruption;
  if (not_ready > 2 && static_cast<double>(not_ready) / static_cast<double>(not_ready + ready) >=
                           options_.unhealthy_zone_threshold) {
    return ZoneState::kPartialDisruption;
  }
  return ZoneState::kNormal;
}

void NodeLifecycleController::SetLimiterInZone(const std::string& zone, size_t zone_size,
                                               ZoneState state) {
  double qps = options_.eviction_qps;
  if (state == ZoneState::kPartialDisruption) {
    qps = zone_size > static_cast<size_t>(options_.large_cluster_threshold)
              ? options_.secondary_eviction_qps
              : 0;
  }
  ZoneQueue(zone).SwapLimiter(qps);
}

void NodeLifecycleController::HandleDisruption(
    const std::map<std::string, std::vector<std::string>>& zone_readiness,
    const std::vector<client::ObjectPtr>& nodes) {
  std::map<std::string, ZoneState> new_states;
  bool all_fully_disrupted = true;
  for (const auto& [zone, readiness] : zone_readiness) {
    const ZoneState state = ComputeZoneState(readiness);
    if (state != ZoneState::kFullDisruption) all_fully_disrupted = false;
    new_states[zone] = state;
    ZoneQueue(zone);
    zone_states_.emplace(zone, ZoneState::kInitial);  // an unseen zone
  }
  bool all_were_fully_disrupted = true;
  for (auto it = zone_states_.begin(); it != zone_states_.end();) {
    if (zone_readiness.count(it->first) == 0) {
      it = zone_states_.erase(it);
      continue;
    }
    if (it->second != ZoneState::kFullDisruption) all_were_fully_disrupted = false;
    ++it;
  }
  if (all_fully_disrupted && all_were_fully_disrupted) return;

  if (all_fully_disrupted) {
    // Every node is down: more likely the control plane's network than the nodes. Stop.
    Log()->info(
        "Controller detected that all Nodes are not-Ready. Entering master disruption "
        "mode.");
    for (const client::ObjectPtr& node : nodes) {
      if (absl::Status status = MarkNodeAsReachable(*node); !status.ok()) {
        Log()->warn("node {}: removing NoExecute taints: {}", NodeName(*node), status);
      }
    }
    for (auto& [zone, state] : zone_states_) {
      ZoneQueue(zone).SwapLimiter(0);
      state = ZoneState::kFullDisruption;
    }
    return;
  }
  if (all_were_fully_disrupted) {
    Log()->info(
        "Controller detected that some Nodes are Ready. Exiting master disruption "
        "mode.");
    // Every node gets a fresh grace period.
    const int64_t now = ctx_.clock.NowUnixNanos();
    {
      absl::MutexLock lock(&mu_);
      for (auto& [name, health] : health_) {
        health->probe = now;
        health->ready_transition = now;
      }
    }
    for (auto& [zone, state] : zone_states_) {
      SetLimiterInZone(zone, zone_readiness.at(zone).size(), new_states[zone]);
      state = new_states[zone];
    }
    return;
  }
  for (auto& [zone, state] : zone_states_) {
    const ZoneState next = new_states[zone];
    if (state == next) continue;
    Log()->info("zone \"{}\" is now in state {}", zone, static_cast<int>(next));
    SetLimiterInZone(zone, zone_readiness.at(zone).size(), next);
    state = next;
  }
}

absl::Status NodeLifecycleController::MarkPodsNotReady(const std::vector<client::ObjectPtr>& pods,
                                                       const std::string& node_name) {
  std::vector<std::string> errors;
  const std::string now = FormatNanos(ctx_.clock.NowUnixNanos());
  for (const client::ObjectPtr& listed : pods) {
    if (StringMember(Member(*listed, "spec"), "nodeName") != node_name) continue;
    json pod = *listed;
    json* ready = StatusCondition(pod["status"], "Ready");
    if (ready == nullptr || StringMember(*ready, "status") == "False") continue;
    (*ready)["status"] = "False";
    (*ready)["lastTransitionTime"] = now;
    absl::StatusOr<json> written = client_.UpdateStatus(client::resources::Pods(), pod);
    if (!written.ok()) {
      if (!api::IsNotFound(written.status())) errors.emplace_back(written.status().message());
      continue;
    }
    recorder_->Event(pod, client::kEventWarning, "NodeNotReady", "Node is not ready");
  }
  if (errors.empty()) return absl::OkStatus();
  std::string message = errors.front();
  for (size_t i = 1; i < errors.size(); ++i) message += ", " + errors[i];
  return absl::UnavailableError(message);
}

absl::Status NodeLifecycleController::SyncPod(const std::string& key) {
  const client::ObjectPtr pod = pods_.GetByKey(key);
  if (pod == nullptr) return absl::OkStatus();
  const std::string node_name = StringMember(Member(*pod, "spec"), "nodeName");
  std::string ready_status;
  {
    absl::MutexLock lock(&mu_);
    auto it = health_.find(node_name);
    if (it == health_.end()) return absl::OkStatus();  // not seen yet, or deleted
    const json* ready = StatusCondition(it->second->status, "Ready");
    if (ready == nullptr) return absl::OkStatus();
    ready_status = ConditionStatus(*ready);
  }
  if (nodes_.Get("", node_name) == nullptr || ready_status == "True") return absl::OkStatus();
  return MarkPodsNotReady({pod}, node_name);
}

absl::Status NodeLifecycleController::SyncNode(const std::string& name) {
  const client::ObjectPtr node = nodes_.Get("", name);
  if (node == nullptr) return absl::OkStatus();

  // NoSchedule taints mirror the conditions and spec.unschedulable (TaintNodesByCondition).
  struct ConditionTaint {
    std::string_view condition;
    std::string_view status;
    std::string_view taint;
  };
  static constexpr ConditionTaint kConditionTaints[] = {
      {"Ready", "False", nl::kTaintNotReady},
      {"Ready", "Unknown", nl::kTaintUnreachable},
      {"MemoryPressure", "True", nl::kTaintMemoryPressure},
      {"DiskPressure", "True", nl::kTaintDiskPressure},
      {"NetworkUnavailable", "True", nl::kTaintNetworkUnavailable},
      {"PIDPressure", "True", nl::kTaintPIDPressure},
  };
  std::vector<json> wanted;
  const json& conditions = Member(Member(*node, "status"), "conditions");
  if (conditions.is_array()) {
    for (const json& condition : conditions) {
      for (const ConditionTaint& mapping : kConditionTaints) {
        if (StringMember(condition, "type") == mapping.condition &&
            StringMember(condition, "status") == mapping.status) {
          wanted.push_back(nl::MakeTaint(mapping.taint, "NoSchedule"));
        }
      }
    }
  }
  if (Member(Member(*node, "spec"), "unschedulable") == true) {
    wanted.push_back(nl::MakeTaint(nl::kTaintUnschedulable, "NoSchedule"));
  }
  std::vector<json> managed;
  for (const json& taint : nl::NodeTaints(*node)) {
    if (StringMember(taint, "effect") != "NoSchedule") continue;
    const std::string key = StringMember(taint, "key");
    bool ours = key == nl::kTaintUnschedulable;
    for (const ConditionTaint& mapping : kConditionTaints) ours = ours || key == mapping.taint;
    if (ours) managed.push_back(taint);
  }
  std::vector<json> to_add;
  std::vector<json> to_remove;
  for (const json& taint : wanted) {
    if (!nl::TaintExists(managed, taint)) to_add.push_back(taint);
  }
  for (const json& taint : managed) {
    if (!nl::TaintExists(wanted, taint)) to_remove.push_back(taint);
  }
  if (!to_add.empty() || !to_remove.empty()) {
    if (absl::Status status = nl::SwapNodeTaints(client_, ctx_.clock, *node, to_add, to_remove);
        !status.ok()) {
      return absl::Status(status.code(), base::StrCat("failed to swap taints of node ", name, ": ",
                                                      status.message()));
    }
  }

  // The deprecated beta os/arch labels follow the stable ones.
  json labels = json::object();
  const json& current = Member(Member(*node, "metadata"), "labels");
  for (const auto& [stable, beta] :
       {std::pair<std::string_view, std::string_view>{"kubernetes.io/os", "beta.kubernetes.io/os"},
        {"kubernetes.io/arch", "beta.kubernetes.io/arch"}}) {
    const json& primary = Member(current, stable);
    if (!primary.is_string()) continue;
    if (Member(current, beta) != primary) labels[std::string(beta)] = primary;
  }
  if (labels.empty()) return absl::OkStatus();
  json patch = {{"metadata", {{"labels", labels}}}};
  absl::StatusOr<json> patched =
      client_.Patch(client::resources::Nodes(), "", name, client::PatchType::kMerge, patch.dump());
  if (!patched.ok() && !api::IsNotFound(patched.status())) return patched.status();
  return absl::OkStatus();
}

}  // namespace k1s::controllers
