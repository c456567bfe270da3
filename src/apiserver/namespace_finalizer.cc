#include "apiserver/namespace_finalizer.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "apiserver/resource_handler.h"
#include "base/logging.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

constexpr char kFinalizer[] = "kubernetes";

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("ns-finalizer");
  return *logger;
}

}  // namespace

NamespaceFinalizer::NamespaceFinalizer(ResourceHandler& resources, WatchCache& cache,
                                       const std::vector<api::ResourceType>& types)
    : resources_(resources), cache_(cache) {
  for (const api::ResourceType& type : types) {
    if (type.group.empty() && type.kind == "Namespace") namespace_type_ = &type;
  }
}

NamespaceFinalizer::~NamespaceFinalizer() { Stop(); }

absl::Status NamespaceFinalizer::Start() {
  if (namespace_type_ == nullptr) return absl::OkStatus();
  worker_ = std::make_unique<CacheWorker>(
      "ns-finalizer", cache_, [this](const std::string& name) { return Finalize(name); });
  // Namespaces already terminating at start are picked up by the initial state.
  worker_->Watch(*namespace_type_, [](const CacheEvent& event) -> std::optional<std::string> {
    if (event.object == nullptr || event.type == EventType::kDeleted) return std::nullopt;
    if (json::parse(event.object->json)["metadata"].contains("deletionTimestamp")) {
      return event.object->name;
    }
    return std::nullopt;
  });
  return worker_->Start();
}

void NamespaceFinalizer::Stop() {
  if (worker_ != nullptr) worker_->Stop();
}

bool NamespaceFinalizer::DeleteContents(const std::string& namespace_name) {
  bool empty = true;
  DeleteOptions options;
  options.propagation_policy = "Background";
  // Served types change as custom resources come and go: ask each time.
  for (const api::ResourceType* type : resources_.ServedTypes()) {
    if (!type->namespaced || type->is_view()) continue;
    Registry* registry = resources_.Find(type->group, type->version, type->plural);
    if (registry == nullptr) continue;  // removed a moment ago
    ObjectFilter filter;
    filter.namespace_name = namespace_name;
    for (const ObjectRef& object : cache_.List(*type, filter).objects) {
      absl::StatusOr<DeleteResult> result = registry->Delete(namespace_name, object->name, options);
      if (!result.ok() && !api::IsNotFound(result.status())) {
        Log().warn("namespace {}: delete {} {}: {}", namespace_name, type->plural, object->name,
                   result.status());
      }
      empty = false;
    }
  }
  return empty;
}

bool NamespaceFinalizer::Finalize(const std::string& namespace_name) {
  // A pass that deletes anything is followed by another: objects created while it ran (by a
  // client that raced the deletion, or the server's own per-namespace objects) are found then.
  // What is still left after two passes waits for its finalizers or grace period: retry later.
  bool empty = false;
  for (int32_t pass = 0; pass < 2 && !empty; ++pass) {
    if (!cache_.WaitUntilFresh(absl::Seconds(5)).ok()) return false;
    empty = DeleteContents(namespace_name);
  }
  if (!empty) return false;
  Registry* namespaces = resources_.Find("", "v1", "namespaces");
  auto remove_finalizer = [](json& ns) {
    json& finalizers = ns["spec"]["finalizers"];
    json kept = json::array();
    if (finalizers.is_array()) {
      for (const json& finalizer : finalizers) {
        if (finalizer != kFinalizer) kept.push_back(finalizer);
      }
    }
    finalizers = std::move(kept);
    return absl::OkStatus();
  };
  absl::StatusOr<ObjectRef> finalized =
      namespaces->GuaranteedUpdate("", namespace_name, remove_finalizer, "finalize", {});
  if (!finalized.ok() && !api::IsNotFound(finalized.status())) {
    Log().warn("namespace {}: finalize: {}", namespace_name, finalized.status());
    return false;
  }
  Log().info("namespace {} finalized", namespace_name);
  return true;
}

}  // namespace k1s::apiserver
