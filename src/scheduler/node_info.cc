#include "scheduler/node_info.h"

#include <nlohmann/json.hpp>

namespace k1s::scheduler {

void NodeInfo::SetNode(client::ObjectPtr node) {
  node_ = std::move(node);
  if (node_ == nullptr) {
    labels_.clear();
    taints_.clear();
    unschedulable_ = false;
    allocatable_ = Resources();
    return;
  }
  labels_ = ParseLabels(*node_);
  taints_ = ParseTaints(*node_);
  unschedulable_ = false;
  if (auto spec = node_->find("spec");
      node_->is_object() && spec != node_->end() && spec->is_object()) {
    auto flag = spec->find("unschedulable");
    unschedulable_ = flag != spec->end() && flag->is_boolean() && flag->get<bool>();
  }
  allocatable_ = NodeAllocatable(*node_);
}

void NodeInfo::AddPod(std::shared_ptr<const PlacedPod> pod) {
  RemovePod(pod->key);
  requested_.Add(pod->requests);
  non_zero_requested_.milli_cpu += pod->non_zero_requests.milli_cpu;
  non_zero_requested_.memory += pod->non_zero_requests.memory;
  pods_.emplace(pod->key, std::move(pod));
}

bool NodeInfo::RemovePod(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return false;
  requested_.Subtract(it->second->requests);
  non_zero_requested_.milli_cpu -= it->second->non_zero_requests.milli_cpu;
  non_zero_requested_.memory -= it->second->non_zero_requests.memory;
  pods_.erase(it);
  return true;
}

}  // namespace k1s::scheduler
