// VolumeBinding: each PreFilter and Filter outcome with upstream's texts on hand-built claims,
// volumes and classes, and the whole path (Filter, PreBind, the binder completing the claim)
// with the real Scheduler against an apiserver.
#include "scheduler/plugins/volume_binding.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/testing/test_cluster.h"
#include "scheduler/scheduler.h"
#include "scheduler/tests/test_objects.h"

namespace k1s::scheduler {
namespace {

using nlohmann::json;
using plugins::VolumeBinding;

constexpr char kNodeConflict[] = "node(s) had volume node affinity conflict";
constexpr char kBindConflict[] = "node(s) didn't find available persistent volumes to bind";
constexpr char kPVNotExist[] =
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";

json PodWithClaims(const std::vector<std::string>& claims, const std::string& name = "p") {
  json volumes = json::array();
  for (const std::string& claim : claims) {
    volumes.push_back({{"name", "v-" + claim}, {"persistentVolumeClaim", {{"claimName", claim}}}});
  }
  json pod = testing::Pod(name);
  pod["spec"]["volumes"] = std::move(volumes);
  return pod;
}

json Claim(const std::string& name, const std::string& storage_class,
           const std::string& request = "2Gi") {
  json claim = {
      {"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}}},
      {"spec",
       {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", request}}}}}}},
      {"status", {{"phase", "Pending"}}}};
  if (!storage_class.empty()) claim["spec"]["storageClassName"] = storage_class;
  return claim;
}

json BoundClaim(const std::string& name, const std::string& volume) {
  json claim = Claim(name, "local");
  claim["spec"]["volumeName"] = volume;
  claim["metadata"]["annotations"] = {{"pv.kubernetes.io/bind-completed", "yes"}};
  claim["status"]["phase"] = "Bound";
  return claim;
}

// A local volume pinned to `node` ("" = no node affinity).
json Volume(const std::string& name, const std::string& storage_class, const std::string& capacity,
            const std::string& node) {
  json volume = {{"metadata", {{"name", name}}},
                 {"spec",
                  {{"capacity", {{"storage", capacity}}},
                   {"accessModes", {"ReadWriteOnce"}},
                   {"storageClassName", storage_class},
                   {"persistentVolumeReclaimPolicy", "Retain"},
                   {"local", {{"path", "/mnt/" + name}}}}},
                 {"status", {{"phase", "Available"}}}};
  if (!node.empty()) {
    volume["spec"]["nodeAffinity"] = {
        {"required",
         {{"nodeSelectorTerms",
           json::array({{{"matchExpressions", json::array({{{"key", "kubernetes.io/hostname"},
                                                            {"operator", "In"},
                                                            {"values", {node}}}})}}})}}}};
  }
  return volume;
}

// A volume bound to claim `claim`.
json BoundVolume(const std::string& name, const std::string& node, const std::string& claim) {
  json volume = Volume(name, "local", "5Gi", node);
  volume["spec"]["claimRef"] = {{"namespace", "default"}, {"name", claim}, {"uid", "uid-" + claim}};
  volume["status"]["phase"] = "Bound";
  return volume;
}

json Class(const std::string& name, const std::string& provisioner, const std::string& mode) {
  json storage_class = {{"apiVersion", "storage.k8s.io/v1"},
                        {"kind", "StorageClass"},
                        {"metadata", {{"name", name}}},
                        {"provisioner", provisioner}};
  if (!mode.empty()) storage_class["volumeBindingMode"] = mode;
  return storage_class;
}

NodeInfo Node(const std::string& name, const json& labels = json::object()) {
  return testing::NodeInfoOf(testing::Node(name, testing::Allocatable(), labels));
}

class VolumeBindingTest : public ::testing::Test {
 protected:
  VolumeBindingTest() {
    objects_->Add(client::resources::StorageClasses(),
                  Class("local", "kubernetes.io/no-provisioner", "WaitForFirstConsumer"));
    objects_->Add(client::resources::StorageClasses(),
                  Class("fast", "kubernetes.io/no-provisioner", "Immediate"));
  }

  void AddClaim(const json& claim) {
    objects_->Add(client::resources::PersistentVolumeClaims(), claim);
  }
  void AddVolume(const json& volume) {
    objects_->Add(client::resources::PersistentVolumes(), volume);
  }
  void AddClass(const json& storage_class) {
    objects_->Add(client::resources::StorageClasses(), storage_class);
  }

  Status PreFilter(const json& pod) {
    info_ = testing::Info(pod);
    std::optional<std::set<std::string>> names;
    Status status = plugin_.PreFilter(state_, info_, Snapshot{}, &names);
    EXPECT_FALSE(names.has_value());
    return status;
  }
  Status Filter(const NodeInfo& node) { return plugin_.Filter(state_, info_, node); }

  std::shared_ptr<StaticObjects> objects_ = std::make_shared<StaticObjects>();
  VolumeBinding plugin_{objects_};
  CycleState state_;
  PodInfo info_;
};

using Reasons = std::vector<std::string>;

TEST_F(VolumeBindingTest, PodsWithoutClaimsSkip) {
  json pod = PodWithClaims({});
  pod["spec"]["volumes"] = json::array({{{"name", "tmp"}, {"emptyDir", json::object()}}});
  EXPECT_EQ(PreFilter(pod).code, Code::kSkip);
  EXPECT_TRUE(Filter(Node("node-a")).ok());
}

TEST_F(VolumeBindingTest, MissingLostAndDeletedClaimsAreUnresolvable) {
  Status missing = PreFilter(PodWithClaims({"data"}));
  EXPECT_EQ(missing.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(missing.reasons, Reasons{"persistentvolumeclaim \"data\" not found"});

  json lost = Claim("lost", "local");
  lost["spec"]["volumeName"] = "gone";
  lost["status"]["phase"] = "Lost";
  AddClaim(lost);
  EXPECT_EQ(PreFilter(PodWithClaims({"lost"})).reasons,
            Reasons{"persistentvolumeclaim \"lost\" bound to non-existent persistentvolume "
                    "\"gone\""});

  json deleting = Claim("old", "local");
  deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  AddClaim(deleting);
  Status deleted = PreFilter(PodWithClaims({"old"}));
  EXPECT_EQ(deleted.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(deleted.reasons, Reasons{"persistentvolumeclaim \"old\" is being deleted"});
}

TEST_F(VolumeBindingTest, EphemeralVolumesUseTheirGeneratedClaim) {
  json pod = PodWithClaims({});
  pod["spec"]["volumes"] = json::array(
      {{{"name", "scratch"}, {"ephemeral", {{"volumeClaimTemplate", json::object()}}}}});
  Status missing = PreFilter(pod);
  EXPECT_EQ(missing.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(missing.reasons, Reasons{"waiting for ephemeral volume controller to create the "
                                     "persistentvolumeclaim \"p-scratch\""});

  json claim = Claim("p-scratch", "local");
  AddClaim(claim);
  EXPECT_EQ(PreFilter(pod).reasons,
            Reasons{"PVC default/p-scratch was not created for pod default/p (pod is not owner)"});

  // Owned by its pod: an ordinary WaitForFirstConsumer claim.
  json owned_pod = pod;
  owned_pod["metadata"]["name"] = "q";
  owned_pod["metadata"]["uid"] = "uid-q";
  json owned = Claim("q-scratch", "local");
  owned["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "v1"},
                                                       {"kind", "Pod"},
                                                       {"name", "q"},
                                                       {"uid", "uid-q"},
                                                       {"controller", true}}});
  AddClaim(owned);
  AddVolume(Volume("pv-b", "local", "5Gi", "node-b"));
  EXPECT_TRUE(PreFilter(owned_pod).ok());
  EXPECT_TRUE(Filter(Node("node-b")).ok());
  EXPECT_EQ(Filter(Node("node-a")).reasons, Reasons{kBindConflict});
}

TEST_F(VolumeBindingTest, UnboundImmediateClaimsAreUnresolvable) {
  AddClaim(Claim("fast-claim", "fast"));
  AddClaim(Claim("no-class", ""));
  AddClaim(Claim("unknown-class", "nowhere"));
  for (const char* name : {"fast-claim", "no-class", "unknown-class"}) {
    Status status = PreFilter(PodWithClaims({name}));
    EXPECT_EQ(status.code, Code::kUnschedulableAndUnresolvable) << name;
    EXPECT_EQ(status.reasons, Reasons{"pod has unbound immediate PersistentVolumeClaims"}) << name;
  }
  // A WaitForFirstConsumer claim that names its volume is the PV controller's to bind.
  json prebound = Claim("prebound", "local");
  prebound["spec"]["volumeName"] = "pv-x";
  AddClaim(prebound);
  EXPECT_EQ(PreFilter(PodWithClaims({"prebound"})).reasons,
            Reasons{"pod has unbound immediate PersistentVolumeClaims"});
}

TEST_F(VolumeBindingTest, ClassWithoutBindingModeIsAnError) {
  AddClass(Class("broken", "example.com/csi", ""));
  AddClaim(Claim("c", "broken"));
  Status status = PreFilter(PodWithClaims({"c"}));
  EXPECT_EQ(status.code, Code::kError);
  EXPECT_EQ(status.reasons, Reasons{"VolumeBindingMode not set for StorageClass \"broken\""});
}

TEST_F(VolumeBindingTest, BoundClaimsNeedTheirVolumeToAdmitTheNode) {
  AddVolume(BoundVolume("pv-b", "node-b", "data"));
  AddClaim(BoundClaim("data", "pv-b"));
  ASSERT_TRUE(PreFilter(PodWithClaims({"data"})).ok());
  EXPECT_TRUE(Filter(Node("node-b")).ok());
  Status conflict = Filter(Node("node-a"));
  EXPECT_EQ(conflict.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(conflict.reasons, Reasons{kNodeConflict});

  AddClaim(BoundClaim("orphan", "pv-gone"));
  ASSERT_TRUE(PreFilter(PodWithClaims({"orphan"})).ok());
  EXPECT_EQ(Filter(Node("node-b")).reasons, Reasons{kPVNotExist});
}

TEST_F(VolumeBindingTest, DelayedClaimsNeedAFittingAvailableVolume) {
  AddClaim(Claim("data", "local", "2Gi"));
  // None of these fits the claim anywhere.
  AddVolume(Volume("too-small", "local", "1Gi", "node-a"));
  AddVolume(Volume("other-class", "fast", "5Gi", "node-a"));
  json taken = Volume("taken", "local", "5Gi", "node-a");
  taken["spec"]["claimRef"] = {{"namespace", "default"}, {"name", "someone-else"}};
  AddVolume(taken);
  json released = Volume("released", "local", "5Gi", "node-a");
  released["status"]["phase"] = "Released";
  AddVolume(released);
  json read_many = Volume("read-many", "local", "5Gi", "node-a");
  read_many["spec"]["accessModes"] = {"ReadOnlyMany"};
  AddVolume(read_many);
  json block = Volume("block", "local", "5Gi", "node-a");
  block["spec"]["volumeMode"] = "Block";
  AddVolume(block);
  // This one fits on node-b only.
  AddVolume(Volume("fits-b", "local", "5Gi", "node-b"));

  ASSERT_TRUE(PreFilter(PodWithClaims({"data"})).ok());
  Status status = Filter(Node("node-a"));
  EXPECT_EQ(status.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(status.reasons, Reasons{kBindConflict});
  EXPECT_TRUE(Filter(Node("node-b")).ok());
  EXPECT_EQ(Filter(Node("node-c")).reasons, Reasons{kBindConflict});
}

TEST_F(VolumeBindingTest, EachClaimNeedsItsOwnVolume) {
  AddClaim(Claim("one", "local", "1Gi"));
  AddClaim(Claim("two", "local", "1Gi"));
  AddVolume(Volume("only-b", "local", "5Gi", "node-b"));
  AddVolume(Volume("first-c", "local", "5Gi", "node-c"));
  AddVolume(Volume("second-c", "local", "5Gi", "node-c"));
  ASSERT_TRUE(PreFilter(PodWithClaims({"one", "two"})).ok());
  EXPECT_EQ(Filter(Node("node-b")).reasons, Reasons{kBindConflict});
  EXPECT_TRUE(Filter(Node("node-c")).ok());
}

TEST_F(VolumeBindingTest, BoundAndUnboundReasonsAddUp) {
  AddVolume(BoundVolume("pv-b", "node-b", "bound"));
  AddClaim(BoundClaim("bound", "pv-b"));
  AddClaim(Claim("unbound", "local"));
  AddVolume(Volume("pv-c", "local", "5Gi", "node-c"));
  ASSERT_TRUE(PreFilter(PodWithClaims({"bound", "unbound"})).ok());
  EXPECT_EQ(Filter(Node("node-a")).reasons, (Reasons{kNodeConflict, kBindConflict}));
  EXPECT_EQ(Filter(Node("node-b")).reasons, Reasons{kBindConflict});
  EXPECT_EQ(Filter(Node("node-c")).reasons, Reasons{kNodeConflict});
}

TEST_F(VolumeBindingTest, ProvisioningFollowsTheClassTopology) {
  json csi = Class("csi", "example.com/csi", "WaitForFirstConsumer");
  csi["allowedTopologies"] = json::array(
      {{{"matchLabelExpressions",
         json::array({{{"key", "topology.kubernetes.io/zone"}, {"values", {"zone-a"}}}})}}});
  AddClass(csi);
  AddClaim(Claim("dynamic", "csi"));
  ASSERT_TRUE(PreFilter(PodWithClaims({"dynamic"})).ok());
  EXPECT_TRUE(Filter(Node("node-a", {{"topology.kubernetes.io/zone", "zone-a"}})).ok());
  EXPECT_EQ(Filter(Node("node-b", {{"topology.kubernetes.io/zone", "zone-b"}})).reasons,
            Reasons{kBindConflict});
  EXPECT_EQ(Filter(Node("node-c")).reasons, Reasons{kBindConflict});

  // No topology: every node can provision.
  AddClass(Class("anywhere", "example.com/csi", "WaitForFirstConsumer"));
  AddClaim(Claim("free", "anywhere"));
  ASSERT_TRUE(PreFilter(PodWithClaims({"free"})).ok());
  EXPECT_TRUE(Filter(Node("node-c")).ok());

  // kubernetes.io/no-provisioner cannot: without a volume the claim has no place.
  AddClaim(Claim("static-only", "local"));
  ASSERT_TRUE(PreFilter(PodWithClaims({"static-only"})).ok());
  EXPECT_EQ(Filter(Node("node-c")).reasons, Reasons{kBindConflict});
}

TEST_F(VolumeBindingTest, SelectedNodePinsProvisioning) {
  AddClass(Class("anywhere", "example.com/csi", "WaitForFirstConsumer"));
  json claim = Claim("picked", "anywhere");
  claim["metadata"]["annotations"] = {{"volume.kubernetes.io/selected-node", "node-b"}};
  AddClaim(claim);
  ASSERT_TRUE(PreFilter(PodWithClaims({"picked"})).ok());
  EXPECT_TRUE(Filter(Node("node-b")).ok());
  EXPECT_EQ(Filter(Node("node-a")).reasons, Reasons{kBindConflict});
}

TEST_F(VolumeBindingTest, BadClaimSelectorIsAnError) {
  json claim = Claim("picky", "local");
  claim["spec"]["selector"] = {
      {"matchExpressions", json::array({{{"key", "tier"}, {"operator", "Bogus"}}})}};
  AddClaim(claim);
  AddVolume(Volume("pv-b", "local", "5Gi", "node-b"));
  ASSERT_TRUE(PreFilter(PodWithClaims({"picky"})).ok());
  EXPECT_EQ(Filter(Node("node-b")).code, Code::kError);
}

TEST_F(VolumeBindingTest, ClaimSelectorPicksVolumesByLabel) {
  json claim = Claim("picky", "local");
  claim["spec"]["selector"] = {{"matchLabels", {{"tier", "gold"}}}};
  AddClaim(claim);
  AddVolume(Volume("plain-b", "local", "5Gi", "node-b"));
  json gold = Volume("gold-c", "local", "5Gi", "node-c");
  gold["metadata"]["labels"] = {{"tier", "gold"}};
  AddVolume(gold);
  ASSERT_TRUE(PreFilter(PodWithClaims({"picky"})).ok());
  EXPECT_EQ(Filter(Node("node-b")).reasons, Reasons{kBindConflict});
  EXPECT_TRUE(Filter(Node("node-c")).ok());
}

// The real scheduler with an apiserver. The persistentvolume-binder controller is played by a
// small loop here (the scheduler's tests do not link the controllers): once a volume names a
// claim, it completes the claim's side of the binding as the controller's Bind does.
class VolumeBindingSchedulerTest : public testing::SchedulerClusterTest {
 protected:
  void TearDown() override {
    stop_ = true;
    if (binder_.joinable()) binder_.join();
    SchedulerClusterTest::TearDown();
  }

  void StartFakeBinder() {
    binder_ = std::thread([this] {
      while (!stop_) {
        CompleteBindings();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }

  void CompleteBindings() {
    absl::StatusOr<json> volumes = binder_client_.List(client::resources::PersistentVolumes(), "");
    if (!volumes.ok()) return;
    for (json volume : (*volumes)["items"]) {
      if (!volume["spec"].contains("claimRef")) continue;
      const json& ref = volume["spec"]["claimRef"];
      absl::StatusOr<json> claim =
          binder_client_.Get(client::resources::PersistentVolumeClaims(),
                             ref.value("namespace", ""), ref.value("name", ""));
      if (!claim.ok() || (*claim)["spec"].contains("volumeName")) {
        continue;
      }
      (*claim)["spec"]["volumeName"] = volume["metadata"]["name"];
      (*claim)["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] = "yes";
      absl::StatusOr<json> updated =
          binder_client_.Update(client::resources::PersistentVolumeClaims(), *claim);
      if (!updated.ok()) continue;
      (*updated)["status"]["phase"] = "Bound";
      (void)binder_client_.UpdateStatus(client::resources::PersistentVolumeClaims(), *updated);
      volume["status"]["phase"] = "Bound";
      (void)binder_client_.UpdateStatus(client::resources::PersistentVolumes(), volume);
    }
  }

  // Creates a claim built by Claim() through the apiserver, which sets uid and status itself.
  void CreateClaim(json claim) {
    claim["apiVersion"] = "v1";
    claim["kind"] = "PersistentVolumeClaim";
    claim["metadata"].erase("uid");
    claim.erase("status");
    absl::StatusOr<json> created =
        admin_.Create(client::resources::PersistentVolumeClaims(), "default", claim);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  void CreateVolume(const json& volume) {
    absl::StatusOr<json> created =
        admin_.Create(client::resources::PersistentVolumes(), "", volume);
    ASSERT_TRUE(created.ok()) << created.status();
    (*created)["status"] = {{"phase", "Available"}};
    absl::StatusOr<json> available =
        admin_.UpdateStatus(client::resources::PersistentVolumes(), *created);
    ASSERT_TRUE(available.ok()) << available.status();
  }

  client::Client binder_client_ = cluster_.Admin("persistent-volume-binder");
  std::atomic<bool> stop_{false};
  std::thread binder_;
};

TEST_F(VolumeBindingSchedulerTest, WaitForFirstConsumerClaimFollowsItsLocalVolume) {
  for (const char* node : {"node-a", "node-b"}) {
    ASSERT_TRUE(client::testing::CreateReadyNode(admin_, node, json::object()).ok());
  }
  ASSERT_TRUE(admin_
                  .Create(client::resources::StorageClasses(), "",
                          Class("local", "kubernetes.io/no-provisioner", "WaitForFirstConsumer"))
                  .ok());
  // node-a's volume is too small; of node-b's, the smaller fitting one is chosen.
  CreateVolume(Volume("local-a", "local", "1Gi", "node-a"));
  CreateVolume(Volume("local-b-big", "local", "10Gi", "node-b"));
  CreateVolume(Volume("local-b", "local", "5Gi", "node-b"));
  ASSERT_NO_FATAL_FAILURE(CreateClaim(Claim("data", "local")));

  StartScheduler();
  StartFakeBinder();
  json pod = PodWithClaims({"data"}, "web");
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  pod["metadata"].erase("uid");
  ASSERT_TRUE(admin_.Create(client::resources::Pods(), "default", pod).ok());

  std::string node;
  EXPECT_TRUE(client::testing::Eventually(
      [&] {
        absl::StatusOr<json> current = admin_.Get(client::resources::Pods(), "default", "web");
        node = current.ok() ? (*current)["spec"].value("nodeName", "") : "";
        return !node.empty();
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(node, "node-b");

  absl::StatusOr<json> volume = admin_.Get(client::resources::PersistentVolumes(), "", "local-b");
  ASSERT_TRUE(volume.ok());
  const json& ref = (*volume)["spec"]["claimRef"];
  EXPECT_EQ(ref.value("name", ""), "data");
  EXPECT_EQ(ref.value("namespace", ""), "default");
  EXPECT_FALSE(ref.value("uid", "").empty());
  EXPECT_EQ((*volume)["metadata"]["annotations"].value("pv.kubernetes.io/bound-by-controller", ""),
            "yes");
  absl::StatusOr<json> big = admin_.Get(client::resources::PersistentVolumes(), "", "local-b-big");
  ASSERT_TRUE(big.ok());
  EXPECT_FALSE((*big)["spec"].contains("claimRef"));
  absl::StatusOr<json> bound_claim =
      admin_.Get(client::resources::PersistentVolumeClaims(), "default", "data");
  ASSERT_TRUE(bound_claim.ok());
  EXPECT_EQ((*bound_claim)["spec"].value("volumeName", ""), "local-b");
}

// PreBind alone for a claim to provision: the selected node is written and, with no
// provisioner around, the bounded wait ends in a clear error.
TEST_F(VolumeBindingSchedulerTest, ProvisioningPreBindSelectsTheNodeAndTimesOut) {
  ASSERT_TRUE(admin_
                  .Create(client::resources::StorageClasses(), "",
                          Class("csi", "example.com/csi", "WaitForFirstConsumer"))
                  .ok());
  ASSERT_NO_FATAL_FAILURE(CreateClaim(Claim("dynamic", "csi")));
  client::InformerFactory informers(admin_);
  auto objects = std::make_shared<InformerObjects>(informers, nullptr);
  ASSERT_TRUE(informers.Start().ok());
  ASSERT_TRUE(objects->WaitForSync(std::chrono::seconds(5)).ok());

  plugins::VolumeBindingOptions options;
  options.bind_timeout = std::chrono::milliseconds(300);
  options.poll_interval = std::chrono::milliseconds(20);
  VolumeBinding plugin(objects, options);
  PodInfo pod = testing::Info(PodWithClaims({"dynamic"}));
  CycleState state;
  std::optional<std::set<std::string>> names;
  ASSERT_TRUE(plugin.PreFilter(state, pod, Snapshot{}, &names).ok());
  ASSERT_TRUE(plugin.Filter(state, pod, Node("node-a")).ok());
  absl::Status status = plugin.PreBind(state, pod, "node-a", admin_);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(status.message(),
            "binding volumes: timed out after 300ms waiting for PersistentVolumeClaims to be "
            "bound: default/dynamic");
  absl::StatusOr<json> written =
      admin_.Get(client::resources::PersistentVolumeClaims(), "default", "dynamic");
  ASSERT_TRUE(written.ok());
  EXPECT_EQ((*written)["metadata"]["annotations"].value("volume.kubernetes.io/selected-node", ""),
            "node-a");
  // A node PreBind has no decision for is an error, not a silent success.
  EXPECT_EQ(plugin.PreBind(state, pod, "node-b", admin_).message(),
            "no pod volumes found for node \"node-b\"");
  informers.Stop();
}

}  // namespace
}  // namespace k1s::scheduler
