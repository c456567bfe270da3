#include "quota/quota.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "base/testing/fake_clock.h"

namespace k1s::quota {
namespace {

using json = nlohmann::json;

json Container(const std::string& name, json requests, json limits = nullptr) {
  json c = {{"name", name}, {"image", "nginx"}};
  if (!requests.is_null()) c["resources"]["requests"] = requests;
  if (!limits.is_null()) c["resources"]["limits"] = limits;
  return c;
}

json Pod(std::vector<json> containers, std::vector<json> init = {}) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "web"}, {"namespace", "default"}}},
              {"spec", {{"containers", containers}}}};
  if (!init.empty()) pod["spec"]["initContainers"] = init;
  return pod;
}

json Quota(const std::string& name, json hard, json used = nullptr) {
  json q = {{"apiVersion", "v1"},
            {"kind", "ResourceQuota"},
            {"metadata", {{"name", name}, {"namespace", "default"}, {"resourceVersion", "7"}}},
            {"spec", {{"hard", hard}}},
            {"status", {{"hard", hard}}}};
  if (!used.is_null()) q["status"]["used"] = used;
  return q;
}

TEST(UsageTest, PodRequestsLimitsAndCounts) {
  json pod =
      Pod({Container("a", {{"cpu", "100m"}, {"memory", "64Mi"}},
                     {{"cpu", "200m"}, {"memory", "128Mi"}}),
           Container("b", {{"cpu", "250m"}, {"hugepages-2Mi", "4Mi"}, {"example.com/gpu", "1"}})});
  EXPECT_EQ(UsageOf("", "pods", pod), json({{"count/pods", "1"},
                                            {"pods", "1"},
                                            {"cpu", "350m"},
                                            {"requests.cpu", "350m"},
                                            {"limits.cpu", "200m"},
                                            {"memory", "64Mi"},
                                            {"requests.memory", "64Mi"},
                                            {"limits.memory", "128Mi"},
                                            {"hugepages-2Mi", "4Mi"},
                                            {"requests.hugepages-2Mi", "4Mi"},
                                            {"requests.example.com/gpu", "1"}}));
}

TEST(UsageTest, InitContainersSidecarsAndOverhead) {
  json sidecar = Container("log", {{"cpu", "100m"}});
  sidecar["restartPolicy"] = "Always";
  json pod = Pod({Container("app", {{"cpu", "200m"}}, {{"cpu", "1"}})},
                 {Container("setup", {{"cpu", "500m"}, {"memory", "1Gi"}}), sidecar,
                  Container("migrate", {{"cpu", "300m"}})});
  pod["spec"]["overhead"] = {{"cpu", "10m"}, {"memory", "20Mi"}};
  json usage = UsageOf("", "pods", pod);
  // Containers 200m + sidecar 100m = 300m, against init peaks 500m and 300m+100m: 500m; plus
  // overhead. Limits gain overhead only for names already limited.
  EXPECT_EQ(usage["requests.cpu"], "510m");
  EXPECT_EQ(usage["requests.memory"], "1044Mi");
  EXPECT_EQ(usage["limits.cpu"], "1010m");
  EXPECT_FALSE(usage.contains("limits.memory"));
}

TEST(UsageTest, TerminalAndExpiredPodsCountOnlyAsObjects) {
  base::FakeClock clock(1'700'000'100LL * 1'000'000'000);  // 2023-11-14T22:15:00Z
  json pod = Pod({Container("a", {{"cpu", "1"}})});
  pod["status"]["phase"] = "Succeeded";
  EXPECT_EQ(UsageOf("", "pods", pod, clock), json({{"count/pods", "1"}}));
  pod["status"]["phase"] = "Running";
  pod["metadata"]["deletionTimestamp"] = "2023-11-14T22:13:20Z";
  pod["metadata"]["deletionGracePeriodSeconds"] = 30;
  EXPECT_EQ(UsageOf("", "pods", pod, clock), json({{"count/pods", "1"}}));
  pod["metadata"]["deletionGracePeriodSeconds"] = 300;  // still within its grace period
  EXPECT_EQ(UsageOf("", "pods", pod, clock)["requests.cpu"], "1");
}

TEST(UsageTest, ServicesClaimsAndObjectCounts) {
  json lb = {{"spec",
              {{"type", "LoadBalancer"},
               {"allocateLoadBalancerNodePorts", false},
               {"ports", {{{"port", 80}, {"nodePort", 30080}}, {{"port", 443}}}}}}};
  EXPECT_EQ(UsageOf("", "services", lb), json({{"count/services", "1"},
                                               {"services", "1"},
                                               {"services.loadbalancers", "1"},
                                               {"services.nodeports", "1"}}));
  json node_port = {{"spec", {{"type", "NodePort"}, {"ports", {{{"port", 80}}, {{"port", 81}}}}}}};
  EXPECT_EQ(UsageOf("", "services", node_port)["services.nodeports"], "2");
  EXPECT_EQ(UsageOf("", "services", json::object())["services.nodeports"], "0");

  json pvc = {
      {"spec", {{"storageClassName", "fast"}, {"resources", {{"requests", {{"storage", "1.5"}}}}}}},
      {"status", {{"allocatedResources", {{"storage", "1Gi"}}}}}};
  EXPECT_EQ(UsageOf("", "persistentvolumeclaims", pvc),
            json({{"persistentvolumeclaims", "1"},
                  {"count/persistentvolumeclaims", "1"},
                  {"requests.storage", "1Gi"},
                  {"fast.storageclass.storage.k8s.io/persistentvolumeclaims", "1"},
                  {"fast.storageclass.storage.k8s.io/requests.storage", "1Gi"}}));
  pvc["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"] = "slow";
  pvc.erase("status");
  EXPECT_EQ(UsageOf("", "persistentvolumeclaims",
                    pvc)["slow.storageclass.storage.k8s.io/requests.storage"],
            "2");  // whole bytes

  EXPECT_EQ(UsageOf("", "configmaps", json::object()),
            json({{"configmaps", "1"}, {"count/configmaps", "1"}}));
  EXPECT_EQ(UsageOf("apps", "deployments", json::object()),
            json({{"count/deployments.apps", "1"}}));
  EXPECT_EQ(UsageOf("", "endpoints", json::object()), json({{"count/endpoints", "1"}}));
}

TEST(QuotaMatchesTest, ResourcesAndScopes) {
  json best_effort = Pod({Container("a", nullptr)});
  json burstable = Pod({Container("a", {{"cpu", "100m"}})});
  json q = Quota("be", {{"pods", "5"}});
  q["spec"]["scopes"] = {"BestEffort"};
  EXPECT_TRUE(QuotaMatches(q, "", "pods", best_effort));
  EXPECT_FALSE(QuotaMatches(q, "", "pods", burstable));
  EXPECT_FALSE(QuotaMatches(q, "", "services", json::object()));  // scoped: pods only
  EXPECT_FALSE(QuotaMatches(Quota("svc", {{"services", "1"}}), "", "pods", burstable));
  EXPECT_TRUE(QuotaMatches(Quota("svc", {{"services", "1"}}), "", "services", json::object()));

  json terminating = burstable;
  terminating["spec"]["activeDeadlineSeconds"] = 60;
  json t = Quota("t", {{"pods", "1"}});
  t["spec"]["scopes"] = {"Terminating"};
  EXPECT_TRUE(QuotaMatches(t, "", "pods", terminating));
  EXPECT_FALSE(QuotaMatches(t, "", "pods", burstable));

  json pc = Quota("high", {{"pods", "1"}});
  pc["spec"]["scopeSelector"]["matchExpressions"] = {
      {{"scopeName", "PriorityClass"}, {"operator", "In"}, {"values", {"high", "critical"}}}};
  json high = burstable;
  high["spec"]["priorityClassName"] = "high";
  EXPECT_TRUE(QuotaMatches(pc, "", "pods", high));
  EXPECT_FALSE(QuotaMatches(pc, "", "pods", burstable));
  pc["spec"]["scopeSelector"]["matchExpressions"][0]["operator"] = "NotIn";
  EXPECT_FALSE(QuotaMatches(pc, "", "pods", high));
  EXPECT_TRUE(QuotaMatches(pc, "", "pods", burstable));

  json no_status = Quota("new", {{"pods", "1"}});
  no_status.erase("status");  // the controller has not synced it yet
  EXPECT_FALSE(QuotaMatches(no_status, "", "pods", burstable));
}

TEST(CheckQuotasTest, ChargesEveryMatchingQuota) {
  std::vector<json> quotas = {
      Quota("compute", {{"requests.cpu", "1"}, {"pods", "10"}},
            {{"requests.cpu", "500m"}, {"pods", "2"}}),
      Quota("objects", {{"count/configmaps", "3"}}, {{"count/configmaps", "0"}})};
  json pod = Pod({Container("a", {{"cpu", "250m"}})});
  QuotaCheck check = CheckQuotas(quotas, "", "pods", pod, nullptr);
  EXPECT_EQ(check.error, "");
  ASSERT_EQ(check.updated_quotas.size(), 1u);
  EXPECT_EQ(check.updated_quotas[0]["metadata"]["name"], "compute");
  EXPECT_EQ(check.updated_quotas[0]["status"]["used"],
            json({{"requests.cpu", "750m"}, {"pods", "3"}}));
  EXPECT_EQ(check.updated_quotas[0]["metadata"]["resourceVersion"], "7");

  // Pods are charged on creation only.
  QuotaCheck update = CheckQuotas(quotas, "", "pods", pod, &pod);
  EXPECT_EQ(update.error, "");
  EXPECT_TRUE(update.updated_quotas.empty());
}

TEST(CheckQuotasTest, ExceededMessageAsUpstream) {
  std::vector<json> quotas = {Quota("pod-limit", {{"pods", "2"}, {"requests.cpu", "10"}},
                                    {{"pods", "2"}, {"requests.cpu", "1"}})};
  QuotaCheck check =
      CheckQuotas(quotas, "", "pods", Pod({Container("a", {{"cpu", "1"}})}), nullptr);
  EXPECT_EQ(check.error,
            "exceeded quota: pod-limit, requested: pods=1, used: pods=2, limited: pods=2");
  EXPECT_TRUE(check.updated_quotas.empty());

  std::vector<json> memory = {Quota("mem", {{"limits.memory", "1Gi"}, {"requests.memory", "1Gi"}},
                                    {{"limits.memory", "768Mi"}, {"requests.memory", "512Mi"}})};
  check = CheckQuotas(memory, "", "pods",
                      Pod({Container("a", {{"memory", "512Mi"}}, {{"memory", "512Mi"}})}), nullptr);
  EXPECT_EQ(check.error,
            "exceeded quota: mem, requested: limits.memory=512Mi, used: limits.memory=768Mi, "
            "limited: limits.memory=1Gi");
}

TEST(CheckQuotasTest, MustSpecifyAndUnknownStatus) {
  std::vector<json> quotas = {Quota("compute", {{"limits.cpu", "2"}, {"requests.memory", "1Gi"}},
                                    {{"limits.cpu", "0"}, {"requests.memory", "0"}})};
  json pod =
      Pod({Container("nginx", {{"cpu", "100m"}}), Container("sidecar", {{"memory", "10Mi"}})},
          {Container("init", nullptr)});
  EXPECT_EQ(CheckQuotas(quotas, "", "pods", pod, nullptr).error,
            "failed quota: compute: must specify limits.cpu for: init,nginx,sidecar; "
            "requests.memory for: init,nginx");

  std::vector<json> unsynced = {
      Quota("compute", {{"pods", "5"}, {"requests.cpu", "1"}}, {{"pods", "1"}})};
  EXPECT_EQ(
      CheckQuotas(unsynced, "", "pods", Pod({Container("a", {{"cpu", "1m"}})}), nullptr).error,
      "status unknown for quota: compute, resources: pods,requests.cpu");
}

TEST(CheckQuotasTest, UpdatesAreChargedByGrowth) {
  std::vector<json> quotas = {Quota("svc", {{"services.loadbalancers", "1"}, {"services", "5"}},
                                    {{"services.loadbalancers", "0"}, {"services", "3"}})};
  json old_svc = {{"metadata", {{"name", "s"}, {"resourceVersion", "5"}}},
                  {"spec", {{"type", "ClusterIP"}}}};
  json new_svc = old_svc;
  new_svc["spec"]["type"] = "LoadBalancer";
  QuotaCheck check = CheckQuotas(quotas, "", "services", new_svc, &old_svc);
  EXPECT_EQ(check.error, "");
  ASSERT_EQ(check.updated_quotas.size(), 1u);
  EXPECT_EQ(check.updated_quotas[0]["status"]["used"],
            json({{"services.loadbalancers", "1"}, {"services", "3"}}));

  quotas[0]["status"]["used"]["services.loadbalancers"] = "1";
  EXPECT_EQ(CheckQuotas(quotas, "", "services", new_svc, &old_svc).error,
            "exceeded quota: svc, requested: services.loadbalancers=1, used: "
            "services.loadbalancers=1, limited: services.loadbalancers=1");
  // Shrinking or keeping the type changes nothing.
  EXPECT_TRUE(CheckQuotas(quotas, "", "services", old_svc, &new_svc).updated_quotas.empty());

  // Claims grow on resize.
  std::vector<json> storage = {
      Quota("storage", {{"requests.storage", "10Gi"}}, {{"requests.storage", "8Gi"}})};
  json old_pvc = {{"metadata", {{"resourceVersion", "3"}}},
                  {"spec", {{"resources", {{"requests", {{"storage", "1Gi"}}}}}}}};
  json new_pvc = old_pvc;
  new_pvc["spec"]["resources"]["requests"]["storage"] = "4Gi";
  EXPECT_EQ(CheckQuotas(storage, "", "persistentvolumeclaims", new_pvc, &old_pvc).error,
            "exceeded quota: storage, requested: requests.storage=3Gi, used: requests.storage=8Gi, "
            "limited: requests.storage=10Gi");
}

TEST(CheckQuotasTest, ObjectCountsIncludingOtherGroups) {
  std::vector<json> quotas = {Quota("counts", {{"count/deployments.apps", "1"}, {"secrets", "10"}},
                                    {{"count/deployments.apps", "1"}, {"secrets", "4"}})};
  EXPECT_EQ(CheckQuotas(quotas, "apps", "deployments", json::object(), nullptr).error,
            "exceeded quota: counts, requested: count/deployments.apps=1, used: "
            "count/deployments.apps=1, limited: count/deployments.apps=1");
  QuotaCheck secret = CheckQuotas(quotas, "", "secrets", json::object(), nullptr);
  ASSERT_EQ(secret.updated_quotas.size(), 1u);
  EXPECT_EQ(secret.updated_quotas[0]["status"]["used"]["secrets"], "5");
  EXPECT_TRUE(
      CheckQuotas(quotas, "", "configmaps", json::object(), nullptr).updated_quotas.empty());
  EXPECT_TRUE(CheckQuotas({}, "", "pods", Pod({}), nullptr).updated_quotas.empty());
}

TEST(RecomputeStatusTest, SumsTheNamespaceObjects) {
  base::FakeClock clock;
  json quota = Quota("all",
                     {{"pods", "10"},
                      {"requests.cpu", "4"},
                      {"count/deployments.apps", "5"},
                      {"services.nodeports", "2"},
                      {"configmaps", "3"},
                      {"unknown-resource", "1"}},
                     {{"pods", "99"}, {"unknown-resource", "1"}, {"stale", "3"}});
  quota["spec"]["hard"]["requests.cpu"] = "4000m";
  json done = Pod({Container("old", {{"cpu", "1"}})});
  done["status"]["phase"] = "Failed";
  std::map<std::string, std::vector<json>> objects = {
      {"/pods",
       {Pod({Container("a", {{"cpu", "500m"}})}), Pod({Container("b", {{"cpu", "1"}})}), done}},
      {"apps/deployments", {json::object(), json::object()}},
      {"/services", {{{"spec", {{"type", "NodePort"}, {"ports", {{{"port", 1}}}}}}}}},
  };
  std::vector<std::string> listed;
  json updated = RecomputeStatus(
      quota,
      [&](std::string_view group, std::string_view resource) {
        std::string key = std::string(group) + "/" + std::string(resource);
        listed.push_back(key);
        return objects[key];
      },
      clock);
  EXPECT_EQ(updated["status"]["hard"]["requests.cpu"], "4");
  EXPECT_EQ(updated["status"]["used"], json({{"pods", "2"},
                                             {"requests.cpu", "1500m"},
                                             {"count/deployments.apps", "2"},
                                             {"services.nodeports", "1"},
                                             {"configmaps", "0"},
                                             {"unknown-resource", "1"}}));
  EXPECT_EQ(updated["metadata"], quota["metadata"]);
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed,
            (std::vector<std::string>{"/configmaps", "/pods", "/services", "apps/deployments"}));
}

TEST(RecomputeStatusTest, ScopedQuotaCountsOnlyPodsInScope) {
  json quota = Quota("be", {{"pods", "5"}, {"count/configmaps", "5"}});
  quota["spec"]["scopes"] = {"BestEffort"};
  json guaranteed =
      Pod({Container("a", {{"cpu", "1"}, {"memory", "1Gi"}}, {{"cpu", "1"}, {"memory", "1Gi"}})});
  json best_effort = Pod({Container("a", nullptr)});
  json updated = RecomputeStatus(quota, [&](std::string_view, std::string_view resource) {
    return resource == "pods" ? std::vector<json>{guaranteed, best_effort, best_effort}
                              : std::vector<json>{json::object()};
  });
  EXPECT_EQ(updated["status"]["used"], json({{"pods", "2"}, {"count/configmaps", "0"}}));
}

}  // namespace
}  // namespace k1s::quota
