#include "audit/policy.h"

#include <gtest/gtest.h>

#include <vector>

namespace k1s::audit {
namespace {

// The example policy of the Kubernetes auditing documentation, trimmed.
constexpr char kPolicy[] = R"(
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - "RequestReceived"
rules:
  - level: RequestResponse
    resources:
    - group: ""
      resources: ["pods"]
  - level: Metadata
    resources:
    - group: ""
      resources: ["pods/log", "pods/status"]
  - level: None
    resources:
    - group: ""
      resources: ["configmaps"]
      resourceNames: ["controller-leader"]
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
    - group: ""
      resources: ["endpoints", "services"]
  - level: None
    userGroups: ["system:authenticated"]
    nonResourceURLs:
    - "/api*"
    - "/version"
  - level: Request
    resources:
    - group: ""
      resources: ["configmaps"]
    namespaces: ["kube-system"]
  - level: Metadata
    resources:
    - group: ""
      resources: ["secrets", "configmaps"]
    - group: authentication.k8s.io
      resources: ["tokenreviews"]
    omitStages:
      - "ResponseStarted"
    omitManagedFields: true
  - level: Request
    resources:
    - group: ""
    - group: "extensions"
  - level: Metadata
)";

auth::Attributes Resource(std::string verb, std::string group, std::string resource,
                          std::string subresource = "", std::string ns = "default",
                          std::string name = "") {
  auth::Attributes a;
  a.user.name = "jane";
  a.user.groups = {"dev", "system:authenticated"};
  a.verb = std::move(verb);
  a.resource_request = true;
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.subresource = std::move(subresource);
  a.namespace_name = std::move(ns);
  a.name = std::move(name);
  return a;
}

auth::Attributes NonResource(std::string path) {
  auth::Attributes a;
  a.user.name = "jane";
  a.user.groups = {"system:authenticated"};
  a.verb = "get";
  a.path = std::move(path);
  return a;
}

Policy MustParse(std::string_view text) {
  absl::StatusOr<Policy> p = Policy::Parse(text);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : Policy::Default();
}

TEST(PolicyTest, FirstMatchingRuleDecides) {
  Policy policy = MustParse(kPolicy);
  EXPECT_EQ(policy.Evaluate(Resource("create", "", "pods")).level, Level::kRequestResponse);
  EXPECT_EQ(policy.Evaluate(Resource("get", "", "pods", "log")).level, Level::kMetadata);
  EXPECT_EQ(policy.Evaluate(Resource("get", "", "pods", "exec")).level, Level::kRequest);
  EXPECT_EQ(
      policy.Evaluate(Resource("update", "", "configmaps", "", "kube-system", "controller-leader"))
          .level,
      Level::kNone);
  EXPECT_EQ(policy.Evaluate(Resource("update", "", "configmaps", "", "kube-system", "x")).level,
            Level::kRequest);
  EXPECT_EQ(policy.Evaluate(Resource("get", "", "configmaps", "", "default", "x")).level,
            Level::kMetadata);
  EXPECT_EQ(policy.Evaluate(Resource("list", "apps", "deployments")).level, Level::kMetadata);
  EXPECT_EQ(policy.Evaluate(NonResource("/apis/apps")).level, Level::kNone);
  EXPECT_EQ(policy.Evaluate(NonResource("/version")).level, Level::kNone);
  EXPECT_EQ(policy.Evaluate(NonResource("/healthz")).level, Level::kMetadata);
}

TEST(PolicyTest, UsersAndVerbsMustAllMatch) {
  Policy policy = MustParse(kPolicy);
  auth::Attributes watch = Resource("watch", "", "endpoints");
  watch.user.name = "system:kube-proxy";
  EXPECT_EQ(policy.Evaluate(watch).level, Level::kNone);
  watch.verb = "list";
  EXPECT_EQ(policy.Evaluate(watch).level, Level::kRequest);  // the core-group catch-all
  auth::Attributes anonymous = NonResource("/api");
  anonymous.user.groups = {"system:unauthenticated"};
  EXPECT_EQ(policy.Evaluate(anonymous).level, Level::kMetadata);
}

TEST(PolicyTest, OmitStagesAreUnitedAndManagedFieldsOverridden) {
  Policy policy = MustParse(kPolicy);
  Policy::Decision secrets = policy.Evaluate(Resource("get", "", "secrets"));
  EXPECT_EQ(secrets.omit_stages,
            (std::vector<Stage>{Stage::kRequestReceived, Stage::kResponseStarted}));
  EXPECT_TRUE(secrets.omit_managed_fields);
  Policy::Decision pods = policy.Evaluate(Resource("get", "", "pods"));
  EXPECT_EQ(pods.omit_stages, std::vector<Stage>{Stage::kRequestReceived});
  EXPECT_FALSE(pods.omit_managed_fields);
}

TEST(PolicyTest, WildcardResources) {
  Policy policy = MustParse(R"({"apiVersion":"audit.k8s.io/v1","kind":"Policy",
    "omitManagedFields": true,
    "rules":[
      {"level":"RequestResponse","resources":[{"group":"","resources":["*/status"]}]},
      {"level":"Request","resources":[{"group":"apps","resources":["deployments/*"]}]},
      {"level":"Metadata","resources":[{"group":"batch","resources":["*"]}]},
      {"level":"Metadata","nonResourceURLs":["*"]}]})");
  EXPECT_EQ(policy.Evaluate(Resource("update", "", "pods", "status")).level,
            Level::kRequestResponse);
  EXPECT_EQ(policy.Evaluate(Resource("update", "", "pods")).level, Level::kNone);
  EXPECT_EQ(policy.Evaluate(Resource("update", "apps", "deployments", "scale")).level,
            Level::kRequest);
  EXPECT_EQ(policy.Evaluate(Resource("update", "apps", "deployments")).level, Level::kRequest);
  EXPECT_EQ(policy.Evaluate(Resource("get", "batch", "jobs", "status")).level, Level::kMetadata);
  EXPECT_EQ(policy.Evaluate(NonResource("/metrics")).level, Level::kMetadata);
  Policy::Decision none = policy.Evaluate(Resource("get", "", "pods"));
  EXPECT_EQ(none.level, Level::kNone);
  EXPECT_TRUE(none.omit_managed_fields);  // the policy-wide default
}

TEST(PolicyTest, ClusterScopedMatchesEmptyNamespace) {
  Policy policy = MustParse(R"(apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Request
  namespaces: [""]
)");
  EXPECT_EQ(policy.Evaluate(Resource("get", "", "nodes", "", "")).level, Level::kRequest);
  EXPECT_EQ(policy.Evaluate(Resource("get", "", "pods")).level, Level::kNone);
  EXPECT_EQ(policy.Evaluate(NonResource("/healthz")).level, Level::kNone);
}

TEST(PolicyTest, DefaultRecordsMetadataWithoutRequestReceived) {
  Policy::Decision d = Policy::Default().Evaluate(NonResource("/readyz"));
  EXPECT_EQ(d.level, Level::kMetadata);
  EXPECT_EQ(d.omit_stages, std::vector<Stage>{Stage::kRequestReceived});
  EXPECT_FALSE(d.omit_managed_fields);
}

void ExpectError(std::string_view text, std::string_view message) {
  absl::StatusOr<Policy> p = Policy::Parse(text);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(std::string(p.status().message()), message);
}

TEST(PolicyTest, ValidationErrorsAsUpstream) {
  ExpectError("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- users: [a]\n",
              "rules[0].level: Required value");
  ExpectError("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n",
              "rules[0].level: Unsupported value: \"Everything\": supported values: \"None\", "
              "\"Metadata\", \"Request\", \"RequestResponse\"");
  ExpectError(
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  omitStages: [Done]\n"
      "- level: None\n  nonResourceURLs: [metrics, /a*b]\n",
      "[rules[0].omitStages[0]: Invalid value: \"Done\": allowed stages are "
      "RequestReceived,ResponseStarted,ResponseComplete,Panic, rules[1].nonResourceURLs[0]: "
      "Invalid value: \"metrics\": non-resource URL rules must begin with a '/' character, "
      "rules[1].nonResourceURLs[1]: Invalid value: \"/a*b\": non-resource URL wildcards '*' must "
      "be the final character of the rule]");
  ExpectError(
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n"
      "  namespaces: [a]\n  nonResourceURLs: [/x]\n",
      "rules[0].nonResourceURLs: Invalid value: []string{\"/x\"}: rules cannot apply to both "
      "regular resources and non-resource URLs");
  ExpectError(
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources:\n"
      "  - group: \"\"\n    resourceNames: [a, b]\n",
      "rules[0].resources.resourceNames: Invalid value: []string{\"a\", \"b\"}: using "
      "resourceNames requires at least one resource");
  ExpectError(
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources:\n"
      "  - group: apps/v1\n",
      "rules[0].resources.group: Invalid value: \"apps/v1\": a lowercase RFC 1123 subdomain "
      "must consist of lower case alphanumeric characters, '-' or '.', and must start and end "
      "with an alphanumeric character (e.g. 'example.com', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  ExpectError("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [Panic]\n",
              "loaded illegal policy with 0 rules");
}

TEST(PolicyTest, DecodingErrorsNameTheProblem) {
  ExpectError("rules:\n- level: None\n",
              "failed decoding: Object 'Kind' is missing in the audit policy");
  ExpectError("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None\n",
              "failed decoding: no kind \"Policy\" is registered for version "
              "\"audit.k8s.io/v1beta1\" (an audit policy is kind Policy, apiVersion "
              "audit.k8s.io/v1)");
  ExpectError("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: bob\n",
              "failed decoding: rules[0].users: expected a list of strings");
  ExpectError(
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n"
      "  omitManagedFields: maybe\n",
      "failed decoding: rules[0].omitManagedFields: expected true or false");
  ExpectError("{\"apiVersion\": ", "failed decoding: the audit policy is not valid JSON");
  EXPECT_FALSE(Policy::Parse("rules: [unclosed").ok());
  ExpectError("", "failed decoding: the audit policy is empty");
}

}  // namespace
}  // namespace k1s::audit
