#include "audit/event.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

namespace k1s::audit {
namespace {

// 2024-05-06T07:08:09.123456789Z
constexpr int64_t kReceived = 1714979289123456789;

Event SampleEvent() {
  Event e;
  e.level = Level::kMetadata;
  e.audit_id = "2b1f6a3e-1b5c-4f5e-9a51-3f1d2f9c8a77";
  e.stage = Stage::kResponseComplete;
  e.request_uri = "/api/v1/namespaces/default/pods?limit=500";
  e.verb = "list";
  e.user.name = "kubernetes-admin";
  e.user.groups = {"system:masters", "system:authenticated"};
  e.source_ips = {"10.0.0.7"};
  e.user_agent = "kubectl/v1.32.0 (linux/arm64) kubernetes/abcdef";
  ObjectReference ref;
  ref.resource = "pods";
  ref.namespace_name = "default";
  ref.api_version = "v1";
  e.object_ref = ref;
  ResponseStatus status;
  status.code = 200;
  e.response_status = status;
  e.request_received_unix_nanos = kReceived;
  e.stage_unix_nanos = kReceived + 2'500'000;
  e.annotations = {{"authorization.k8s.io/reason", ""}, {"authorization.k8s.io/decision", "allow"}};
  return e;
}

TEST(EventTest, MetadataLineAsKubeApiserverWritesIt) {
  EXPECT_EQ(
      EventJsonLine(SampleEvent()),
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata",)"
      R"("auditID":"2b1f6a3e-1b5c-4f5e-9a51-3f1d2f9c8a77","stage":"ResponseComplete",)"
      R"("requestURI":"/api/v1/namespaces/default/pods?limit=500","verb":"list",)"
      R"("user":{"username":"kubernetes-admin",)"
      R"("groups":["system:masters","system:authenticated"]},)"
      R"("sourceIPs":["10.0.0.7"],"userAgent":"kubectl/v1.32.0 (linux/arm64) kubernetes/abcdef",)"
      R"("objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},)"
      R"("responseStatus":{"metadata":{},"code":200},)"
      R"("requestReceivedTimestamp":"2024-05-06T07:08:09.123456Z",)"
      R"("stageTimestamp":"2024-05-06T07:08:09.125956Z",)"
      R"("annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}})"
      "\n");
}

TEST(EventTest, FailureStatusImpersonationAndExtra) {
  Event e;
  e.level = Level::kRequest;
  e.audit_id = "id";
  e.stage = Stage::kResponseStarted;
  e.request_uri = "/api/v1/namespaces/default/pods/p";
  e.verb = "get";
  e.user.name = "system:serviceaccount:default:builder";
  e.user.uid = "u-1";
  e.user.extra = {{"authentication.kubernetes.io/pod-name", {"p1"}}};
  auth::UserInfo as;
  as.name = "bob";
  e.impersonated_user = as;
  ResponseStatus status;
  status.code = 403;
  status.status = "Failure";
  status.reason = "Forbidden";
  status.message = "pods \"p\" is forbidden: User \"bob\" cannot get resource \"pods\"";
  status.details_json = R"({ "name": "p", "kind": "pods" })";
  e.response_status = status;
  EXPECT_EQ(
      EventJsonLine(e),
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"id",)"
      R"("stage":"ResponseStarted","requestURI":"/api/v1/namespaces/default/pods/p","verb":"get",)"
      R"("user":{"username":"system:serviceaccount:default:builder","uid":"u-1",)"
      R"("extra":{"authentication.kubernetes.io/pod-name":["p1"]}},)"
      R"("impersonatedUser":{"username":"bob"},)"
      R"("responseStatus":{"metadata":{},"status":"Failure",)"
      R"("message":"pods \"p\" is forbidden: User \"bob\" cannot get resource \"pods\"",)"
      R"("reason":"Forbidden","details":{"name":"p","kind":"pods"},"code":403},)"
      R"("requestReceivedTimestamp":null,"stageTimestamp":null})"
      "\n");
}

TEST(EventTest, ObjectsOnlyAtTheirLevels) {
  Event e = SampleEvent();
  e.request_object = "{\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"a b\"}\n}";
  e.response_object = R"({"kind":"Pod"})";
  for (Level level : {Level::kMetadata, Level::kRequest, Level::kRequestResponse}) {
    e.level = level;
    nlohmann::json line = nlohmann::json::parse(EventJsonLine(e));
    EXPECT_EQ(line.contains("requestObject"), level >= Level::kRequest);
    EXPECT_EQ(line.contains("responseObject"), level == Level::kRequestResponse);
  }
  std::string text = EventJsonLine(e);
  EXPECT_NE(text.find(R"("requestObject":{"kind":"Pod","metadata":{"name":"a b"}})"),
            std::string::npos);
  e.request_object = "{not json";
  EXPECT_FALSE(nlohmann::json::parse(EventJsonLine(e)).contains("requestObject"));
}

TEST(EventTest, StringsEscapedLikeGo) {
  Event e = SampleEvent();
  e.user_agent = "a<b>&c\"\\\n\t\x01\x7f\xe2\x80\xa8\xff\xc3\xa9";
  e.request_object = "{\"a\": \"<x> & \xe2\x80\xa9\"}";
  e.level = Level::kRequest;
  std::string line = EventJsonLine(e);
  EXPECT_NE(line.find(R"("userAgent":"a\u003cb\u003e\u0026c\"\\\n\t\u0001)"
                      "\x7f"
                      R"(\u2028\ufffd)"
                      "\xc3\xa9\""),
            std::string::npos)
      << line;
  EXPECT_NE(line.find(R"("requestObject":{"a":"\u003cx\u003e \u0026 \u2029"})"), std::string::npos)
      << line;
}

TEST(EventTest, MicroTimeTruncatesToMicroseconds) {
  EXPECT_EQ(MicroTime(0 + 999), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(MicroTime(1'700'000'000'000'001'999), "2023-11-14T22:13:20.000001Z");
}

// xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx, lower-case hex.
bool IsUuidV4(const std::string& id) {
  if (id.size() != 36 || id[14] != '4' || std::string("89ab").find(id[19]) == std::string::npos) {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    bool hex = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f');
    if (dash ? id[i] != '-' : !hex) return false;
  }
  return true;
}

TEST(EventTest, AuditIdsAreRandomUuidV4) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewAuditId();
    ASSERT_TRUE(IsUuidV4(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(EventTest, WithoutManagedFieldsKeepsOrderAndStripsLists) {
  EXPECT_EQ(WithoutManagedFields(
                R"({"kind":"Pod","metadata":{"name":"p","managedFields":[{"manager":"kubectl"}],)"
                R"("uid":"1"},"spec":{}})"),
            R"({"kind":"Pod","metadata":{"name":"p","uid":"1"},"spec":{}})");
  EXPECT_EQ(WithoutManagedFields(
                R"({"kind":"PodList","items":[{"metadata":{"name":"a","managedFields":[]}},)"
                R"({"metadata":{}}]})"),
            R"({"kind":"PodList","items":[{"metadata":{"name":"a"}},{"metadata":{}}]})");
  EXPECT_EQ(
      WithoutManagedFields(
          R"({"kind":"Table","rows":[{"cells":[],"object":{"metadata":{"managedFields":[]}}}]})"),
      R"({"kind":"Table","rows":[{"cells":[],"object":{"metadata":{}}}]})");
  EXPECT_EQ(WithoutManagedFields("[1, 2]"), "[1, 2]");
}

}  // namespace
}  // namespace k1s::audit
