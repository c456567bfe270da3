#include "controllers/node_ipam/node_ipam_controller.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/logging.h"
#include "base/strings.h"
#include "controllers/common/pods.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
using node_ipam::CidrSet;
using node_ipam::Network;

constexpr std::string_view kControllerName = "node-controller";
constexpr std::string_view kEventComponent = "cidrAllocator";
// Upstream's cidrUpdateRetries.
constexpr int32_t kUpdateRetries = 3;

std::vector<std::string> PodCidrs(const json& node) {
  std::vector<std::string> cidrs;
  if (!node.contains("spec") || !node["spec"].is_object()) return cidrs;
  const json& spec = node["spec"];
  if (spec.contains("podCIDRs") && spec["podCIDRs"].is_array()) {
    for (const json& cidr : spec["podCIDRs"]) {
      if (cidr.is_string() && !cidr.get<std::string>().empty()) cidrs.push_back(cidr);
    }
  }
  if (cidrs.empty() && spec.contains("podCIDR") && spec["podCIDR"].is_string() &&
      !spec["podCIDR"].get<std::string>().empty()) {
    cidrs.push_back(spec["podCIDR"]);
  }
  return cidrs;
}

std::string NodeName(const json& node) {
  return node.contains("metadata") && node["metadata"].is_object()
             ? node["metadata"].value("name", "")
             : "";
}

}  // namespace

NodeIpamController::NodeIpamController(ControllerContext& ctx, NodeIpamOptions options)
    : ctx_(ctx),
      client_(ctx.ClientFor(kControllerName)),
      nodes_(ctx.informers.For(client::resources::Nodes())),
      recorder_(ctx.events.NewRecorder(std::string(kEventComponent))),
      queue_(std::make_shared<client::WorkQueue>("node_ipam")),
      workers_(*queue_, [this](const std::string& name) { return Sync(name); }),
      options_(std::move(options)) {
  {
    absl::MutexLock lock(&mu_);
    BuildPool();
  }

  std::shared_ptr<client::WorkQueue> queue = queue_;
  auto enqueue = [queue](const client::ObjectPtr& node) { queue->Add(NodeName(*node)); };
  nodes_.AddHandler({enqueue,
                     [queue](const client::ObjectPtr& old_node, const client::ObjectPtr& node) {
                       const std::vector<std::string> cidrs = PodCidrs(*node);
                       if (cidrs.empty() || cidrs != PodCidrs(*old_node)) {
                         queue->Add(NodeName(*node));
                       }
                     },
                     enqueue});
}

void NodeIpamController::BuildPool() {
  if (options_.cluster_cidrs.empty()) {
    options_status_ = absl::InvalidArgumentError("node-ipam: no cluster CIDR");
    return;
  }
  for (const std::string& cidr : options_.cluster_cidrs) {
    absl::StatusOr<Network> network = Network::Parse(cidr);
    if (!network.ok()) {
      options_status_ = absl::InvalidArgumentError(
          base::StrCat("node-ipam: cluster CIDR ", cidr, ": ", network.status().message()));
      return;
    }
    absl::StatusOr<CidrSet> set =
        CidrSet::Create(cidr, network->ipv6() ? options_.node_cidr_mask_size_ipv6
                                              : options_.node_cidr_mask_size_ipv4);
    if (!set.ok()) {
      options_status_ = absl::InvalidArgumentError(
          base::StrCat("node-ipam: cluster CIDR ", cidr, ": ", set.status().message()));
      return;
    }
    sets_.push_back(std::move(*set));
  }
  // A service range inside the cluster CIDR must never be handed to nodes.
  for (const std::string& cidr : options_.service_cidrs) {
    if (CidrSet* set = SetFor(cidr)) (void)set->Occupy(cidr);
  }
}

NodeIpamController::~NodeIpamController() { Stop(); }

absl::Status NodeIpamController::Start() {
  if (!options_status_.ok()) return options_status_;
  if (started_) return absl::OkStatus();
  started_ = true;
  // Existing allocations first, so no worker hands out a CIDR a node already holds.
  for (const client::ObjectPtr& node : nodes_.List()) {
    const std::vector<std::string> cidrs = PodCidrs(*node);
    if (!cidrs.empty()) Occupy(NodeName(*node), cidrs);
  }
  workers_.Start(ctx_.workers);
  return absl::OkStatus();
}

void NodeIpamController::Stop() { workers_.Stop(); }

CidrSet* NodeIpamController::SetFor(std::string_view cidr) {
  absl::StatusOr<Network> network = Network::Parse(cidr);
  if (!network.ok()) return nullptr;
  for (CidrSet& set : sets_) {
    if (set.cluster().ipv6() == network->ipv6()) return &set;
  }
  return nullptr;
}

void NodeIpamController::Occupy(const std::string& name, const std::vector<std::string>& cidrs) {
  absl::MutexLock lock(&mu_);
  auto it = node_cidrs_.find(name);
  if (it != node_cidrs_.end()) {
    if (it->second == cidrs) return;
    for (const std::string& cidr : it->second) {
      if (CidrSet* set = SetFor(cidr)) (void)set->Release(cidr);
    }
  }
  for (const std::string& cidr : cidrs) {
    CidrSet* set = SetFor(cidr);
    absl::Status status = set == nullptr
                              ? absl::InvalidArgumentError("no cluster CIDR of its family")
                              : set->Occupy(cidr);
    if (!status.ok()) {
      base::Logger("node-ipam")
          ->warn("node {}: cannot mark pod CIDR {} as used: {}", name, cidr, status);
    }
  }
  node_cidrs_[name] = cidrs;
}

void NodeIpamController::Release(const std::string& name) {
  absl::MutexLock lock(&mu_);
  auto it = node_cidrs_.find(name);
  if (it == node_cidrs_.end()) return;
  for (const std::string& cidr : it->second) {
    if (CidrSet* set = SetFor(cidr)) (void)set->Release(cidr);
  }
  base::Logger("node-ipam")->info("released pod CIDRs of node {}", name);
  node_cidrs_.erase(it);
}

void NodeIpamController::RecordNodeStatus(const json& node, std::string_view status) {
  const std::string name = NodeName(node);
  json ref = {{"apiVersion", "v1"},
              {"kind", "Node"},
              {"metadata", {{"name", name}, {"uid", node["metadata"].value("uid", "")}}}};
  recorder_->Event(ref, client::kEventNormal, status,
                   base::StrCat("Node ", name, " status is now: ", status));
}

absl::Status NodeIpamController::Sync(const std::string& name) {
  const client::ObjectPtr node = nodes_.Get("", name);
  if (node == nullptr || IsBeingDeleted(*node)) {
    Release(name);
    return absl::OkStatus();
  }
  const std::vector<std::string> cidrs = PodCidrs(*node);
  if (!cidrs.empty()) {
    Occupy(name, cidrs);
    return absl::OkStatus();
  }
  return Assign(*node);
}

absl::Status NodeIpamController::Assign(const json& node) {
  const std::string name = NodeName(node);
  std::vector<std::string> allocated;
  absl::Status exhausted;
  {
    absl::MutexLock lock(&mu_);
    for (CidrSet& set : sets_) {
      absl::StatusOr<std::string> cidr = set.AllocateNext();
      if (!cidr.ok()) {
        exhausted = cidr.status();
        break;
      }
      allocated.push_back(*cidr);
    }
    if (!exhausted.ok()) {
      for (const std::string& cidr : allocated) {
        if (CidrSet* set = SetFor(cidr)) (void)set->Release(cidr);
      }
    } else {
      node_cidrs_[name] = allocated;
    }
  }
  if (!exhausted.ok()) {
    RecordNodeStatus(node, "CIDRNotAvailable");
    return absl::ResourceExhaustedError(
        base::StrCat("failed to allocate cidr for node ", name, ": ", exhausted.message()));
  }
  absl::Status status = WriteCidrs(name, allocated);
  if (!status.ok()) {
    RecordNodeStatus(node, "CIDRAssignmentFailed");
    Release(name);
  }
  return status;
}

absl::Status NodeIpamController::WriteCidrs(const std::string& name,
                                            const std::vector<std::string>& cidrs) {
  absl::Status last;
  for (int32_t attempt = 0; attempt < kUpdateRetries; ++attempt) {
    absl::StatusOr<json> node = client_.Get(client::resources::Nodes(), "", name);
    if (!node.ok()) {
      if (api::IsNotFound(node.status())) {
        Release(name);
        return absl::OkStatus();
      }
      last = node.status();
      continue;
    }
    const std::vector<std::string> current = PodCidrs(*node);
    if (!current.empty()) {
      // Someone (or an earlier attempt of ours) set them: keep what the node has.
      Occupy(name, current);
      return absl::OkStatus();
    }
    (*node)["spec"]["podCIDR"] = cidrs.front();
    (*node)["spec"]["podCIDRs"] = cidrs;
    absl::StatusOr<json> updated = client_.Update(client::resources::Nodes(), *node);
    if (updated.ok()) {
      base::Logger("node-ipam")->info("set node {} pod CIDRs {}", name, json(cidrs).dump());
      return absl::OkStatus();
    }
    last = updated.status();
  }
  return absl::Status(last.code(), base::StrCat("failed to update node ", name, " pod CIDRs after ",
                                                kUpdateRetries, " attempts: ", last.message()));
}

}  // namespace k1s::controllers
