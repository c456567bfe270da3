// The Deployment controller's pure helpers: fenceposts, proportions, revisions, template
// matching and the pod-template-hash.
#include "controllers/deployment/deployment_util.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "controllers/deployment/hash.h"

namespace k1s::controllers::deployment {
namespace {

using nlohmann::json;

json Deployment(int32_t replicas, json max_surge, json max_unavailable) {
  return {
      {"metadata", {{"name", "d"}, {"namespace", "default"}}},
      {"spec",
       {{"replicas", replicas},
        {"strategy",
         {{"type", "RollingUpdate"},
          {"rollingUpdate", {{"maxSurge", max_surge}, {"maxUnavailable", max_unavailable}}}}}}}};
}

RsPtr Rs(const std::string& name, int32_t replicas, json annotations = json::object(),
         const std::string& created = "2024-01-01T00:00:00Z") {
  return std::make_shared<json>(json{{"metadata",
                                      {{"name", name},
                                       {"uid", name},
                                       {"creationTimestamp", created},
                                       {"annotations", annotations}}},
                                     {"spec", {{"replicas", replicas}}}});
}

TEST(DeploymentUtilTest, FencepostsRoundSurgeUpAndUnavailableDown) {
  auto fenceposts = ResolveFenceposts("25%", "25%", 10);
  ASSERT_TRUE(fenceposts.ok());
  EXPECT_EQ(fenceposts->first, 3);   // 2.5 up
  EXPECT_EQ(fenceposts->second, 2);  // 2.5 down
  fenceposts = ResolveFenceposts(0, "10%", 5);
  ASSERT_TRUE(fenceposts.ok());
  EXPECT_EQ(*fenceposts, std::make_pair(0, 1));     // both zero: one may be unavailable
  EXPECT_FALSE(ResolveFenceposts("5", 1, 5).ok());  // a string must be a percentage
  EXPECT_EQ(MaxSurge(Deployment(3, "25%", "25%")), 1);
  EXPECT_EQ(MaxUnavailable(Deployment(3, "25%", "25%")), 0);
  EXPECT_EQ(MaxUnavailable(Deployment(2, 0, 5)), 2);  // never more than replicas
  json recreate = Deployment(3, 1, 1);
  recreate["spec"]["strategy"] = {{"type", "Recreate"}};
  EXPECT_EQ(MaxSurge(recreate), 0);
  EXPECT_EQ(MaxUnavailable(recreate), 0);
}

TEST(DeploymentUtilTest, ProportionsFollowTheMaxReplicasAnnotation) {
  json d = Deployment(20, 3, 2);  // allowed 23
  RsPtr old_rs = Rs("old", 8, {{"deployment.kubernetes.io/max-replicas", "13"}});
  RsPtr new_rs = Rs("new", 5, {{"deployment.kubernetes.io/max-replicas", "13"}});
  EXPECT_EQ(GetProportion(old_rs, d, 10, 0), 6);  // round(8*23/13) - 8
  EXPECT_EQ(GetProportion(new_rs, d, 10, 6), 4);  // round(5*23/13) - 5, capped by 10 - 6
  EXPECT_EQ(GetProportion(new_rs, d, 10, 10), 0);
  json zero = Deployment(0, 3, 2);
  EXPECT_EQ(GetProportion(old_rs, zero, -13, 0), -8);
}

TEST(DeploymentUtilTest, RollbackKeepsRevisionHistory) {
  json d = Deployment(3, 1, 1);
  d["metadata"]["annotations"] = {{"kubernetes.io/change-cause", "v1"},
                                  {"deployment.kubernetes.io/revision", "2"}};
  json rs = *Rs("rs", 0, {{"deployment.kubernetes.io/revision", "1"}});
  EXPECT_TRUE(SetNewReplicaSetAnnotations(d, rs, "3", true, 2000));
  const json& annotations = rs["metadata"]["annotations"];
  EXPECT_EQ(annotations["deployment.kubernetes.io/revision"], "3");
  EXPECT_EQ(annotations["deployment.kubernetes.io/revision-history"], "1");
  EXPECT_EQ(annotations["kubernetes.io/change-cause"], "v1");
  EXPECT_FALSE(annotations.contains("deployment.kubernetes.io/desired-replicas"));  // exists
  // Again: nothing changes.
  EXPECT_FALSE(SetNewReplicaSetAnnotations(d, rs, "3", true, 2000));
  rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "3";
  EXPECT_TRUE(SetNewReplicaSetAnnotations(d, rs, "5", true, 2000));
  EXPECT_EQ(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"], "1,3");
  // A new ReplicaSet also gets desired-replicas and max-replicas.
  json fresh = *Rs("fresh", 0);
  SetNewReplicaSetAnnotations(d, fresh, "1", false, 2000);
  EXPECT_EQ(fresh["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"], "3");
  EXPECT_EQ(fresh["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"], "4");
}

TEST(DeploymentUtilTest, LastRevisionIsTheSecondHighest) {
  RsList list = {Rs("a", 0, {{"deployment.kubernetes.io/revision", "3"}}),
                 Rs("b", 0, {{"deployment.kubernetes.io/revision", "7"}}),
                 Rs("c", 0, {{"deployment.kubernetes.io/revision", "5"}}), nullptr};
  EXPECT_EQ(MaxRevision(list), 7);
  EXPECT_EQ(LastRevision(list), 5);
}

TEST(DeploymentUtilTest, TemplatesMatchIgnoringTheHashAndEmptyFields) {
  json t1 = {
      {"metadata", {{"labels", {{"app", "a"}, {"pod-template-hash", "abc"}}}}},
      {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}, {"volumes", json::array()}}}};
  json t2 = {{"metadata", {{"labels", {{"app", "a"}}}, {"annotations", json::object()}}},
             {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}};
  EXPECT_TRUE(EqualIgnoreHash(t1, t2));
  t2["spec"]["containers"][0]["image"] = "j";
  EXPECT_FALSE(EqualIgnoreHash(t1, t2));
}

TEST(DeploymentUtilTest, FindActiveOrLatestPicksTheOnlyActiveOrTheNewest) {
  RsPtr old1 = Rs("old1", 0, json::object(), "2024-01-01T00:00:00Z");
  RsPtr old2 = Rs("old2", 0, json::object(), "2024-01-02T00:00:00Z");
  EXPECT_EQ(FindActiveOrLatest(nullptr, {old1, old2}), old2);
  RsPtr fresh = Rs("new", 0, json::object(), "2024-01-03T00:00:00Z");
  EXPECT_EQ(FindActiveOrLatest(fresh, {old1, old2}), fresh);
  (*old1)["spec"]["replicas"] = 2;
  EXPECT_EQ(FindActiveOrLatest(fresh, {old1, old2}), old1);
  (*fresh)["spec"]["replicas"] = 1;
  EXPECT_EQ(FindActiveOrLatest(fresh, {old1, old2}), nullptr);
}

TEST(DeploymentUtilTest, NewReplicasStayWithinSurge) {
  json d = Deployment(10, 3, 2);
  json new_rs = *Rs("new", 0);
  RsList all = {Rs("old", 10), std::make_shared<json>(new_rs)};
  EXPECT_EQ(*NewRSNewReplicas(d, all, new_rs), 3);
  (*all[0])["spec"]["replicas"] = 8;
  new_rs["spec"]["replicas"] = 3;
  all[1] = std::make_shared<json>(new_rs);
  EXPECT_EQ(*NewRSNewReplicas(d, all, new_rs), 5);
}

TEST(HashTest, StableSafeEncodedAndChangedByCollisions) {
  json pod_template = {{"metadata", {{"labels", {{"app", "a"}}}}},
                       {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}};
  std::string hash = ComputeHash(pod_template, std::nullopt);
  EXPECT_EQ(hash, ComputeHash(pod_template, std::nullopt));
  EXPECT_NE(hash, ComputeHash(pod_template, 1));
  EXPECT_EQ(hash.find_first_not_of("456789bcdf"), std::string::npos);  // digits map there
  EXPECT_EQ(SafeEncodeString("0123456789"), "456789bcdf");
  EXPECT_EQ(Fnv32a(""), 2166136261u);
  EXPECT_EQ(Fnv32a("a"), 0xe40c292cu);
}

}  // namespace
}  // namespace k1s::controllers::deployment
