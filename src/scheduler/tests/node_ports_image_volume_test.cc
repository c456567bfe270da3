// NodePorts, ImageLocality and VolumeRestrictions on hand-built nodes and snapshots: each filter
// case with upstream's outcome, the scores' arithmetic, and the FailedScheduling texts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scheduler/algorithm.h"
#include "scheduler/plugins/plugins.h"
#include "scheduler/tests/test_objects.h"

namespace k1s::scheduler {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using testing::Info;
using testing::SnapshotOf;

constexpr int64_t kMb = 1024 * 1024;

json Node(const std::string& name, json images = json::array()) {
  json node = testing::Node(name);
  if (!images.empty()) node["status"]["images"] = std::move(images);
  return node;
}

json Image(std::vector<std::string> names, int64_t size) {
  return {{"names", names}, {"sizeBytes", size}};
}

json Pod(const std::string& name, const std::string& image = "nginx") {
  json pod = testing::Pod(name);
  pod["spec"]["containers"][0]["image"] = image;
  return pod;
}

// `pod` with one container port per entry: {hostPort, protocol ("" = unset), hostIP}.
json WithPorts(json pod, const std::vector<std::tuple<int, std::string, std::string>>& ports) {
  json list = json::array();
  for (const auto& [port, protocol, ip] : ports) {
    json entry = {{"containerPort", port}, {"hostPort", port}};
    if (!protocol.empty()) entry["protocol"] = protocol;
    if (!ip.empty()) entry["hostIP"] = ip;
    list.push_back(entry);
  }
  pod["spec"]["containers"][0]["ports"] = list;
  return pod;
}

json WithVolume(json pod, json volume) {
  pod["spec"]["volumes"].push_back(std::move(volume));
  return pod;
}

json ClaimVolume(const std::string& claim) {
  return {{"name", claim}, {"persistentVolumeClaim", {{"claimName", claim}}}};
}

json Claim(const std::string& name, const std::string& mode,
           const std::string& namespace_name = "default") {
  return {{"metadata", {{"name", name}, {"namespace", namespace_name}}},
          {"spec", {{"accessModes", {mode}}}}};
}

NodeInfo NodeWith(const std::vector<json>& pods) { return testing::NodeInfoOf(Node("n"), pods); }

// Runs `plugin`'s PreFilter then Filter against one node, as the framework does.
Status RunFilter(const FilterPlugin& plugin, const json& pod, const NodeInfo& node) {
  PodInfo info = Info(pod);
  CycleState state;
  Snapshot snapshot;
  Status pre = plugin.PreFilter(state, info, snapshot, nullptr);
  if (pre.rejected()) return pre;
  return plugin.Filter(state, info, node);
}

// --- NodePorts ---

TEST(NodePortsTest, ConflictsFollowHostPortInfoRules) {
  plugins::NodePorts ports;
  struct Case {
    std::string name;
    std::tuple<int, std::string, std::string> used;
    std::tuple<int, std::string, std::string> wanted;
    bool fits;
  };
  const std::vector<Case> cases = {
      {"same port, both unset ip", {8080, "", ""}, {8080, "", ""}, false},
      {"different port", {8080, "", ""}, {8081, "", ""}, true},
      {"different protocol", {8080, "TCP", ""}, {8080, "UDP", ""}, true},
      {"unset protocol is TCP", {8080, "", ""}, {8080, "TCP", ""}, false},
      {"wanted all addresses vs specific", {8080, "", "127.0.0.1"}, {8080, "", "0.0.0.0"}, false},
      {"wanted unset ip vs specific", {8080, "", "127.0.0.1"}, {8080, "", ""}, false},
      {"used all addresses vs wanted specific",
       {8080, "", "0.0.0.0"},
       {8080, "", "10.0.0.1"},
       false},
      {"two specific addresses", {8080, "", "127.0.0.1"}, {8080, "", "127.0.0.2"}, true},
      {"same specific address", {8080, "UDP", "127.0.0.1"}, {8080, "UDP", "127.0.0.1"}, false},
      {"all addresses but other protocol", {53, "UDP", "0.0.0.0"}, {53, "TCP", "10.0.0.1"}, true},
      {"SCTP vs SCTP", {9000, "SCTP", "10.0.0.1"}, {9000, "SCTP", ""}, false},
  };
  for (const Case& c : cases) {
    NodeInfo node = NodeWith({WithPorts(Pod("used"), {c.used})});
    Status status = ports.Filter(CycleState(), Info(WithPorts(Pod("p"), {c.wanted})), node);
    EXPECT_EQ(status.ok(), c.fits) << c.name;
    if (!c.fits) {
      EXPECT_EQ(status.code, Code::kUnschedulable) << c.name;
      EXPECT_THAT(status.reasons, ::testing::ElementsAre(
                                      "node(s) didn't have free ports for the requested pod ports"))
          << c.name;
    }
  }
}

TEST(NodePortsTest, SkipsPodsWithoutHostPortsAndCountsSidecars) {
  plugins::NodePorts ports;
  CycleState state;
  Snapshot snapshot;
  EXPECT_EQ(ports.PreFilter(state, Info(Pod("p")), snapshot, nullptr).code, Code::kSkip);
  json with = WithPorts(Pod("q"), {{80, "", ""}});
  EXPECT_EQ(ports.PreFilter(state, Info(with), snapshot, nullptr).code, Code::kSuccess);
  // containerPort without hostPort asks nothing of the node.
  json container_only = Pod("r");
  container_only["spec"]["containers"][0]["ports"] = json::array({{{"containerPort", 80}}});
  EXPECT_EQ(ports.PreFilter(state, Info(container_only), snapshot, nullptr).code, Code::kSkip);
  // A restartable init container (sidecar) keeps its host port; a plain init container does not.
  json sidecar = Pod("s");
  sidecar["spec"]["initContainers"] =
      json::array({{{"name", "proxy"},
                    {"restartPolicy", "Always"},
                    {"ports", json::array({{{"containerPort", 80}, {"hostPort", 80}}})}}});
  EXPECT_FALSE(ports.Filter(state, Info(with), NodeWith({sidecar})).ok());
  sidecar["spec"]["initContainers"][0].erase("restartPolicy");
  EXPECT_TRUE(ports.Filter(state, Info(with), NodeWith({sidecar})).ok());
}

TEST(NodePortsTest, FailedSchedulingNamesThePorts) {
  auto snapshot = SnapshotOf({Node("a"), Node("b"), Node("c")},
                             {{WithPorts(Pod("web-a"), {{80, "", ""}}), "a"},
                              {WithPorts(Pod("web-b"), {{80, "TCP", "10.0.0.2"}}), "b"},
                              {WithPorts(Pod("dns-c"), {{80, "UDP", ""}}), "c"}});
  Algorithm algorithm(DefaultPlugins(), testing::SeededOptions());
  // Port 80/TCP on every address: only c (which uses 80/UDP) is free.
  ScheduleResult result = algorithm.Schedule(Info(WithPorts(Pod("p"), {{80, "", ""}})), *snapshot);
  EXPECT_EQ(result.node, "c");
  // A second claim on c's UDP port fits nowhere.
  result =
      algorithm.Schedule(Info(WithPorts(Pod("q"), {{80, "TCP", ""}, {80, "UDP", ""}})), *snapshot);
  EXPECT_EQ(result.node, "");
  EXPECT_EQ(result.code, Code::kUnschedulable);
  EXPECT_THAT(result.message,
              StartsWith("0/3 nodes are available: 3 node(s) didn't have free ports for the "
                         "requested pod ports. preemption: "));
  EXPECT_EQ(result.diagnosis.node_statuses.at("a").plugin, "NodePorts");
}

// --- ImageLocality ---

// The score of `pod` on each of `snapshot`'s nodes.
std::map<std::string, int64_t> ImageScores(const json& pod, const Snapshot& snapshot) {
  plugins::ImageLocality images;
  CycleState state;
  PodInfo info = Info(pod);
  EXPECT_TRUE(images.PreFilter(state, info, snapshot, nullptr).ok());
  std::map<std::string, int64_t> scores;
  for (const NodeInfoPtr& node : snapshot.nodes) {
    EXPECT_TRUE(images.Filter(state, info, *node).ok());
    scores[node->name()] = images.Score(state, info, *node);
  }
  return scores;
}

TEST(ImageLocalityTest, ScoresSizeScaledBySpread) {
  auto snapshot = SnapshotOf(
      {Node("a", {Image({"gcr.io/250:latest"}, 250 * kMb), Image({"gcr.io/10:v1"}, 10 * kMb)}),
       Node("b", {Image({"gcr.io/2000:latest", "gcr.io/2000@sha256:ab"}, 2000 * kMb),
                  Image({"gcr.io/10:v1"}, 10 * kMb)})});
  // On a only; spread 1/2: 125 MB -> 100 * (125 - 23) / (1000 - 23) = 10.
  auto scores = ImageScores(Pod("p", "gcr.io/250"), *snapshot);
  EXPECT_EQ(scores["a"], 10);
  EXPECT_EQ(scores["b"], 0);
  // Below the 23 MB floor on both.
  scores = ImageScores(Pod("p", "gcr.io/10:v1"), *snapshot);
  EXPECT_EQ(scores["a"], 0);
  EXPECT_EQ(scores["b"], 0);
  // 2000 MB on half the nodes is 1000 MB: the cap for one container. Digests match as written.
  scores = ImageScores(Pod("p", "gcr.io/2000@sha256:ab"), *snapshot);
  EXPECT_EQ(scores["a"], 0);
  EXPECT_EQ(scores["b"], 100);
  // Init containers count, and raise the cap: (250 / 2 + 10) of 2 x 1000 MB -> 5.
  json two = Pod("p", "gcr.io/10:v1");
  two["spec"]["initContainers"] = json::array({{{"name", "i"}, {"image", "gcr.io/250"}}});
  scores = ImageScores(two, *snapshot);
  EXPECT_EQ(scores["a"], 100 * (125 * kMb + 10 * kMb - 23 * kMb) / (2000 * kMb - 23 * kMb));
  EXPECT_EQ(scores["a"], 5);
  EXPECT_EQ(scores["b"], 0);
}

TEST(ImageLocalityTest, NamesNormalizeOnlyTheTag) {
  auto snapshot = SnapshotOf({Node("a", {Image({"nginx:latest"}, 500 * kMb)}),
                              Node("b", {Image({"docker.io/library/nginx:latest"}, 500 * kMb)}),
                              Node("c", {Image({"registry:5000/app:latest"}, 500 * kMb)})});
  // "nginx" becomes "nginx:latest"; the registry is not filled in (upstream's known gap).
  auto scores = ImageScores(Pod("p", "nginx"), *snapshot);
  EXPECT_GT(scores["a"], 0);
  EXPECT_EQ(scores["b"], 0);
  // A registry port is not a tag.
  scores = ImageScores(Pod("p", "registry:5000/app"), *snapshot);
  EXPECT_EQ(scores["c"], 100 * (500 * kMb / 3 - 23 * kMb) / (1000 * kMb - 23 * kMb));
  EXPECT_EQ(scores["a"], 0);
}

TEST(ImageLocalityTest, AlgorithmPrefersTheNodeWithTheBigImage) {
  auto snapshot = SnapshotOf({Node("a", {Image({"small:latest"}, 30 * kMb)}), Node("b"),
                              Node("c", {Image({"ml/model:v3"}, 900 * kMb)}), Node("d")});
  Algorithm algorithm(DefaultPlugins(), testing::SeededOptions());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(algorithm.Schedule(Info(Pod("p" + std::to_string(i), "ml/model:v3")), *snapshot).node,
              "c");
  }
  // Node images are replaced with the Node object.
  NodeInfo node("c");
  node.SetNode(std::make_shared<const json>(Node("c", {Image({"ml/model:v3"}, 900 * kMb)})));
  EXPECT_EQ(node.image_sizes().at("ml/model:v3"), 900 * kMb);
  node.SetNode(std::make_shared<const json>(Node("c")));
  EXPECT_TRUE(node.image_sizes().empty());
}

// --- VolumeRestrictions ---

TEST(VolumeRestrictionsTest, InlineDiskConflicts) {
  plugins::VolumeRestrictions restrictions(std::make_shared<StaticObjects>());
  auto gce = [](const std::string& disk, bool read_only) {
    return json{{"name", "v"}, {"gcePersistentDisk", {{"pdName", disk}, {"readOnly", read_only}}}};
  };
  auto ebs = [](const std::string& id, bool read_only) {
    return json{{"name", "v"},
                {"awsElasticBlockStore", {{"volumeID", id}, {"readOnly", read_only}}}};
  };
  auto rbd = [](std::vector<std::string> monitors, const std::string& image, bool read_only) {
    return json{
        {"name", "v"},
        {"rbd",
         {{"monitors", monitors}, {"pool", "rbd"}, {"image", image}, {"readOnly", read_only}}}};
  };
  auto iscsi = [](const std::string& iqn, bool read_only) {
    return json{
        {"name", "v"},
        {"iscsi",
         {{"targetPortal", "10.0.0.1:3260"}, {"iqn", iqn}, {"lun", 0}, {"readOnly", read_only}}}};
  };
  struct Case {
    std::string name;
    json used;
    json wanted;
    bool fits;
  };
  const std::vector<Case> cases = {
      {"gce same disk", gce("foo", false), gce("foo", false), false},
      {"gce same disk, one read-only", gce("foo", true), gce("foo", false), false},
      {"gce same disk, both read-only", gce("foo", true), gce("foo", true), true},
      {"gce other disk", gce("foo", false), gce("bar", false), true},
      {"ebs same volume", ebs("vol-1", false), ebs("vol-1", false), false},
      {"ebs same volume, both read-only", ebs("vol-1", true), ebs("vol-1", true), false},
      {"ebs other volume", ebs("vol-1", false), ebs("vol-2", false), true},
      {"rbd shared monitor", rbd({"a", "b"}, "img", false), rbd({"b", "c"}, "img", false), false},
      {"rbd no shared monitor", rbd({"a", "b"}, "img", false), rbd({"c", "d"}, "img", false), true},
      {"rbd other image", rbd({"a"}, "img", false), rbd({"a"}, "other", false), true},
      {"rbd both read-only", rbd({"a"}, "img", true), rbd({"a"}, "img", true), true},
      {"iscsi same iqn", iscsi("iqn.a", false), iscsi("iqn.a", false), false},
      {"iscsi both read-only", iscsi("iqn.a", true), iscsi("iqn.a", true), true},
      {"iscsi other iqn", iscsi("iqn.a", false), iscsi("iqn.b", false), true},
      {"different kinds", gce("foo", false), iscsi("foo", false), true},
  };
  for (const Case& c : cases) {
    NodeInfo node = NodeWith({WithVolume(Pod("used"), c.used)});
    Status status = RunFilter(restrictions, WithVolume(Pod("p"), c.wanted), node);
    EXPECT_EQ(status.ok(), c.fits) << c.name;
    if (!c.fits) {
      EXPECT_EQ(status.code, Code::kUnschedulable) << c.name;
      EXPECT_THAT(status.reasons, ::testing::ElementsAre("node(s) had no available disk"))
          << c.name;
    }
  }
  // Pods without such volumes are skipped.
  CycleState state;
  EXPECT_EQ(restrictions.PreFilter(state, Info(Pod("p")), Snapshot(), nullptr).code, Code::kSkip);
  EXPECT_TRUE(restrictions.Filter(state, Info(Pod("p")), NodeWith({Pod("other")})).ok());
  // The dry run's fresh CycleState still sees the disk rule.
  EXPECT_FALSE(restrictions
                   .Filter(CycleState(), Info(WithVolume(Pod("p"), gce("foo", false))),
                           NodeWith({WithVolume(Pod("used"), gce("foo", false))}))
                   .ok());
}

TEST(VolumeRestrictionsTest, ReadWriteOncePodClaimInUseFailsEveryNode) {
  auto objects = std::make_shared<StaticObjects>();
  objects->Add(client::resources::PersistentVolumeClaims(), Claim("data", "ReadWriteOncePod"));
  objects->Add(client::resources::PersistentVolumeClaims(), Claim("shared", "ReadWriteOnce"));
  objects->Add(client::resources::PersistentVolumeClaims(),
               Claim("data", "ReadWriteOncePod", "other"));
  Plugins only;
  only.filters = {std::make_shared<plugins::VolumeRestrictions>(objects)};
  Algorithm algorithm(std::move(only), testing::SeededOptions());
  json user = WithVolume(Pod("user"), ClaimVolume("data"));
  user["spec"]["priority"] = 10;
  auto snapshot = SnapshotOf({Node("a"), Node("b")},
                             {{user, "a"}, {WithVolume(Pod("s"), ClaimVolume("shared")), "a"}});
  EXPECT_EQ(snapshot->Get("a")->pvc_ref_counts().at("default/data"), 1);

  ScheduleResult result =
      algorithm.Schedule(Info(WithVolume(Pod("p"), ClaimVolume("data"))), *snapshot);
  EXPECT_EQ(result.node, "");
  EXPECT_EQ(result.code, Code::kUnschedulable);
  EXPECT_THAT(result.message,
              StartsWith("0/2 nodes are available: 2 node has pod using PersistentVolumeClaim "
                         "with the same name and ReadWriteOncePod access mode. preemption: "));
  EXPECT_EQ(result.diagnosis.node_statuses.at("b").plugin, "VolumeRestrictions");

  // ReadWriteOnce claims may be shared; the same name in another namespace is another claim.
  EXPECT_NE(algorithm.Schedule(Info(WithVolume(Pod("q"), ClaimVolume("shared"))), *snapshot).node,
            "");
  json elsewhere = WithVolume(Pod("r"), ClaimVolume("data"));
  elsewhere["metadata"]["namespace"] = "other";
  EXPECT_NE(algorithm.Schedule(Info(elsewhere), *snapshot).node, "");

  // A higher-priority pod may preempt the user: only its node can be helped.
  json urgent = WithVolume(Pod("urgent"), ClaimVolume("data"));
  urgent["spec"]["priority"] = 100;
  result = algorithm.Schedule(Info(urgent), *snapshot);
  EXPECT_EQ(result.node, "");
  EXPECT_EQ(result.nominated_node, "a");

  // The dry run's view: with the user taken off its node that node fits, and no other does.
  plugins::VolumeRestrictions restrictions(objects);
  CycleState state;
  PodInfo info = Info(urgent);
  EXPECT_EQ(restrictions.PreFilter(state, info, *snapshot, nullptr).code, Code::kSuccess);
  NodeInfo a = *snapshot->Get("a");
  EXPECT_FALSE(restrictions.Filter(state, info, a).ok());
  EXPECT_TRUE(a.RemovePod("default/user"));
  EXPECT_EQ(a.pvc_ref_counts().count("default/data"), 0u);
  EXPECT_TRUE(restrictions.Filter(state, info, a).ok());
  EXPECT_FALSE(restrictions.Filter(state, info, *snapshot->Get("b")).ok());
  // A pod nominated onto b with the claim makes b conflict again.
  NodeInfo b = *snapshot->Get("b");
  b.AddPod(MakePlacedPod(std::make_shared<const json>(WithVolume(Pod("n"), ClaimVolume("data")))));
  EXPECT_FALSE(restrictions.Filter(state, info, b).ok());

  // Once the user is gone the claim is free.
  auto freed = SnapshotOf({Node("a"), Node("b")});
  EXPECT_NE(algorithm.Schedule(Info(WithVolume(Pod("p"), ClaimVolume("data"))), *freed).node, "");
}

TEST(VolumeRestrictionsTest, MissingClaimIsUnresolvableAtPreFilter) {
  Plugins only;
  only.filters = {std::make_shared<plugins::VolumeRestrictions>(std::make_shared<StaticObjects>())};
  Algorithm algorithm(std::move(only), testing::SeededOptions());
  auto snapshot = SnapshotOf({Node("a"), Node("b")});
  ScheduleResult result =
      algorithm.Schedule(Info(WithVolume(Pod("p"), ClaimVolume("missing"))), *snapshot);
  EXPECT_EQ(result.node, "");
  EXPECT_EQ(result.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(result.diagnosis.pre_filter_message, "persistentvolumeclaim \"missing\" not found");
  EXPECT_THAT(result.message, StartsWith("0/2 nodes are available: persistentvolumeclaim "
                                         "\"missing\" not found. preemption: "));
  EXPECT_THAT(result.message, HasSubstr("Preemption is not helpful for scheduling"));
}

}  // namespace
}  // namespace k1s::scheduler
