#pragma once
// The node IPAM controller with upstream's RangeAllocator (name "node-ipam"): gives every node
// without one a pod CIDR (spec.podCIDR / spec.podCIDRs, one per cluster CIDR for dual-stack)
// cut from the cluster CIDR, remembers the CIDRs existing nodes hold when it starts, keeps a
// service range that overlaps the cluster CIDR out of the pool, and returns a deleted node's
// CIDRs to the pool. When the pool is empty it records CIDRNotAvailable on the node and retries
// with backoff (a CIDR freed later is then handed out).
//
// Work: one queue of node names. Writes as the node-controller service account (upstream's
// identity for node IPAM); events come from "cidrAllocator". Thread-safe.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/node_ipam/cidr_set.h"

namespace k1s::controllers {

struct NodeIpamOptions {
  // --cluster-cidr: one CIDR, or one IPv4 and one IPv6 for dual-stack.
  std::vector<std::string> cluster_cidrs = {"10.42.0.0/16"};
  int32_t node_cidr_mask_size_ipv4 = 24;  // --node-cidr-mask-size-ipv4
  int32_t node_cidr_mask_size_ipv6 = 64;  // --node-cidr-mask-size-ipv6
  // --service-cluster-ip-range: excluded from the pool where it overlaps a cluster CIDR.
  std::vector<std::string> service_cidrs;
};

class NodeIpamController : public Controller {
 public:
  explicit NodeIpamController(ControllerContext& ctx, NodeIpamOptions options = {});
  ~NodeIpamController() override;

  std::string_view Name() const override { return "node-ipam"; }
  // Fails when the options do not describe a usable pool.
  absl::Status Start() override;
  void Stop() override;

 private:
  // Cuts the cluster CIDRs into sets; a bad option is kept in options_status_.
  void BuildPool() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Sync(const std::string& name);
  // Takes the node's existing CIDRs out of the pool (idempotent).
  void Occupy(const std::string& name, const std::vector<std::string>& cidrs);
  void Release(const std::string& name);
  absl::Status Assign(const nlohmann::json& node);
  absl::Status WriteCidrs(const std::string& name, const std::vector<std::string>& cidrs);
  // The set of the CIDR's family, or null.
  node_ipam::CidrSet* SetFor(std::string_view cidr) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordNodeStatus(const nlohmann::json& node, std::string_view status);

  ControllerContext& ctx_;
  client::Client client_;
  client::Informer& nodes_;
  std::shared_ptr<client::EventRecorder> recorder_;
  // Shared with the informer handlers, which may outlive this object.
  std::shared_ptr<client::WorkQueue> queue_;
  client::QueueWorkers workers_;
  NodeIpamOptions options_;
  absl::Status options_status_;

  absl::Mutex mu_;
  std::vector<node_ipam::CidrSet> sets_ ABSL_GUARDED_BY(mu_);
  // The CIDRs each node holds, as this controller knows them.
  std::map<std::string, std::vector<std::string>> node_cidrs_ ABSL_GUARDED_BY(mu_);
  bool started_ = false;
};

}  // namespace k1s::controllers
