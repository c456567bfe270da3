#include "apiserver/service_accounts_controller.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "api/errors.h"
#include "base/logging.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

constexpr char kTokenSecretType[] = "kubernetes.io/service-account-token";
constexpr char kNameAnnotation[] = "kubernetes.io/service-account.name";
constexpr char kUidAnnotation[] = "kubernetes.io/service-account.uid";
constexpr char kRootCaDescription[] =
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters.";

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("sa-controller");
  return *logger;
}

std::string Base64(std::string_view text) {
  return absl::Base64Escape(absl::string_view(text.data(), text.size()));
}

// The namespace key of an object's event, for the namespaced objects this controller keeps.
std::optional<std::string> NamespaceKey(const CacheEvent& event) {
  if (event.object == nullptr) return std::nullopt;
  return base::StrCat("ns/", event.object->namespace_name);
}

}  // namespace

ServiceAccountsController::ServiceAccountsController(ResourceHandler& resources, WatchCache& cache,
                                                     const ServiceAccountTokens& tokens,
                                                     std::string ca_pem)
    : resources_(resources), cache_(cache), tokens_(tokens), ca_pem_(std::move(ca_pem)) {}

ServiceAccountsController::~ServiceAccountsController() { Stop(); }

absl::Status ServiceAccountsController::Start() {
  worker_ = std::make_unique<CacheWorker>("sa-controller", cache_,
                                          [this](const std::string& key) { return Handle(key); });
  worker_->Watch(*resources_.FindType("", "Namespace"),
                 [](const CacheEvent& event) -> std::optional<std::string> {
                   if (event.object == nullptr || event.type == EventType::kDeleted) {
                     return std::nullopt;
                   }
                   return base::StrCat("ns/", event.object->name);
                 });
  worker_->Watch(*resources_.FindType("", "ServiceAccount"),
                 [](const CacheEvent& event) -> std::optional<std::string> {
                   if (event.type != EventType::kDeleted || event.object->name != "default") {
                     return std::nullopt;
                   }
                   return NamespaceKey(event);
                 });
  worker_->Watch(*resources_.FindType("", "ConfigMap"),
                 [](const CacheEvent& event) -> std::optional<std::string> {
                   if (event.object == nullptr || event.object->name != kRootCaConfigMap ||
                       event.type == EventType::kAdded) {
                     return std::nullopt;
                   }
                   return NamespaceKey(event);
                 });
  worker_->Watch(*resources_.FindType("", "Secret"),
                 [](const CacheEvent& event) -> std::optional<std::string> {
                   if (event.object == nullptr || event.type == EventType::kDeleted) {
                     return std::nullopt;
                   }
                   // Cheap pre-check on the text; Handle reads the object properly.
                   if (event.object->json.find(kTokenSecretType) == std::string::npos) {
                     return std::nullopt;
                   }
                   return base::StrCat("secret/", event.object->namespace_name, "/",
                                       event.object->name);
                 });
  return worker_->Start();
}

void ServiceAccountsController::Stop() {
  if (worker_ != nullptr) worker_->Stop();
}

bool ServiceAccountsController::Handle(const std::string& key) {
  if (absl::StartsWith(key, "ns/")) return EnsureNamespace(key.substr(3));
  std::string rest = key.substr(7);  // "secret/<ns>/<name>"
  size_t slash = rest.find('/');
  return FillTokenSecret(rest.substr(0, slash), rest.substr(slash + 1));
}

bool ServiceAccountsController::EnsureNamespace(const std::string& namespace_name) {
  Registry* namespaces = resources_.Find("", "v1", "namespaces");
  absl::StatusOr<ObjectRef> ns = namespaces->Get("", namespace_name);
  if (!ns.ok()) return api::IsNotFound(ns.status());
  if (json::parse((*ns)->json)["metadata"].contains("deletionTimestamp")) return true;

  Registry* accounts = resources_.Find("", "v1", "serviceaccounts");
  absl::StatusOr<ObjectRef> account = accounts->Get(namespace_name, "default");
  if (!account.ok() && api::IsNotFound(account.status())) {
    json object = {{"metadata", {{"name", "default"}, {"namespace", namespace_name}}}};
    absl::StatusOr<ObjectRef> created = accounts->Create(namespace_name, object, {});
    if (!created.ok() && !api::IsAlreadyExists(created.status())) {
      Log().warn("namespace {}: create the default service account: {}", namespace_name,
                 created.status());
      return false;
    }
  }

  Registry* configmaps = resources_.Find("", "v1", "configmaps");
  json wanted_data = {{"ca.crt", ca_pem_}};
  absl::StatusOr<ObjectRef> configmap = configmaps->Get(namespace_name, kRootCaConfigMap);
  absl::Status written = absl::OkStatus();
  if (!configmap.ok() && api::IsNotFound(configmap.status())) {
    json object = {{"metadata",
                    {{"name", kRootCaConfigMap},
                     {"namespace", namespace_name},
                     {"annotations", {{"kubernetes.io/description", kRootCaDescription}}}}},
                   {"data", wanted_data}};
    absl::StatusOr<ObjectRef> created = configmaps->Create(namespace_name, object, {});
    if (!created.ok() && !api::IsAlreadyExists(created.status())) written = created.status();
  } else if (configmap.ok() &&
             json::parse((*configmap)->json).value("data", json()) != wanted_data) {
    absl::StatusOr<ObjectRef> updated =
        configmaps->GuaranteedUpdate(namespace_name, kRootCaConfigMap,
                                     [&](json& object) {
                                       object["data"] = wanted_data;
                                       return absl::OkStatus();
                                     },
                                     "", {});
    written = updated.status();
  }
  if (!written.ok()) {
    Log().warn("namespace {}: publish {}: {}", namespace_name, kRootCaConfigMap, written);
    return false;
  }
  return true;
}

bool ServiceAccountsController::FillTokenSecret(const std::string& namespace_name,
                                                const std::string& name) {
  Registry* secrets = resources_.Find("", "v1", "secrets");
  absl::StatusOr<ObjectRef> stored = secrets->Get(namespace_name, name);
  if (!stored.ok()) return api::IsNotFound(stored.status());
  json secret = json::parse((*stored)->json);
  if (secret.value("type", "") != kTokenSecretType) return true;
  const json& annotations = secret["metadata"].value("annotations", json::object());
  std::string account_name = annotations.value(kNameAnnotation, "");
  absl::StatusOr<ObjectRef> account =
      resources_.Find("", "v1", "serviceaccounts")->Get(namespace_name, account_name);
  if (!account.ok()) {
    if (!api::IsNotFound(account.status())) return false;
    // A token for an account that does not exist would never authenticate: remove it.
    absl::StatusOr<DeleteResult> deleted = secrets->Delete(namespace_name, name, {});
    return deleted.ok() || api::IsNotFound(deleted.status());
  }
  json account_object = json::parse((*account)->json);
  std::string account_uid = account_object["metadata"].value("uid", "");
  const json& data = secret.value("data", json::object());
  if (annotations.value(kUidAnnotation, "") == account_uid && data.contains("token")) return true;

  absl::StatusOr<std::string> token = tokens_.LegacyToken(account_object, secret);
  if (!token.ok()) {
    Log().warn("secret {}/{}: {}", namespace_name, name, token.status());
    return false;
  }
  absl::StatusOr<ObjectRef> updated =
      secrets->GuaranteedUpdate(namespace_name, name,
                                [&](json& object) {
                                  object["metadata"]["annotations"][kUidAnnotation] = account_uid;
                                  json& fields = object["data"];
                                  if (!fields.is_object()) fields = json::object();
                                  fields["token"] = Base64(*token);
                                  fields["ca.crt"] = Base64(ca_pem_);
                                  fields["namespace"] = Base64(namespace_name);
                                  return absl::OkStatus();
                                },
                                "", {});
  return updated.ok() || api::IsNotFound(updated.status());
}

}  // namespace k1s::apiserver
