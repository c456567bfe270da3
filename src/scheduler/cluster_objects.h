#pragma once
// Read access to the cluster objects some plugins need besides nodes and pods (upstream's
// listers): namespaces for InterPodAffinity's namespaceSelector; services, replicasets,
// statefulsets and replicationcontrollers for PodTopologySpread's default constraints;
// claims, volumes and storage classes for VolumeBinding and VolumeRestrictions.
//
// InformerObjects reads the process's shared informers, so a lookup never calls the apiserver.
// StaticObjects holds a fixed set, for algorithm tests and offline runs.
//
// Implementations are thread-safe.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "client/informer.h"
#include "client/resource.h"

namespace k1s::scheduler {

class ClusterObjects {
 public:
  virtual ~ClusterObjects() = default;
  // Objects of `resource` in `namespace_name` ("" = every namespace, or cluster-scoped).
  virtual std::vector<client::ObjectPtr> List(const client::Resource& resource,
                                              std::string_view namespace_name) const = 0;
  // null when absent.
  virtual client::ObjectPtr Get(const client::Resource& resource, std::string_view namespace_name,
                                std::string_view name) const = 0;
};

// The resources InformerObjects serves (and watches).
std::vector<client::Resource> ClusterObjectResources();

class InformerObjects final : public ClusterObjects {
 public:
  // Creates (or reuses) an informer for each of ClusterObjectResources(); `on_change` runs on
  // every add, update and delete (the scheduler retries unschedulable pods then).
  InformerObjects(client::InformerFactory& informers, std::function<void()> on_change);

  std::vector<client::ObjectPtr> List(const client::Resource& resource,
                                      std::string_view namespace_name) const override;
  client::ObjectPtr Get(const client::Resource& resource, std::string_view namespace_name,
                        std::string_view name) const override;
  // Waits until every informer has listed once; DeadlineExceeded naming the first that has not.
  absl::Status WaitForSync(std::chrono::milliseconds timeout) const;

 private:
  client::Informer* Find(const client::Resource& resource) const;

  std::map<std::string, client::Informer*> informers_;  // by plural; fixed after construction
};

class StaticObjects final : public ClusterObjects {
 public:
  // `object` needs metadata.name (and metadata.namespace when `resource` is namespaced).
  void Add(const client::Resource& resource, nlohmann::json object);

  std::vector<client::ObjectPtr> List(const client::Resource& resource,
                                      std::string_view namespace_name) const override;
  client::ObjectPtr Get(const client::Resource& resource, std::string_view namespace_name,
                        std::string_view name) const override;

 private:
  std::map<std::string, std::vector<client::ObjectPtr>> objects_;  // by plural
};

}  // namespace k1s::scheduler
