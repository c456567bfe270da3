#include "scheduler/cluster_objects.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace k1s::scheduler {
namespace {

std::string MetadataString(const nlohmann::json& object, const char* field) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto value = metadata->find(field);
  return value != metadata->end() && value->is_string() ? value->get<std::string>() : "";
}

}  // namespace

std::vector<client::Resource> ClusterObjectResources() {
  namespace r = client::resources;
  return {r::Namespaces(),         r::Services(),     r::ReplicaSets(),
          r::StatefulSets(),       r::ReplicationControllers(),
          r::PersistentVolumeClaims(), r::PersistentVolumes(), r::StorageClasses()};
}

InformerObjects::InformerObjects(client::InformerFactory& informers,
                                 std::function<void()> on_change) {
  for (const client::Resource& resource : ClusterObjectResources()) {
    client::Informer& informer = informers.For(resource);
    informers_[resource.plural] = &informer;
    if (!on_change) continue;
    client::EventHandler handler;
    handler.on_add = [on_change](const client::ObjectPtr&) { on_change(); };
    handler.on_update = [on_change](const client::ObjectPtr& before,
                                    const client::ObjectPtr& after) {
      // Resyncs deliver the same object again: nothing changed for the scheduler.
      if (before != after && *before != *after) on_change();
    };
    handler.on_delete = [on_change](const client::ObjectPtr&) { on_change(); };
    informer.AddHandler(std::move(handler));
  }
}

client::Informer* InformerObjects::Find(const client::Resource& resource) const {
  auto it = informers_.find(resource.plural);
  return it == informers_.end() ? nullptr : it->second;
}

std::vector<client::ObjectPtr> InformerObjects::List(const client::Resource& resource,
                                                     std::string_view namespace_name) const {
  client::Informer* informer = Find(resource);
  return informer == nullptr ? std::vector<client::ObjectPtr>{} : informer->List(namespace_name);
}

client::ObjectPtr InformerObjects::Get(const client::Resource& resource,
                                       std::string_view namespace_name,
                                       std::string_view name) const {
  client::Informer* informer = Find(resource);
  return informer == nullptr ? nullptr : informer->Get(namespace_name, name);
}

absl::Status InformerObjects::WaitForSync(std::chrono::milliseconds timeout) const {
  // One deadline for all: the informers sync in parallel.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& [plural, informer] : informers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    absl::Status status = informer->WaitForSync(std::max(left, std::chrono::milliseconds(0)));
    if (!status.ok()) {
      return absl::Status(status.code(),
                          base::StrCat("the ", plural, " informer: ", status.message()));
    }
  }
  return absl::OkStatus();
}

void StaticObjects::Add(const client::Resource& resource, nlohmann::json object) {
  objects_[resource.plural].push_back(std::make_shared<const nlohmann::json>(std::move(object)));
}

std::vector<client::ObjectPtr> StaticObjects::List(const client::Resource& resource,
                                                   std::string_view namespace_name) const {
  std::vector<client::ObjectPtr> out;
  auto it = objects_.find(resource.plural);
  if (it == objects_.end()) return out;
  for (const client::ObjectPtr& object : it->second) {
    if (namespace_name.empty() || MetadataString(*object, "namespace") == namespace_name) {
      out.push_back(object);
    }
  }
  return out;
}

client::ObjectPtr StaticObjects::Get(const client::Resource& resource,
                                     std::string_view namespace_name,
                                     std::string_view name) const {
  for (const client::ObjectPtr& object : List(resource, namespace_name)) {
    if (MetadataString(*object, "name") == name) return object;
  }
  return nullptr;
}

}  // namespace k1s::scheduler
