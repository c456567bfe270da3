// The acceptance walk of API security: authentication as admin, as a certificate user and as a
// service account; RBAC (can-i, upstream's Forbidden text, escalation refused); admission
// (PodSecurity, the ServiceAccount plugin); secrets encrypted in SQLite with key rotation;
// anonymous access; OIDC discovery; the audit log; and the CIS-style script.
#include "tests/e2e/apiserver/kubectl_fixture.h"

namespace k1s::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class SecurityTest : public KubectlTest {
 protected:
  static void SetUpTestSuite() {
    StartServer([](const std::string& dir) {
      return std::vector<std::string>{"--audit-log-path", dir + "/audit/audit.log"};
    });
  }
  static std::string AuditLogPath() { return temp_->path() + "/audit/audit.log"; }

  std::string Tls() const { return server_->tls_dir(); }

  // A client certificate for `user` in `group`, signed by the cluster's client CA; returns the
  // kubectl flags that use it instead of the kubeconfig's admin identity.
  std::vector<std::string> CertificateUser(const std::string& user, const std::string& group) {
    std::string dir = files_.path();
    auto made =
        server_->Sh("set -e; cd " + dir +
                    "; openssl ecparam -name prime256v1 -genkey -noout -out u.key;"
                    " openssl req -new -key u.key -subj '/CN=" +
                    user + "/O=" + group +
                    "' -out u.csr;"
                    " openssl x509 -req -in u.csr -CA $TLS/client-ca.crt -CAkey $TLS/client-ca.key"
                    " -CAcreateserial -days 1 -out u.crt 2>&1");
    EXPECT_EQ(made.exit_code, 0) << made.output;
    return {"--kubeconfig=/dev/null", "--server=" + server_->url(),
            "--certificate-authority=" + Tls() + "/server-ca.crt",
            "--client-certificate=" + dir + "/u.crt", "--client-key=" + dir + "/u.key"};
  }
  std::vector<std::string> TokenUser(const std::string& token) {
    return {"--kubeconfig=/dev/null", "--server=" + server_->url(),
            "--certificate-authority=" + Tls() + "/server-ca.crt", "--token=" + token};
  }
  static std::vector<std::string> With(std::vector<std::string> identity,
                                       const std::vector<std::string>& args) {
    identity.insert(identity.end(), args.begin(), args.end());
    return identity;
  }
  std::string SecretsEncrypt(const std::string& verb) {
    auto result = server_->Sh(std::string(K1S_BINARY) + " secrets-encrypt --data-dir " +
                              server_->dir() + "/data --server $SERVER " + verb + " 2>&1");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }
};

TEST_F(SecurityTest, AdminIsSystemMasters) {
  std::string whoami = Ok({"auth", "whoami"});
  EXPECT_THAT(whoami, HasSubstr("system:admin"));
  EXPECT_THAT(whoami, HasSubstr("system:masters"));
  EXPECT_EQ(Out({"auth", "can-i", "*", "*"}), "yes\n");
}

TEST_F(SecurityTest, CertificateUserWithViewInOneNamespace) {
  std::vector<std::string> jane = CertificateUser("jane", "devs");
  NsOk({"create", "rolebinding", "jane-view", "--clusterrole=view", "--user=jane"});
  std::string whoami = Ok(With(jane, {"auth", "whoami"}));
  EXPECT_THAT(whoami, HasSubstr("jane"));
  EXPECT_THAT(whoami, HasSubstr("[devs system:authenticated]"));

  // view is aggregated from system:aggregate-to-view by the server: wait until it is filled.
  for (int i = 0;
       i < 50 && Run(With(jane, {"auth", "can-i", "list", "pods", "-n", ns_})).output != "yes\n";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Run(With(jane, {"auth", "can-i", "list", "pods", "-n", ns_})).output, "yes\n");
  EXPECT_EQ(Run(With(jane, {"auth", "can-i", "create", "pods", "-n", ns_})).output, "no\n");
  EXPECT_EQ(Run(With(jane, {"auth", "can-i", "list", "pods", "-n", "default"})).output, "no\n");
  EXPECT_EQ(Run(With(jane, {"auth", "can-i", "get", "secrets", "-n", ns_})).output, "no\n");
  EXPECT_THAT(Ok(With(jane, {"auth", "can-i", "--list", "-n", ns_})),
              HasSubstr("deployments.apps"));
  Ok(With(jane, {"get", "pods", "-n", ns_}));
  EXPECT_THAT(Fails(With(jane, {"get", "pods", "-n", "default"})),
              HasSubstr("Error from server (Forbidden): pods is forbidden: User \"jane\" cannot "
                        "list resource \"pods\" in API group \"\" in the namespace \"default\""));
  EXPECT_THAT(Fails(With(jane, {"get", "nodes"})),
              HasSubstr("nodes is forbidden: User \"jane\" cannot list resource \"nodes\" in API "
                        "group \"\" at the cluster scope"));

  // With the right to create role bindings she still cannot grant more than she holds.
  NsOk({"create", "role", "binder", "--verb=create",
        "--resource=rolebindings.rbac.authorization.k8s.io"});
  NsOk({"create", "rolebinding", "jane-binder", "--role=binder", "--user=jane"});
  EXPECT_THAT(Fails(With(jane, {"create", "rolebinding", "jane-admin", "--clusterrole=admin",
                                "--user=jane", "-n", ns_})),
              HasSubstr("rolebindings.rbac.authorization.k8s.io \"jane-admin\" is forbidden: user "
                        "\"jane\" (groups=[\"devs\" \"system:authenticated\"]) is attempting to "
                        "grant RBAC permissions not currently held:"));
  // Binding to what she holds herself is fine.
  Ok(With(jane, {"create", "rolebinding", "jane-view-again", "--clusterrole=view", "--user=jane",
                 "-n", ns_}));
}

TEST_F(SecurityTest, ServiceAccountTokenWorksUntilTheAccountIsDeleted) {
  NsOk({"create", "serviceaccount", "builder"});
  NsOk({"create", "rolebinding", "builder-edit", "--clusterrole=edit",
        "--serviceaccount=" + ns_ + ":builder"});
  std::string token = NsOut({"create", "token", "builder", "--duration=15m"});
  ASSERT_THAT(token, StartsWith("eyJ"));
  token.erase(token.find_last_not_of("\n") + 1);
  std::vector<std::string> builder = TokenUser(token);

  std::string whoami = Ok(With(builder, {"auth", "whoami"}));
  EXPECT_THAT(whoami, HasSubstr("system:serviceaccount:" + ns_ + ":builder"));
  EXPECT_THAT(whoami, HasSubstr("system:serviceaccounts:" + ns_));
  EXPECT_EQ(Run(With(builder, {"auth", "can-i", "create", "configmaps", "-n", ns_})).output,
            "yes\n");
  EXPECT_EQ(Run(With(builder, {"auth", "can-i", "create", "configmaps", "-n", "default"})).output,
            "no\n");
  Ok(With(builder, {"create", "configmap", "made-by-token", "-n", ns_}));

  // TokenReview, as another component would check the token.
  std::string review = Manifest("review.yaml",
                                "apiVersion: authentication.k8s.io/v1\nkind: TokenReview\n"
                                "spec:\n  token: " +
                                    token + "\n");
  // kubectl validates kinds without a PATCH operation against OpenAPI v2, which k1s does not
  // serve (nor is it needed for anything else): skip client-side validation here.
  std::string reviewed = Out({"create", "--validate=false", "-f", review, "-o",
                              "jsonpath={.status.authenticated} {.status.user.username}"});
  EXPECT_EQ(reviewed, "true system:serviceaccount:" + ns_ + ":builder");

  // A legacy token Secret, created explicitly, is filled by the server and works too.
  NsOk({"apply", "-f", Manifest("legacy.yaml", R"(apiVersion: v1
kind: Secret
metadata:
  name: builder-token
  annotations:
    kubernetes.io/service-account.name: builder
type: kubernetes.io/service-account-token
)")});
  std::string legacy;
  for (int i = 0; i < 50 && legacy.empty(); ++i) {
    legacy = Jsonpath("secret/builder-token", "{.data.token}");
    if (legacy.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(legacy.empty()) << "the token controller did not fill the secret";
  auto decoded = server_->Sh("echo " + legacy + " | base64 -d");
  EXPECT_THAT(Ok(With(TokenUser(decoded.output), {"auth", "whoami"})),
              HasSubstr("system:serviceaccount:" + ns_ + ":builder"));

  NsOk({"delete", "serviceaccount", "builder"});
  bool refused = false;
  for (int i = 0; i < 50 && !refused; ++i) {
    refused = Run(With(builder, {"get", "configmaps", "-n", ns_})).output.find("Unauthorized") !=
              std::string::npos;
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(refused) << "a token of a deleted service account still works";
}

TEST_F(SecurityTest, PodSecurityAndServiceAccountAdmission) {
  // The cluster default is baseline: a plain pod gets the default account and its token volume.
  NsOk({"run", "plain", "--image=registry.k8s.io/pause:3.10"});
  EXPECT_EQ(Jsonpath("pod/plain", "{.spec.serviceAccountName}"), "default");
  EXPECT_THAT(Jsonpath("pod/plain", "{.spec.volumes[0].name}"), StartsWith("kube-api-access-"));
  EXPECT_EQ(Jsonpath("pod/plain", "{.spec.containers[0].volumeMounts[0].mountPath}"),
            "/var/run/secrets/kubernetes.io/serviceaccount");
  EXPECT_EQ(Jsonpath("pod/plain", "{.spec.volumes[0].projected.sources[1].configMap.name}"),
            "kube-root-ca.crt");

  NsOk({"label", "namespace", ns_, "pod-security.kubernetes.io/enforce=restricted"});
  std::string privileged = Manifest("privileged.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  name: privileged
spec:
  containers:
  - name: shell
    image: registry.k8s.io/pause:3.10
    securityContext:
      privileged: true
)");
  EXPECT_THAT(
      NsFails({"apply", "-f", privileged}),
      HasSubstr("pods \"privileged\" is forbidden: violates PodSecurity \"restricted:latest\": "
                "privileged (container \"shell\" must not set securityContext.privileged=true), "
                "allowPrivilegeEscalation != false (container \"shell\" must set "
                "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities "
                "(container \"shell\" must set securityContext.capabilities.drop=[\"ALL\"]), "
                "runAsNonRoot != true (pod or container \"shell\" must set "
                "securityContext.runAsNonRoot=true), seccompProfile (pod or container \"shell\" "
                "must set securityContext.seccompProfile.type to \"RuntimeDefault\" or "
                "\"Localhost\")"));
  EXPECT_THAT(NsFails({"label", "namespace", ns_, "--overwrite",
                       "pod-security.kubernetes.io/enforce=strict"}),
              HasSubstr("metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "
                        "\"strict\": must be one of privileged, baseline, restricted"));
}

TEST_F(SecurityTest, QuotaAndLimitRangeAdmission) {
  NsOk({"apply", "-f", Manifest("limits.yaml", R"(apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
spec:
  limits:
  - type: Container
    default: {cpu: 200m, memory: 128Mi}
    defaultRequest: {cpu: 100m, memory: 64Mi}
    max: {cpu: "1"}
)")});
  NsOk({"create", "quota", "two-pods", "--hard=pods=2,requests.cpu=1"});
  // The quota controller fills status.hard; admission charges against it from then on.
  std::string hard;
  for (int i = 0; i < 50 && hard.empty(); ++i) {
    hard = Jsonpath("quota/two-pods", "{.status.hard.pods}");
    if (hard.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(hard, "2");

  NsOut({"run", "first", "--image=registry.k8s.io/pause:3.10"});
  EXPECT_EQ(Jsonpath("pod/first",
                     "{.spec.containers[0].resources.requests.cpu} "
                     "{.spec.containers[0].resources.limits.memory}"),
            "100m 128Mi");
  EXPECT_EQ(Jsonpath("pod/first", "{.metadata.annotations.kubernetes\\.io/limit-ranger}"),
            "LimitRanger plugin set: cpu, memory request for container first; cpu, memory "
            "limit for container first");
  EXPECT_EQ(Jsonpath("quota/two-pods", "{.status.used.pods} {.status.used.requests\\.cpu}"),
            "1 100m");
  EXPECT_THAT(NsFails({"run", "big", "--image=registry.k8s.io/pause:3.10",
                       "--overrides={\"spec\":{\"containers\":[{\"name\":\"big\",\"image\":"
                       "\"registry.k8s.io/pause:3.10\",\"resources\":{\"limits\":{\"cpu\":"
                       "\"2\"}}}]}}"}),
              HasSubstr("maximum cpu usage per Container is 1, but limit is 2"));
  NsOut({"run", "second", "--image=registry.k8s.io/pause:3.10"});
  EXPECT_THAT(NsFails({"run", "third", "--image=registry.k8s.io/pause:3.10"}),
              HasSubstr("pods \"third\" is forbidden: exceeded quota: two-pods, requested: "
                        "pods=1, used: pods=2, limited: pods=2"));
}

TEST_F(SecurityTest, SecretsAreEncryptedAtRestAndSurviveKeyRotation) {
  NsOk({"create", "secret", "generic", "vault", "--from-literal=password=CorrectHorseBattery42"});
  std::string db = server_->dir() + "/data/server/db/state.db";
  // Neither the tables (sqlite3) nor the raw files (WAL included) hold the plaintext.
  auto dump = server_->Sh("sqlite3 " + db +
                          " .dump 2>&1 | grep -c CorrectHorseBattery42; "
                          "cat " +
                          db + "* | grep -ac CorrectHorseBattery42");
  EXPECT_EQ(dump.output, "0\n0\n");
  auto encrypted = server_->Sh("cat " + db + "* | grep -ac 'k8s:enc:aesgcm:v1:'");
  EXPECT_NE(encrypted.output, "0\n") << encrypted.output;

  EXPECT_THAT(SecretsEncrypt("status"), HasSubstr("Encryption Status: Enabled"));
  EXPECT_THAT(SecretsEncrypt("rotate-keys"), HasSubstr("New active key: "));
  EXPECT_EQ(Jsonpath("secret/vault", "{.data.password}"), "Q29ycmVjdEhvcnNlQmF0dGVyeTQy");
  std::string reencrypted = SecretsEncrypt("reencrypt");
  EXPECT_THAT(reencrypted, HasSubstr("Re-encrypted "));
  EXPECT_THAT(reencrypted, HasSubstr("Keys kept: 1"));
  std::string status = SecretsEncrypt("status");
  EXPECT_THAT(status, HasSubstr("Unencrypted secrets: 0"));
  EXPECT_EQ(Jsonpath("secret/vault", "{.data.password}"), "Q29ycmVjdEhvcnNlQmF0dGVyeTQy");
}

TEST_F(SecurityTest, AnonymousRequestsAndOidcDiscovery) {
  auto api = Curl("-o /dev/null -w '%{http_code}' --cacert $TLS/server-ca.crt $SERVER/api");
  EXPECT_EQ(api.output, "401");
  auto body = Curl("--cacert $TLS/server-ca.crt $SERVER/api/v1/namespaces");
  EXPECT_THAT(body.output, HasSubstr("\"reason\":\"Unauthorized\""));
  auto health = Curl("--cacert $TLS/server-ca.crt $SERVER/healthz");
  EXPECT_EQ(health.output, "ok");
  auto version = Curl("--cacert $TLS/server-ca.crt $SERVER/version");
  EXPECT_THAT(version.output, HasSubstr("\"gitVersion\""));

  std::string discovery = CurlAdmin("/.well-known/openid-configuration");
  EXPECT_THAT(discovery, HasSubstr("\"issuer\":\"https://kubernetes.default.svc.cluster.local\""));
  EXPECT_THAT(discovery, HasSubstr("/openid/v1/jwks"));
  std::string jwks = CurlAdmin("/openid/v1/jwks");
  EXPECT_THAT(jwks, HasSubstr("\"alg\":\"RS256\""));
  EXPECT_THAT(jwks, HasSubstr("\"kty\":\"RSA\""));
}

TEST_F(SecurityTest, AuditLogRecordsRequests) {
  NsOk({"apply", "-f",
        Manifest("audited.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: audited\n")});
  std::string log = WaitForFile(AuditLogPath(), "\"verb\":\"create\".*\"name\":\"audited\"");
  EXPECT_THAT(log, HasSubstr("\"apiVersion\":\"audit.k8s.io/v1\""));
  EXPECT_THAT(log, HasSubstr("\"level\":\"Metadata\""));
  EXPECT_THAT(log, HasSubstr("\"username\":\"system:admin\""));
  EXPECT_THAT(log, Not(HasSubstr("\"requestObject\"")));  // Metadata level keeps no bodies

  // PodSecurity's audit mode (restricted by default) annotates the pod's create event.
  NsOut({"run", "audited-pod", "--image=registry.k8s.io/pause:3.10"});
  log = WaitForFile(AuditLogPath(), "pod-security.kubernetes.io/audit-violations");
  EXPECT_THAT(log, HasSubstr("\"pod-security.kubernetes.io/enforce-policy\":\"baseline:latest\""));
  EXPECT_THAT(log, HasSubstr("\"pod-security.kubernetes.io/audit-violations\":\"would violate "
                             "PodSecurity \\\"restricted:latest\\\": allowPrivilegeEscalation"));
}

TEST_F(SecurityTest, CisStyleChecksPass) {
  auto result = server_->Sh(std::string("sh ") + K1S_SOURCE_DIR +
                                "/tests/e2e/security/cis_check.sh " + server_->dir() + "/data " +
                                server_->kubeconfig() + " $SERVER " + AuditLogPath() + " 2>&1",
                            60);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, Not(HasSubstr("FAIL")));
}

}  // namespace
}  // namespace k1s::e2e
