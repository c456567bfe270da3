#include "controllers/manager/registry.h"

#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/disruption/disruption_controller.h"
#include "controllers/cronjob/cronjob_controller.h"
#include "controllers/endpoints/endpoints_controller.h"
#include "controllers/endpointslice/endpointslice_controller.h"
#include "controllers/garbage_collector/garbage_collector.h"
#include "controllers/job/job_controller.h"
#include "controllers/namespace/namespace_controller.h"
#include "controllers/node_ipam/node_ipam_controller.h"
#include "controllers/node_lifecycle/node_lifecycle_controller.h"
#include "controllers/persistent_volume/pv_controller.h"
#include "controllers/pod_gc/pod_gc_controller.h"
#include "controllers/replicaset/replica_set_controller.h"
#include "controllers/statefulset/statefulset_controller.h"
#include "controllers/ttl_after_finished/ttl_after_finished_controller.h"

namespace k1s::controllers {

const std::vector<ControllerEntry>& Controllers() {
  // Each entry's name is the controller's name as upstream spells it, for --disable-controller.
  static const std::vector<ControllerEntry> entries = {
      {"namespace",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<NamespaceController>(context);
       }},
      {"garbage-collector",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<GarbageCollector>(context);
       }},
      {"pod-garbage-collector",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<PodGcController>(context);
       }},
      {"deployment",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<DeploymentController>(context);
       }},
      {"replicaset",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<ReplicaSetController>(context);
       }},
      {"daemonset",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<DaemonSetController>(context);
       }},
      {"statefulset",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<StatefulSetController>(context);
       }},
      {"job",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<job::JobController>(context);
       }},
      {"cronjob",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<cronjob::CronJobController>(context);
       }},
      {"ttl-after-finished",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<ttl_after_finished::TtlAfterFinishedController>(context);
       }},
      {"disruption",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<DisruptionController>(context);
       }},
      {"endpoint",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<EndpointsController>(context);
       }},
      {"endpointslice",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<EndpointSliceController>(context);
       }},
      {"node-ipam",
       [](ControllerContext& context, const ControllerManagerOptions& options) {
         NodeIpamOptions ipam;
         ipam.cluster_cidrs = {options.cluster_cidr};
         ipam.node_cidr_mask_size_ipv4 = options.node_cidr_mask_size;
         return std::make_unique<NodeIpamController>(context, ipam);
       }},
      {"node-lifecycle",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<NodeLifecycleController>(context);
       }},
      {"persistentvolume-binder",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<PersistentVolumeBinder>(context);
       }},
  };
  return entries;
}

}  // namespace k1s::controllers
