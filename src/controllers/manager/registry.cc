#include "controllers/manager/registry.h"

#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/garbage_collector/garbage_collector.h"
#include "controllers/namespace/namespace_controller.h"
#include "controllers/persistent_volume/pv_controller.h"
#include "controllers/pod_gc/pod_gc_controller.h"
#include "controllers/statefulset/statefulset_controller.h"

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
      {"daemonset",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<DaemonSetController>(context);
       }},
      {"statefulset",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<StatefulSetController>(context);
       }},
      {"persistentvolume-binder",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<PersistentVolumeBinder>(context);
       }},
  };
  return entries;
}

}  // namespace k1s::controllers
