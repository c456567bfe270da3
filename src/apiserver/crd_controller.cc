#include "apiserver/crd_controller.h"

#include <nlohmann/json.hpp>

#include "api/custom_resources.h"
#include "api/errors.h"
#include "apiserver/resource_handler.h"
#include "base/logging.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("crd-controller");
  return *logger;
}

bool HasFinalizer(const json& object, std::string_view finalizer) {
  const json& finalizers = object["metadata"].value("finalizers", json::array());
  if (!finalizers.is_array()) return false;
  for (const json& entry : finalizers) {
    if (entry.is_string() && entry.get<std::string>() == finalizer) return true;
  }
  return false;
}

}  // namespace

CrdController::CrdController(ResourceHandler& resources, WatchCache& cache, base::Clock& clock,
                             StrategyFactory strategies, std::function<void()> on_types_changed)
    : resources_(resources),
      cache_(cache),
      clock_(clock),
      strategies_(std::move(strategies)),
      on_types_changed_(std::move(on_types_changed)) {
  crd_type_ = resources_.FindType("apiextensions.k8s.io", "CustomResourceDefinition");
}

CrdController::~CrdController() { Stop(); }

absl::Status CrdController::Start() {
  if (crd_type_ == nullptr) return absl::OkStatus();
  // Serve what is stored before the first request; the worker then reconciles statuses (the
  // initial state of its watch queues every CRD).
  for (const ObjectRef& object : cache_.List(*crd_type_, ObjectFilter{}).objects) {
    json crd = json::parse(object->json);
    if (!crd["metadata"].contains("deletionTimestamp")) Serve(crd);
  }
  worker_ = std::make_unique<CacheWorker>("crd-controller", cache_,
                                          [this](const std::string& name) { return Sync(name); });
  worker_->Watch(*crd_type_, [](const CacheEvent& event) -> std::optional<std::string> {
    if (event.object == nullptr) return std::nullopt;
    return event.object->name;
  });
  return worker_->Start();
}

void CrdController::Stop() {
  if (worker_ != nullptr) worker_->Stop();
}

bool CrdController::Sync(const std::string& name) {
  Registry* registry = resources_.Find(crd_type_->group, crd_type_->version, crd_type_->plural);
  absl::StatusOr<ObjectRef> current = registry->Get("", name);
  if (!current.ok()) {
    if (!api::IsNotFound(current.status())) return false;
    Unserve(name);
    return true;
  }
  json crd = json::parse((*current)->json);
  const bool deleting = crd["metadata"].contains("deletionTimestamp");
  json wanted = api::WithServingStatus(crd, clock_.NowUnixNanos() / base::kNanosPerSecond);
  if (wanted["status"] != crd["status"]) {
    absl::StatusOr<ObjectRef> updated = registry->Update("", name, wanted, "status", {});
    if (!updated.ok()) {
      Log().warn("CustomResourceDefinition {}: status: {}", name, updated.status());
      return false;
    }
    crd = json::parse((*updated)->json);
  }
  if (!deleting) {
    Serve(crd);
    return true;
  }
  // Deleting: the objects go first, then the finalizer, then the types.
  std::vector<api::ResourceType> types = api::CustomResourceTypes(crd);
  if (!DeleteObjects(types)) return false;
  if (HasFinalizer(crd, api::kCustomResourceCleanupFinalizer)) {
    auto remove = [](json& object) {
      json kept = json::array();
      for (const json& entry : object["metadata"].value("finalizers", json::array())) {
        if (entry != api::kCustomResourceCleanupFinalizer) kept.push_back(entry);
      }
      object["metadata"]["finalizers"] = std::move(kept);
      return absl::OkStatus();
    };
    absl::StatusOr<ObjectRef> done = registry->GuaranteedUpdate("", name, remove, "", {});
    if (!done.ok() && !api::IsNotFound(done.status())) {
      Log().warn("CustomResourceDefinition {}: remove finalizer: {}", name, done.status());
      return false;
    }
  }
  Unserve(name);
  return true;
}

bool CrdController::DeleteObjects(const std::vector<api::ResourceType>& types) {
  bool empty = true;
  DeleteOptions options;
  options.propagation_policy = "Background";
  for (const api::ResourceType& type : types) {
    Registry* registry = resources_.Find(type.group, type.version, type.plural);
    if (registry == nullptr) continue;
    for (const ObjectRef& object : cache_.List(type, ObjectFilter{}).objects) {
      json parsed = json::parse(object->json);
      std::string namespace_name = parsed["metadata"].value("namespace", "");
      absl::StatusOr<DeleteResult> result = registry->Delete(namespace_name, object->name, options);
      if (!result.ok() && !api::IsNotFound(result.status())) {
        Log().warn("delete {} {}: {}", type.plural, object->name, result.status());
      }
      if (!result.ok() || !result->deleted) empty = false;
    }
  }
  return empty;
}

void CrdController::Serve(const json& crd) {
  const std::string name = crd["metadata"].value("name", "");
  const std::string version = crd["metadata"].value("resourceVersion", "");
  auto it = served_.find(name);
  if (it != served_.end() && it->second.resource_version == version) return;
  std::vector<api::ResourceType> types = api::CustomResourceTypes(crd);
  // Versions no longer served go away; the others are (re)built with the current schema.
  if (it != served_.end()) {
    for (const api::ResourceType& old : it->second.types) {
      bool kept = false;
      for (const api::ResourceType& type : types) kept = kept || type.version == old.version;
      if (!kept) resources_.RemoveType(old.group, old.version, old.plural);
    }
  }
  for (const api::ResourceType& type : types) {
    if (absl::Status status = cache_.AddType(type); !status.ok()) {
      Log().error("CustomResourceDefinition {}: cache {}: {}", name, type.plural, status);
      continue;
    }
    resources_.AddType(type, strategies_(crd, type));
  }
  served_[name] = Served{version, std::move(types)};
  Log().info("serving {} ({})", name, version);
  on_types_changed_();
}

void CrdController::Unserve(const std::string& name) {
  auto it = served_.find(name);
  if (it == served_.end()) return;
  for (const api::ResourceType& type : it->second.types) {
    resources_.RemoveType(type.group, type.version, type.plural);
  }
  served_.erase(it);
  Log().info("stopped serving {}", name);
  on_types_changed_();
}

}  // namespace k1s::apiserver
