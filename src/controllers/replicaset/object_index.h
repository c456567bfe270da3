#pragma once
// The informer index the workload controllers use to find what a controller owns without
// scanning a namespace: each object is filed under its controller's uid (the ownerReference
// with controller=true), and an orphan under "orphan/<namespace>" (upstream's podControllerUID
// index). The ReplicaSet controller puts it on pods and replicasets, the Deployment controller
// on replicasets and pods too; adding it twice is harmless (same name, same function).
// Stateless; thread-safe.
#include <string>
#include <string_view>
#include <vector>

#include "client/informer.h"

namespace k1s::controllers::workload {

inline constexpr std::string_view kControllerUidIndex = "controllerUidOrOrphan";

client::IndexFunc ControllerUidOrOrphanIndex();
std::string OrphanIndexKey(std::string_view namespace_name);

// Adds the index to `informer`.
void AddControllerUidIndex(client::Informer& informer);

// The objects controlled by `owner_uid`.
std::vector<client::ObjectPtr> ControlledBy(const client::Informer& informer,
                                            std::string_view owner_uid);
// The objects controlled by `owner_uid` followed by the orphans of `namespace_name`: every
// candidate a controller may own after adoption (upstream's FilterPodsByOwner with orphans).
std::vector<client::ObjectPtr> ControlledByOrOrphans(const client::Informer& informer,
                                                     std::string_view namespace_name,
                                                     std::string_view owner_uid);

}  // namespace k1s::controllers::workload
