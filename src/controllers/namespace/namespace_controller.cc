#include "controllers/namespace/namespace_controller.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "client/discovery.h"
#include "controllers/common/pods.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;

constexpr char kFinalizer[] = "kubernetes";

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("namespace-controller");
  return *logger;
}

// "pods" or "deployments.apps", as upstream's GroupResource prints.
std::string GroupResource(const client::Resource& resource) {
  return resource.group.empty() ? resource.plural
                                : base::StrCat(resource.plural, ".", resource.group);
}

bool HasFinalizer(const json& ns) {
  if (!ns.contains("spec") || !ns["spec"].contains("finalizers")) return false;
  const json& finalizers = ns["spec"]["finalizers"];
  return finalizers.is_array() &&
         std::find(finalizers.begin(), finalizers.end(), kFinalizer) != finalizers.end();
}

// What one deletion pass found: failures, and what is still there.
struct Remaining {
  std::vector<std::string> discovery_failures;
  std::vector<std::string> delete_failures;
  std::map<std::string, int32_t> objects_by_resource;    // "pods" -> 2
  std::map<std::string, int32_t> objects_by_finalizer;  // "example.com/x" -> 1
  bool empty() const { return objects_by_resource.empty(); }
};

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

// The deletion conditions upstream keeps on a terminating namespace, in its order and wording.
json DeletionConditions(const Remaining& remaining) {
  auto condition = [](const char* type, bool status, std::string reason, std::string message) {
    return json{{"type", type},
                {"status", status ? "True" : "False"},
                {"reason", std::move(reason)},
                {"message", std::move(message)}};
  };
  std::vector<std::string> resources;
  for (const auto& [resource, count] : remaining.objects_by_resource) {
    resources.push_back(base::StrCat(resource, " has ", std::to_string(count),
                                     " resource instances"));
  }
  std::vector<std::string> finalizers;
  for (const auto& [finalizer, count] : remaining.objects_by_finalizer) {
    finalizers.push_back(base::StrCat(finalizer, " in ", std::to_string(count),
                                      " resource instances"));
  }
  json conditions = json::array();
  conditions.push_back(
      remaining.discovery_failures.empty()
          ? condition("NamespaceDeletionDiscoveryFailure", false, "ResourcesDiscovered",
                      "All resources successfully discovered")
          : condition("NamespaceDeletionDiscoveryFailure", true, "DiscoveryFailed",
                      base::StrCat("Discovery failed for some groups, ",
                                   std::to_string(remaining.discovery_failures.size()),
                                   " failing: ", Join(remaining.discovery_failures))));
  conditions.push_back(condition("NamespaceDeletionGroupVersionParsingFailure", false,
                                 "ParsedGroupVersions",
                                 "All legacy kube types successfully parsed"));
  conditions.push_back(
      remaining.delete_failures.empty()
          ? condition("NamespaceDeletionContentFailure", false, "ContentDeleted",
                      "All content successfully deleted, may be waiting on finalization")
          : condition("NamespaceDeletionContentFailure", true, "ContentDeletionFailed",
                      base::StrCat("Failed to delete all resource types, ",
                                   std::to_string(remaining.delete_failures.size()),
                                   " remaining: ", Join(remaining.delete_failures))));
  conditions.push_back(
      resources.empty()
          ? condition("NamespaceContentRemaining", false, "ContentRemoved",
                      "All content successfully removed")
          : condition("NamespaceContentRemaining", true, "SomeResourcesRemain",
                      base::StrCat("Some resources are remaining: ", Join(resources))));
  conditions.push_back(
      finalizers.empty()
          ? condition("NamespaceFinalizersRemaining", false, "ContentHasNoFinalizers",
                      "All content-preserving finalizers finished")
          : condition("NamespaceFinalizersRemaining", true, "SomeFinalizersRemain",
                      base::StrCat("Some content in the namespace has finalizers remaining: ",
                                   Join(finalizers))));
  return conditions;
}

// Keeps lastTransitionTime of conditions whose status did not change.
json WithTransitionTimes(json conditions, const json& old_conditions, const std::string& now) {
  for (json& condition : conditions) {
    condition["lastTransitionTime"] = now;
    if (!old_conditions.is_array()) continue;
    for (const json& old : old_conditions) {
      if (old.value("type", "") == condition["type"] &&
          old.value("status", "") == condition["status"] && old.contains("lastTransitionTime")) {
        condition["lastTransitionTime"] = old["lastTransitionTime"];
      }
    }
  }
  return conditions;
}

// Deletes the namespace's objects of every deletable kind and counts what is still there.
Remaining DeleteContent(client::Client& client, const std::string& namespace_name) {
  Remaining remaining;
  absl::StatusOr<std::vector<client::ServedResource>> served =
      client::DiscoverResources(client, &remaining.discovery_failures);
  if (!served.ok()) {
    remaining.discovery_failures.push_back(std::string(served.status().message()));
    return remaining;
  }
  client::DeleteOptions background;
  background.propagation_policy = "Background";
  for (const client::ServedResource& entry : *served) {
    const client::Resource& resource = entry.resource;
    if (!resource.namespaced || !entry.Supports("delete") || !entry.Supports("list")) continue;
    // events.k8s.io Events are core Events under another name: one deletion is enough.
    if (resource.group == "events.k8s.io") continue;
    absl::Status deleted = absl::OkStatus();
    if (entry.Supports("deletecollection")) {
      deleted = client.DeleteCollection(resource, namespace_name, {}, background);
    }
    absl::StatusOr<json> left = client.List(resource, namespace_name);
    if (!left.ok()) {
      remaining.delete_failures.push_back(GroupResource(resource));
      continue;
    }
    int32_t count = 0;
    for (const json& item : (*left)["items"]) {
      ++count;
      const json& metadata = item["metadata"];
      if (!entry.Supports("deletecollection") && !metadata.contains("deletionTimestamp")) {
        absl::Status one =
            client.Delete(resource, namespace_name, metadata.value("name", ""), background);
        if (!one.ok() && !api::IsNotFound(one)) deleted = one;
      }
      if (metadata.contains("finalizers") && metadata["finalizers"].is_array()) {
        for (const json& finalizer : metadata["finalizers"]) {
          if (finalizer.is_string()) ++remaining.objects_by_finalizer[finalizer];
        }
      }
    }
    if (!deleted.ok() && !api::IsNotFound(deleted)) {
      remaining.delete_failures.push_back(GroupResource(resource));
    }
    if (count > 0) remaining.objects_by_resource[GroupResource(resource)] = count;
  }
  return remaining;
}

}  // namespace

NamespaceController::NamespaceController(ControllerContext& context)
    : context_(context),
      client_(context.ClientFor("namespace-controller")),
      namespaces_(context.informers.For(client::resources::Namespaces())),
      queue_("namespace", std::chrono::milliseconds(200), std::chrono::seconds(30)),
      workers_(queue_, [this](const std::string& name) { return Sync(name); }) {
  auto enqueue_if_deleting = [this](const client::ObjectPtr& ns) {
    if (IsBeingDeleted(*ns)) queue_.Add((*ns)["metadata"].value("name", ""));
  };
  namespaces_.AddHandler(client::EventHandler{
      enqueue_if_deleting,
      [enqueue_if_deleting](const client::ObjectPtr&, const client::ObjectPtr& ns) {
        enqueue_if_deleting(ns);
      },
      nullptr});
}

NamespaceController::~NamespaceController() { Stop(); }

absl::Status NamespaceController::Start() {
  workers_.Start(context_.workers);
  return absl::OkStatus();
}

void NamespaceController::Stop() { workers_.Stop(); }

absl::Status NamespaceController::Sync(const std::string& name) {
  // The lister may trail a moment; the live object decides.
  absl::StatusOr<json> ns = client_.Get(client::resources::Namespaces(), "", name);
  if (api::IsNotFound(ns.status())) return absl::OkStatus();
  if (!ns.ok()) return ns.status();
  if (!IsBeingDeleted(*ns) || !HasFinalizer(*ns)) return absl::OkStatus();

  Remaining remaining = DeleteContent(client_, name);
  const std::string now =
      api::FormatTimestamp(context_.clock.NowUnixNanos() / base::kNanosPerSecond);
  const json old_conditions = ns->contains("status") && (*ns)["status"].is_object()
                                  ? (*ns)["status"].value("conditions", json())
                                  : json();
  json conditions = WithTransitionTimes(DeletionConditions(remaining), old_conditions, now);
  if (old_conditions != conditions) {
    json updated = *ns;
    updated["status"]["conditions"] = conditions;
    absl::StatusOr<json> written = client_.UpdateStatus(client::resources::Namespaces(), updated);
    if (written.ok()) {
      ns = *std::move(written);
    } else if (!api::IsConflict(written.status()) && !api::IsNotFound(written.status())) {
      return written.status();
    }
  }
  if (!remaining.empty() || !remaining.discovery_failures.empty() ||
      !remaining.delete_failures.empty()) {
    // Pods wait for their grace period, objects for their finalizers: look again shortly.
    queue_.AddAfter(name, std::chrono::seconds(1));
    return absl::OkStatus();
  }
  json finalized = *ns;
  json kept = json::array();
  for (const json& finalizer : (*ns)["spec"]["finalizers"]) {
    if (finalizer != kFinalizer) kept.push_back(finalizer);
  }
  finalized["spec"]["finalizers"] = std::move(kept);
  absl::StatusOr<json> done =
      client_.Update(client::resources::Namespaces(), finalized, {}, "finalize");
  if (!done.ok() && !api::IsNotFound(done.status())) return done.status();
  Log().info("namespace {}: content removed, finalized", name);
  return absl::OkStatus();
}

}  // namespace k1s::controllers
