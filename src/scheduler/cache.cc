#include "scheduler/cache.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace k1s::scheduler {
namespace {

std::string NodeNameOf(const nlohmann::json& object, const char* section, const char* field) {
  if (!object.is_object()) return "";
  auto outer = object.find(section);
  if (outer == object.end() || !outer->is_object()) return "";
  auto inner = outer->find(field);
  return inner != outer->end() && inner->is_string() ? inner->get<std::string>() : "";
}

}  // namespace

NodeInfoPtr Snapshot::Get(std::string_view name) const {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), name,
                             [](const NodeInfoPtr& node, std::string_view wanted) {
                               return node->name() < wanted;
                             });
  return it != nodes.end() && (*it)->name() == name ? *it : nullptr;
}

NodeInfo& SchedulerCache::Mutable(const std::string& name) {
  ++generation_;
  snapshot_.reset();  // stale now; keeping it would force a copy of every node changed next
  std::shared_ptr<NodeInfo>& slot = nodes_[name];
  if (slot == nullptr) {
    slot = std::make_shared<NodeInfo>(name);
  } else if (slot.use_count() > 1) {
    // A snapshot still reads this one: change a copy. (Only snapshots share NodeInfos, and they
    // are made under mu_, so a count of 1 here cannot grow meanwhile.)
    slot = std::make_shared<NodeInfo>(*slot);
  }
  return *slot;
}

void SchedulerCache::MaybeDrop(const std::string& name) {
  auto it = nodes_.find(name);
  if (it != nodes_.end() && it->second->node() == nullptr && it->second->pods().empty()) {
    nodes_.erase(it);
    ++generation_;
  }
}

void SchedulerCache::AddNode(client::ObjectPtr node) {
  std::string name = NodeNameOf(*node, "metadata", "name");
  if (name.empty()) return;
  absl::MutexLock lock(&mu_);
  Mutable(name).SetNode(std::move(node));
}

void SchedulerCache::RemoveNode(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (nodes_.count(name) == 0) return;
  // Pods still naming the node keep it as a node-less entry until they go.
  Mutable(name).SetNode(nullptr);
  MaybeDrop(name);
}

void SchedulerCache::Place(std::shared_ptr<const PlacedPod> pod, const std::string& node,
                           bool assumed) {
  Unplace(pod->key);
  pods_[pod->key] = PodState{node, assumed};
  Mutable(node).AddPod(std::move(pod));
}

void SchedulerCache::Unplace(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return;
  std::string node = it->second.node;
  pods_.erase(it);
  if (nodes_.count(node) == 0) return;
  Mutable(node).RemovePod(key);
  MaybeDrop(node);
}

void SchedulerCache::AddPod(const client::ObjectPtr& pod) {
  std::string node = NodeNameOf(*pod, "spec", "nodeName");
  if (node.empty()) return;
  std::shared_ptr<const PlacedPod> placed = MakePlacedPod(pod);
  absl::MutexLock lock(&mu_);
  Place(std::move(placed), node, /*assumed=*/false);
}

void SchedulerCache::RemovePod(const std::string& key) {
  absl::MutexLock lock(&mu_);
  Unplace(key);
}

void SchedulerCache::AssumePod(std::shared_ptr<const PlacedPod> pod, const std::string& node_name) {
  absl::MutexLock lock(&mu_);
  Place(std::move(pod), node_name, /*assumed=*/true);
}

void SchedulerCache::ForgetPod(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = pods_.find(key);
  if (it != pods_.end() && it->second.assumed) Unplace(key);
}

bool SchedulerCache::IsAssumed(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = pods_.find(key);
  return it != pods_.end() && it->second.assumed;
}

std::shared_ptr<const Snapshot> SchedulerCache::GetSnapshot() {
  absl::MutexLock lock(&mu_);
  if (snapshot_ != nullptr && snapshot_generation_ == generation_) return snapshot_;
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->nodes.reserve(nodes_.size());
  for (const auto& [name, info] : nodes_) {
    if (info->node() == nullptr) continue;
    snapshot->nodes.push_back(info);
  }
  snapshot_ = std::move(snapshot);
  snapshot_generation_ = generation_;
  return snapshot_;
}

size_t SchedulerCache::NodeCount() const {
  absl::MutexLock lock(&mu_);
  size_t count = 0;
  for (const auto& [name, info] : nodes_) count += info->node() != nullptr ? 1 : 0;
  return count;
}

std::string SchedulerCache::NodeOf(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = pods_.find(key);
  return it == pods_.end() ? "" : it->second.node;
}

}  // namespace k1s::scheduler
