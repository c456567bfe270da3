// Authentication and admission against a real in-memory datastore, watch cache and registries:
// service-account tokens from issue to revocation, bootstrap tokens, and the admission plugins
// that fill pods from cluster objects.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "api/errors.h"
#include "apiserver/admission_plugins.h"
#include "apiserver/authorization.h"
#include "apiserver/cluster_reader.h"
#include "apiserver/resource_handler.h"
#include "apiserver/service_account_tokens.h"
#include "datastore/sqlite_backend.h"
#include "pki/key.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class SettableClock : public base::Clock {
 public:
  int64_t NowUnixNanos() const override { return now_; }
  int64_t MonotonicNanos() const override { return now_; }
  void Advance(int64_t seconds) { now_ += seconds * 1'000'000'000; }

 private:
  int64_t now_ = int64_t{1'800'000'000} * 1'000'000'000;
};

const std::string& RsaPem() {
  static const std::string pem = *pki::PrivateKey::GenerateRsa(2048)->ToPem();
  return pem;
}

class SecurityTest : public ::testing::Test {
 protected:
  SecurityTest()
      : backend_(*datastore::OpenSqliteBackend({})),
        cache_(*backend_, api::BuiltinResourceTypes()),
        signer_(*pki::JwtSigner::FromPrivateKeyPem(RsaPem())),
        verifier_(*pki::JwtVerifier::FromPem(RsaPem())) {
    EXPECT_TRUE(cache_.Start().ok());
    resources_ = std::make_unique<ResourceHandler>(api::BuiltinResourceTypes(), *backend_, cache_,
                                                   clock_, StrategyContext{});
    reader_ = std::make_unique<ClusterReader>(*resources_, cache_);
    tokens_ = std::make_unique<ServiceAccountTokens>(ServiceAccountTokenOptions{}, &signer_,
                                                     verifier_, *reader_, clock_);
    authorizer_ = std::make_unique<Authorizer>(*reader_);
    chain_ = DefaultAdmissionChain(*reader_, *authorizer_, AdmissionOptions{});
    Create("", "Namespace", json{{"metadata", {{"name", "apps"}}}});
  }

  json Create(const std::string& namespace_name, const std::string& kind, json object,
              const WriteOptions& options = {}) {
    const api::ResourceType* type = resources_->FindType(kind == "PriorityClass"
                                                             ? "scheduling.k8s.io"
                                                             : "",
                                                         kind);
    absl::StatusOr<ObjectRef> created =
        resources_->Find(type->group, type->version, type->plural)
            ->Create(namespace_name, std::move(object), options);
    last_error_ = created.status();
    if (!created.ok()) return json();
    EXPECT_TRUE(cache_.WaitForRevision((*created)->revision, absl::Seconds(5)).ok());
    return json::parse((*created)->json);
  }
  absl::Status Delete(const std::string& namespace_name, const std::string& plural,
                      const std::string& name) {
    absl::StatusOr<DeleteResult> deleted =
        resources_->Find("", "v1", plural)->Delete(namespace_name, name, {});
    if (deleted.ok()) {
      EXPECT_TRUE(cache_.WaitUntilFresh(absl::Seconds(5)).ok());
    }
    return deleted.status();
  }
  std::string IssueToken(const json& account, json request = json::object()) {
    absl::StatusOr<json> issued = tokens_->IssueToken(account, std::move(request));
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued.ok() ? (*issued)["status"]["token"].get<std::string>() : "";
  }
  // A pod create as `user` through the admission chain.
  json CreatePod(json pod, std::vector<std::string>* warnings) {
    AdmissionContext admission{chain_.get(), auth::UserInfo{"dev", "", {"system:authenticated"}, {}},
                               warnings};
    WriteOptions options;
    options.admission = &admission;
    return Create("apps", "Pod", std::move(pod), options);
  }
  static json Pod(const std::string& name, const std::string& account = "") {
    json pod = {{"metadata", {{"name", name}}},
                {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "busybox"}}})}}}};
    if (!account.empty()) pod["spec"]["serviceAccountName"] = account;
    return pod;
  }

  SettableClock clock_;
  std::unique_ptr<Backend> backend_;
  WatchCache cache_;
  pki::JwtSigner signer_;
  pki::JwtVerifier verifier_;
  std::unique_ptr<ResourceHandler> resources_;
  std::unique_ptr<ClusterReader> reader_;
  std::unique_ptr<ServiceAccountTokens> tokens_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<AdmissionChain> chain_;
  absl::Status last_error_;
};

TEST_F(SecurityTest, IssuedTokenAuthenticatesAsTheAccountUntilItIsDeleted) {
  json account = Create("apps", "ServiceAccount", json{{"metadata", {{"name", "builder"}}}});
  std::string token = IssueToken(account);
  absl::StatusOr<AuthenticatedToken> result = tokens_->Authenticate(token);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->user.name, "system:serviceaccount:apps:builder");
  EXPECT_EQ(result->user.uid, account["metadata"]["uid"]);
  EXPECT_THAT(result->user.groups,
              ::testing::ElementsAre("system:serviceaccounts", "system:serviceaccounts:apps",
                                     "system:authenticated"));
  EXPECT_EQ(result->audiences, std::vector<std::string>{kDefaultIssuer});

  ASSERT_TRUE(Delete("apps", "serviceaccounts", "builder").ok());
  EXPECT_THAT(tokens_->Authenticate(token).status().message(), HasSubstr("has been deleted"));
  // A new account of the same name is another account: the old token stays invalid.
  Create("apps", "ServiceAccount", json{{"metadata", {{"name", "builder"}}}});
  EXPECT_FALSE(tokens_->Authenticate(token).ok());
}

TEST_F(SecurityTest, TokensExpireAndAreBoundToTheirAudience) {
  json account = Create("apps", "ServiceAccount", json{{"metadata", {{"name", "a"}}}});
  std::string token = IssueToken(account, {{"spec", {{"expirationSeconds", 600}}}});
  EXPECT_TRUE(tokens_->Authenticate(token).ok());
  EXPECT_FALSE(tokens_->Authenticate(token, {"https://vault.example"}).ok());
  std::string vault =
      IssueToken(account, {{"spec", {{"audiences", json::array({"https://vault.example"})}}}});
  EXPECT_FALSE(tokens_->Authenticate(vault).ok());
  EXPECT_TRUE(tokens_->Authenticate(vault, {"https://vault.example"}).ok());

  clock_.Advance(600 + 61);  // past expiry and the minute of allowed skew
  EXPECT_THAT(tokens_->Authenticate(token).status().message(), HasSubstr("expired"));

  absl::StatusOr<json> too_short = tokens_->IssueToken(account, {{"spec", {{"expirationSeconds", 60}}}});
  EXPECT_EQ(api::ToHttpError(too_short.status()).code, 422);
  EXPECT_THAT(too_short.status().message(),
              HasSubstr("spec.expirationSeconds: Invalid value: 60: may not specify a duration "
                        "less than 10 minutes"));
}

TEST_F(SecurityTest, PodBoundTokenEndsWithThePod) {
  json account = Create("apps", "ServiceAccount", json{{"metadata", {{"name", "default"}}}});
  json pod = Create("apps", "Pod", Pod("web"));
  std::string token = IssueToken(
      account, {{"spec",
                 {{"boundObjectRef",
                   {{"kind", "Pod"}, {"apiVersion", "v1"}, {"name", "web"},
                    {"uid", pod["metadata"]["uid"]}}}}}});
  absl::StatusOr<AuthenticatedToken> result = tokens_->Authenticate(token);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->user.extra["authentication.kubernetes.io/pod-name"],
            std::vector<std::string>{"web"});
  ASSERT_TRUE(Delete("apps", "pods", "web").ok());
  EXPECT_FALSE(tokens_->Authenticate(token).ok());

  absl::StatusOr<json> missing = tokens_->IssueToken(
      account, {{"spec", {{"boundObjectRef", {{"kind", "Pod"}, {"name", "nope"}}}}}});
  EXPECT_EQ(missing.status().message(), "pods \"nope\" not found");
}

TEST_F(SecurityTest, BootstrapTokensFromKubeSystemSecrets) {
  Create("", "Namespace", json{{"metadata", {{"name", "kube-system"}}}});
  auto b64 = [](const std::string& text) { return absl::Base64Escape(text); };
  Create("kube-system", "Secret",
         json{{"metadata", {{"name", "bootstrap-token-abcdef"}}},
              {"type", "bootstrap.kubernetes.io/token"},
              {"data",
               {{"token-id", b64("abcdef")},
                {"token-secret", b64("0123456789abcdef")},
                {"usage-bootstrap-authentication", b64("true")},
                {"auth-extra-groups", b64("system:bootstrappers:k1s:default-node-token,evil")}}}});
  absl::StatusOr<AuthenticatedToken> result = tokens_->Authenticate("abcdef.0123456789abcdef");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->user.name, "system:bootstrap:abcdef");
  EXPECT_THAT(result->user.groups,
              ::testing::ElementsAre("system:bootstrappers",
                                     "system:bootstrappers:k1s:default-node-token",
                                     "system:authenticated"));
  EXPECT_FALSE(tokens_->Authenticate("abcdef.0123456789abcdeX").ok());
  EXPECT_FALSE(tokens_->Authenticate("abcdef.ffffffffffffffff").ok());
}

TEST_F(SecurityTest, AdmissionGivesPodsTheirAccountTokenAndDefaults) {
  Create("apps", "ServiceAccount", json{{"metadata", {{"name", "default"}}}});
  std::vector<std::string> warnings;
  json pod = CreatePod(Pod("web"), &warnings);
  ASSERT_TRUE(last_error_.ok()) << last_error_;
  EXPECT_EQ(pod["spec"]["serviceAccountName"], "default");
  const json& volume = pod["spec"]["volumes"][0];
  EXPECT_EQ(volume["name"].get<std::string>().substr(0, 16), "kube-api-access-");
  EXPECT_EQ(volume["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"], 3607);
  EXPECT_EQ(volume["projected"]["sources"][2]["downwardAPI"]["items"][0]["fieldRef"]["fieldPath"],
            "metadata.namespace");
  EXPECT_EQ(pod["spec"]["containers"][0]["volumeMounts"][0],
            json({{"name", volume["name"]},
                  {"readOnly", true},
                  {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"}}));
  // DefaultTolerationSeconds and Priority.
  EXPECT_EQ(pod["spec"]["tolerations"].size(), 2u);
  EXPECT_EQ(pod["spec"]["tolerations"][0]["tolerationSeconds"], 300);
  EXPECT_EQ(pod["spec"]["priority"], 0);
  // The baseline default allows it; restricted (warn) does not.
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("would violate PodSecurity \"restricted:latest\""));

  json opted_out = Pod("quiet");
  opted_out["spec"]["automountServiceAccountToken"] = false;
  EXPECT_FALSE(CreatePod(opted_out, &warnings)["spec"].contains("volumes"));
}

TEST_F(SecurityTest, AdmissionRefusesWhatDoesNotExistOrIsNotAllowed) {
  std::vector<std::string> warnings;
  CreatePod(Pod("orphan", "ghost"), &warnings);
  EXPECT_EQ(api::ToHttpError(last_error_).code, 403);
  EXPECT_EQ(last_error_.message(),
            "pods \"orphan\" is forbidden: error looking up service account apps/ghost: "
            "serviceaccount \"ghost\" not found");

  Create("apps", "ServiceAccount", json{{"metadata", {{"name", "default"}}}});
  json classy = Pod("classy");
  classy["spec"]["priorityClassName"] = "gold";
  CreatePod(classy, &warnings);
  EXPECT_EQ(last_error_.message(),
            "pods \"classy\" is forbidden: no PriorityClass with name gold was found");

  json host = Pod("host");
  host["spec"]["hostNetwork"] = true;
  CreatePod(host, &warnings);
  EXPECT_EQ(last_error_.message(),
            "pods \"host\" is forbidden: violates PodSecurity \"baseline:latest\": host "
            "namespaces (hostNetwork=true)");
}

}  // namespace
}  // namespace k1s::apiserver
