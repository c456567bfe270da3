#include "api/event_conversion.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace k1s::api {
namespace {

using nlohmann::json;

TEST(EventConversionTest, CoreFieldsMapToEventsV1AndBack) {
  json core = json::parse(R"({
    "apiVersion": "v1", "kind": "Event",
    "metadata": {"name": "e1", "namespace": "default"},
    "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
    "reason": "Started", "message": "Started container", "type": "Normal",
    "source": {"component": "kubelet", "host": "n1"},
    "firstTimestamp": "2026-11-22T22:00:00Z", "lastTimestamp": "2026-11-22T22:01:00Z",
    "count": 2, "reportingComponent": "kubelet", "reportingInstance": "n1"})");
  json events = CoreEventToEventsV1(core);
  EXPECT_EQ(events["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(events["regarding"]["name"], "p");
  EXPECT_EQ(events["note"], "Started container");
  EXPECT_EQ(events["reportingController"], "kubelet");
  EXPECT_EQ(events["deprecatedSource"]["host"], "n1");
  EXPECT_EQ(events["deprecatedCount"], 2);
  EXPECT_FALSE(events.contains("message"));
  EXPECT_EQ(EventsV1ToCoreEvent(events), core);
}

}  // namespace
}  // namespace k1s::api
