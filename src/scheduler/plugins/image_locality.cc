// ImageLocality (upstream plugins/imagelocality): scores a node by the sizes of the pod's images
// it already has, each scaled by the share of the cluster's nodes that have that image, and
// clamped to 23 MB .. 1000 MB per container. The node's images are parsed with the Node
// (NodeInfo::image_sizes); PreFilter counts, once per cycle, how many nodes have each image.
// Stateless and thread-safe.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scheduler/plugins/plugins.h"

namespace k1s::scheduler::plugins {
namespace {

using nlohmann::json;

constexpr char kStateKey[] = "PreFilterImageLocality";
constexpr int64_t kMb = 1024 * 1024;
constexpr int64_t kMinThreshold = 23 * kMb;
constexpr int64_t kMaxContainerThreshold = 1000 * kMb;

struct ImageLocalityState {
  // One entry per init container and container, in spec order (duplicates count each time).
  std::vector<std::string> images;
  // How many of the snapshot's nodes have images[i].
  std::vector<int32_t> node_counts;
  int32_t total_nodes = 0;
  bool any_node_has_one = false;
};

// upstream normalizedImageName: only adds the default tag; the registry and repository are left
// as written, so "nginx" matches a node only if it reports "nginx:latest".
std::string NormalizedImageName(std::string name) {
  size_t colon = name.rfind(':');
  size_t slash = name.rfind('/');
  // npos counts as -1, as Go's LastIndex.
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!has_tag) name += ":latest";
  return name;
}

void AddImages(const json& spec, const char* field, std::vector<std::string>& images) {
  auto list = spec.find(field);
  if (list == spec.end() || !list->is_array()) return;
  for (const json& container : *list) {
    std::string image;
    if (container.is_object()) {
      auto it = container.find("image");
      if (it != container.end() && it->is_string()) image = it->get<std::string>();
    }
    images.push_back(NormalizedImageName(std::move(image)));
  }
}

// upstream calculatePriority: the summed scaled sizes, clamped and mapped onto 0..100.
int64_t Priority(int64_t sum, int64_t containers) {
  const int64_t max_threshold = kMaxContainerThreshold * std::max<int64_t>(containers, 1);
  sum = std::clamp(sum, kMinThreshold, max_threshold);
  return kMaxNodeScore * (sum - kMinThreshold) / (max_threshold - kMinThreshold);
}

}  // namespace

Status ImageLocality::PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                                std::optional<std::set<std::string>>*) const {
  ImageLocalityState images;
  images.total_nodes = static_cast<int32_t>(snapshot.nodes.size());
  if (pod.pod->is_object()) {
    auto spec = pod.pod->find("spec");
    if (spec != pod.pod->end() && spec->is_object()) {
      AddImages(*spec, "initContainers", images.images);
      AddImages(*spec, "containers", images.images);
    }
  }
  images.node_counts.assign(images.images.size(), 0);
  for (const NodeInfoPtr& node : snapshot.nodes) {
    const ImageSizes& sizes = node->image_sizes();
    if (sizes.empty()) continue;  // the common case: nodes that report no images
    for (size_t i = 0; i < images.images.size(); ++i) {
      if (sizes.count(images.images[i]) > 0) {
        ++images.node_counts[i];
        images.any_node_has_one = true;
      }
    }
  }
  state.Write(kStateKey, std::move(images));
  return Status::Success();
}

Status ImageLocality::Filter(const CycleState&, const PodInfo&, const NodeInfo&) const {
  return Status::Success();
}

int64_t ImageLocality::Score(const CycleState& state, const PodInfo&, const NodeInfo& node) const {
  const auto* images = state.Read<ImageLocalityState>(kStateKey);
  if (images == nullptr || images->images.empty()) return 0;
  int64_t sum = 0;
  if (images->any_node_has_one) {
    const ImageSizes& sizes = node.image_sizes();
    for (size_t i = 0; i < images->images.size(); ++i) {
      auto it = sizes.find(images->images[i]);
      if (it == sizes.end()) continue;
      // upstream scaledImageScore, in the same floating-point steps.
      double spread =
          static_cast<double>(images->node_counts[i]) / static_cast<double>(images->total_nodes);
      sum += static_cast<int64_t>(static_cast<double>(it->second) * spread);
    }
  }
  return Priority(sum, static_cast<int64_t>(images->images.size()));
}

}  // namespace k1s::scheduler::plugins
