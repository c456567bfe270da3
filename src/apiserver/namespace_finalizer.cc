#include "apiserver/namespace_finalizer.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "apiserver/resource_handler.h"
#include "base/logging.h"
#include "base/thread_name.h"

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
  if (absl::Status status = Watch(); !status.ok()) return status;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

absl::Status NamespaceFinalizer::Watch() {
  WatchOptions options;
  options.send_initial_state = true;  // namespaces already terminating are picked up too
  auto sink = [this](const CacheEvent& event) {
    if (event.type == EventType::kClose) {
      // The cache ended every watch (a reload): watch again from the run loop.
      absl::MutexLock lock(&mu_);
      rewatch_ = true;
      return false;
    }
    if (event.object == nullptr || event.type == EventType::kDeleted) return true;
    json ns = json::parse(event.object->json);
    if (ns["metadata"].contains("deletionTimestamp")) {
      absl::MutexLock lock(&mu_);
      pending_.insert(event.object->name);
    }
    return true;
  };
  absl::StatusOr<std::unique_ptr<WatchCache::Registration>> watch =
      cache_.Watch(*namespace_type_, ObjectFilter{}, options, sink);
  if (!watch.ok()) return watch.status();
  watch_ = *std::move(watch);
  return absl::OkStatus();
}

void NamespaceFinalizer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  watch_.reset();  // only the run loop replaces it, and it has ended
}

void NamespaceFinalizer::Run() {
  base::SetCurrentThreadName("ns-finalizer");
  while (true) {
    std::set<std::string> batch;
    bool rewatch = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || rewatch_ || !pending_.empty();
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(1));
      if (stopping_) return;
      batch.swap(pending_);
      std::swap(rewatch, rewatch_);
    }
    if (rewatch) {
      watch_.reset();
      if (absl::Status status = Watch(); !status.ok()) {
        Log().warn("watch namespaces again: {}", status);
        absl::MutexLock lock(&mu_);
        rewatch_ = true;
      }
    }
    std::set<std::string> retry;
    for (const std::string& name : batch) {
      bool done = false;
      try {
        done = Finalize(name);
      } catch (const std::exception& error) {
        Log().error("namespace {}: {}", name, error.what());
      }
      if (!done) retry.insert(name);
    }
    if (!retry.empty()) {
      // Something in those namespaces is still finishing: look again in a second.
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Seconds(1));
      pending_.insert(retry.begin(), retry.end());
    }
  }
}

bool NamespaceFinalizer::Finalize(const std::string& namespace_name) {
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
      if (!result.ok() || !result->deleted) empty = false;
    }
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
