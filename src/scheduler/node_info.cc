#include "scheduler/node_info.h"

#include <nlohmann/json.hpp>

namespace k1s::scheduler {
namespace {

using nlohmann::json;

const json& Field(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::shared_ptr<const ImageSizes> ParseImageSizes(const json& node) {
  auto sizes = std::make_shared<ImageSizes>();
  const json& images = Field(Field(node, "status"), "images");
  if (!images.is_array()) return sizes;
  for (const json& image : images) {
    const json& size = Field(image, "sizeBytes");
    const json& names = Field(image, "names");
    if (!names.is_array()) continue;
    int64_t bytes = size.is_number_integer() ? size.get<int64_t>() : 0;
    for (const json& name : names) {
      if (name.is_string()) sizes->emplace(name.get<std::string>(), bytes);
    }
  }
  return sizes;
}

// Adds `delta` to the count of every claim `pod` mounts.
void CountClaims(const PlacedPod& pod, int32_t delta, std::map<std::string, int32_t>& counts) {
  if (pod.object == nullptr) return;
  for (const std::string& claim : PodClaimNames(*pod.object)) {
    std::string key = client::ObjectKey(pod.namespace_name, claim);
    int32_t& count = counts[key];
    count += delta;
    if (count <= 0) counts.erase(key);
  }
}

}  // namespace

std::vector<std::string> PodClaimNames(const json& pod) {
  std::vector<std::string> claims;
  const json& volumes = Field(Field(pod, "spec"), "volumes");
  if (!volumes.is_array()) return claims;
  for (const json& volume : volumes) {
    const json& name = Field(Field(volume, "persistentVolumeClaim"), "claimName");
    if (name.is_string()) claims.push_back(name.get<std::string>());
  }
  return claims;
}

void NodeInfo::SetNode(client::ObjectPtr node) {
  node_ = std::move(node);
  if (node_ == nullptr) {
    labels_.clear();
    taints_.clear();
    unschedulable_ = false;
    allocatable_ = Resources();
    image_sizes_ = std::make_shared<const ImageSizes>();
    return;
  }
  image_sizes_ = ParseImageSizes(*node_);
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
  CountClaims(*pod, 1, pvc_ref_counts_);
  CountAffinity(*pod, 1);
  CountGroup(*pod, 1);
  pods_.emplace(pod->key, std::move(pod));
}

void NodeInfo::CountGroup(const PlacedPod& pod, int32_t delta) {
  PodGroupKey key{pod.namespace_name, pod.labels, pod.terminating};
  int32_t& count = pod_groups_[key];
  count += delta;
  if (count <= 0) pod_groups_.erase(key);
}

void NodeInfo::CountAffinity(const PlacedPod& pod, int32_t delta) {
  if (pod.pod_affinity == nullptr) return;
  pods_with_affinity_ += delta;
  if (!pod.pod_affinity->required_anti_affinity.empty()) {
    pods_with_required_anti_affinity_ += delta;
  }
}

bool NodeInfo::RemovePod(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return false;
  requested_.Subtract(it->second->requests);
  non_zero_requested_.milli_cpu -= it->second->non_zero_requests.milli_cpu;
  non_zero_requested_.memory -= it->second->non_zero_requests.memory;
  CountClaims(*it->second, -1, pvc_ref_counts_);
  CountAffinity(*it->second, -1);
  CountGroup(*it->second, -1);
  pods_.erase(it);
  return true;
}

}  // namespace k1s::scheduler
