#include "simulate/node_simulator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "api/json_fields.h"
#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "quota/quantity.h"
#include "simulate/pod_status.h"

namespace k1s::simulate {
namespace {

using api::Member;
using api::StringAt;

using nlohmann::json;

constexpr std::string_view kNodePrefix = "node/";
constexpr std::string_view kLeasePrefix = "lease/";
constexpr std::string_view kPodPrefix = "pod/";
constexpr auto kTimerTick = std::chrono::milliseconds(100);

std::shared_ptr<spdlog::logger> Log() { return base::Logger("simulate"); }

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The complete-after annotation in seconds; nullopt when absent or not a number >= 0.
std::optional<double> CompleteAfterSeconds(const json& pod) {
  const json& annotations = Member(Member(pod, "metadata"), "annotations");
  if (!annotations.is_object()) return std::nullopt;
  auto it = annotations.find(kCompleteAfterAnnotation);
  if (it == annotations.end() || !it->is_string()) return std::nullopt;
  const std::string& text = it->get_ref<const std::string&>();
  double seconds = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || !(seconds >= 0) ||
      !std::isfinite(seconds)) {
    return std::nullopt;
  }
  return seconds;
}

}  // namespace

NodeSimulator::NodeSimulator(client::Client client, base::Clock& clock,
                             NodeSimulatorOptions options)
    : client_(client.WithFieldManager("kubelet")),
      clock_(clock),
      options_(std::move(options)),
      queue_("simulate"),
      workers_(queue_, [this](const std::string& key) { return Sync(key); }) {
  for (int32_t i = 0; i < options_.nodes; ++i) {
    std::string name = base::StrCat(options_.name_prefix, "-", i);
    nodes_.emplace(name, std::make_unique<SimNode>(i, name));
  }
}

NodeSimulator::~NodeSimulator() { Stop(); }

absl::Status NodeSimulator::Start() {
  if (options_.nodes < 0) return absl::InvalidArgumentError("the node count must be >= 0");
  if (options_.name_prefix.empty()) return absl::InvalidArgumentError("empty node name prefix");
  const NodeShape& shape = options_.shape;
  for (const auto& [what, text] : {std::pair<const char*, const std::string&>{"cpu", shape.cpu},
                                   {"memory", shape.memory},
                                   {"pods", shape.pods},
                                   {"ephemeral-storage", shape.ephemeral_storage}}) {
    std::optional<quota::Quantity> quantity = quota::Quantity::Parse(text);
    if (!quantity || quantity->Sign() < 0) {
      return absl::InvalidArgumentError(base::StrCat("invalid ", what, " quantity \"", text, "\""));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::OkStatus();
    started_ = true;
  }
  client::InformerOptions pod_options;
  pod_options.field_selector = "spec.nodeName!=";
  pods_ = std::make_unique<client::Informer>(client_, client::resources::Pods(), pod_options);
  pods_->AddHandler(
      {.on_add = [this](const client::ObjectPtr& pod) { OnPod(pod); },
       .on_update = [this](const client::ObjectPtr&, const client::ObjectPtr& pod) { OnPod(pod); },
       .on_delete = [this](const client::ObjectPtr& pod) { OnPod(pod); }});
  client::InformerOptions node_options;
  node_options.label_selector = base::StrCat(kSimulatedLabel, "=true");
  node_objects_ =
      std::make_unique<client::Informer>(client_, client::resources::Nodes(), node_options);
  // A simulated node someone deleted is registered again, as a kubelet would.
  client::EventHandler on_nodes;
  on_nodes.on_delete = [this](const client::ObjectPtr& node) {
    std::string name = StringAt(*node, "metadata", "name");
    if (SimNode* sim = FindNode(name); sim != nullptr) {
      {
        absl::MutexLock lock(&mu_);
        sim->lease = nullptr;
      }
      queue_.Add(base::StrCat(kNodePrefix, name));
    }
  };
  node_objects_->AddHandler(std::move(on_nodes));
  if (absl::Status status = node_objects_->Start(); !status.ok()) return status;
  if (absl::Status status = pods_->Start(); !status.ok()) return status;
  workers_.Start(std::max<int32_t>(1, options_.workers));
  for (const auto& [name, node] : nodes_) queue_.Add(base::StrCat(kNodePrefix, name));
  timer_ = std::thread([this] { TimerLoop(); });
  Log()->info("simulating {} nodes named {}-N", options_.nodes, options_.name_prefix);
  return absl::OkStatus();
}

void NodeSimulator::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  if (timer_.joinable()) timer_.join();
  workers_.Stop();
  if (pods_) pods_->Stop();
  if (node_objects_) node_objects_->Stop();
}

std::vector<std::string> NodeSimulator::NodeNames() const {
  std::vector<std::pair<int32_t, std::string>> indexed;
  for (const auto& [name, node] : nodes_) indexed.emplace_back(node->index, name);
  std::sort(indexed.begin(), indexed.end());
  std::vector<std::string> names;
  for (auto& [index, name] : indexed) names.push_back(std::move(name));
  return names;
}

int32_t NodeSimulator::RegisteredNodes() const {
  absl::MutexLock lock(&mu_);
  return registered_;
}

absl::Status NodeSimulator::WaitForRegistration(std::chrono::milliseconds timeout) const {
  absl::MutexLock lock(&mu_);
  auto all = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return registered_ >= static_cast<int32_t>(nodes_.size());
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&all), absl::FromChrono(timeout))) {
    return absl::DeadlineExceededError(
        base::StrCat(registered_, " of ", nodes_.size(), " simulated nodes registered"));
  }
  return absl::OkStatus();
}

NodeSimulator::SimNode* NodeSimulator::FindNode(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second.get();
}

void NodeSimulator::OnPod(const client::ObjectPtr& pod) {
  if (FindNode(StringAt(*pod, "spec", "nodeName")) == nullptr) return;
  queue_.Add(base::StrCat(kPodPrefix, client::ObjectKey(*pod)));
}

void NodeSimulator::TimerLoop() {
  base::SetCurrentThreadName("k1s-sim-timer");
  while (true) {
    std::vector<std::string> due;
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::FromChrono(kTimerTick))) {
        break;
      }
      int64_t now = clock_.MonotonicNanos();
      for (auto& [name, node] : nodes_) {
        if (!node->registered) continue;
        if (node->next_lease_nanos != 0 && now >= node->next_lease_nanos) {
          node->next_lease_nanos = 0;  // rescheduled once renewed
          due.push_back(base::StrCat(kLeasePrefix, name));
        }
        if (node->next_status_nanos != 0 && now >= node->next_status_nanos) {
          node->next_status_nanos = 0;
          due.push_back(base::StrCat(kNodePrefix, name));
        }
      }
    }
    for (const std::string& key : due) queue_.Add(key);
  }
}

absl::Status NodeSimulator::Sync(const std::string& key) {
  std::string_view view = key;
  if (StartsWith(view, kNodePrefix)) return SyncNode(key.substr(kNodePrefix.size()));
  if (StartsWith(view, kLeasePrefix)) return SyncLease(key.substr(kLeasePrefix.size()));
  if (StartsWith(view, kPodPrefix)) return SyncPod(key.substr(kPodPrefix.size()));
  return absl::OkStatus();
}

absl::Status NodeSimulator::SyncNode(const std::string& name) {
  SimNode* node = FindNode(name);
  if (node == nullptr) return absl::OkStatus();
  const client::Resource nodes = client::resources::Nodes();
  // Two tries: a stale copy (informer lag) costs one conflict and a fresh read.
  absl::StatusOr<json> written = absl::UnknownError("not attempted");
  for (int attempt = 0; attempt < 2; ++attempt) {
    json object;
    client::ObjectPtr cached = attempt == 0 ? node_objects_->Get("", name) : nullptr;
    if (cached != nullptr) {
      object = *cached;
    } else {
      absl::StatusOr<json> current = client_.Get(nodes, "", name);
      if (api::IsNotFound(current.status())) {
        current = client_.Create(nodes, "", NodeForRegistration(name, options_.shape));
        if (api::IsAlreadyExists(current.status())) current = client_.Get(nodes, "", name);
        if (current.ok()) Log()->info("registered node {}", name);
      }
      if (!current.ok()) return current.status();
      object = std::move(*current);
    }
    int64_t now = clock_.NowUnixNanos() / base::kNanosPerSecond;
    object["status"] =
        NodeStatus(name, node->index, options_.shape, object.value("status", json::object()), now);
    written = client_.UpdateStatus(nodes, object);
    if (!api::IsConflict(written.status()) && !api::IsNotFound(written.status())) break;
  }
  if (!written.ok()) return written.status();
  bool first = false;
  {
    absl::MutexLock lock(&mu_);
    node->uid = StringAt(*written, "metadata", "uid");
    first = !node->registered;
    if (first) {
      node->registered = true;
      ++registered_;
    }
    int64_t now = clock_.MonotonicNanos();
    node->next_status_nanos =
        now + std::chrono::duration_cast<std::chrono::nanoseconds>(options_.status_report_interval)
                  .count();
    first = first || node->lease == nullptr;
  }
  // The first lease right away (and again whenever ours was lost).
  if (first) queue_.Add(base::StrCat(kLeasePrefix, name));
  return absl::OkStatus();
}

absl::Status NodeSimulator::SyncLease(const std::string& name) {
  SimNode* node = FindNode(name);
  if (node == nullptr) return absl::OkStatus();
  std::string uid;
  client::ObjectPtr last;
  {
    absl::MutexLock lock(&mu_);
    uid = node->uid;
    last = node->lease;
  }
  if (uid.empty()) return absl::OkStatus();  // renewed once the node is registered
  const client::Resource leases = client::resources::Leases();
  json lease;
  if (last != nullptr) {
    lease = *last;
  } else {
    absl::StatusOr<json> current = client_.Get(leases, kNodeLeaseNamespace, name);
    if (!current.ok() && !api::IsNotFound(current.status())) return current.status();
    if (current.ok()) lease = std::move(*current);
  }
  json fresh = NodeLease(name, uid, options_.lease_duration_seconds, clock_.NowUnixNanos());
  absl::StatusOr<json> written = absl::UnknownError("not attempted");
  if (lease.is_null()) {
    written = client_.Create(leases, kNodeLeaseNamespace, fresh);
  } else {
    lease["spec"] = fresh["spec"];
    lease["metadata"]["ownerReferences"] = fresh["metadata"]["ownerReferences"];
    written = client_.Update(leases, lease);
  }
  if (!written.ok()) {
    // Someone else wrote it (or it was deleted): read it again on the retry.
    absl::MutexLock lock(&mu_);
    node->lease = nullptr;
    return written.status();
  }
  absl::MutexLock lock(&mu_);
  node->lease = std::make_shared<const json>(std::move(*written));
  node->next_lease_nanos =
      clock_.MonotonicNanos() +
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.lease_renew_interval).count();
  return absl::OkStatus();
}

absl::Status NodeSimulator::SyncPod(const std::string& key) {
  client::ObjectPtr object = pods_->GetByKey(key);
  if (object == nullptr) {
    ReleasePod(key);
    return absl::OkStatus();
  }
  const json& pod = *object;
  SimNode* node = FindNode(StringAt(pod, "spec", "nodeName"));
  if (node == nullptr) return absl::OkStatus();
  const json& metadata = Member(pod, "metadata");
  if (!Member(metadata, "deletionTimestamp").is_null()) {
    // The kubelet's final delete once the containers are gone.
    client::DeleteOptions options;
    options.grace_period_seconds = 0;
    options.precondition_uid = StringAt(pod, "metadata", "uid");
    absl::Status status =
        client_.Delete(client::resources::Pods(), StringAt(pod, "metadata", "namespace"),
                       StringAt(pod, "metadata", "name"), options);
    if (!status.ok() && !api::IsNotFound(status) && !api::IsConflict(status)) return status;
    ReleasePod(key);
    return absl::OkStatus();
  }
  std::string phase = StringAt(pod, "status", "phase");
  if (phase == "Succeeded" || phase == "Failed") return absl::OkStatus();
  if (phase != "Running") return StartPod(pod, key, *node);
  {
    // Running already (perhaps from an earlier run of the simulator): keep its IP taken.
    absl::MutexLock lock(&mu_);
    if (pod_nodes_.emplace(key, node->name).second) {
      node->ips.Claim(key, StringAt(pod, "status", "podIP"));
    }
  }
  return MaybeCompletePod(pod, key);
}

absl::Status NodeSimulator::StartPod(const json& pod, const std::string& key, SimNode& node) {
  RunningFacts facts;
  facts.host_ip = NodeInternalIp(node.index);
  facts.now_seconds = clock_.NowUnixNanos() / base::kNanosPerSecond;
  if (Member(Member(pod, "spec"), "hostNetwork") == true) {
    facts.pod_ip = facts.host_ip;
  } else {
    client::ObjectPtr node_object = node_objects_->Get("", node.name);
    std::string pod_cidr = node_object ? StringAt(*node_object, "spec", "podCIDR") : "";
    absl::MutexLock lock(&mu_);
    facts.pod_ip = node.ips.Assign(key, pod_cidr);
    pod_nodes_[key] = node.name;
  }
  if (facts.pod_ip.empty()) {
    return absl::ResourceExhaustedError(base::StrCat("no free pod IP on node ", node.name));
  }
  json updated = pod;
  updated["status"] = RunningStatus(pod, facts);
  absl::StatusOr<json> written = client_.UpdateStatus(client::resources::Pods(), updated);
  if (api::IsNotFound(written.status())) {
    ReleasePod(key);
    return absl::OkStatus();
  }
  if (!written.ok()) return written.status();
  absl::MutexLock lock(&mu_);
  pod_started_[key] = clock_.NowUnixNanos();
  return absl::OkStatus();
}

absl::Status NodeSimulator::MaybeCompletePod(const json& pod, const std::string& key) {
  std::string restart_policy = StringAt(pod, "spec", "restartPolicy");
  if (restart_policy != "Never" && restart_policy != "OnFailure") return absl::OkStatus();
  std::optional<double> after = CompleteAfterSeconds(pod);
  if (!after) return absl::OkStatus();
  int64_t started = 0;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = pod_started_.find(key); it != pod_started_.end()) started = it->second;
  }
  if (started == 0) {
    std::optional<int64_t> start_time = api::ParseTimestamp(StringAt(pod, "status", "startTime"));
    started = start_time.value_or(0) * base::kNanosPerSecond;
  }
  int64_t due = started + static_cast<int64_t>(*after * base::kNanosPerSecond);
  int64_t now = clock_.NowUnixNanos();
  if (now < due) {
    queue_.AddAfter(
        base::StrCat(kPodPrefix, key),
        std::chrono::milliseconds((due - now + base::kNanosPerMilli - 1) / base::kNanosPerMilli));
    return absl::OkStatus();
  }
  json updated = pod;
  updated["status"] = SucceededStatus(pod, now / base::kNanosPerSecond);
  absl::StatusOr<json> written = client_.UpdateStatus(client::resources::Pods(), updated);
  if (!written.ok() && !api::IsNotFound(written.status())) return written.status();
  return absl::OkStatus();
}

void NodeSimulator::ReleasePod(const std::string& key) {
  absl::MutexLock lock(&mu_);
  pod_started_.erase(key);
  auto it = pod_nodes_.find(key);
  if (it == pod_nodes_.end()) return;
  if (SimNode* node = FindNode(it->second); node != nullptr) node->ips.Release(key);
  pod_nodes_.erase(it);
}

}  // namespace k1s::simulate
