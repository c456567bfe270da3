// The dependency graph and the graph builder's bookkeeping, driven change by change (no
// apiserver: Apply is the change thread's step).
#include "controllers/garbage_collector/dependency_graph.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/garbage_collector/graph_builder.h"

namespace k1s::controllers::gc {
namespace {

ObjectReference ConfigMap(const std::string& name, const std::string& uid,
                          const std::string& namespace_name = "ns") {
  return {"v1", "ConfigMap", name, uid, namespace_name};
}

OwnerReference RefTo(const ObjectReference& owner, bool block = false) {
  OwnerReference ref{owner.api_version, owner.kind,   owner.name,
                     owner.uid,         std::nullopt, std::nullopt};
  if (block) ref.block_owner_deletion = true;
  return ref;
}

// Every key ready in `queue` (which is left empty).
std::set<std::string> Drain(client::WorkQueue& queue) {
  std::set<std::string> keys;
  while (queue.Len() > 0) {
    std::optional<std::string> key = queue.Get();
    if (!key) break;
    keys.insert(*key);
    queue.Done(*key);
  }
  return keys;
}

TEST(DependencyGraphTest, BlockingDependentsAndPartition) {
  DependencyGraph graph;
  ObjectReference owner = ConfigMap("owner", "o");
  Node& owner_node = graph.Insert(Node{owner, {}, {"a", "b", "c"}, true});
  graph.Insert(Node{ConfigMap("a", "a"), {RefTo(owner, true)}, {}, true});
  graph.Insert(Node{ConfigMap("b", "b"), {RefTo(owner)}, {}, true});
  // "c" names the owner's uid with another name.
  OwnerReference renamed = RefTo(owner);
  renamed.name = "other";
  graph.Insert(Node{ConfigMap("c", "c"), {renamed}, {}, true});

  std::vector<const Node*> blocking = graph.BlockingDependents(owner_node);
  ASSERT_EQ(blocking.size(), 1u);
  EXPECT_EQ(blocking[0]->identity.uid, "a");

  auto [matching, mismatching] = graph.PartitionDependents(owner_node, owner);
  EXPECT_EQ(matching.size(), 2u);
  ASSERT_EQ(mismatching.size(), 1u);
  EXPECT_EQ(mismatching[0]->identity.uid, "c");
  std::optional<ObjectReference> alternate = graph.AlternateOwnerIdentity(mismatching, owner);
  ASSERT_TRUE(alternate.has_value());
  EXPECT_EQ(alternate->name, "other");
  EXPECT_EQ(alternate->namespace_name, "ns");
}

TEST(DependencyGraphTest, ObjectReferenceString) {
  EXPECT_EQ(ConfigMap("cm", "1234").String(), "[v1/ConfigMap, namespace: ns, name: cm, uid: 1234]");
}

class GraphBuilderTest : public ::testing::Test {
 protected:
  GraphBuilderTest()
      : client_(nullptr, "test"),
        informers_(client_),
        builder_(client_, informers_, attempt_to_delete_, attempt_to_orphan_, absent_, nullptr) {}

  void Add(const ObjectReference& identity, std::vector<OwnerReference> owners = {},
           ObjectState state = {}, std::optional<ObjectState> old_state = std::nullopt) {
    GraphChange change;
    change.type = old_state ? GraphChange::Type::kUpdate : GraphChange::Type::kAdd;
    change.identity = identity;
    change.owners = std::move(owners);
    change.state = state;
    change.old_state = old_state;
    builder_.Apply(change);
  }
  void Delete(const ObjectReference& identity, bool virtual_event = false) {
    GraphChange change;
    change.type = GraphChange::Type::kDelete;
    change.virtual_event = virtual_event;
    change.identity = identity;
    builder_.Apply(change);
  }

  client::Client client_;
  client::InformerFactory informers_;
  client::WorkQueue attempt_to_delete_{"delete"};
  client::WorkQueue attempt_to_orphan_{"orphan"};
  AbsentOwnerCache absent_;
  GraphBuilder builder_;
};

TEST_F(GraphBuilderTest, UnknownOwnerBecomesAVirtualNodeToVerify) {
  ObjectReference owner = ConfigMap("owner", "o");
  Add(ConfigMap("child", "c"), {RefTo(owner)});
  EXPECT_EQ(Drain(attempt_to_delete_), std::set<std::string>{"o"});
  std::optional<NodeSnapshot> virtual_owner = builder_.Snapshot("o");
  ASSERT_TRUE(virtual_owner.has_value());
  EXPECT_FALSE(virtual_owner->observed);
  ASSERT_EQ(virtual_owner->dependents.size(), 1u);
  EXPECT_EQ(virtual_owner->dependents[0].identity.uid, "c");

  // Observed later: the node becomes real, nothing to recheck.
  Add(owner);
  EXPECT_TRUE(builder_.Snapshot("o")->observed);
  EXPECT_TRUE(Drain(attempt_to_delete_).empty());
}

TEST_F(GraphBuilderTest, DeletedOwnerQueuesItsDependentsAndIsRememberedAbsent) {
  ObjectReference owner = ConfigMap("owner", "o");
  Add(owner);
  Add(ConfigMap("a", "a"), {RefTo(owner)});
  Add(ConfigMap("b", "b"), {RefTo(owner)});
  Drain(attempt_to_delete_);

  Delete(owner);
  EXPECT_EQ(Drain(attempt_to_delete_), (std::set<std::string>{"a", "b"}));
  EXPECT_FALSE(builder_.Snapshot("o").has_value());
  EXPECT_TRUE(absent_.Has(owner));
}

TEST_F(GraphBuilderTest, DroppedReferenceLeavesTheOwnersDependents) {
  ObjectReference first = ConfigMap("first", "1");
  ObjectReference second = ConfigMap("second", "2");
  Add(first);
  Add(second);
  Add(ConfigMap("child", "c"), {RefTo(first), RefTo(second)});
  Add(ConfigMap("child", "c"), {RefTo(second)}, {}, ObjectState{});
  EXPECT_TRUE(builder_.Snapshot("1")->dependents.empty());
  EXPECT_EQ(builder_.Snapshot("2")->dependents.size(), 1u);
}

TEST_F(GraphBuilderTest, ForegroundDeletionQueuesOwnerAndDependents) {
  ObjectReference owner = ConfigMap("owner", "o");
  Add(owner);
  Add(ConfigMap("a", "a"), {RefTo(owner, true)});
  Drain(attempt_to_delete_);

  ObjectState deleting{true, true, false};
  Add(owner, {}, deleting, ObjectState{});
  EXPECT_EQ(Drain(attempt_to_delete_), (std::set<std::string>{"o", "a"}));
  std::optional<NodeSnapshot> snapshot = builder_.Snapshot("o");
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_TRUE(snapshot->deleting_dependents);
  ASSERT_EQ(snapshot->dependents.size(), 1u);
  EXPECT_TRUE(snapshot->dependents[0].blocking);

  // The same state again is no new transition.
  Add(owner, {}, deleting, deleting);
  EXPECT_TRUE(Drain(attempt_to_delete_).empty());

  // The blocking dependent going away lets the owner finish.
  Delete(ConfigMap("a", "a"));
  EXPECT_EQ(Drain(attempt_to_delete_), std::set<std::string>{"o"});
}

TEST_F(GraphBuilderTest, OrphanFinalizerQueuesTheOwnerForOrphaning) {
  ObjectReference owner = ConfigMap("owner", "o");
  Add(owner);
  Add(owner, {}, ObjectState{true, false, true}, ObjectState{});
  EXPECT_EQ(Drain(attempt_to_orphan_), std::set<std::string>{"o"});
}

TEST_F(GraphBuilderTest, UnblockedReferenceRequeuesTheOwner) {
  ObjectReference owner = ConfigMap("owner", "o");
  Add(owner);
  Add(ConfigMap("a", "a"), {RefTo(owner, true)});
  Drain(attempt_to_delete_);
  Add(ConfigMap("a", "a"), {RefTo(owner, false)}, {}, ObjectState{});
  EXPECT_EQ(Drain(attempt_to_delete_), std::set<std::string>{"o"});
}

TEST_F(GraphBuilderTest, VirtualDeleteOfAVirtualOwnerRemovesIt) {
  ObjectReference owner = ConfigMap("ghost", "g");
  Add(ConfigMap("child", "c"), {RefTo(owner)});
  Drain(attempt_to_delete_);
  Delete(owner, /*virtual_event=*/true);
  EXPECT_FALSE(builder_.Snapshot("g").has_value());
  EXPECT_EQ(Drain(attempt_to_delete_), std::set<std::string>{"c"});
  EXPECT_TRUE(absent_.Has(owner));
}

TEST_F(GraphBuilderTest, VirtualDeleteDoesNotRemoveAnObservedNodeOfOtherCoordinates) {
  ObjectReference owner = ConfigMap("owner", "o");
  Add(owner);
  ObjectReference wrong = owner;
  wrong.kind = "Secret";
  Delete(wrong, /*virtual_event=*/true);
  EXPECT_TRUE(builder_.Snapshot("o").has_value());
}

TEST_F(GraphBuilderTest, OwnerInAnotherNamespaceMakesTheDependentSuspect) {
  ObjectReference owner = ConfigMap("owner", "o", "first");
  Add(owner);
  Add(ConfigMap("child", "c", "second"), {RefTo(owner)});
  EXPECT_EQ(Drain(attempt_to_delete_), std::set<std::string>{"c"});
}

}  // namespace
}  // namespace k1s::controllers::gc
