#include "client/event_recorder.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/timestamps.h"
#include "base/testing/fake_clock.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"

namespace k1s::client {
namespace {

using nlohmann::json;
using testing::TestCluster;

constexpr int64_t kMilli = base::kNanosPerMilli;
constexpr int64_t kSecond = base::kNanosPerSecond;

class EventRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cluster_.ok()); }

  // The Events in `namespace_name` about the object named `name`.
  std::vector<json> EventsAbout(const std::string& namespace_name, const std::string& name) {
    std::vector<json> found;
    absl::StatusOr<json> list = admin_.List(resources::Events(), namespace_name);
    EXPECT_TRUE(list.ok()) << list.status();
    if (!list.ok()) return found;
    for (const json& event : (*list)["items"]) {
      if (event["involvedObject"].value("name", "") == name) found.push_back(event);
    }
    return found;
  }

  json Object(const std::string& name) {
    json config_map = {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", {{"name", name}, {"namespace", "default"}}}};
    absl::StatusOr<json> created = admin_.Create(resources::ConfigMaps(), "default", config_map);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : config_map;
  }

  TestCluster cluster_;
  Client admin_ = cluster_.Admin("events-test");
  base::FakeClock clock_;
  EventBroadcaster broadcaster_{cluster_.Admin("event-broadcaster"), clock_};
};

TEST_F(EventRecorderTest, CreatesAnEventWithEveryField) {
  const json object = Object("settings");
  std::shared_ptr<EventRecorder> recorder = broadcaster_.NewRecorder("test-controller", "node-1");
  recorder->Event(object, kEventNormal, "Configured", "settings applied");
  broadcaster_.Flush();

  std::vector<json> events = EventsAbout("default", "settings");
  ASSERT_EQ(events.size(), 1u);
  const json& event = events[0];
  const int64_t now = clock_.NowUnixNanos();
  EXPECT_EQ(event["metadata"]["name"],
            absl::StrCat("settings.", absl::Hex(static_cast<uint64_t>(now))));
  EXPECT_EQ(absl::StrCat(absl::Hex(static_cast<uint64_t>(now))).size(), 16u);
  EXPECT_EQ(event["metadata"]["namespace"], "default");
  const json& involved = event["involvedObject"];
  EXPECT_EQ(involved["kind"], "ConfigMap");
  EXPECT_EQ(involved["apiVersion"], "v1");
  EXPECT_EQ(involved["namespace"], "default");
  EXPECT_EQ(involved["name"], "settings");
  EXPECT_EQ(involved["uid"], object["metadata"]["uid"]);
  EXPECT_EQ(involved["resourceVersion"], object["metadata"]["resourceVersion"]);
  EXPECT_FALSE(involved.contains("fieldPath"));
  EXPECT_EQ(event["reason"], "Configured");
  EXPECT_EQ(event["message"], "settings applied");
  EXPECT_EQ(event["type"], "Normal");
  EXPECT_EQ(event["count"], 1);
  EXPECT_EQ(event["source"]["component"], "test-controller");
  EXPECT_EQ(event["source"]["host"], "node-1");
  EXPECT_EQ(event["reportingComponent"], "test-controller");
  EXPECT_EQ(event["reportingInstance"], "node-1");
  const std::string timestamp = api::FormatTimestamp(now / kSecond);
  EXPECT_EQ(event["firstTimestamp"], timestamp);
  EXPECT_EQ(event["lastTimestamp"], timestamp);
}

TEST_F(EventRecorderTest, ReferencesKeepTheirFieldPath) {
  std::shared_ptr<EventRecorder> recorder = broadcaster_.NewRecorder("kubelet", "node-1");
  json reference = {{"kind", "Pod"},   {"apiVersion", "v1"}, {"namespace", "default"},
                    {"name", "web-0"}, {"uid", "1234"},      {"fieldPath", "spec.containers{app}"}};
  recorder->Event(reference, kEventWarning, "BackOff", "Back-off restarting failed container");
  broadcaster_.Flush();
  std::vector<json> events = EventsAbout("default", "web-0");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["involvedObject"]["fieldPath"], "spec.containers{app}");
  EXPECT_EQ(events[0]["involvedObject"]["uid"], "1234");
  EXPECT_EQ(events[0]["type"], "Warning");
}

TEST_F(EventRecorderTest, RepeatBumpsCountAndANewMessageIsANewEvent) {
  const json object = Object("repeated");
  std::shared_ptr<EventRecorder> recorder = broadcaster_.NewRecorder("test-controller");
  recorder->Event(object, kEventWarning, "Failed", "it broke");
  broadcaster_.Flush();
  const std::string first = api::FormatTimestamp(clock_.NowUnixNanos() / kSecond);
  std::vector<json> events = EventsAbout("default", "repeated");
  ASSERT_EQ(events.size(), 1u);
  const std::string name = events[0]["metadata"]["name"];
  EXPECT_FALSE(events[0]["source"].contains("host"));

  clock_.Advance(3 * kSecond);
  recorder->Event(object, kEventWarning, "Failed", "it broke");
  broadcaster_.Flush();
  events = EventsAbout("default", "repeated");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["metadata"]["name"], name);
  EXPECT_EQ(events[0]["count"], 2);
  EXPECT_EQ(events[0]["firstTimestamp"], first);
  EXPECT_EQ(events[0]["lastTimestamp"], api::FormatTimestamp(clock_.NowUnixNanos() / kSecond));

  clock_.Advance(kMilli);
  recorder->Event(object, kEventWarning, "Failed", "it broke differently");
  broadcaster_.Flush();
  events = EventsAbout("default", "repeated");
  ASSERT_EQ(events.size(), 2u);
  for (const json& event : events) {
    if (event["metadata"]["name"] == name) {
      EXPECT_EQ(event["count"], 2);
    } else {
      EXPECT_EQ(event["message"], "it broke differently");
      EXPECT_EQ(event["count"], 1);
    }
  }
}

TEST_F(EventRecorderTest, ADeletedEventIsCreatedAgain) {
  const json object = Object("expired");
  std::shared_ptr<EventRecorder> recorder = broadcaster_.NewRecorder("test-controller");
  recorder->Event(object, kEventNormal, "Synced", "ok");
  broadcaster_.Flush();
  std::vector<json> events = EventsAbout("default", "expired");
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(
      admin_.Delete(resources::Events(), "default", events[0]["metadata"].value("name", "")).ok());

  clock_.Advance(kSecond);
  recorder->Event(object, kEventNormal, "Synced", "ok");
  broadcaster_.Flush();
  events = EventsAbout("default", "expired");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 2);
}

TEST_F(EventRecorderTest, ClusterScopedObjectsGetEventsInDefault) {
  std::shared_ptr<EventRecorder> recorder = broadcaster_.NewRecorder("node-controller");
  json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata", {{"name", "node-a"}, {"uid", "node-a-uid"}}}};
  recorder->Event(node, kEventNormal, "RegisteredNode", "Node node-a event: Registered Node");
  broadcaster_.Flush();
  std::vector<json> events = EventsAbout("default", "node-a");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["metadata"]["namespace"], "default");
  EXPECT_FALSE(events[0]["involvedObject"].contains("namespace"));
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "Node");
}

TEST_F(EventRecorderTest, SpamFilterDropsThe26thEventAboutAnObject) {
  const json object = Object("noisy");
  std::shared_ptr<EventRecorder> recorder = broadcaster_.NewRecorder("test-controller");
  for (int i = 0; i < 26; ++i) recorder->Event(object, kEventWarning, "Failed", "again");
  broadcaster_.Flush();
  std::vector<json> events = EventsAbout("default", "noisy");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 25);

  // Another recorder (another source) has its own budget.
  clock_.Advance(kMilli);  // event names carry the time in nanoseconds
  broadcaster_.NewRecorder("other-controller")->Event(object, kEventNormal, "Seen", "once");
  // Five minutes refill one token; as upstream, the count includes the dropped occurrence.
  clock_.Advance(300 * kSecond);
  recorder->Event(object, kEventWarning, "Failed", "again");
  broadcaster_.Flush();
  events = EventsAbout("default", "noisy");
  ASSERT_EQ(events.size(), 2u);
  for (const json& event : events) {
    if (event["reason"] == "Failed") {
      EXPECT_EQ(event["count"], 27);
    }
  }
}

TEST_F(EventRecorderTest, TenSimilarEventsAreCombined) {
  const json object = Object("flapping");
  std::shared_ptr<EventRecorder> recorder = broadcaster_.NewRecorder("test-controller");
  for (int i = 1; i <= 11; ++i) {
    clock_.Advance(kMilli);
    recorder->Event(object, kEventWarning, "Unhealthy", absl::StrCat("probe failed ", i));
  }
  broadcaster_.Flush();
  std::vector<json> events = EventsAbout("default", "flapping");
  ASSERT_EQ(events.size(), 10u);  // nine plain ones and the combined one
  int combined = 0;
  for (const json& event : events) {
    if (event["message"].get<std::string>().rfind("(combined from similar events): ", 0) == 0) {
      ++combined;
      EXPECT_EQ(event["message"], "(combined from similar events): probe failed 11");
      EXPECT_EQ(event["count"], 2);
    }
  }
  EXPECT_EQ(combined, 1);
}

TEST_F(EventRecorderTest, BadEventsAreDroppedAndRecordersOutliveTheBroadcaster) {
  std::shared_ptr<EventRecorder> recorder;
  {
    EventBroadcaster broadcaster(cluster_.Admin("short-lived"), clock_);
    recorder = broadcaster.NewRecorder("test-controller");
    recorder->Event(json{{"kind", "ConfigMap"}}, kEventNormal, "NoName", "dropped");
    recorder->Event(Object("typed"), "Bogus", "BadType", "dropped");
    broadcaster.Flush();
  }
  recorder->Event(Object("late"), kEventNormal, "Late", "dropped");
  absl::StatusOr<json> list = admin_.List(resources::Events(), "");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE((*list)["items"].empty()) << *list;
}

}  // namespace
}  // namespace k1s::client
