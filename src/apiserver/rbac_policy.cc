#include "apiserver/rbac_policy.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "auth/aggregation.h"
#include "auth/bootstrap_policy.h"
#include "auth/escalation.h"
#include "base/logging.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";
constexpr char kAutoupdate[] = "rbac.authorization.kubernetes.io/autoupdate";

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("rbac");
  return *logger;
}

bool AutoupdateDisabled(const json& object) {
  const json& annotations = object["metadata"].value("annotations", json::object());
  return annotations.is_object() && annotations.value(kAutoupdate, "") == "false";
}

// Adds what `wanted` has and `object` lacks: rules for roles, subjects for bindings.
// Returns whether anything was added.
bool AddMissing(json& object, const json& wanted) {
  bool changed = false;
  if (wanted.contains("rules")) {
    json& rules = object["rules"];
    if (!rules.is_array()) rules = json::array();
    std::vector<json> have(rules.begin(), rules.end());
    for (const json& rule : wanted["rules"]) {
      if (!auth::UncoveredRules(have, {rule}).empty()) {
        rules.push_back(rule);
        have.push_back(rule);
        changed = true;
      }
    }
  }
  if (wanted.contains("subjects")) {
    json& subjects = object["subjects"];
    if (!subjects.is_array()) subjects = json::array();
    for (const json& subject : wanted["subjects"]) {
      if (std::find(subjects.begin(), subjects.end(), subject) == subjects.end()) {
        subjects.push_back(subject);
        changed = true;
      }
    }
  }
  return changed;
}

absl::Status Reconcile(ResourceHandler& resources, const std::string& plural,
                       const std::vector<json>& defaults) {
  Registry* registry = resources.Find(kRbacGroup, "v1", plural);
  for (const json& wanted : defaults) {
    const std::string namespace_name = wanted["metadata"].value("namespace", "");
    const std::string name = wanted["metadata"].value("name", "");
    absl::StatusOr<ObjectRef> existing = registry->Get(namespace_name, name);
    if (!existing.ok() && api::IsNotFound(existing.status())) {
      absl::StatusOr<ObjectRef> created = registry->Create(namespace_name, wanted, {});
      if (!created.ok() && !api::IsAlreadyExists(created.status())) return created.status();
      continue;
    }
    if (!existing.ok()) return existing.status();
    json current = json::parse((*existing)->json);
    if (AutoupdateDisabled(current)) continue;
    json updated = current;
    // Aggregated roles get their rules from the aggregator, not from here.
    bool aggregated = wanted.contains("aggregationRule");
    if (!AddMissing(updated,
                    aggregated ? json{{"subjects", wanted.value("subjects", json())}} : wanted)) {
      continue;
    }
    absl::StatusOr<ObjectRef> written = registry->Update(namespace_name, name, updated, "", {});
    if (!written.ok()) return written.status();
    Log().info("{} {}: added the default rules or subjects it was missing", plural, name);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EnsureBootstrapPolicy(ResourceHandler& resources) {
  if (absl::Status status = Reconcile(resources, "clusterroles", auth::BootstrapClusterRoles());
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          Reconcile(resources, "clusterrolebindings", auth::BootstrapClusterRoleBindings());
      !status.ok()) {
    return status;
  }
  if (absl::Status status = Reconcile(resources, "roles", auth::BootstrapRoles()); !status.ok()) {
    return status;
  }
  return Reconcile(resources, "rolebindings", auth::BootstrapRoleBindings());
}

ClusterRoleAggregator::ClusterRoleAggregator(ResourceHandler& resources, WatchCache& cache,
                                             const ClusterReader& reader)
    : resources_(resources), cache_(cache), reader_(reader) {}

ClusterRoleAggregator::~ClusterRoleAggregator() { Stop(); }

absl::Status ClusterRoleAggregator::Start() {
  worker_ = std::make_unique<CacheWorker>("rbac-aggregate", cache_,
                                          [this](const std::string&) { return Aggregate(); });
  // Any role change can change an aggregate: one key for all of them.
  worker_->Watch(*resources_.FindType(kRbacGroup, "ClusterRole"),
                 [](const CacheEvent&) -> std::optional<std::string> { return "all"; });
  return worker_->Start();
}

void ClusterRoleAggregator::Stop() {
  if (worker_ != nullptr) worker_->Stop();
}

bool ClusterRoleAggregator::Aggregate() {
  std::vector<json> roles = reader_.List(kRbacGroup, "ClusterRole");
  Registry* registry = resources_.Find(kRbacGroup, "v1", "clusterroles");
  bool ok = true;
  for (const json& role : roles) {
    if (!role.contains("aggregationRule") || role["aggregationRule"].is_null()) continue;
    absl::StatusOr<json> rules = auth::AggregatedRules(role, roles);
    if (!rules.ok() || role.value("rules", json::array()) == *rules) continue;
    const std::string name = role["metadata"].value("name", "");
    absl::StatusOr<ObjectRef> written = registry->GuaranteedUpdate("", name,
                                                                   [&](json& object) {
                                                                     object["rules"] = *rules;
                                                                     return absl::OkStatus();
                                                                   },
                                                                   "", {});
    if (!written.ok() && !api::IsNotFound(written.status())) {
      Log().warn("aggregate clusterrole {}: {}", name, written.status());
      ok = false;
    }
  }
  return ok;
}

}  // namespace k1s::apiserver
