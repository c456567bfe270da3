#include "api/selectable_fields.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace k1s::api {
namespace {

using json = nlohmann::json;
using Fields = std::map<std::string, std::string>;

FieldSelector Parse(std::string_view text) {
  absl::StatusOr<FieldSelector> s = FieldSelector::Parse(text);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : FieldSelector();
}

std::string CheckError(std::string_view group, std::string_view kind, bool namespaced,
                       std::string_view selector) {
  absl::Status st = CheckFieldSelectorSupported(group, kind, namespaced, Parse(selector));
  EXPECT_FALSE(st.ok()) << selector;
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  return std::string(st.message());
}

TEST(SelectableFieldsTest, PodFields) {
  json pod = json::parse(R"({
    "metadata": {"name": "p", "namespace": "ns"},
    "spec": {"nodeName": "n1", "restartPolicy": "Always", "schedulerName": "default-scheduler",
             "serviceAccountName": "sa", "hostNetwork": true},
    "status": {"phase": "Running", "podIP": "10.0.0.9",
               "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}], "nominatedNodeName": "n2"}})");
  Fields f = SelectableFields("", "Pod", true, pod);
  EXPECT_EQ(f, (Fields{{"metadata.name", "p"},
                       {"metadata.namespace", "ns"},
                       {"spec.nodeName", "n1"},
                       {"spec.host", "n1"},
                       {"spec.restartPolicy", "Always"},
                       {"spec.schedulerName", "default-scheduler"},
                       {"spec.serviceAccountName", "sa"},
                       {"spec.hostNetwork", "true"},
                       {"status.phase", "Running"},
                       {"status.podIP", "10.0.0.1"},
                       {"status.nominatedNodeName", "n2"}}));
}

TEST(SelectableFieldsTest, PodDefaults) {
  Fields f = SelectableFields("", "Pod", true, json{{"metadata", {{"name", "p"}}}});
  EXPECT_EQ(f["spec.hostNetwork"], "false");
  EXPECT_EQ(f["spec.nodeName"], "");
  EXPECT_EQ(f["metadata.namespace"], "");
}

TEST(SelectableFieldsTest, ClusterScopedKindsHaveNoNamespaceField) {
  Fields f =
      SelectableFields("", "Node", false, json::parse(R"({"metadata":{"name":"n1"},"spec":{}})"));
  EXPECT_EQ(f, (Fields{{"metadata.name", "n1"}, {"spec.unschedulable", "false"}}));
  Fields cm = SelectableFields("", "ConfigMap", true,
                               json::parse(R"({"metadata":{"name":"c","namespace":"d"}})"));
  EXPECT_EQ(cm, (Fields{{"metadata.name", "c"}, {"metadata.namespace", "d"}}));
}

TEST(SelectableFieldsTest, KindSpecificFields) {
  EXPECT_EQ(SelectableFields("", "Secret", true, json{{"type", "Opaque"}})["type"], "Opaque");
  EXPECT_EQ(SelectableFields("", "Namespace", false,
                             json::parse(R"({"status":{"phase":"Active"}})"))["status.phase"],
            "Active");
  EXPECT_EQ(SelectableFields("batch", "Job", true,
                             json::parse(R"({"status":{"succeeded":2}})"))["status.successful"],
            "2");
  EXPECT_EQ(SelectableFields("apps", "ReplicaSet", true, json::object())["status.replicas"], "0");
  EXPECT_EQ(SelectableFields("", "Service", true,
                             json::parse(R"({"spec":{"type":"NodePort"}})"))["spec.type"],
            "NodePort");
  EXPECT_EQ(SelectableFields("certificates.k8s.io", "CertificateSigningRequest", false,
                             json::parse(R"({"spec":{"signerName":"x/y"}})"))["spec.signerName"],
            "x/y");
}

TEST(SelectableFieldsTest, EventsInBothGroupsShareCoreFieldNames) {
  Fields core = SelectableFields("", "Event", true, json::parse(R"({
    "metadata": {"name": "e", "namespace": "ns"},
    "involvedObject": {"kind": "Pod", "name": "p", "namespace": "ns", "uid": "u1"},
    "reason": "Started", "type": "Normal", "reportingComponent": "kubelet", "source": {}})"));
  EXPECT_EQ(core["involvedObject.kind"], "Pod");
  EXPECT_EQ(core["involvedObject.uid"], "u1");
  EXPECT_EQ(core["source"], "kubelet");  // falls back to the reporting component
  EXPECT_EQ(core["reason"], "Started");
  Fields modern = SelectableFields("events.k8s.io", "Event", true, json::parse(R"({
    "metadata": {"name": "e", "namespace": "ns"},
    "regarding": {"kind": "Node", "name": "n1"}, "reportingController": "ctl",
    "deprecatedSource": {"component": "old"}, "type": "Warning"})"));
  EXPECT_EQ(modern["involvedObject.kind"], "Node");
  EXPECT_EQ(modern["involvedObject.name"], "n1");
  EXPECT_EQ(modern["reportingComponent"], "ctl");
  EXPECT_EQ(modern["source"], "old");
  EXPECT_EQ(modern["type"], "Warning");
}

TEST(SelectableFieldsTest, SupportedSelectorsPass) {
  EXPECT_TRUE(CheckFieldSelectorSupported(
                  "", "Pod", true, Parse("spec.nodeName=n1,status.phase!=Running,spec.host=x"))
                  .ok());
  EXPECT_TRUE(CheckFieldSelectorSupported("", "ConfigMap", true, Parse("metadata.name=a")).ok());
  // The default conversion accepts metadata.namespace even for cluster-scoped kinds.
  EXPECT_TRUE(CheckFieldSelectorSupported("rbac.authorization.k8s.io", "ClusterRole", false,
                                          Parse("metadata.namespace="))
                  .ok());
  EXPECT_TRUE(CheckFieldSelectorSupported("events.k8s.io", "Event", true,
                                          Parse("involvedObject.kind=Pod,type=Normal"))
                  .ok());
  EXPECT_TRUE(CheckFieldSelectorSupported("", "Pod", true, FieldSelector()).ok());
}

TEST(SelectableFieldsTest, UnsupportedSelectorsUseUpstreamText) {
  EXPECT_EQ(CheckError("", "Pod", true, "spec.foo=1"), "field label not supported: spec.foo");
  EXPECT_EQ(CheckError("", "Node", false, "metadata.namespace=x"),
            "field label not supported: metadata.namespace");
  EXPECT_EQ(CheckError("", "ConfigMap", true, "data.x=1"),
            "\"data.x\" is not a known field selector: only \"metadata.name\", "
            "\"metadata.namespace\"");
  EXPECT_EQ(CheckError("apps", "ReplicaSet", true, "status.replicas=1"),
            "\"status.replicas\" is not a known field selector: only \"metadata.name\", "
            "\"metadata.namespace\"");
  EXPECT_EQ(CheckError("batch", "Job", true, "status.succeeded=1"),
            "field label \"status.succeeded\" not supported for batchv1.Job");
  // The first unsupported field in term order is reported.
  EXPECT_EQ(CheckError("", "Secret", true, "zzz=1,aaa=2,type=Opaque"),
            "field label not supported: aaa");
}

TEST(SelectableFieldsTest, SelectorMatchesObjectFields) {
  json pod = json::parse(R"({"metadata":{"name":"p","namespace":"ns"},
                            "spec":{"nodeName":"n1"},"status":{"phase":"Pending"}})");
  Fields f = SelectableFields("", "Pod", true, pod);
  EXPECT_TRUE(Parse("spec.nodeName=n1,status.phase!=Running").Matches(f));
  EXPECT_TRUE(Parse("spec.host=n1").Matches(f));
  EXPECT_FALSE(Parse("spec.nodeName=n2").Matches(f));
  EXPECT_TRUE(Parse("spec.hostNetwork=false").Matches(f));
}

}  // namespace
}  // namespace k1s::api
