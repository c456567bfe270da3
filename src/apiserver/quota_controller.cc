#include "apiserver/quota_controller.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/logging.h"
#include "quota/quota.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

// The kinds whose changes can move quota usage (object counts of other kinds are recounted
// when their namespace's quotas are synced for any other reason).
constexpr const char* kCountedKinds[] = {"Pod",       "Service", "PersistentVolumeClaim",
                                         "ConfigMap", "Secret",  "ReplicationController"};

}  // namespace

QuotaController::QuotaController(ResourceHandler& resources, WatchCache& cache,
                                 const ClusterReader& reader)
    : resources_(resources), cache_(cache), reader_(reader) {}

QuotaController::~QuotaController() { Stop(); }

absl::Status QuotaController::Start() {
  worker_ = std::make_unique<CacheWorker>(
      "quota", cache_, [this](const std::string& ns) { return SyncNamespace(ns); });
  auto by_namespace = [](const CacheEvent& event) -> std::optional<std::string> {
    if (event.object == nullptr || event.object->namespace_name.empty()) return std::nullopt;
    return event.object->namespace_name;
  };
  // Only new quotas and changed limits: a status.used change is admission's own charge, and a
  // recount then could miss the object admission is about to store (upstream waits the same).
  worker_->Watch(*resources_.FindType("", "ResourceQuota"),
                 [by_namespace](const CacheEvent& event) -> std::optional<std::string> {
                   if (event.type == EventType::kDeleted || event.object == nullptr) {
                     return std::nullopt;
                   }
                   json quota = json::parse(event.object->json);
                   json hard = quota.value("spec", json::object()).value("hard", json::object());
                   json synced =
                       quota.value("status", json::object()).value("hard", json::object());
                   if (event.type != EventType::kAdded && hard == synced) return std::nullopt;
                   return by_namespace(event);
                 });
  for (const char* kind : kCountedKinds) {
    // Creates were charged by admission; deletes and updates (a pod finishing) change usage.
    worker_->Watch(*resources_.FindType("", kind),
                   [by_namespace](const CacheEvent& event) -> std::optional<std::string> {
                     if (event.type == EventType::kAdded) return std::nullopt;
                     return by_namespace(event);
                   });
  }
  return worker_->Start();
}

void QuotaController::Stop() {
  if (worker_ != nullptr) worker_->Stop();
}

bool QuotaController::SyncNamespace(const std::string& namespace_name) {
  std::vector<json> quotas = reader_.List("", "ResourceQuota", namespace_name);
  if (quotas.empty()) return true;
  Registry* registry = resources_.Find("", "v1", "resourcequotas");
  auto list = [&](std::string_view group, std::string_view resource) {
    return reader_.ListResource(group, resource, namespace_name);
  };
  bool ok = true;
  for (const json& quota : quotas) {
    json wanted = quota::RecomputeStatus(quota, list);
    if (wanted.value("status", json()) == quota.value("status", json())) continue;
    const std::string name = quota["metadata"].value("name", "");
    absl::StatusOr<ObjectRef> written = registry->GuaranteedUpdate(
        namespace_name, name,
        [&](json& object) {
          object["status"] = quota::RecomputeStatus(object, list)["status"];
          return absl::OkStatus();
        },
        "status", {});
    if (!written.ok() && !api::IsNotFound(written.status())) {
      base::Logger("quota")->warn("resourcequota {}/{}: {}", namespace_name, name,
                                  written.status());
      ok = false;
    }
  }
  return ok;
}

}  // namespace k1s::apiserver
