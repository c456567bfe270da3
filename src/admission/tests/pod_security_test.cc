// Labels, versions, messages, workload templates and namespace label warnings.
#include "admission/pod_security.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace k1s::admission {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr PodSecurityLevel kP = PodSecurityLevel::kPrivileged;
constexpr PodSecurityLevel kB = PodSecurityLevel::kBaseline;
constexpr PodSecurityLevel kR = PodSecurityLevel::kRestricted;

TEST(PodSecurityLevels, NamesParsingAndFormatting) {
  EXPECT_EQ(LevelName(kP), "privileged");
  EXPECT_EQ(LevelName(kB), "baseline");
  EXPECT_EQ(LevelName(kR), "restricted");
  EXPECT_EQ(ParseLevel("baseline"), kB);
  EXPECT_EQ(ParseLevel("Baseline"), std::nullopt);
  EXPECT_EQ(FormatLevelVersion({kR, "latest"}), "restricted:latest");
  EXPECT_EQ(FormatLevelVersion({kB, "v1.25"}), "baseline:v1.25");
  for (const char* ok : {"latest", "v1.0", "v1.9", "v1.25", "v1.123"}) {
    EXPECT_TRUE(IsValidVersion(ok)) << ok;
  }
  for (const char* bad : {"", "v1", "v1.", "v1.05", "1.25", "v2.0", "v1.25 ", "v1.x", "Latest",
                          "v1.99999999999999999999"}) {
    EXPECT_FALSE(IsValidVersion(bad)) << bad;
  }
}

TEST(PodSecurityLabels, MissingLabelsUseDefaults) {
  NamespacePolicy defaults{{kB, "v1.30"}, {kR, "latest"}, {kP, "latest"}};
  EXPECT_EQ(PolicyFromLabels(json::object(), defaults), defaults);
  EXPECT_EQ(PolicyFromLabels(nullptr, defaults), defaults);
  EXPECT_EQ(PolicyFromLabels(json{{"app", "x"}}, defaults), defaults);
  EXPECT_EQ(PolicyFromLabels(json::object(), {}), NamespacePolicy{});
  NamespacePolicy p =
      PolicyFromLabels(json{{"pod-security.kubernetes.io/audit-version", "v1.24"}}, defaults);
  EXPECT_EQ(p.audit, (LevelVersion{kR, "v1.24"}));
  EXPECT_EQ(p.enforce, defaults.enforce);
}

TEST(PodSecurityLabels, ExplicitEnforceRaisesWarn) {
  NamespacePolicy p =
      PolicyFromLabels(json{{"pod-security.kubernetes.io/enforce", "restricted"},
                            {"pod-security.kubernetes.io/enforce-version", "v1.29"}},
                       {});
  EXPECT_EQ(p.enforce, (LevelVersion{kR, "v1.29"}));
  EXPECT_EQ(p.warn, (LevelVersion{kR, "v1.29"}));
  EXPECT_EQ(p.audit, (LevelVersion{kP, "latest"}));
  // An explicit warn-version is kept; an explicit warn level is never raised.
  p = PolicyFromLabels(json{{"pod-security.kubernetes.io/enforce", "baseline"},
                            {"pod-security.kubernetes.io/warn-version", "v1.20"}},
                       {});
  EXPECT_EQ(p.warn, (LevelVersion{kB, "v1.20"}));
  p = PolicyFromLabels(json{{"pod-security.kubernetes.io/enforce", "restricted"},
                            {"pod-security.kubernetes.io/warn", "privileged"}},
                       {});
  EXPECT_EQ(p.warn, (LevelVersion{kP, "latest"}));
  // Enforce only from defaults does not raise warn.
  p = PolicyFromLabels(json{{"pod-security.kubernetes.io/audit", "baseline"}},
                       {{kR, "latest"}, {}, {}});
  EXPECT_EQ(p.warn.level, kP);
}

TEST(PodSecurityLabels, InvalidValuesFallBackAsUpstream) {
  json labels = {{"pod-security.kubernetes.io/enforce", "strict"},
                 {"pod-security.kubernetes.io/enforce-version", "1.25"},
                 {"pod-security.kubernetes.io/audit", "bogus"},
                 {"pod-security.kubernetes.io/warn", "nope"},
                 {"pod-security.kubernetes.io/warn-version", "v1.x"}};
  NamespacePolicy p = PolicyFromLabels(labels, {{kB, "v1.30"}, {kB, "v1.30"}, {kB, "v1.30"}});
  EXPECT_EQ(p.enforce, (LevelVersion{kR, "latest"}));  // fails closed
  EXPECT_EQ(p.audit, (LevelVersion{kP, "v1.30"}));     // fails open
  EXPECT_EQ(p.warn, (LevelVersion{kP, "latest"}));
  EXPECT_THAT(
      ValidatePodSecurityLabels(labels),
      ElementsAre("metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": "
                  "must be one of privileged, baseline, restricted",
                  "metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "
                  "\"1.25\": must be \"latest\" or \"v1.x\"",
                  "metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: \"bogus\": "
                  "must be one of privileged, baseline, restricted",
                  "metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: \"nope\": "
                  "must be one of privileged, baseline, restricted",
                  "metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "
                  "\"v1.x\": must be \"latest\" or \"v1.x\""));
  std::vector<LabelError> errors = PodSecurityLabelErrors(labels);
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[1].field, "metadata.labels[pod-security.kubernetes.io/enforce-version]");
  EXPECT_EQ(errors[1].value, "1.25");
  EXPECT_THAT(ValidatePodSecurityLabels(json{{"pod-security.kubernetes.io/enforce", "baseline"},
                                             {"pod-security.kubernetes.io/warn-version", "v1.0"}}),
              IsEmpty());
  // Values are Go-quoted.
  EXPECT_THAT(
      ValidatePodSecurityLabels(json{{"pod-security.kubernetes.io/audit", "a\"b\n\x01\xff"}}),
      ElementsAre("metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "
                  "\"a\\\"b\\n\\x01\\xff\": must be one of privileged, baseline, "
                  "restricted"));
}

TEST(PodSecurityLabels, ValuesAreQuotedAsGoQuotes) {
  auto quoted = [](const std::string& value) {
    std::vector<std::string> errors =
        ValidatePodSecurityLabels(json{{"pod-security.kubernetes.io/warn", value}});
    if (errors.size() != 1) return std::string("<no error>");
    std::string_view text = errors[0];
    text.remove_prefix(text.find("Invalid value: ") + 15);
    return std::string(text.substr(0, text.rfind(": must")));
  };
  EXPECT_EQ(quoted("caf\xc3\xa9 \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");  // printable
  EXPECT_EQ(quoted("a\tb\x7f\\"), "\"a\\tb\\x7f\\\\\"");
  EXPECT_EQ(quoted("\xc2\xa0|\xe2\x80\xa8|\xef\xbb\xbf"), "\"\\u00a0|\\u2028|\\ufeff\"");
  EXPECT_EQ(quoted("\xc0\x80\xed\xa0\x80"),
            "\"\\xc0\\x80\\xed\\xa0\\x80\"");                // overlong, surrogate
  EXPECT_EQ(quoted("\xf3\xb0\x80\x80"), "\"\\U000f0000\"");  // private use plane
}

TEST(PodSecurityMessages, FormsMatchUpstream) {
  std::vector<Violation> v = {
      {"privileged", "container \"a\" must not set securityContext.privileged=true"},
      {"host namespaces", "hostPID=true"},
      {"", ""}};
  EXPECT_EQ(FormatViolations(v),
            "privileged (container \"a\" must not set securityContext.privileged=true), host "
            "namespaces (hostPID=true), unknown forbidden reason");
  EXPECT_EQ(FormatReasons(v), "privileged, host namespaces, unknown forbidden reason");
  v.pop_back();
  EXPECT_EQ(ForbiddenPodMessage("web-0", {kB, "v1.30"}, v),
            "pods \"web-0\" is forbidden: violates PodSecurity \"baseline:v1.30\": privileged "
            "(container \"a\" must not set securityContext.privileged=true), host namespaces "
            "(hostPID=true)");
  EXPECT_EQ(ForbiddenPodMessage("", {kB, "latest"}, {{"host namespaces", "hostPID=true"}}),
            "pods is forbidden: violates PodSecurity \"baseline:latest\": host namespaces "
            "(hostPID=true)");
  EXPECT_EQ(WarningMessage({kR, "latest"}, {{"host namespaces", "hostPID=true"}}),
            "would violate PodSecurity \"restricted:latest\": host namespaces (hostPID=true)");
}

TEST(PodSecurityTemplates, ExtractsEveryWorkloadKind) {
  json tmpl = {{"metadata", {{"labels", {{"app", "x"}}}}},
               {"spec", {{"containers", {{{"name", "c"}}}}}}};
  json with_spec_template = {{"spec", {{"template", tmpl}}}};
  for (auto [group, kind] :
       std::vector<std::pair<std::string, std::string>>{{"apps", "Deployment"},
                                                        {"apps", "ReplicaSet"},
                                                        {"apps", "StatefulSet"},
                                                        {"apps", "DaemonSet"},
                                                        {"batch", "Job"},
                                                        {"", "ReplicationController"}}) {
    auto got = PodTemplateOf(group, kind, with_spec_template);
    ASSERT_TRUE(got.has_value()) << kind;
    EXPECT_EQ(got->first, tmpl["metadata"]);
    EXPECT_EQ(got->second, tmpl["spec"]);
  }
  auto cron = PodTemplateOf("batch", "CronJob",
                            json{{"spec", {{"jobTemplate", {{"spec", {{"template", tmpl}}}}}}}});
  ASSERT_TRUE(cron.has_value());
  EXPECT_EQ(cron->second, tmpl["spec"]);
  auto pod_template = PodTemplateOf("", "PodTemplate", json{{"template", tmpl}});
  ASSERT_TRUE(pod_template.has_value());
  EXPECT_EQ(pod_template->first, tmpl["metadata"]);
  // Other kinds, wrong groups and missing templates.
  EXPECT_FALSE(PodTemplateOf("", "Pod", json{{"spec", json::object()}}).has_value());
  EXPECT_FALSE(PodTemplateOf("extensions", "Deployment", with_spec_template).has_value());
  EXPECT_FALSE(PodTemplateOf("", "ReplicationController", json{{"spec", {{"replicas", 1}}}}));
  EXPECT_FALSE(PodTemplateOf("apps", "Deployment", json("x")).has_value());
  auto bare = PodTemplateOf("apps", "DaemonSet", json{{"spec", {{"template", json::object()}}}});
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->first, json::object());
  EXPECT_EQ(bare->second, json::object());
}

TEST(PodSecurityUpdates, IgnoredSubresourcesAndSignificantUpdates) {
  EXPECT_TRUE(IsIgnoredPodSubresource("status"));
  EXPECT_TRUE(IsIgnoredPodSubresource("exec"));
  EXPECT_FALSE(IsIgnoredPodSubresource("ephemeralcontainers"));
  EXPECT_FALSE(IsIgnoredPodSubresource(""));

  json old_spec = {{"containers", {{{"name", "a"}, {"image", "nginx:1"}}}},
                   {"ephemeralContainers", {{{"name", "dbg"}, {"image", "busybox"}}}}};
  json same = old_spec;
  same["activeDeadlineSeconds"] = 10;
  same["containers"][0]["securityContext"] = {{"privileged", true}};  // not an image change
  EXPECT_FALSE(IsSignificantPodUpdate(same, old_spec));
  json image = old_spec;
  image["containers"][0]["image"] = "nginx:2";
  EXPECT_TRUE(IsSignificantPodUpdate(image, old_spec));
  json added = old_spec;
  added["ephemeralContainers"].push_back({{"name", "dbg2"}, {"image", "busybox"}});
  EXPECT_TRUE(IsSignificantPodUpdate(added, old_spec));
  json init = old_spec;
  init["initContainers"] = {{{"name", "i"}, {"image", "x"}}};
  EXPECT_TRUE(IsSignificantPodUpdate(init, old_spec));
}

TEST(PodSecurityNamespace, WhenToCheckExistingPods) {
  EXPECT_FALSE(ShouldCheckPodsOnNamespaceUpdate({kB, "latest"}, {kB, "latest"}));
  EXPECT_FALSE(ShouldCheckPodsOnNamespaceUpdate({kR, "latest"}, {kP, "latest"}));
  EXPECT_FALSE(ShouldCheckPodsOnNamespaceUpdate({kR, "latest"}, {kB, "latest"}));  // relaxed
  EXPECT_TRUE(ShouldCheckPodsOnNamespaceUpdate({kB, "latest"}, {kR, "latest"}));
  EXPECT_TRUE(ShouldCheckPodsOnNamespaceUpdate({kR, "v1.24"}, {kB, "latest"}));
  EXPECT_TRUE(ShouldCheckPodsOnNamespaceUpdate({kP, "latest"}, {kB, "latest"}));
}

json Pod(const std::string& name, json spec, const std::string& controller_uid = "") {
  json pod = {{"metadata", {{"name", name}}}, {"spec", std::move(spec)}};
  if (!controller_uid.empty()) {
    pod["metadata"]["ownerReferences"] = {
        {{"kind", "ReplicaSet"}, {"name", "rs"}, {"uid", controller_uid}, {"controller", true}}};
  }
  return pod;
}

TEST(PodSecurityNamespace, GroupsPodsByReasons) {
  json host_net = {{"hostNetwork", true}, {"containers", {{{"name", "c"}}}}};
  json privileged = {
      {"containers", {{{"name", "c"}, {"securityContext", {{"privileged", true}}}}}}};
  json fine = {{"containers", {{{"name", "c"}}}}};
  std::vector<json> pods = {Pod("zeta", host_net), Pod("alpha", host_net), Pod("mid", host_net),
                            Pod("p1", privileged), Pod("ok", fine),        Pod("q", privileged)};
  EXPECT_THAT(
      NamespaceLabelWarnings("team-a", {kB, "latest"}, pods),
      ElementsAre("existing pods in namespace \"team-a\" violate the new PodSecurity "
                  "enforce level \"baseline:latest\"",
                  "alpha (and 2 other pods): host namespaces", "p1 (and 1 other pod): privileged"));
  EXPECT_THAT(NamespaceLabelWarnings("team-a", {kB, "latest"}, {Pod("ok", fine)}), IsEmpty());
  EXPECT_THAT(NamespaceLabelWarnings("team-a", {kB, "latest"}, {Pod("solo", privileged)}),
              ElementsAre(::testing::_, "solo: privileged"));
  // Restricted reports the joined reasons of each pod.
  EXPECT_THAT(NamespaceLabelWarnings("ns", {kR, "latest"}, {Pod("web", fine)}),
              ElementsAre(::testing::_,
                          "web: allowPrivilegeEscalation != false, unrestricted capabilities, "
                          "runAsNonRoot != true, seccompProfile"));
}

TEST(PodSecurityNamespace, ChecksAtMost3000PodsOneControllerFirst) {
  json privileged = {
      {"containers", {{{"name", "c"}, {"securityContext", {{"privileged", true}}}}}}};
  json fine = {{"containers", {{{"name", "c"}}}}};
  std::vector<json> pods;
  for (int i = 0; i < 3000; ++i) pods.push_back(Pod("rs-" + std::to_string(i), fine, "uid-1"));
  // Listed last, but the only pod of its controller: checked before the replicas.
  pods.push_back(Pod("other", privileged, "uid-2"));
  EXPECT_THAT(NamespaceLabelWarnings("big", {kB, "latest"}, pods),
              ElementsAre("new PodSecurity enforce level only checked against the first 3000 of "
                          "3001 existing pods",
                          "existing pods in namespace \"big\" violate the new PodSecurity enforce "
                          "level \"baseline:latest\"",
                          "other: privileged"));
}

}  // namespace
}  // namespace k1s::admission
