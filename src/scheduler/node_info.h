#pragma once
// One node as the scheduler sees it: the Node's parsed labels, taints and allocatable, and the
// pods placed there (bound or assumed) with what they reserve (upstream's framework.NodeInfo).
// A NodeInfo may exist without a Node object while pods still name a deleted node.
// It also keeps what ImageLocality and VolumeRestrictions look up per node: the images the node
// reports and how many of its pods mount each PersistentVolumeClaim.
//
// Not thread-safe to mutate; the SchedulerCache copies a NodeInfo before changing it, so the
// copies a Snapshot holds are immutable and can be read from any thread.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "client/informer.h"
#include "scheduler/pod_info.h"
#include "scheduler/resources.h"
#include "scheduler/selectors.h"

namespace k1s::scheduler {

// Every name status.images reports -> that image's sizeBytes (the first image wins a name).
using ImageSizes = std::unordered_map<std::string, int64_t>;

// Pods that look alike to a label selector: same namespace, same labels, both terminating or
// not. A Deployment's pods on a node share one group, so counting the pods a selector matches
// costs one match per group, not one per pod.
struct PodGroupKey {
  std::string namespace_name;
  Labels labels;
  bool terminating = false;

  bool operator<(const PodGroupKey& other) const {
    return std::tie(namespace_name, labels, terminating) <
           std::tie(other.namespace_name, other.labels, other.terminating);
  }
};
using PodGroups = std::map<PodGroupKey, int32_t>;  // -> how many pods here

// The claim names of a pod's spec.volumes[].persistentVolumeClaim, in order.
std::vector<std::string> PodClaimNames(const nlohmann::json& pod);

class NodeInfo {
 public:
  explicit NodeInfo(std::string name) : name_(std::move(name)) {}

  // Sets (or with null clears) the Node object and re-parses its facts.
  void SetNode(client::ObjectPtr node);
  void AddPod(std::shared_ptr<const PlacedPod> pod);
  // False when the pod was not here.
  bool RemovePod(const std::string& key);

  const std::string& name() const { return name_; }
  const client::ObjectPtr& node() const { return node_; }
  const Labels& labels() const { return labels_; }
  const std::vector<Taint>& taints() const { return taints_; }
  bool unschedulable() const { return unschedulable_; }
  const Resources& allocatable() const { return allocatable_; }
  const Resources& requested() const { return requested_; }
  const Resources& non_zero_requested() const { return non_zero_requested_; }
  const std::map<std::string, std::shared_ptr<const PlacedPod>>& pods() const { return pods_; }
  int64_t pod_count() const { return static_cast<int64_t>(pods_.size()); }
  // Raw names as the node reports them, as upstream's ImageStates keys; never null.
  const ImageSizes& image_sizes() const { return *image_sizes_; }
  // "namespace/claimName" -> how many pods here mount it (upstream's PVCRefCounts).
  const std::map<std::string, int32_t>& pvc_ref_counts() const { return pvc_ref_counts_; }
  // Pods with pod (anti-)affinity terms, and those among them with required anti-affinity
  // (upstream's PodsWithAffinity / PodsWithRequiredAntiAffinity, as counts): InterPodAffinity
  // skips nodes without them.
  int32_t pods_with_affinity() const { return pods_with_affinity_; }
  int32_t pods_with_required_anti_affinity() const { return pods_with_required_anti_affinity_; }
  const PodGroups& pod_groups() const { return pod_groups_; }

 private:
  void CountAffinity(const PlacedPod& pod, int32_t delta);
  void CountGroup(const PlacedPod& pod, int32_t delta);

  std::string name_;
  client::ObjectPtr node_;
  Labels labels_;
  std::vector<Taint> taints_;
  bool unschedulable_ = false;
  Resources allocatable_;
  Resources requested_;
  Resources non_zero_requested_;
  std::map<std::string, std::shared_ptr<const PlacedPod>> pods_;
  // Shared by the copies the cache makes on every pod change; replaced only by SetNode.
  std::shared_ptr<const ImageSizes> image_sizes_{std::make_shared<const ImageSizes>()};
  std::map<std::string, int32_t> pvc_ref_counts_;
  int32_t pods_with_affinity_ = 0;
  int32_t pods_with_required_anti_affinity_ = 0;
  PodGroups pod_groups_;
};

using NodeInfoPtr = std::shared_ptr<const NodeInfo>;

}  // namespace k1s::scheduler
