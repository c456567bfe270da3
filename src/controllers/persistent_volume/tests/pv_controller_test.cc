// The PersistentVolume binder against a real apiserver.
#include "controllers/persistent_volume/pv_controller.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/errors.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/testing/controller_harness.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using nlohmann::json;
namespace resources = client::resources;
using namespace std::chrono_literals;

class PersistentVolumeBinderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    ASSERT_TRUE(harness_.cluster().CreateNamespace("data").ok());
    PersistentVolumeBinderOptions options;
    options.resync_period = 200ms;
    binder_ = std::make_unique<PersistentVolumeBinder>(harness_.context(), options);
    ASSERT_TRUE(binder_->Start().ok());
    ASSERT_TRUE(harness_.StartInformers());
  }
  void TearDown() override {
    if (binder_) binder_->Stop();
  }

  client::Client& admin() { return harness_.admin; }

  void CreateVolume(const std::string& name, const std::string& size,
                    const std::string& storage_class = "",
                    std::vector<std::string> modes = {"ReadWriteOnce"},
                    const std::string& node = "") {
    json volume = {{"metadata", {{"name", name}}},
                   {"spec",
                    {{"capacity", {{"storage", size}}},
                     {"accessModes", modes},
                     {"storageClassName", storage_class},
                     {"hostPath", {{"path", "/tmp/" + name}}}}}};
    if (!node.empty()) {
      volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"] = json::array(
          {{{"matchExpressions",
             json::array(
                 {{{"key", "kubernetes.io/hostname"}, {"operator", "In"}, {"values", {node}}}})}}});
    }
    absl::StatusOr<json> created = admin().Create(resources::PersistentVolumes(), "", volume);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  void CreateClaim(const std::string& name, const std::string& size,
                   const std::string& storage_class = "") {
    json claim = {{"metadata", {{"name", name}}},
                  {"spec",
                   {{"accessModes", {"ReadWriteOnce"}},
                    {"resources", {{"requests", {{"storage", size}}}}},
                    {"storageClassName", storage_class}}}};
    absl::StatusOr<json> created =
        admin().Create(resources::PersistentVolumeClaims(), "data", claim);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  void CreateClass(const std::string& name, const std::string& provisioner,
                   const std::string& binding_mode) {
    json storage_class = {{"metadata", {{"name", name}}},
                          {"provisioner", provisioner},
                          {"volumeBindingMode", binding_mode}};
    absl::StatusOr<json> created = admin().Create(resources::StorageClasses(), "", storage_class);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  json Volume(const std::string& name) {
    absl::StatusOr<json> volume = admin().Get(resources::PersistentVolumes(), "", name);
    return volume.ok() ? *volume : json::object();
  }
  json Claim(const std::string& name) {
    absl::StatusOr<json> claim = admin().Get(resources::PersistentVolumeClaims(), "data", name);
    return claim.ok() ? *claim : json::object();
  }
  static std::string Phase(const json& object) {
    return object.contains("status") ? object["status"].value("phase", "") : "";
  }
  bool ClaimBound(const std::string& name) { return Phase(Claim(name)) == "Bound"; }

  // The first event about claim `name` with `reason`, or null.
  json EventFor(const std::string& name, const std::string& reason) {
    absl::StatusOr<json> events = admin().List(resources::Events(), "data");
    if (!events.ok()) return nullptr;
    for (const json& event : (*events)["items"]) {
      if (event["involvedObject"].value("name", "") == name &&
          event.value("reason", "") == reason) {
        return event;
      }
    }
    return nullptr;
  }

  controllers::testing::ControllerHarness harness_;
  std::unique_ptr<PersistentVolumeBinder> binder_;
};

TEST_F(PersistentVolumeBinderTest, BindsTheSmallestMatchingVolume) {
  CreateVolume("pv-small", "1Gi");
  CreateVolume("pv-big", "10Gi");
  CreateVolume("pv-mid", "5Gi");
  CreateVolume("pv-readonly", "3Gi", "", {"ReadOnlyMany"});
  CreateVolume("pv-fast", "3Gi", "fast");
  // The binder marks each volume Available once it has seen it; only then is the choice fair.
  ASSERT_TRUE(Eventually(
      [&] {
        for (const char* name : {"pv-small", "pv-big", "pv-mid", "pv-readonly", "pv-fast"}) {
          if (Phase(Volume(name)) != "Available") return false;
        }
        return true;
      },
      10s));
  CreateClaim("claim", "2Gi");

  ASSERT_TRUE(Eventually([&] { return ClaimBound("claim"); }, 10s));
  json claim = Claim("claim");
  EXPECT_EQ(claim["spec"]["volumeName"], "pv-mid");
  EXPECT_EQ(claim["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"], "yes");
  EXPECT_EQ(claim["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"], "yes");
  EXPECT_EQ(claim["status"]["capacity"]["storage"], "5Gi");
  EXPECT_EQ(claim["status"]["accessModes"], json::array({"ReadWriteOnce"}));

  ASSERT_TRUE(Eventually([&] { return Phase(Volume("pv-mid")) == "Bound"; }, 4s));
  json volume = Volume("pv-mid");
  EXPECT_EQ(volume["spec"]["claimRef"]["name"], "claim");
  EXPECT_EQ(volume["spec"]["claimRef"]["namespace"], "data");
  EXPECT_EQ(volume["spec"]["claimRef"]["uid"], claim["metadata"]["uid"]);
  EXPECT_EQ(volume["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"], "yes");
  for (const char* other : {"pv-small", "pv-big", "pv-readonly", "pv-fast"}) {
    EXPECT_TRUE(Eventually([&] { return Phase(Volume(other)) == "Available"; }, 4s)) << other;
    EXPECT_FALSE(Volume(other)["spec"].contains("claimRef")) << other;
  }
}

TEST_F(PersistentVolumeBinderTest, WaitForFirstConsumerWaitsForTheSelectedNode) {
  CreateClass("local", "kubernetes.io/no-provisioner", "WaitForFirstConsumer");
  ASSERT_TRUE(client::testing::CreateReadyNode(admin(), "n1", json::object()).ok());
  ASSERT_TRUE(client::testing::CreateReadyNode(admin(), "n2", json::object()).ok());
  CreateVolume("on-n2", "1Gi", "local", {"ReadWriteOnce"}, "n2");
  CreateVolume("on-n1", "2Gi", "local", {"ReadWriteOnce"}, "n1");
  CreateClaim("claim", "1Gi", "local");

  ASSERT_TRUE(Eventually([&] { return !EventFor("claim", "WaitForFirstConsumer").is_null(); }, 4s));
  json waiting = EventFor("claim", "WaitForFirstConsumer");
  EXPECT_EQ(waiting["message"], "waiting for first consumer to be created before binding");
  EXPECT_EQ(waiting["type"], "Normal");
  EXPECT_EQ(waiting["source"]["component"], "persistentvolume-controller");
  EXPECT_EQ(Phase(Claim("claim")), "Pending");
  EXPECT_FALSE(Volume("on-n1")["spec"].contains("claimRef"));
  EXPECT_FALSE(Volume("on-n2")["spec"].contains("claimRef"));

  // The scheduler placed the claim's consumer on n1 and, as its VolumeBinding does, reserved
  // the volume there for the claim; the binder completes the binding.
  json claim_ref = {{"kind", "PersistentVolumeClaim"},
                    {"apiVersion", "v1"},
                    {"namespace", "data"},
                    {"name", "claim"},
                    {"uid", Claim("claim")["metadata"]["uid"]}};
  json reserve = {{"metadata", {{"annotations", {{"pv.kubernetes.io/bound-by-controller", "yes"}}}}},
                  {"spec", {{"claimRef", claim_ref}}}};
  ASSERT_TRUE(admin()
                  .Patch(resources::PersistentVolumes(), "", "on-n1", client::PatchType::kMerge,
                         reserve.dump())
                  .ok());
  ASSERT_TRUE(Eventually([&] { return ClaimBound("claim"); }, 4s));
  EXPECT_EQ(Claim("claim")["spec"]["volumeName"], "on-n1");
}

TEST_F(PersistentVolumeBinderTest, ClaimOfAProvisionedClassIsLeftToItsProvisioner) {
  CreateClass("local-path", "rancher.io/local-path", "Immediate");
  CreateClaim("claim", "1Gi", "local-path");
  ASSERT_TRUE(Eventually(
      [&] {
        json claim = Claim("claim");
        return claim["metadata"].contains("annotations") &&
               claim["metadata"]["annotations"].value("volume.kubernetes.io/storage-provisioner",
                                                      "") == "rancher.io/local-path";
      },
      4s));
  EXPECT_EQ(
      Claim("claim")["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-provisioner"],
      "rancher.io/local-path");
  ASSERT_TRUE(Eventually([&] { return !EventFor("claim", "ExternalProvisioning").is_null(); }, 4s));
  EXPECT_EQ(EventFor("claim", "ExternalProvisioning")["message"],
            "Waiting for a volume to be created either by the external provisioner "
            "'rancher.io/local-path' or manually by the system administrator. If volume creation "
            "is delayed, please verify that the provisioner is running and correctly registered.");
  EXPECT_EQ(Phase(Claim("claim")), "Pending");
}

TEST_F(PersistentVolumeBinderTest, NoVolumeAndNoClassFailsBinding) {
  CreateClaim("claim", "1Gi");
  ASSERT_TRUE(Eventually([&] { return !EventFor("claim", "FailedBinding").is_null(); }, 4s));
  EXPECT_EQ(EventFor("claim", "FailedBinding")["message"],
            "no persistent volumes available for this claim and no storage class is set");
  // A volume that fits arrives later: bound on a later sync.
  CreateVolume("late", "1Gi");
  EXPECT_TRUE(Eventually([&] { return ClaimBound("claim"); }, 4s));
}

TEST_F(PersistentVolumeBinderTest, DeletedClaimReleasesItsVolumeAndDeletedVolumeLosesItsClaim) {
  CreateVolume("kept", "1Gi");
  CreateClaim("first", "1Gi");
  ASSERT_TRUE(Eventually([&] { return ClaimBound("first"); }, 4s));
  ASSERT_TRUE(admin().Delete(resources::PersistentVolumeClaims(), "data", "first").ok());
  EXPECT_TRUE(Eventually([&] { return Phase(Volume("kept")) == "Released"; }, 4s));
  // Retain: the released volume keeps its claimRef and is not offered again.
  EXPECT_EQ(Volume("kept")["spec"]["claimRef"]["name"], "first");

  CreateVolume("doomed", "1Gi");
  CreateClaim("second", "1Gi");
  ASSERT_TRUE(Eventually([&] { return ClaimBound("second"); }, 4s));
  EXPECT_EQ(Claim("second")["spec"]["volumeName"], "doomed");
  ASSERT_TRUE(admin().Delete(resources::PersistentVolumes(), "", "doomed").ok());
  EXPECT_TRUE(Eventually([&] { return Phase(Claim("second")) == "Lost"; }, 4s));
  EXPECT_TRUE(Eventually([&] { return !EventFor("second", "ClaimLost").is_null(); }, 4s));
  EXPECT_EQ(EventFor("second", "ClaimLost")["message"],
            "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
}

TEST_F(PersistentVolumeBinderTest, ClaimNamingAVolumeGetsIt) {
  CreateVolume("wanted", "5Gi");
  CreateVolume("smaller", "1Gi");
  json claim = {{"metadata", {{"name", "picky"}}},
                {"spec",
                 {{"accessModes", {"ReadWriteOnce"}},
                  {"resources", {{"requests", {{"storage", "1Gi"}}}}},
                  {"storageClassName", ""},
                  {"volumeName", "wanted"}}}};
  ASSERT_TRUE(admin().Create(resources::PersistentVolumeClaims(), "data", claim).ok());
  ASSERT_TRUE(Eventually([&] { return ClaimBound("picky"); }, 4s));
  json bound = Claim("picky");
  EXPECT_EQ(bound["spec"]["volumeName"], "wanted");
  // The user chose the volume: the claim is not marked as bound by the controller.
  EXPECT_FALSE(bound["metadata"]["annotations"].contains("pv.kubernetes.io/bound-by-controller"));
  EXPECT_EQ(Volume("wanted")["spec"]["claimRef"]["name"], "picky");
}

}  // namespace
}  // namespace k1s::controllers
