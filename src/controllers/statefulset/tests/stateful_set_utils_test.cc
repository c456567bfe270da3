// Pure identity rules: ordinals, names, labels, storage, revisions of new pods, and the claim
// ownership each retention policy asks for.
#include "controllers/statefulset/stateful_set_utils.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace k1s::controllers::statefulset {
namespace {

using nlohmann::json;

json Set(json extra_spec = json::object()) {
  json claim = {{"metadata", {{"name", "data"}, {"labels", {{"tier", "db"}}}}},
                {"spec", {{"accessModes", {"ReadWriteOnce"}}}}};
  json spec = {{"replicas", 3},
               {"serviceName", "db-svc"},
               {"selector", {{"matchLabels", {{"app", "db"}}}}},
               {"template",
                {{"metadata", {{"labels", {{"app", "db"}}}}},
                 {"spec",
                  {{"containers", {{{"name", "c"}, {"image", "pg:1"}}}},
                   {"volumes", {{{"name", "config"}, {"emptyDir", json::object()}}}}}}}},
               {"volumeClaimTemplates", json::array({claim})}};
  spec.update(extra_spec);
  return {{"metadata", {{"name", "db"}, {"namespace", "prod"}, {"uid", "set-uid"}}},
          {"spec", spec}};
}

json Claim(json owner_refs) {
  json claim = {{"metadata", {{"name", "data-db-1"}}}};
  if (!owner_refs.empty()) claim["metadata"]["ownerReferences"] = owner_refs;
  return claim;
}

json Ref(std::string api_version, std::string kind, std::string name, std::string uid) {
  return {{"apiVersion", api_version},
          {"kind", kind},
          {"name", name},
          {"uid", uid},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

TEST(StatefulSetUtilsTest, OrdinalsFromNames) {
  EXPECT_EQ(ParentNameAndOrdinal("web-0"), (std::pair<std::string, int32_t>{"web", 0}));
  EXPECT_EQ(ParentNameAndOrdinal("my-web-12"), (std::pair<std::string, int32_t>{"my-web", 12}));
  EXPECT_EQ(ParentNameAndOrdinal("web").second, -1);
  EXPECT_EQ(ParentNameAndOrdinal("web-x").second, -1);
  EXPECT_EQ(ParentNameAndOrdinal("web-").second, -1);
  json set = Set({{"ordinals", {{"start", 5}}}});
  EXPECT_EQ(StartOrdinal(set), 5);
  EXPECT_EQ(EndOrdinal(set), 7);
  EXPECT_TRUE(InOrdinalRange(json{{"metadata", {{"name", "db-7"}}}}, set));
  EXPECT_FALSE(InOrdinalRange(json{{"metadata", {{"name", "db-4"}}}}, set));
  EXPECT_TRUE(IsMemberOf(set, json{{"metadata", {{"name", "db-4"}}}}));
  EXPECT_FALSE(IsMemberOf(set, json{{"metadata", {{"name", "dbx-4"}}}}));
}

TEST(StatefulSetUtilsTest, NewPodHasIdentityStorageAndRevision) {
  json set = Set();
  json pod = NewStatefulSetPod(set, 1, "db-abc");
  EXPECT_EQ(pod["metadata"]["name"], "db-1");
  EXPECT_EQ(pod["metadata"]["namespace"], "prod");
  EXPECT_EQ(pod["metadata"]["labels"]["app"], "db");
  EXPECT_EQ(pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"], "db-1");
  EXPECT_EQ(pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"], "1");
  EXPECT_EQ(pod["metadata"]["labels"]["controller-revision-hash"], "db-abc");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], "set-uid");
  EXPECT_EQ(pod["spec"]["hostname"], "db-1");
  EXPECT_EQ(pod["spec"]["subdomain"], "db-svc");
  ASSERT_EQ(pod["spec"]["volumes"].size(), 2u);
  EXPECT_EQ(pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"], "data-db-1");
  EXPECT_EQ(pod["spec"]["volumes"][1]["name"], "config");
  EXPECT_TRUE(IdentityMatches(set, pod));
  EXPECT_TRUE(StorageMatches(set, pod));

  json broken = pod;
  broken["metadata"]["labels"].erase("statefulset.kubernetes.io/pod-name");
  broken["spec"]["volumes"] = json::array();
  EXPECT_FALSE(IdentityMatches(set, broken));
  EXPECT_FALSE(StorageMatches(set, broken));
  UpdateIdentity(set, broken);
  UpdateStorage(set, broken);
  EXPECT_TRUE(IdentityMatches(set, broken));
  EXPECT_TRUE(StorageMatches(set, broken));

  std::map<std::string, json> claims = ClaimsFor(set, pod);
  ASSERT_EQ(claims.count("data"), 1u);
  EXPECT_EQ(claims["data"]["metadata"]["name"], "data-db-1");
  EXPECT_EQ(claims["data"]["metadata"]["labels"]["tier"], "db");
  EXPECT_EQ(claims["data"]["metadata"]["labels"]["app"], "db");
}

TEST(StatefulSetUtilsTest, PartitionChoosesTheRevisionOfNewPods) {
  json current =
      Set({{"updateStrategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 2}}}}}});
  json update = current;
  update["spec"]["template"]["spec"]["containers"][0]["image"] = "pg:2";
  json low = NewVersionedStatefulSetPod(current, update, "old", "new", 1);
  json high = NewVersionedStatefulSetPod(current, update, "old", "new", 2);
  EXPECT_EQ(PodRevision(low), "old");
  EXPECT_EQ(low["spec"]["containers"][0]["image"], "pg:1");
  EXPECT_EQ(PodRevision(high), "new");
  EXPECT_EQ(high["spec"]["containers"][0]["image"], "pg:2");

  json on_delete = Set({{"updateStrategy", {{"type", "OnDelete"}}}});
  EXPECT_EQ(PodRevision(NewVersionedStatefulSetPod(on_delete, on_delete, "old", "new", 0)), "new");
}

TEST(StatefulSetUtilsTest, RetentionPolicyOwnership) {
  json pod = {{"metadata", {{"name", "db-1"}, {"uid", "pod-uid"}}}};
  json scaled_pod = {{"metadata", {{"name", "db-5"}, {"uid", "pod5-uid"}}}};
  json set_ref = Ref("apps/v1", "StatefulSet", "db", "set-uid");
  json pod_ref = Ref("v1", "Pod", "db-1", "pod-uid");

  json retain = Set();
  EXPECT_TRUE(IsClaimOwnerUpToDate(Claim(json::array()), retain, pod));
  EXPECT_FALSE(IsClaimOwnerUpToDate(Claim({set_ref}), retain, pod));

  json delete_both = Set({{"persistentVolumeClaimRetentionPolicy",
                           {{"whenDeleted", "Delete"}, {"whenScaled", "Delete"}}}});
  EXPECT_FALSE(IsClaimOwnerUpToDate(Claim(json::array()), delete_both, pod));
  json claim = Claim(json::array());
  UpdateClaimOwnerRefs(claim, delete_both, pod);
  ASSERT_EQ(claim["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ(claim["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
  EXPECT_TRUE(IsClaimOwnerUpToDate(claim, delete_both, pod));

  // Scaled away, the claim moves from the set to the pod.
  json scaled_claim = Claim({set_ref});
  scaled_claim["metadata"]["name"] = "data-db-5";
  EXPECT_FALSE(IsClaimOwnerUpToDate(scaled_claim, delete_both, scaled_pod));
  UpdateClaimOwnerRefs(scaled_claim, delete_both, scaled_pod);
  ASSERT_EQ(scaled_claim["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ(scaled_claim["metadata"]["ownerReferences"][0]["kind"], "Pod");
  EXPECT_EQ(scaled_claim["metadata"]["ownerReferences"][0]["uid"], "pod5-uid");

  // Another controller owns the claim: hands off.
  json foreign = Claim({Ref("v1", "Thing", "x", "other")});
  EXPECT_TRUE(HasUnexpectedController(foreign, delete_both, pod));
  EXPECT_TRUE(IsClaimOwnerUpToDate(foreign, delete_both, pod));
  // A reference to an earlier pod of the same name is stale.
  json stale = Claim({Ref("v1", "Pod", "db-1", "older-uid")});
  EXPECT_TRUE(HasStalePodOwnerRef(stale, pod));
  EXPECT_FALSE(HasStalePodOwnerRef(Claim({pod_ref}), pod));
}

}  // namespace
}  // namespace k1s::controllers::statefulset
