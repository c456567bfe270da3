#include "apiserver/apiserver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/errors.h"
#include "api/resource_types.h"
#include "apiserver/admission_plugins.h"
#include "apiserver/audit_logger.h"
#include "apiserver/authorization.h"
#include "apiserver/bootstrap.h"
#include "apiserver/cluster_reader.h"
#include "apiserver/crd_controller.h"
#include "apiserver/custom_resource_strategy.h"
#include "apiserver/discovery.h"
#include "apiserver/media_types.h"
#include "apiserver/metrics.h"
#include "apiserver/openapi.h"
#include "apiserver/quota_controller.h"
#include "apiserver/range_allocator.h"
#include "apiserver/rbac_policy.h"
#include "apiserver/request_info.h"
#include "apiserver/resource_handler.h"
#include "apiserver/reviews.h"
#include "apiserver/service_account_tokens.h"
#include "apiserver/service_accounts_controller.h"
#include "apiserver/strategies.h"
#include "apiserver/watch_cache.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/version.h"
#include "pki/jwt.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("apiserver");
  return *logger;
}

// Paths anyone may read without credentials, as upstream's system:public-info-viewer allows.
bool IsPublicPath(std::string_view path) {
  for (std::string_view prefix : {"/healthz", "/livez", "/readyz", "/version"}) {
    if (path == prefix || (path.substr(0, prefix.size()) == prefix && path.size() > prefix.size() &&
                           path[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

void RespondJson(http::ResponseWriter& writer, int32_t code, std::string body,
                 std::string content_type = "application/json") {
  writer.Respond(code, http::Headers{{"Content-Type", std::move(content_type)}}, std::move(body));
}

void RespondError(http::ResponseWriter& writer, const absl::Status& status) {
  api::HttpError error = api::ToHttpError(status);
  RespondJson(writer, error.code, std::move(error.body));
}

// The bearer token of an "Authorization: Bearer <token>" header, if any.
std::optional<std::string> BearerToken(const http::Request& request) {
  std::optional<std::string> header = request.headers.Get("Authorization");
  if (!header) return std::nullopt;
  absl::string_view value = absl::StripAsciiWhitespace(*header);
  if (!absl::StartsWithIgnoreCase(value, "bearer ")) return std::nullopt;
  return std::string(absl::StripAsciiWhitespace(value.substr(7)));
}

std::string VersionJson() {
  return json{{"major", "1"},
              {"minor", "32"},
              {"gitVersion", kGitVersion},
              {"gitCommit", base::kGitCommit},
              {"gitTreeState", "clean"},
              {"buildDate", base::kBuildDate},
              {"goVersion", "n/a (k1s is C++)"},
              {"compiler", "gcc"},
              {"platform", base::StrCat("linux/", base::TargetArch())}}
      .dump();
}

std::optional<std::pair<uint32_t, uint32_t>> ParsePortRange(std::string_view text) {
  std::pair<std::string, std::string> parts =
      absl::StrSplit(absl::string_view(text.data(), text.size()), absl::MaxSplits('-', 1));
  uint32_t first = 0;
  uint32_t last = 0;
  if (!absl::SimpleAtoi(parts.first, &first) || !absl::SimpleAtoi(parts.second, &last) ||
      first == 0 || last < first || last > 65535) {
    return std::nullopt;
  }
  return std::make_pair(first, last);
}

}  // namespace

class ApiServer::Impl {
 public:
  Impl(ApiServerOptions options, Backend& backend, base::Clock& clock)
      : options_(std::move(options)), backend_(backend), clock_(clock) {}

  absl::Status Start(base::StopSignal& stop);
  void Stop();
  void Handle(http::Request request, std::shared_ptr<http::ResponseWriter> writer);

  ApiServerOptions options_;
  Backend& backend_;
  base::Clock& clock_;
  std::vector<api::ResourceType> types_ = api::BuiltinResourceTypes();
  std::unique_ptr<RangeAllocator> service_ips_;
  std::unique_ptr<RangeAllocator> node_ports_;
  StrategyContext context_;
  std::unique_ptr<WatchCache> cache_;
  std::unique_ptr<ResourceHandler> resources_;
  // Rebuilt when custom resource types come or go; readers take a snapshot.
  absl::Mutex documents_mu_;
  std::shared_ptr<const Discovery> discovery_ ABSL_GUARDED_BY(documents_mu_);
  std::unique_ptr<CrdController> crd_controller_;
  std::unique_ptr<OpenApi> openapi_;
  std::unique_ptr<ClusterReader> reader_;
  std::unique_ptr<pki::JwtSigner> signer_;
  std::unique_ptr<pki::JwtVerifier> verifier_;
  std::unique_ptr<ServiceAccountTokens> tokens_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<Reviews> reviews_;
  std::unique_ptr<AdmissionChain> admission_;
  std::unique_ptr<ServiceAccountsController> service_accounts_;
  std::unique_ptr<ClusterRoleAggregator> role_aggregator_;
  std::unique_ptr<QuotaController> quota_controller_;
  std::unique_ptr<AuditLogger> audit_;
  std::vector<std::pair<std::string, PathHandler>> path_handlers_;
  Metrics metrics_;
  std::unique_ptr<http::Server> server_;
  std::atomic<bool> bootstrapped_{false};

 private:
  absl::Status StartSecurity();
  // The user a request authenticates as; nullopt when it carries no credentials; an
  // Unauthenticated error for credentials that do not check out.
  absl::StatusOr<std::optional<auth::UserInfo>> Authenticate(const http::Request& request) const;
  void Route(const RequestInfo& info, const auth::UserInfo& user, const http::Request& request,
             const std::shared_ptr<http::ResponseWriter>& writer, int32_t* code,
             std::map<std::string, std::string>* audit_annotations);
  bool ServeOidcDiscovery(std::string_view path, http::ResponseWriter& writer);
  void ServeHealth(std::string_view path, const http::Request& request,
                   http::ResponseWriter& writer, int32_t* code);
  bool ServeDiscovery(std::string_view path, const http::Request& request,
                      http::ResponseWriter& writer, int32_t* code);
  std::shared_ptr<const Discovery> CurrentDiscovery() ABSL_LOCKS_EXCLUDED(documents_mu_);
  // Recomputes discovery (and OpenAPI) from the types served now.
  void RebuildDocuments() ABSL_LOCKS_EXCLUDED(documents_mu_);
  OpenApi::ExtraSchemas CustomResourceSchemas();
  bool openapi_has_custom_ = false;  // only the CRD controller's thread rebuilds
};

absl::Status ApiServer::Impl::Start(base::StopSignal& stop) {
  std::optional<Ipv4Range> services = ParseIpv4Cidr(options_.service_cidr);
  if (!services) {
    return absl::InvalidArgumentError(
        base::StrCat("--service-cidr: not an IPv4 CIDR: ", options_.service_cidr));
  }
  std::optional<std::pair<uint32_t, uint32_t>> ports = ParsePortRange(options_.node_port_range);
  if (!ports) {
    return absl::InvalidArgumentError(
        base::StrCat("--service-node-port-range: not a port range: ", options_.node_port_range));
  }
  // Upstream keeps min(max(16, size/16), 256) addresses at the start for static requests.
  uint32_t static_band = std::min<uint32_t>(std::max<uint32_t>(16, services->size / 16), 256);
  service_ips_ = std::make_unique<RangeAllocator>(services->first, services->size, static_band);
  node_ports_ = std::make_unique<RangeAllocator>(ports->first, ports->second - ports->first + 1, 0);
  context_ = StrategyContext{service_ips_.get(), options_.service_cidr, node_ports_.get()};

  cache_ = std::make_unique<WatchCache>(backend_, types_);
  if (absl::Status status = cache_->Start(); !status.ok()) return status;
  resources_ = std::make_unique<ResourceHandler>(types_, backend_, *cache_, clock_, context_);
  for (const ObjectRef& service :
       cache_->List(*resources_->FindType("", "Service"), ObjectFilter{}).objects) {
    ReserveServiceAllocations(json::parse(service->json), context_);
  }
  std::vector<api::ResourceType> documented = types_;
  documented.insert(documented.end(), Reviews::Types().begin(), Reviews::Types().end());
  openapi_ = std::make_unique<OpenApi>(documented);
  RebuildDocuments();
  metrics_.AddGauge("apiserver_registered_watchers",
                    "Number of watches currently served from the watch cache.",
                    [this] { return static_cast<double>(cache_->watcher_count()); });
  metrics_.AddGauge("apiserver_watch_cache_resource_version",
                    "The datastore revision the watch cache has applied.",
                    [this] { return static_cast<double>(cache_->revision()); });

  if (absl::Status status = StartSecurity(); !status.ok()) return status;

  BootstrapOptions bootstrap{FormatIpv4(services->first), options_.advertise_address,
                             options_.port};
  if (absl::Status status = EnsureBootstrapObjects(*resources_, bootstrap); !status.ok()) {
    return absl::Status(status.code(), base::StrCat("bootstrap objects: ", status.message()));
  }
  if (absl::Status status = EnsureBootstrapPolicy(*resources_); !status.ok()) {
    return absl::Status(status.code(), base::StrCat("default RBAC policy: ", status.message()));
  }
  bootstrapped_ = true;
  service_accounts_ = std::make_unique<ServiceAccountsController>(*resources_, *cache_, *tokens_,
                                                                  options_.server_ca_pem);
  if (absl::Status status = service_accounts_->Start(); !status.ok()) return status;
  role_aggregator_ = std::make_unique<ClusterRoleAggregator>(*resources_, *cache_, *reader_);
  if (absl::Status status = role_aggregator_->Start(); !status.ok()) return status;
  quota_controller_ = std::make_unique<QuotaController>(*resources_, *cache_, *reader_);
  if (absl::Status status = quota_controller_->Start(); !status.ok()) return status;
  crd_controller_ = std::make_unique<CrdController>(
      *resources_, *cache_, clock_, MakeCustomResourceStrategy, [this] { RebuildDocuments(); });
  if (absl::Status status = crd_controller_->Start(); !status.ok()) return status;

  http::ServerOptions server_options;
  server_options.name = "apiserver";
  server_options.bind_address = options_.bind_address;
  server_options.port = options_.port;
  server_options.tls = options_.tls;
  server_options.worker_threads = options_.worker_threads;
  server_ = std::make_unique<http::Server>(
      server_options, [this](http::Request request, std::shared_ptr<http::ResponseWriter> writer) {
        Handle(std::move(request), std::move(writer));
      });
  if (absl::Status status = server_->Start(stop); !status.ok()) return status;
  Log().info("serving the Kubernetes API {} on https://{}:{}", kGitVersion, options_.bind_address,
             server_->port());
  return absl::OkStatus();
}

void ApiServer::Impl::Stop() {
  // The HTTP server ends every watch stream first, so no watcher outlives the cache.
  if (server_ != nullptr) server_->Stop();
  if (service_accounts_ != nullptr) service_accounts_->Stop();
  if (role_aggregator_ != nullptr) role_aggregator_->Stop();
  if (quota_controller_ != nullptr) quota_controller_->Stop();
  if (crd_controller_ != nullptr) crd_controller_->Stop();
  if (cache_ != nullptr) cache_->Stop();
  if (audit_ != nullptr) audit_->Flush();
}

void ApiServer::Impl::Handle(http::Request request, std::shared_ptr<http::ResponseWriter> writer) {
  auto started = std::chrono::steady_clock::now();
  const int64_t received_unix_nanos = clock_.NowUnixNanos();
  std::optional<std::string> watch_param = request.Query("watch");
  RequestInfo info =
      ParseRequestInfo(request.method, request.path, watch_param && ParseGoBool(*watch_param));
  int32_t code = 200;
  auth::UserInfo user;
  absl::StatusOr<std::optional<auth::UserInfo>> authenticated = Authenticate(request);
  bool is_public = IsPublicPath(request.path);
  if (authenticated.ok() && *authenticated) {
    user = **std::move(authenticated);
  } else if (authenticated.ok() && (options_.anonymous_auth || is_public)) {
    user.name = auth::kAnonymousUser;
    user.groups = {auth::kUnauthenticated};
  } else {
    if (!authenticated.ok()) Log().debug("authentication failed: {}", authenticated.status());
    code = 401;
    RespondJson(*writer, 401,
                json{{"kind", "Status"},
                     {"apiVersion", "v1"},
                     {"metadata", json::object()},
                     {"status", "Failure"},
                     {"message", "Unauthorized"},
                     {"reason", "Unauthorized"},
                     {"code", 401}}
                    .dump());
  }
  auth::Attributes attributes =
      RequestAttributes(user, info, request.path, request.Query("fieldSelector").value_or(""));
  bool allowed = false;
  std::map<std::string, std::string> audit_annotations;
  if (code == 200) {
    // Health and version are public, as upstream's system:public-info-viewer grants them.
    absl::Status authorized = is_public ? absl::OkStatus() : authorizer_->Check(attributes);
    allowed = authorized.ok();
    if (!allowed) {
      code = api::ToHttpError(authorized).code;
      RespondError(*writer, authorized);
    } else {
      Route(info, user, request, writer, &code, &audit_annotations);
    }
  }
  if (audit_ != nullptr) {
    audit_->Record(request, attributes, allowed, code, received_unix_nanos, clock_.NowUnixNanos(),
                   audit_annotations);
  }
  if (info.verb == "watch") return;  // a watch's duration is its whole life: not a latency
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string scope;
  if (info.is_resource_request) {
    scope = !info.name.empty()             ? "resource"
            : !info.namespace_name.empty() ? "namespace"
                                           : "cluster";
  }
  // upstream's metric verbs: the HTTP method, with GET on a collection as LIST and an
  // apply patch as APPLY (dashboards select POST|PUT|PATCH|DELETE for writes).
  std::string verb = request.method;
  if ((verb == "GET" || verb == "HEAD") && scope != "resource" && !scope.empty()) verb = "LIST";
  if (verb == "PATCH" &&
      request.headers.Get("Content-Type").value_or("").rfind("application/apply-patch", 0) == 0) {
    verb = "APPLY";
  }
  bool dry_run = false;
  for (const auto& [name, value] : request.QueryParams()) dry_run = dry_run || name == "dryRun";
  metrics_.ObserveRequest(verb, info.group, info.version, info.resource, info.subresource, scope,
                          dry_run, code, seconds);
}

absl::Status ApiServer::Impl::StartSecurity() {
  absl::StatusOr<std::unique_ptr<AuditLogger>> audit = AuditLogger::Open(options_.audit);
  if (!audit.ok()) return audit.status();
  audit_ = *std::move(audit);
  reader_ = std::make_unique<ClusterReader>(*resources_, *cache_);
  if (options_.service_account_key_pem.empty()) {
    return absl::FailedPreconditionError("no service-account key: tokens cannot be verified");
  }
  absl::StatusOr<pki::JwtSigner> signer =
      pki::JwtSigner::FromPrivateKeyPem(options_.service_account_key_pem);
  if (!signer.ok()) return signer.status();
  absl::StatusOr<pki::JwtVerifier> verifier =
      pki::JwtVerifier::FromPem(options_.service_account_key_pem);
  if (!verifier.ok()) return verifier.status();
  signer_ = std::make_unique<pki::JwtSigner>(*std::move(signer));
  verifier_ = std::make_unique<pki::JwtVerifier>(*std::move(verifier));
  ServiceAccountTokenOptions token_options;
  token_options.issuer = options_.service_account_issuer;
  token_options.api_audiences = options_.api_audiences.empty()
                                    ? std::vector<std::string>{options_.service_account_issuer}
                                    : options_.api_audiences;
  tokens_ = std::make_unique<ServiceAccountTokens>(token_options, signer_.get(), *verifier_,
                                                   *reader_, clock_);
  authorizer_ = std::make_unique<Authorizer>(*reader_);
  reviews_ = std::make_unique<Reviews>(*tokens_, *authorizer_, *reader_);
  admission_ = DefaultAdmissionChain(*reader_, *authorizer_, options_.admission);
  resources_->set_admission(admission_.get());
  return absl::OkStatus();
}

absl::StatusOr<std::optional<auth::UserInfo>> ApiServer::Impl::Authenticate(
    const http::Request& request) const {
  if (request.identity) {
    auth::UserInfo user;
    user.name = request.identity->common_name;
    user.groups = request.identity->organizations;
    user.groups.push_back(auth::kAuthenticated);
    return user;
  }
  std::optional<std::string> token = BearerToken(request);
  if (!token) return std::nullopt;
  absl::StatusOr<AuthenticatedToken> result = tokens_->Authenticate(*token);
  if (!result.ok()) return result.status();
  return std::move(result->user);
}

bool ApiServer::Impl::ServeOidcDiscovery(std::string_view path, http::ResponseWriter& writer) {
  if (path == "/.well-known/openid-configuration") {
    json document = {{"issuer", options_.service_account_issuer},
                     {"jwks_uri", base::StrCat("https://", options_.advertise_address, ":",
                                               options_.port, "/openid/v1/jwks")},
                     {"response_types_supported", {"id_token"}},
                     {"subject_types_supported", {"public"}},
                     {"id_token_signing_alg_values_supported", {"RS256"}}};
    RespondJson(writer, 200, document.dump());
    return true;
  }
  if (path == "/openid/v1/jwks") {
    RespondJson(writer, 200, verifier_->jwks_json(), "application/jwk-set+json");
    return true;
  }
  return false;
}

void ApiServer::Impl::Route(const RequestInfo& info, const auth::UserInfo& user,
                            const http::Request& request,
                            const std::shared_ptr<http::ResponseWriter>& writer, int32_t* code,
                            std::map<std::string, std::string>* audit_annotations) {
  const std::string& path = request.path;
  if (Reviews::Handles(info)) {
    *code = reviews_->Serve(info, user, request, *writer);
    return;
  }
  if (info.is_resource_request) {
    *code = resources_->Serve(info, user, request, writer, audit_annotations);
    return;
  }
  for (const auto& [prefix, handler] : path_handlers_) {
    if (absl::StartsWith(path, prefix)) {
      *code = handler(request, *writer);
      return;
    }
  }
  if (request.method != "GET" && request.method != "HEAD") {
    *code = 405;
    api::HttpError error = api::ToHttpError(api::MethodNotAllowedError(
        "the server does not allow this method on the requested resource"));
    RespondJson(*writer, error.code, std::move(error.body));
    return;
  }
  if (path == "/version" || path == "/version/") {
    RespondJson(*writer, 200, VersionJson());
    return;
  }
  if (IsPublicPath(path)) {
    ServeHealth(path, request, *writer, code);
    return;
  }
  if (ServeOidcDiscovery(path, *writer)) return;
  if (path == "/metrics") {
    writer->Respond(200, http::Headers{{"Content-Type", "text/plain; version=0.0.4"}},
                    metrics_.Render());
    return;
  }
  if (absl::StartsWith(path, "/openapi/")) {
    std::optional<std::string> document = openapi_->Document(path);
    if (document) {
      RespondJson(*writer, 200, *std::move(document));
      return;
    }
  } else if (ServeDiscovery(path, request, *writer, code)) {
    return;
  }
  *code = 404;
  api::HttpError error =
      api::ToHttpError(absl::NotFoundError("the server could not find the requested resource"));
  RespondJson(*writer, 404, std::move(error.body));
}

void ApiServer::Impl::ServeHealth(std::string_view path, const http::Request& request,
                                  http::ResponseWriter& writer, int32_t* code) {
  std::vector<std::string> segments = absl::StrSplit(std::string(path), '/', absl::SkipEmpty());
  const std::string& endpoint = segments[0];
  struct Check {
    std::string name;
    bool ok;
  };
  std::vector<Check> checks = {{"ping", true}, {"log", true}};
  if (endpoint != "livez") {
    checks.push_back({"etcd", backend_.Status().ok()});
    checks.push_back({"etcd-readiness", backend_.Status().ok()});
  }
  checks.push_back({"poststarthook/start-apiserver-watch-cache", cache_ != nullptr});
  checks.push_back({"poststarthook/bootstrap-controller", bootstrapped_.load()});
  if (segments.size() > 1) {
    // /readyz/etcd: just that check.
    std::string wanted = absl::StrJoin(segments.begin() + 1, segments.end(), "/");
    for (const Check& check : checks) {
      if (check.name == wanted) {
        *code = check.ok ? 200 : 500;
        writer.Respond(
            *code, http::Headers{{"Content-Type", "text/plain; charset=utf-8"}},
            check.ok ? "ok" : base::StrCat("internal server error: ", wanted, " check failed"));
        return;
      }
    }
    *code = 404;
    writer.Respond(404, http::Headers{{"Content-Type", "text/plain; charset=utf-8"}},
                   "404 page not found\n");
    return;
  }
  bool healthy = true;
  std::string verbose;
  for (const Check& check : checks) {
    healthy = healthy && check.ok;
    base::StrAppend(&verbose, check.ok ? "[+]" : "[-]", check.name,
                    check.ok ? " ok\n" : " failed: reason withheld\n");
  }
  *code = healthy ? 200 : 500;
  std::string body;
  if (request.Query("verbose") || !healthy) {
    body = base::StrCat(verbose, endpoint, healthy ? " check passed\n" : " check failed\n");
  } else {
    body = "ok";
  }
  writer.Respond(*code,
                 http::Headers{{"Content-Type", "text/plain; charset=utf-8"},
                               {"X-Content-Type-Options", "nosniff"}},
                 std::move(body));
}

std::shared_ptr<const Discovery> ApiServer::Impl::CurrentDiscovery() {
  absl::MutexLock lock(&documents_mu_);
  return discovery_;
}

void ApiServer::Impl::RebuildDocuments() {
  // Built-in types keep the catalog's order; custom ones follow, sorted, so discovery is stable.
  std::vector<api::ResourceType> served = types_;
  std::vector<api::ResourceType> custom;
  for (const api::ResourceType* type : resources_->ServedTypes()) {
    if (type->is_custom()) custom.push_back(*type);
  }
  std::sort(
      custom.begin(), custom.end(), [](const api::ResourceType& a, const api::ResourceType& b) {
        return std::tie(a.group, a.plural, a.version) < std::tie(b.group, b.plural, b.version);
      });
  served.insert(served.end(), custom.begin(), custom.end());
  // The review endpoints are served too, though nothing of theirs is stored.
  served.insert(served.end(), Reviews::Types().begin(), Reviews::Types().end());
  auto discovery = std::make_shared<const Discovery>(
      served, base::StrCat(options_.advertise_address, ":", options_.port));
  {
    absl::MutexLock lock(&documents_mu_);
    discovery_ = std::move(discovery);
  }
  // The built-in documents were made with the OpenApi; only custom types change them later.
  if (!custom.empty() || openapi_has_custom_) {
    openapi_->Rebuild(served, CustomResourceSchemas());
    openapi_has_custom_ = !custom.empty();
  }
}

OpenApi::ExtraSchemas ApiServer::Impl::CustomResourceSchemas() {
  OpenApi::ExtraSchemas schemas;
  const api::ResourceType* crds =
      resources_->FindType("apiextensions.k8s.io", "CustomResourceDefinition");
  if (crds == nullptr) return schemas;
  for (const ObjectRef& object : cache_->List(*crds, ObjectFilter{}).objects) {
    json crd = json::parse(object->json);
    const json& spec = crd.value("spec", json::object());
    if (!spec.is_object() || !spec.contains("versions") || !spec["versions"].is_array()) continue;
    const std::string group = spec.value("group", "");
    const std::string kind = spec.value("names", json::object()).value("kind", "");
    // Upstream names a CRD's definition by its reversed group: com.example.v1.Widget.
    std::vector<std::string> labels = absl::StrSplit(group, '.');
    std::reverse(labels.begin(), labels.end());
    for (const json& version : spec["versions"]) {
      if (!version.is_object() || !version.value("served", false)) continue;
      const json& wrapper = version.value("schema", json::object());
      json schema =
          wrapper.is_object() ? wrapper.value("openAPIV3Schema", json::object()) : json::object();
      const std::string name = version.value("name", "");
      schema["x-kubernetes-group-version-kind"] =
          json::array({{{"group", group}, {"version", name}, {"kind", kind}}});
      schemas[base::StrCat(absl::StrJoin(labels, "."), ".", name, ".", kind)] = std::move(schema);
    }
  }
  return schemas;
}

bool ApiServer::Impl::ServeDiscovery(std::string_view path, const http::Request& request,
                                     http::ResponseWriter& writer, int32_t* code) {
  std::string trimmed(path);
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  std::vector<std::string> segments = absl::StrSplit(trimmed, '/', absl::SkipEmpty());
  if (segments.empty()) return false;
  bool aggregated_allowed = segments.size() == 1;
  std::optional<Negotiated> negotiated =
      Negotiate(request.headers.Get("Accept").value_or(""), aggregated_allowed);
  bool aggregated = negotiated && negotiated->representation == Representation::kDiscoveryV2;
  std::optional<std::string> body;
  std::shared_ptr<const Discovery> discovery = CurrentDiscovery();
  if (segments[0] == "api") {
    if (segments.size() == 1) {
      body = aggregated ? discovery->core_aggregated() : discovery->core_versions();
    } else if (segments.size() == 2) {
      body = discovery->ResourceList(segments[1]);
    }
  } else if (segments[0] == "apis") {
    if (segments.size() == 1) {
      body = aggregated ? discovery->groups_aggregated() : discovery->group_list();
    } else if (segments.size() == 2) {
      body = discovery->Group(segments[1]);
    } else if (segments.size() == 3) {
      body = discovery->ResourceList(segments[1] + "/" + segments[2]);
    }
  }
  if (!body) return false;
  std::string content_type = aggregated ? negotiated->content_type : "application/json";
  writer.Respond(200, http::Headers{{"Content-Type", content_type}, {"Vary", "Accept"}},
                 *std::move(body));
  *code = 200;
  return true;
}

ApiServer::ApiServer(ApiServerOptions options, Backend& backend, base::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), backend, clock)) {}

ApiServer::~ApiServer() { Stop(); }

absl::Status ApiServer::Start(base::StopSignal& stop) { return impl_->Start(stop); }

void ApiServer::Stop() { impl_->Stop(); }

uint16_t ApiServer::port() const { return impl_->server_ == nullptr ? 0 : impl_->server_->port(); }

void ApiServer::Handle(http::Request request, std::shared_ptr<http::ResponseWriter> writer) {
  impl_->Handle(std::move(request), std::move(writer));
}

void ApiServer::AddPathHandler(std::string prefix, PathHandler handler) {
  impl_->path_handlers_.emplace_back(std::move(prefix), std::move(handler));
}

}  // namespace k1s::apiserver
