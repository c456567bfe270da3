// The checks against upstream's expected reasons and details (policy/check_*_test.go and the
// messages kubectl users see).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "admission/pod_security.h"

namespace k1s::admission {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const LevelVersion kBaseline{PodSecurityLevel::kBaseline, "latest"};
const LevelVersion kRestricted{PodSecurityLevel::kRestricted, "latest"};

LevelVersion At(PodSecurityLevel level, std::string version) { return {level, version}; }

// A container that passes every restricted check.
json GoodContainer(const std::string& name) {
  return {{"name", name},
          {"image", "nginx"},
          {"securityContext",
           {{"allowPrivilegeEscalation", false},
            {"runAsNonRoot", true},
            {"seccompProfile", {{"type", "RuntimeDefault"}}},
            {"capabilities", {{"drop", {"ALL"}}}}}}};
}

// The single violation of `spec` at `policy`; fails the test when there is not exactly one.
Violation Only(const LevelVersion& policy, const json& spec, const json& meta = json::object()) {
  std::vector<Violation> v = CheckPod(policy, meta, spec);
  EXPECT_EQ(v.size(), 1u) << FormatViolations(v);
  return v.empty() ? Violation{} : v[0];
}

TEST(PodSecurityChecks, PlainNginxInRestrictedGivesTheDocumentedMessage) {
  json spec = {{"containers", {{{"name", "nginx"}, {"image", "nginx"}}}}};
  EXPECT_THAT(CheckPod(kBaseline, json::object(), spec), IsEmpty());
  EXPECT_EQ(ForbiddenPodMessage("nginx", kRestricted, CheckPod(kRestricted, json::object(), spec)),
            "pods \"nginx\" is forbidden: violates PodSecurity \"restricted:latest\": "
            "allowPrivilegeEscalation != false (container \"nginx\" must set "
            "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities "
            "(container \"nginx\" must set securityContext.capabilities.drop=[\"ALL\"]), "
            "runAsNonRoot != true (pod or container \"nginx\" must set "
            "securityContext.runAsNonRoot=true), seccompProfile (pod or container \"nginx\" must "
            "set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
}

TEST(PodSecurityChecks, PrivilegedPodInRestrictedListsBaselineThenRestrictedChecks) {
  json spec = {
      {"hostNetwork", true},
      {"hostPID", true},
      {"volumes", {{{"name", "root"}, {"hostPath", {{"path", "/"}}}}}},
      {"containers",
       {{{"name", "shell"},
         {"image", "busybox"},
         {"ports", {{{"containerPort", 80}, {"hostPort", 8080}}}},
         {"securityContext",
          {{"privileged", true}, {"runAsUser", 0}, {"capabilities", {{"add", {"SYS_ADMIN"}}}}}}}}}};
  EXPECT_EQ(
      FormatViolations(CheckPod(kRestricted, json::object(), spec)),
      "host namespaces (hostNetwork=true, hostPID=true), "
      "hostPort (container \"shell\" uses hostPort 8080), "
      "privileged (container \"shell\" must not set securityContext.privileged=true), "
      "allowPrivilegeEscalation != false (container \"shell\" must set "
      "securityContext.allowPrivilegeEscalation=false), "
      "unrestricted capabilities (container \"shell\" must set "
      "securityContext.capabilities.drop=[\"ALL\"]; container \"shell\" must not include "
      "\"SYS_ADMIN\" in securityContext.capabilities.add), "
      "restricted volume types (volume \"root\" uses restricted volume type \"hostPath\"), "
      "runAsNonRoot != true (pod or container \"shell\" must set "
      "securityContext.runAsNonRoot=true), "
      "runAsUser=0 (container \"shell\" must not set runAsUser=0), "
      "seccompProfile (pod or container \"shell\" must set securityContext.seccompProfile.type "
      "to \"RuntimeDefault\" or \"Localhost\")");
  // Baseline reports the hostPath and capabilities through its own checks.
  EXPECT_EQ(FormatReasons(CheckPod(kBaseline, json::object(), spec)),
            "non-default capabilities, host namespaces, hostPath volumes, hostPort, privileged");
  EXPECT_THAT(CheckPod({}, json::object(), spec), IsEmpty());  // privileged level
}

TEST(PodSecurityChecks, CompliantRestrictedPodPasses) {
  json spec = {{"securityContext", {{"runAsNonRoot", true}, {"runAsUser", 1000}}},
               {"initContainers", {GoodContainer("init")}},
               {"containers", {GoodContainer("app"), GoodContainer("sidecar")}},
               {"ephemeralContainers", {GoodContainer("debug")}},
               {"volumes",
                {{{"name", "data"}, {"emptyDir", json::object()}},
                 {{"name", "token"}, {"projected", {{"sources", json::array()}}}}}}};
  spec["containers"][0]["securityContext"]["capabilities"]["add"] = {"NET_BIND_SERVICE"};
  EXPECT_THAT(CheckPod(kRestricted, json::object(), spec), IsEmpty());
  // Pod-level seccomp and runAsNonRoot cover containers that leave them unset.
  json pod_level = {
      {"securityContext", {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "Localhost"}}}}},
      {"containers",
       {{{"name", "a"},
         {"securityContext",
          {{"allowPrivilegeEscalation", false}, {"capabilities", {{"drop", {"ALL"}}}}}}}}}};
  EXPECT_THAT(CheckPod(kRestricted, json::object(), pod_level), IsEmpty());
}

TEST(PodSecurityChecks, BaselineHostNamespaces) {
  json spec = {{"hostNetwork", true}, {"hostIPC", true}, {"hostPID", false}};
  EXPECT_EQ(Only(kBaseline, spec),
            (Violation{"host namespaces", "hostNetwork=true, hostIPC=true"}));
  EXPECT_EQ(WarningMessage(kBaseline, CheckPod(kBaseline, json::object(), spec)),
            "would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, "
            "hostIPC=true)");
}

TEST(PodSecurityChecks, InitAndEphemeralContainersAreVisitedInOrder) {
  json spec = {
      {"containers", {{{"name", "b"}, {"securityContext", {{"privileged", true}}}}}},
      {"initContainers", {{{"name", "a"}, {"securityContext", {{"privileged", true}}}}}},
      {"ephemeralContainers", {{{"name", "c"}, {"securityContext", {{"privileged", true}}}}}}};
  EXPECT_EQ(Only(kBaseline, spec).detail,
            "containers \"a\", \"b\", \"c\" must not set securityContext.privileged=true");
}

TEST(PodSecurityChecks, HostPortsPluralsAndSortedPorts) {
  json spec = {
      {"containers",
       {{{"name", "a"}, {"ports", {{{"hostPort", 0}}}}},
        {{"name", "b"}, {"ports", {{{"hostPort", 0}}, {{"hostPort", 10}}, {{"hostPort", 20}}}}},
        {{"name", "c"}, {"ports", {{{"hostPort", 10}}, {{"hostPort", 30}}}}}}}};
  EXPECT_EQ(Only(kBaseline, spec),
            (Violation{"hostPort", "containers \"b\", \"c\" use hostPorts 10, 20, 30"}));
  // Ports sort as strings, as upstream's string set does.
  json strings = {
      {"containers", {{{"name", "x"}, {"ports", {{{"hostPort", 9000}}, {{"hostPort", 10000}}}}}}}};
  EXPECT_EQ(Only(kBaseline, strings).detail, "container \"x\" uses hostPorts 10000, 9000");
}

TEST(PodSecurityChecks, BaselineCapabilities) {
  json spec = {
      {"containers",
       {{{"name", "a"}, {"securityContext", {{"capabilities", {{"add", {"CHOWN", "NET_RAW"}}}}}}},
        {{"name", "b"}, {"securityContext", {{"capabilities", {{"add", {"KILL"}}}}}}},
        {{"name", "c"},
         {"securityContext", {{"capabilities", {{"add", {"SYS_ADMIN", "NET_RAW"}}}}}}}}}};
  EXPECT_EQ(Only(kBaseline, spec),
            (Violation{"non-default capabilities",
                       "containers \"a\", \"c\" must not include \"NET_RAW\", \"SYS_ADMIN\" in "
                       "securityContext.capabilities.add"}));
}

TEST(PodSecurityChecks, RestrictedCapabilitiesMatchesUpstream) {
  json spec = {
      {"securityContext",
       {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"containers",
       {{{"name", "a"},
         {"securityContext",
          {{"allowPrivilegeEscalation", false}, {"capabilities", {{"add", {"FOO", "BAR"}}}}}}},
        {{"name", "b"},
         {"securityContext",
          {{"allowPrivilegeEscalation", false},
           {"capabilities", {{"add", {"NET_BIND_SERVICE", "CHOWN"}}, {"drop", {"NET_RAW"}}}}}}},
        {{"name", "c"},
         {"securityContext",
          {{"allowPrivilegeEscalation", false},
           {"capabilities", {{"add", {"BAZ"}}, {"drop", {"ALL"}}}}}}}}}};
  EXPECT_EQ(
      Only(kRestricted, spec),
      (Violation{"unrestricted capabilities",
                 "containers \"a\", \"b\" must set securityContext.capabilities.drop=[\"ALL\"]"
                 "; containers \"a\", \"b\", \"c\" must not include \"BAR\", \"BAZ\", "
                 "\"CHOWN\", \"FOO\" in securityContext.capabilities.add"}));
}

TEST(PodSecurityChecks, HostPathVolumes) {
  json spec = {{"volumes",
                {{{"name", "a"}, {"hostPath", {{"path", "/a"}}}},
                 {{"name", "b"}, {"emptyDir", json::object()}},
                 {{"name", "c"}, {"hostPath", {{"path", "/c"}}}}}}};
  EXPECT_EQ(Only(kBaseline, spec), (Violation{"hostPath volumes", "volumes \"a\", \"c\""}));
}

TEST(PodSecurityChecks, RestrictedVolumesNamesEveryTypeSorted) {
  json volumes = json::array();
  for (const char* allowed : {"emptyDir", "secret", "persistentVolumeClaim", "downwardAPI",
                              "configMap", "projected", "csi", "ephemeral"}) {
    volumes.push_back({{"name", std::string("ok-") + allowed}, {allowed, json::object()}});
  }
  volumes.push_back({{"name", "b1"}, {"nfs", {{"server", "x"}}}});
  volumes.push_back({{"name", "b2"}, {"hostPath", {{"path", "/"}}}});
  volumes.push_back({{"name", "b3"}, {"image", {{"reference", "x"}}}});  // unknown to v1.32 PSA
  volumes.push_back({{"name", "b4"}, {"nfs", {{"server", "y"}}}});
  json spec = {{"volumes", volumes}};
  std::vector<Violation> v = CheckPod(kRestricted, json::object(), spec);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0], (Violation{"restricted volume types",
                             "volumes \"b1\", \"b2\", \"b3\", \"b4\" use restricted volume types "
                             "\"hostPath\", \"nfs\", \"unknown\""}));
}

TEST(PodSecurityChecks, ProcMount) {
  json spec = {{"containers",
                {{{"name", "a"}, {"securityContext", {{"procMount", "Default"}}}},
                 {{"name", "b"}, {"securityContext", {{"procMount", "Unmasked"}}}}}}};
  EXPECT_EQ(Only(kBaseline, spec),
            (Violation{"procMount",
                       "container \"b\" must not set securityContext.procMount to \"Unmasked\""}));
}

TEST(PodSecurityChecks, SeLinuxOptionsMatchesUpstream) {
  auto with_type = [](const std::string& name, json opts) {
    return json{{"name", name}, {"securityContext", {{"seLinuxOptions", opts}}}};
  };
  json spec = {
      {"securityContext",
       {{"seLinuxOptions", {{"type", "foo"}, {"user", "bar"}, {"role", "baz"}}}}},
      {"containers",
       {with_type("a", {{"type", "container_t"}}), with_type("d", {{"type", "container_engine_t"}}),
        with_type("e", {{"type", "bar"}}), with_type("f", {{"user", "bar"}}),
        with_type("g", {{"role", "baz"}})}}};
  EXPECT_EQ(Only(kBaseline, spec),
            (Violation{"seLinuxOptions",
                       "pod and containers \"e\", \"f\", \"g\" set forbidden "
                       "securityContext.seLinuxOptions: types \"bar\", \"foo\"; user may not be "
                       "set; role may not be set"}));
  // container_engine_t is allowed from v1.31 only.
  json engine = {{"containers", {with_type("d", {{"type", "container_engine_t"}})}}};
  EXPECT_THAT(CheckPod(kBaseline, json::object(), engine), IsEmpty());
  EXPECT_EQ(Only(At(PodSecurityLevel::kBaseline, "v1.30"), engine).detail,
            "container \"d\" set forbidden securityContext.seLinuxOptions: type "
            "\"container_engine_t\"");
}

TEST(PodSecurityChecks, AppArmorFieldsAndAnnotations) {
  json pod_level = {{"securityContext", {{"appArmorProfile", {{"type", "Unconfined"}}}}}};
  EXPECT_EQ(Only(kBaseline, pod_level),
            (Violation{"forbidden AppArmor profile",
                       "pod must not set AppArmor profile type to \"Unconfined\""}));
  json meta = {{"annotations",
                {{"container.apparmor.security.beta.kubernetes.io/", "bogus"},
                 {"container.apparmor.security.beta.kubernetes.io/a", ""},
                 {"container.apparmor.security.beta.kubernetes.io/b", "runtime/default"},
                 {"container.apparmor.security.beta.kubernetes.io/c", "localhost/"},
                 {"container.apparmor.security.beta.kubernetes.io/e", "unconfined"},
                 {"container.apparmor.security.beta.kubernetes.io/f", "unknown"},
                 {"env", "prod"}}}};
  EXPECT_EQ(Only(kBaseline, json::object(), meta),
            (Violation{"forbidden AppArmor profiles",
                       "annotations must not set AppArmor profile type to "
                       "\"container.apparmor.security.beta.kubernetes.io/=\"bogus\"\", "
                       "\"container.apparmor.security.beta.kubernetes.io/e=\"unconfined\"\", "
                       "\"container.apparmor.security.beta.kubernetes.io/f=\"unknown\"\""}));
  json both = {
      {"containers",
       {{{"name", "x"}, {"securityContext", {{"appArmorProfile", {{"type", "Unconfined"}}}}}}}}};
  json one_annotation = {
      {"annotations", {{"container.apparmor.security.beta.kubernetes.io/x", "un\"conf"}}}};
  EXPECT_EQ(Only(kBaseline, both, one_annotation),
            (Violation{"forbidden AppArmor profiles",
                       "container \"x\" and annotation must not set AppArmor profile type to "
                       "\"Unconfined\", "
                       "\"container.apparmor.security.beta.kubernetes.io/x=\"un\\\"conf\"\""}));
}

TEST(PodSecurityChecks, SeccompBaselineFieldsAndPre119Annotations) {
  json spec = {
      {"securityContext", {{"seccompProfile", {{"type", "Unconfined"}}}}},
      {"containers",
       {{{"name", "c"}, {"securityContext", {{"seccompProfile", {{"type", "Unconfined"}}}}}},
        {{"name", "d"}, {"securityContext", {{"seccompProfile", {{"type", "RuntimeDefault"}}}}}}}}};
  EXPECT_EQ(Only(kBaseline, spec),
            (Violation{"seccompProfile",
                       "pod and container \"c\" must not set securityContext.seccompProfile.type "
                       "to \"Unconfined\""}));
  // Before v1.19 only the alpha annotations count.
  LevelVersion v118 = At(PodSecurityLevel::kBaseline, "v1.18");
  EXPECT_THAT(CheckPod(v118, json::object(), spec), IsEmpty());
  json meta = {{"annotations",
                {{"seccomp.security.alpha.kubernetes.io/pod", "unconfined"},
                 {"container.seccomp.security.alpha.kubernetes.io/c", "docker/default"},
                 {"container.seccomp.security.alpha.kubernetes.io/d", ""}}}};
  EXPECT_EQ(Only(v118, spec, meta),
            (Violation{"seccompProfile",
                       "forbidden annotations "
                       "container.seccomp.security.alpha.kubernetes.io/d=\"\", "
                       "seccomp.security.alpha.kubernetes.io/pod=\"unconfined\""}));
}

TEST(PodSecurityChecks, SeccompRestrictedExplicitBeforeImplicit) {
  json spec = {
      {"containers",
       {{{"name", "a"}},
        {{"name", "c"}, {"securityContext", {{"seccompProfile", {{"type", "Unconfined"}}}}}},
        {{"name", "d"}, {"securityContext", {{"seccompProfile", {{"type", "Unconfined"}}}}}}}}};
  std::vector<Violation> v = CheckPod(kRestricted, json::object(), spec);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.back(), (Violation{"seccompProfile",
                                 "containers \"c\", \"d\" must not set "
                                 "securityContext.seccompProfile.type to \"Unconfined\""}));
}

TEST(PodSecurityChecks, RunAsNonRootAndRunAsUser) {
  json spec = {{"securityContext", {{"runAsNonRoot", false}, {"runAsUser", 0}}},
               {"containers",
                {{{"name", "a"}, {"securityContext", {{"runAsNonRoot", false}, {"runAsUser", 0}}}},
                 {{"name", "b"}, {"securityContext", {{"runAsNonRoot", true}, {"runAsUser", 1}}}},
                 {{"name", "c"}}}}};
  std::vector<Violation> v = CheckPod(kRestricted, json::object(), spec);
  auto find = [&](const std::string& reason) {
    for (const Violation& x : v) {
      if (x.reason == reason) return x.detail;
    }
    return std::string("<missing>");
  };
  EXPECT_EQ(find("runAsNonRoot != true"),
            "pod and container \"a\" must not set securityContext.runAsNonRoot=false");
  EXPECT_EQ(find("runAsUser=0"), "pod and container \"a\" must not set runAsUser=0");
  // runAsUser only applies from v1.23.
  for (const Violation& x : CheckPod(At(PodSecurityLevel::kRestricted, "v1.22"), {}, spec)) {
    EXPECT_NE(x.reason, "runAsUser=0");
  }
}

TEST(PodSecurityChecks, SysctlsFollowTheVersionedSafeSet) {
  json spec = {{"securityContext",
                {{"sysctls",
                  {{{"name", "net.ipv4.tcp_rmem"}, {"value", "1"}},
                   {{"name", "kernel.msgmax"}, {"value", "1"}},
                   {{"name", "net.ipv4.tcp_keepalive_time"}, {"value", "1"}},
                   {{"name", "kernel.shm_rmid_forced"}, {"value", "1"}}}}}}};
  EXPECT_EQ(Only(kBaseline, spec), (Violation{"forbidden sysctls", "kernel.msgmax"}));
  EXPECT_EQ(Only(At(PodSecurityLevel::kBaseline, "v1.31"), spec).detail,
            "net.ipv4.tcp_rmem, kernel.msgmax");
  EXPECT_EQ(Only(At(PodSecurityLevel::kBaseline, "v1.28"), spec).detail,
            "net.ipv4.tcp_rmem, kernel.msgmax, net.ipv4.tcp_keepalive_time");
  // Versions newer than the evaluator's evaluate as its newest.
  EXPECT_EQ(Only(At(PodSecurityLevel::kBaseline, "v1.99"), spec).detail, "kernel.msgmax");
}

TEST(PodSecurityChecks, WindowsHostProcessAndWindowsExemptions) {
  json spec = {
      {"os", {{"name", "windows"}}},
      {"securityContext", {{"windowsOptions", {{"hostProcess", true}}}}},
      {"containers",
       {{{"name", "w"}, {"securityContext", {{"windowsOptions", {{"hostProcess", true}}}}}}}}};
  EXPECT_EQ(Only(kBaseline, spec), (Violation{"hostProcess",
                                              "pod and container \"w\" must not set "
                                              "securityContext.windowsOptions.hostProcess=true"}));
  // Windows pods skip allowPrivilegeEscalation, capabilities and seccomp from v1.25.
  json win = {{"os", {{"name", "windows"}}},
              {"securityContext", {{"runAsNonRoot", true}}},
              {"containers", {{{"name", "w"}}}}};
  EXPECT_THAT(CheckPod(kRestricted, json::object(), win), IsEmpty());
  EXPECT_EQ(FormatReasons(CheckPod(At(PodSecurityLevel::kRestricted, "v1.24"), {}, win)),
            "allowPrivilegeEscalation != false, unrestricted capabilities, seccompProfile");
}

TEST(PodSecurityChecks, OlderVersionsSkipLaterChecks) {
  json spec = {
      {"containers",
       {{{"name", "a"}, {"securityContext", {{"capabilities", {{"add", {"SYS_ADMIN"}}}}}}}}}};
  // v1.7: no allowPrivilegeEscalation, no capabilities_restricted (baseline capabilities instead),
  // seccomp through annotations only.
  EXPECT_EQ(FormatReasons(CheckPod(At(PodSecurityLevel::kRestricted, "v1.7"), {}, spec)),
            "non-default capabilities, runAsNonRoot != true");
  EXPECT_EQ(FormatReasons(CheckPod(At(PodSecurityLevel::kRestricted, "v1.21"), {}, spec)),
            "non-default capabilities, allowPrivilegeEscalation != false, runAsNonRoot != true, "
            "seccompProfile");
  EXPECT_EQ(FormatReasons(CheckPod(At(PodSecurityLevel::kRestricted, "v1.22"), {}, spec)),
            "allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, "
            "seccompProfile");
}

TEST(PodSecurityChecks, MalformedInputNeverCrashes) {
  for (const json& spec :
       {json(nullptr), json("x"), json::array(), json{{"containers", "no"}},
        json{{"containers", {1, "x", nullptr, json::object()}}},
        json{{"volumes", {nullptr, 3}}, {"securityContext", "x"}},
        json{{"containers", {{{"securityContext", {{"capabilities", {{"add", {1}}}}}}}}}}}) {
    std::vector<Violation> v = CheckPod(kRestricted, json("meta"), spec);
    for (const Violation& x : v) EXPECT_FALSE(x.reason.empty());
  }
  // A container without a name is reported with an empty name, as upstream would.
  json unnamed = {{"containers", {{{"securityContext", {{"privileged", true}}}}}}};
  EXPECT_THAT(CheckPod(kBaseline, {}, unnamed),
              ElementsAre(Violation{
                  "privileged", "container \"\" must not set securityContext.privileged=true"}));
}

}  // namespace
}  // namespace k1s::admission
