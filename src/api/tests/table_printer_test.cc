#include "api/table_printer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/timestamps.h"

namespace k1s::api {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

constexpr int64_t kNow = 1795385442;  // 2026-11-22T22:10:42Z

// The timestamp `seconds` before kNow.
std::string Ago(int64_t seconds) { return FormatTimestamp(kNow - seconds); }

std::vector<std::string> ColumnNames(std::string_view group, std::string_view kind) {
  std::vector<std::string> names;
  for (const TableColumn& column : TableColumns(group, kind)) names.push_back(column.name);
  return names;
}

json Cells(std::string_view group, std::string_view kind, const json& object) {
  json cells = TableCells(group, kind, object, kNow);
  EXPECT_TRUE(cells.is_array());
  EXPECT_EQ(cells.size(), TableColumns(group, kind).size()) << cells.dump();
  return cells;
}

json CorePod(const std::string& text) {
  json pod = json::parse(text);
  pod["metadata"]["creationTimestamp"] = Ago(7200);
  return pod;
}

// ------------------------------------------------------------------------------------------
// Columns.

TEST(TableColumnsTest, PodColumnsMatchUpstream) {
  EXPECT_THAT(ColumnNames("", "Pod"),
              ElementsAre("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                          "Nominated Node", "Readiness Gates"));
  const auto& columns = TableColumns("", "Pod");
  EXPECT_EQ(columns[0].format, "name");
  EXPECT_EQ(columns[0].type, "string");
  EXPECT_EQ(columns[0].description, ObjectNameDescription());
  EXPECT_EQ(columns[3].type, "string");  // RESTARTS carries "3 (5m ago)"
  EXPECT_EQ(columns[4].description, CreationTimestampDescription());
  for (size_t i = 0; i < columns.size(); ++i) {
    EXPECT_EQ(columns[i].priority, i < 5 ? 0 : 1) << columns[i].name;
    if (i > 0) {
      EXPECT_EQ(columns[i].format, "") << columns[i].name;
    }
  }
}

TEST(TableColumnsTest, CoreKinds) {
  EXPECT_THAT(ColumnNames("", "Namespace"), ElementsAre("Name", "Status", "Age"));
  EXPECT_THAT(ColumnNames("", "ConfigMap"), ElementsAre("Name", "Data", "Age"));
  EXPECT_THAT(ColumnNames("", "Secret"), ElementsAre("Name", "Type", "Data", "Age"));
  EXPECT_THAT(ColumnNames("", "ServiceAccount"), ElementsAre("Name", "Secrets", "Age"));
  EXPECT_THAT(ColumnNames("", "Node"),
              ElementsAre("Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP",
                          "OS-Image", "Kernel-Version", "Container-Runtime"));
  EXPECT_THAT(ColumnNames("", "Service"), ElementsAre("Name", "Type", "Cluster-IP", "External-IP",
                                                      "Port(s)", "Age", "Selector"));
  EXPECT_THAT(ColumnNames("", "Endpoints"), ElementsAre("Name", "Endpoints", "Age"));
  EXPECT_THAT(ColumnNames("", "PersistentVolumeClaim"),
              ElementsAre("Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
                          "VolumeAttributesClass", "Age", "VolumeMode"));
  EXPECT_THAT(ColumnNames("", "PersistentVolume"),
              ElementsAre("Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim",
                          "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"));
}

TEST(TableColumnsTest, EventColumnsPutNameLastAndWide) {
  const std::vector<std::string> expected = {"Last Seen", "Type",   "Reason",  "Object",
                                             "Subobject", "Source", "Message", "First Seen",
                                             "Count",     "Name"};
  EXPECT_EQ(ColumnNames("", "Event"), expected);
  EXPECT_EQ(ColumnNames("events.k8s.io", "Event"), expected);
  const auto& columns = TableColumns("", "Event");
  std::vector<int32_t> priorities;
  for (const auto& column : columns) priorities.push_back(column.priority);
  EXPECT_THAT(priorities, ElementsAre(0, 0, 0, 0, 1, 1, 0, 1, 1, 1));
  EXPECT_EQ(columns[9].format, "name");
}

TEST(TableColumnsTest, GroupedKinds) {
  EXPECT_THAT(ColumnNames("coordination.k8s.io", "Lease"), ElementsAre("Name", "Holder", "Age"));
  EXPECT_THAT(ColumnNames("discovery.k8s.io", "EndpointSlice"),
              ElementsAre("Name", "AddressType", "Ports", "Endpoints", "Age"));
  EXPECT_THAT(ColumnNames("apps", "Deployment"),
              ElementsAre("Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images",
                          "Selector"));
  EXPECT_THAT(ColumnNames("apps", "ReplicaSet"),
              ElementsAre("Name", "Desired", "Current", "Ready", "Age", "Containers", "Images",
                          "Selector"));
  EXPECT_EQ(TableColumns("apps", "ReplicaSet")[1].type, "integer");
  EXPECT_THAT(ColumnNames("apps", "StatefulSet"),
              ElementsAre("Name", "Ready", "Age", "Containers", "Images"));
  EXPECT_THAT(ColumnNames("apps", "DaemonSet"),
              ElementsAre("Name", "Desired", "Current", "Ready", "Up-to-date", "Available",
                          "Node Selector", "Age", "Containers", "Images", "Selector"));
  EXPECT_THAT(ColumnNames("batch", "Job"), ElementsAre("Name", "Status", "Completions", "Duration",
                                                       "Age", "Containers", "Images", "Selector"));
  EXPECT_THAT(ColumnNames("batch", "CronJob"),
              ElementsAre("Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule",
                          "Age", "Containers", "Images", "Selector"));
  EXPECT_EQ(TableColumns("batch", "CronJob")[3].type, "boolean");
}

TEST(TableColumnsTest, UnknownKindsGetTheDefaultTable) {
  for (auto [group, kind] : std::vector<std::pair<std::string, std::string>>{
           {"example.com", "Widget"}, {"apps", "Pod"}, {"", "Deployment"}, {"", ""}}) {
    const auto& columns = TableColumns(group, kind);
    ASSERT_EQ(columns.size(), 2u) << group << "/" << kind;
    EXPECT_EQ(columns[0].name, "Name");
    EXPECT_EQ(columns[0].format, "name");
    EXPECT_EQ(columns[1].name, "Created At");
    EXPECT_EQ(columns[1].type, "date");
    EXPECT_EQ(columns[1].description, CreationTimestampDescription());
  }
}

TEST(TableCellsTest, DefaultTablePrintsRfc3339CreationTime) {
  json widget = {
      {"metadata", {{"name", "w1"}, {"creationTimestamp", "2026-11-22T23:10:42+01:00"}}}};
  EXPECT_EQ(Cells("example.com", "Widget", widget), json({"w1", "2026-11-22T22:10:42Z"}));
  EXPECT_EQ(Cells("example.com", "Widget", json{{"metadata", {{"name", "w2"}}}}),
            json({"w2", "0001-01-01T00:00:00Z"}));
}

// ------------------------------------------------------------------------------------------
// Pods.

TEST(PodCellsTest, RunningPodWithTwoContainersAndRestarts) {
  json pod = CorePod(R"({
    "metadata": {"name": "web-0", "namespace": "default"},
    "spec": {"nodeName": "node-a", "containers": [{"name": "app"}, {"name": "log"}]},
    "status": {
      "phase": "Running",
      "podIP": "10.42.0.5", "podIPs": [{"ip": "10.42.0.5"}, {"ip": "fd00::5"}],
      "conditions": [{"type": "Initialized", "status": "True"},
                     {"type": "Ready", "status": "True"}],
      "containerStatuses": [
        {"name": "app", "ready": true, "restartCount": 3, "started": true,
         "state": {"running": {"startedAt": "2026-11-22T22:05:43Z"}},
         "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                      "finishedAt": "2026-11-22T22:05:42Z"}}},
        {"name": "log", "ready": true, "restartCount": 0,
         "state": {"running": {"startedAt": "2026-11-22T20:10:50Z"}}, "lastState": {}}
      ]
    }
  })");
  EXPECT_EQ(Cells("", "Pod", pod), json({"web-0", "2/2", "Running", "3 (5m ago)", "120m",
                                         "10.42.0.5", "node-a", "<none>", "<none>"}));
  EXPECT_TRUE(TableRowConditions("", "Pod", pod).is_null());
}

TEST(PodCellsTest, PendingUnscheduledPod) {
  json pod = json::parse(R"({
    "metadata": {"name": "pending", "creationTimestamp": "2026-11-22T22:10:37Z"},
    "spec": {"containers": [{"name": "app"}]},
    "status": {"phase": "Pending", "conditions": [
      {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}
  })");
  EXPECT_EQ(Cells("", "Pod", pod),
            json({"pending", "0/1", "Pending", "0", "5s", "<none>", "<none>", "<none>", "<none>"}));
}

TEST(PodCellsTest, SchedulingGatedPod) {
  json pod = CorePod(R"({
    "metadata": {"name": "gated"}, "spec": {"containers": [{"name": "app"}]},
    "status": {"phase": "Pending", "conditions": [
      {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}
  })");
  EXPECT_EQ(Cells("", "Pod", pod)[2], "SchedulingGated");
}

TEST(PodCellsTest, ContainerCreating) {
  json pod = CorePod(R"({
    "metadata": {"name": "p"}, "spec": {"nodeName": "n1", "containers": [{"name": "app"}]},
    "status": {"phase": "Pending", "containerStatuses": [
      {"name": "app", "ready": false, "restartCount": 0,
       "state": {"waiting": {"reason": "ContainerCreating"}}}]}
  })");
  json cells = Cells("", "Pod", pod);
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], "ContainerCreating");
  EXPECT_EQ(cells[3], "0");
  EXPECT_EQ(cells[6], "n1");
}

TEST(PodCellsTest, CrashLoopBackOffShowsLastRestart) {
  json pod = CorePod(R"({
    "metadata": {"name": "crash"}, "spec": {"containers": [{"name": "app"}]},
    "status": {"phase": "Running", "containerStatuses": [
      {"name": "app", "ready": false, "restartCount": 5,
       "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s"}},
       "lastState": {"terminated": {"exitCode": 2, "finishedAt": "2026-11-22T22:10:12Z"}}}]}
  })");
  json cells = Cells("", "Pod", pod);
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], "CrashLoopBackOff");
  EXPECT_EQ(cells[3], "5 (30s ago)");
}

TEST(PodCellsTest, RestartsWithoutTerminationTimePrintPlainCount) {
  json pod = CorePod(R"({
    "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app"}]},
    "status": {"phase": "Running", "containerStatuses": [
      {"name": "app", "ready": true, "restartCount": 2, "state": {"running": {}}}]}
  })");
  EXPECT_EQ(Cells("", "Pod", pod)[3], "2");
}

TEST(PodCellsTest, CompletedPodHasCompletedRowCondition) {
  json pod = CorePod(R"({
    "metadata": {"name": "job-abc"}, "spec": {"containers": [{"name": "main"}]},
    "status": {"phase": "Succeeded", "containerStatuses": [
      {"name": "main", "ready": false, "restartCount": 0,
       "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
  })");
  json cells = Cells("", "Pod", pod);
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], "Completed");
  EXPECT_EQ(TableRowConditions("", "Pod", pod),
            json::parse(R"([{"type": "Completed", "status": "True", "reason": "Succeeded",
                             "message": "The pod has completed successfully."}])"));
  pod["status"]["phase"] = "Failed";
  EXPECT_EQ(TableRowConditions("", "Pod", pod)[0]["message"], "The pod failed.");
  EXPECT_TRUE(TableRowConditions("apps", "Deployment", pod).is_null());
}

TEST(PodCellsTest, TerminatedWithoutReasonShowsSignalOrExitCode) {
  json pod = CorePod(R"({
    "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app"}]},
    "status": {"phase": "Failed", "containerStatuses": [
      {"name": "app", "restartCount": 0, "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}
  })");
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Signal:9");
  pod["status"]["containerStatuses"][0]["state"]["terminated"].erase("signal");
  EXPECT_EQ(Cells("", "Pod", pod)[2], "ExitCode:137");
}

TEST(PodCellsTest, CompletedContainerBesideRunningOneIsRunningOrNotReady) {
  json pod = CorePod(R"({
    "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
    "status": {"phase": "Running",
      "conditions": [{"type": "Ready", "status": "False"}],
      "containerStatuses": [
        {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}},
        {"name": "b", "ready": false, "restartCount": 0,
         "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
  })");
  json cells = Cells("", "Pod", pod);
  EXPECT_EQ(cells[1], "1/2");
  EXPECT_EQ(cells[2], "NotReady");
  pod["status"]["conditions"][0]["status"] = "True";
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Running");
}

TEST(PodCellsTest, TerminatingPod) {
  json pod = CorePod(R"({
    "metadata": {"name": "p", "deletionTimestamp": "2026-11-22T22:11:12Z"},
    "spec": {"containers": [{"name": "app"}]},
    "status": {"phase": "Running", "containerStatuses": [
      {"name": "app", "ready": true, "restartCount": 0, "state": {"running": {}}}]}
  })");
  json cells = Cells("", "Pod", pod);
  EXPECT_EQ(cells[1], "1/1");
  EXPECT_EQ(cells[2], "Terminating");

  pod["status"]["reason"] = "NodeLost";
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Unknown");

  // A finished pod keeps its final status while being deleted.
  pod["status"].erase("reason");
  pod["status"]["phase"] = "Succeeded";
  pod["status"]["containerStatuses"][0]["state"] = {
      {"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}};
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Completed");
}

TEST(PodCellsTest, EvictedPodShowsStatusReason) {
  json pod = CorePod(R"({
    "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app"}]},
    "status": {"phase": "Failed", "reason": "Evicted"}
  })");
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Evicted");
}

TEST(PodCellsTest, InitContainerProgress) {
  json pod = CorePod(R"({
    "metadata": {"name": "p"},
    "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "app"}]},
    "status": {"phase": "Pending",
      "conditions": [{"type": "Initialized", "status": "False"}],
      "initContainerStatuses": [
        {"name": "i1", "ready": true, "restartCount": 0,
         "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        {"name": "i2", "ready": false, "restartCount": 1,
         "state": {"running": {}},
         "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T22:09:42Z"}}}],
      "containerStatuses": [
        {"name": "app", "ready": false, "restartCount": 0,
         "state": {"waiting": {"reason": "PodInitializing"}}}]}
  })");
  json cells = Cells("", "Pod", pod);
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], "Init:1/2");
  EXPECT_EQ(cells[3], "1 (60s ago)");  // init restarts count while initializing

  auto& second = pod["status"]["initContainerStatuses"][1];
  second["state"] = {{"waiting", {{"reason", "ImagePullBackOff"}}}};
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Init:ImagePullBackOff");
  second["state"] = {{"waiting", {{"reason", "PodInitializing"}}}};
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Init:1/2");
  second["state"] = {{"terminated", {{"exitCode", 3}}}};
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Init:ExitCode:3");
  second["state"] = {{"terminated", {{"exitCode", 137}, {"signal", 9}}}};
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Init:Signal:9");
  second["state"] = {{"terminated", {{"exitCode", 1}, {"reason", "Error"}}}};
  EXPECT_EQ(Cells("", "Pod", pod)[2], "Init:Error");
}

TEST(PodCellsTest, InitializedPodIgnoresRegularInitRestarts) {
  json pod = CorePod(R"({
    "metadata": {"name": "p"},
    "spec": {"initContainers": [{"name": "i1"}], "containers": [{"name": "app"}]},
    "status": {"phase": "Running",
      "conditions": [{"type": "Initialized", "status": "True"}],
      "initContainerStatuses": [
        {"name": "i1", "restartCount": 4, "state": {"terminated": {"exitCode": 0}},
         "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T21:00:00Z"}}}],
      "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                             "state": {"running": {}}}]}
  })");
  json cells = Cells("", "Pod", pod);
  EXPECT_EQ(cells[2], "Running");
  EXPECT_EQ(cells[3], "0");
}

TEST(PodCellsTest, SidecarContainersCountTowardsReadyAndRestarts) {
  json pod = CorePod(R"({
    "metadata": {"name": "p"},
    "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
             "containers": [{"name": "app"}]},
    "status": {"phase": "Running",
      "conditions": [{"type": "Initialized", "status": "True"},
                     {"type": "Ready", "status": "True"}],
      "initContainerStatuses": [
        {"name": "proxy", "ready": true, "started": true, "restartCount": 1,
         "state": {"running": {}},
         "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T22:00:42Z"}}}],
      "containerStatuses": [{"name": "app", "ready": true, "restartCount": 1,
                             "state": {"running": {}},
                             "lastState": {"terminated": {"exitCode": 1,
                                                          "finishedAt": "2026-11-22T21:10:42Z"}}}]}
  })");
  json cells = Cells("", "Pod", pod);
  EXPECT_EQ(cells[1], "2/2");
  EXPECT_EQ(cells[2], "Running");
  EXPECT_EQ(cells[3], "2 (10m ago)");
}

TEST(PodCellsTest, ReadinessGatesAndNominatedNode) {
  json pod = CorePod(R"({
    "metadata": {"name": "p"},
    "spec": {"containers": [{"name": "app"}],
             "readinessGates": [{"conditionType": "example.com/lb"},
                                {"conditionType": "example.com/dns"}]},
    "status": {"phase": "Pending", "nominatedNodeName": "node-b", "podIP": "10.42.1.9",
      "conditions": [{"type": "example.com/lb", "status": "True"},
                     {"type": "example.com/dns", "status": "False"}]}
  })");
  json cells = Cells("", "Pod", pod);
  EXPECT_EQ(cells[5], "10.42.1.9");  // singular podIP when podIPs is absent
  EXPECT_EQ(cells[7], "node-b");
  EXPECT_EQ(cells[8], "1/2");
}

TEST(PodCellsTest, MissingCreationTimestampIsUnknown) {
  json cells = Cells("", "Pod", json::parse(R"({"metadata": {"name": "p"}})"));
  EXPECT_EQ(cells,
            json({"p", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"}));
}

// ------------------------------------------------------------------------------------------
// Services, endpoints.

json Service(const std::string& spec_text) {
  json service = {{"metadata", {{"name", "svc"}, {"creationTimestamp", Ago(3 * 86400 + 5 * 3600)}}},
                  {"spec", json::parse(spec_text)}};
  return service;
}

TEST(ServiceCellsTest, ClusterIP) {
  json service = Service(R"({"type": "ClusterIP", "clusterIP": "10.43.0.1",
    "clusterIPs": ["10.43.0.1"], "ports": [{"name": "https", "port": 443, "protocol": "TCP",
    "targetPort": 6443}], "selector": {"tier": "frontend", "app": "web"}})");
  EXPECT_EQ(Cells("", "Service", service), json({"svc", "ClusterIP", "10.43.0.1", "<none>",
                                                 "443/TCP", "3d5h", "app=web,tier=frontend"}));
}

TEST(ServiceCellsTest, NodePortWithExternalIPs) {
  json service = Service(R"({"type": "NodePort", "clusterIPs": ["10.43.12.7"],
    "externalIPs": ["192.0.2.10", "192.0.2.11"],
    "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080},
              {"port": 443, "protocol": "TCP", "nodePort": 30443},
              {"port": 53, "protocol": "UDP"}]})");
  EXPECT_EQ(Cells("", "Service", service),
            json({"svc", "NodePort", "10.43.12.7", "192.0.2.10,192.0.2.11",
                  "80:30080/TCP,443:30443/TCP,53/UDP", "3d5h", "<none>"}));
}

TEST(ServiceCellsTest, LoadBalancerPendingAndAssigned) {
  json service = Service(R"({"type": "LoadBalancer", "clusterIPs": ["10.43.5.5"],
    "ports": [{"port": 443, "protocol": "TCP", "nodePort": 30443}]})");
  EXPECT_EQ(Cells("", "Service", service)[3], "<pending>");

  service["status"] = json::parse(R"({"loadBalancer": {"ingress": [
    {"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}, {"ip": "203.0.113.2"},
    {"ip": "203.0.113.9"}]}})");
  EXPECT_EQ(Cells("", "Service", service)[3], "203.0.113.2,203.0.113.9,lb.example.com");

  service["spec"]["externalIPs"] = {"192.0.2.1"};
  EXPECT_EQ(Cells("", "Service", service)[3], "203.0.113.2,203.0.113.9,lb.example.com,192.0.2.1");
}

TEST(ServiceCellsTest, ExternalNameHeadlessAndDefaults) {
  json external = Service(R"({"type": "ExternalName", "externalName": "db.example.com"})");
  EXPECT_EQ(Cells("", "Service", external),
            json({"svc", "ExternalName", "<none>", "db.example.com", "<none>", "3d5h", "<none>"}));

  // No type: ClusterIP by default; protocol defaults to TCP.
  json headless = Service(R"({"clusterIP": "None", "clusterIPs": ["None"],
    "ports": [{"port": 5432}]})");
  json cells = Cells("", "Service", headless);
  EXPECT_EQ(cells[1], "ClusterIP");
  EXPECT_EQ(cells[2], "None");
  EXPECT_EQ(cells[4], "5432/TCP");

  EXPECT_EQ(Cells("", "Service", Service(R"({"type": "Weird"})"))[3], "<unknown>");
}

json Endpoints(const std::string& subsets_text) {
  return {{"metadata", {{"name", "web"}, {"creationTimestamp", Ago(90)}}},
          {"subsets", json::parse(subsets_text)}};
}

TEST(EndpointsCellsTest, ListsThreeAndCountsTheRest) {
  json endpoints = Endpoints(R"([
    {"addresses": [{"ip": "10.42.0.5"}, {"ip": "10.42.0.6"}],
     "notReadyAddresses": [{"ip": "10.42.0.99"}], "ports": [{"port": 80, "protocol": "TCP"}]},
    {"addresses": [{"ip": "10.42.1.7"}, {"ip": "10.42.1.8"}], "ports": [{"port": 80}]}])");
  EXPECT_EQ(Cells("", "Endpoints", endpoints),
            json({"web", "10.42.0.5:80,10.42.0.6:80,10.42.1.7:80 + 1 more...", "90s"}));
}

TEST(EndpointsCellsTest, MultiplePortsHeadlessIPv6AndEmpty) {
  EXPECT_EQ(Cells("", "Endpoints", Endpoints(R"([{"addresses": [{"ip": "10.42.0.5"}],
                                 "ports": [{"port": 80}, {"port": 443}]}])"))[1],
            "10.42.0.5:80,10.42.0.5:443");
  EXPECT_EQ(Cells("", "Endpoints",
                  Endpoints(R"([{"addresses": [{"ip": "10.42.0.5"}, {"ip": "10.42.0.6"}]}])"))[1],
            "10.42.0.5,10.42.0.6");
  EXPECT_EQ(Cells("", "Endpoints",
                  Endpoints(R"([{"addresses": [{"ip": "fd00::5"}], "ports": [{"port": 80}]}])"))[1],
            "[fd00::5]:80");
  EXPECT_EQ(Cells("", "Endpoints", Endpoints("[]"))[1], "<none>");
  EXPECT_EQ(Cells("", "Endpoints", json{{"metadata", {{"name", "e"}}}})[1], "<none>");
}

TEST(EndpointSliceCellsTest, PortsAndEndpoints) {
  json slice = json::parse(R"({
    "metadata": {"name": "web-abc12"}, "addressType": "IPv4",
    "ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "metrics"}, {}],
    "endpoints": [{"addresses": ["10.42.0.5"]}, {"addresses": ["10.42.0.6", "10.42.0.7"]},
                  {"addresses": ["10.42.0.8"]}, {"addresses": ["10.42.0.9"]}]
  })");
  slice["metadata"]["creationTimestamp"] = Ago(600);
  EXPECT_EQ(Cells("discovery.k8s.io", "EndpointSlice", slice),
            json({"web-abc12", "IPv4", "80,metrics,*", "10.42.0.5,10.42.0.6,10.42.0.7 + 2 more...",
                  "10m"}));

  json empty = {{"metadata", {{"name", "e"}}}, {"addressType", "IPv6"}};
  EXPECT_EQ(Cells("discovery.k8s.io", "EndpointSlice", empty),
            json({"e", "IPv6", "<unset>", "<unset>", "<unknown>"}));

  slice["ports"] = json::parse(R"([{"port": 1}, {"port": 2}, {"port": 3}, {"port": 4}])");
  EXPECT_EQ(Cells("discovery.k8s.io", "EndpointSlice", slice)[2], "1,2,3 + 1 more...");
}

// ------------------------------------------------------------------------------------------
// Nodes.

TEST(NodeCellsTest, ReadyCordonedControlPlane) {
  json node = json::parse(R"j({
    "metadata": {"name": "server-1", "labels": {
      "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true",
      "node-role.kubernetes.io/": "", "kubernetes.io/hostname": "server-1"}},
    "spec": {"unschedulable": true},
    "status": {
      "conditions": [{"type": "MemoryPressure", "status": "False"},
                     {"type": "Ready", "status": "True"}],
      "addresses": [{"type": "Hostname", "address": "server-1"},
                    {"type": "InternalIP", "address": "192.168.1.10"}],
      "nodeInfo": {"kubeletVersion": "v1.32.3+k1s1", "osImage": "Debian GNU/Linux 12 (bookworm)",
                   "kernelVersion": "6.1.0-28-arm64",
                   "containerRuntimeVersion": "containerd://1.7.24"}}
  })j");
  node["metadata"]["creationTimestamp"] = Ago(3 * 86400 + 5 * 3600);
  EXPECT_EQ(Cells("", "Node", node),
            json({"server-1", "Ready,SchedulingDisabled", "control-plane,master", "3d5h",
                  "v1.32.3+k1s1", "192.168.1.10", "<none>", "Debian GNU/Linux 12 (bookworm)",
                  "6.1.0-28-arm64", "containerd://1.7.24"}));
}

TEST(NodeCellsTest, NotReadyUnknownAndLegacyRoleLabel) {
  json node = json::parse(R"({
    "metadata": {"name": "agent-1", "labels": {"kubernetes.io/role": "worker"}},
    "status": {"conditions": [{"type": "Ready", "status": "Unknown"}],
               "addresses": [{"type": "ExternalIP", "address": "198.51.100.4"}]}
  })");
  json cells = Cells("", "Node", node);
  EXPECT_EQ(cells, json({"agent-1", "NotReady", "worker", "<unknown>", "", "<none>", "198.51.100.4",
                         "<unknown>", "<unknown>", "<unknown>"}));

  node["status"].erase("conditions");
  node["metadata"].erase("labels");
  cells = Cells("", "Node", node);
  EXPECT_EQ(cells[1], "Unknown");
  EXPECT_EQ(cells[2], "<none>");
}

// ------------------------------------------------------------------------------------------
// Simple core kinds.

TEST(SimpleCellsTest, NamespaceConfigMapSecretServiceAccount) {
  json ns = {
      {"metadata", {{"name", "kube-system"}, {"creationTimestamp", Ago(86400 * 3 + 3600 * 5)}}},
      {"status", {{"phase", "Active"}}}};
  EXPECT_EQ(Cells("", "Namespace", ns), json({"kube-system", "Active", "3d5h"}));
  ns["status"]["phase"] = "Terminating";
  EXPECT_EQ(Cells("", "Namespace", ns)[1], "Terminating");
  EXPECT_EQ(Cells("", "Namespace", json{{"metadata", {{"name", "x"}}}})[1], "Active");

  json cm = {{"metadata", {{"name", "cfg"}, {"creationTimestamp", Ago(45)}}},
             {"data", {{"a", "1"}, {"b", "2"}}},
             {"binaryData", {{"c", "AAE="}}}};
  EXPECT_EQ(Cells("", "ConfigMap", cm), json({"cfg", 3, "45s"}));
  EXPECT_TRUE(Cells("", "ConfigMap", cm)[1].is_number_integer());
  EXPECT_EQ(Cells("", "ConfigMap", json{{"metadata", {{"name", "e"}}}})[1], 0);

  json secret = {{"metadata", {{"name", "tls"}, {"creationTimestamp", Ago(400)}}},
                 {"type", "kubernetes.io/tls"},
                 {"data", {{"tls.crt", "Zm9v"}, {"tls.key", "YmFy"}}}};
  EXPECT_EQ(Cells("", "Secret", secret), json({"tls", "kubernetes.io/tls", 2, "6m40s"}));
  EXPECT_EQ(Cells("", "Secret", json{{"metadata", {{"name", "s"}}}}),
            json({"s", "Opaque", 0, "<unknown>"}));

  json sa = {{"metadata", {{"name", "default"}, {"creationTimestamp", Ago(100)}}},
             {"secrets", {{{"name", "default-token"}}}}};
  EXPECT_EQ(Cells("", "ServiceAccount", sa), json({"default", 1, "100s"}));
}

TEST(SimpleCellsTest, Lease) {
  json lease = {{"metadata", {{"name", "kube-scheduler"}, {"creationTimestamp", Ago(7200)}}},
                {"spec", {{"holderIdentity", "server-1_0f8c"}, {"leaseDurationSeconds", 15}}}};
  EXPECT_EQ(Cells("coordination.k8s.io", "Lease", lease),
            json({"kube-scheduler", "server-1_0f8c", "120m"}));
  EXPECT_EQ(Cells("coordination.k8s.io", "Lease", json{{"metadata", {{"name", "l"}}}})[1], "");
}

// ------------------------------------------------------------------------------------------
// Events.

TEST(EventCellsTest, CoreEventWithCount) {
  json event = json::parse(R"({
    "metadata": {"name": "web-0.17f2a"},
    "involvedObject": {"kind": "Pod", "name": "web-0", "fieldPath": "spec.containers{app}"},
    "reason": "BackOff", "type": "Warning", "count": 7,
    "message": "Back-off restarting failed container app\n",
    "source": {"component": "kubelet", "host": "node-a"},
    "firstTimestamp": "2026-11-22T21:10:42Z", "lastTimestamp": "2026-11-22T22:10:12Z"
  })");
  EXPECT_EQ(
      Cells("", "Event", event),
      json({"30s", "Warning", "BackOff", "pod/web-0", "spec.containers{app}", "kubelet, node-a",
            "Back-off restarting failed container app", "60m", 7, "web-0.17f2a"}));
}

TEST(EventCellsTest, CoreEventFromNewApiFallsBackToEventTime) {
  json event = json::parse(R"({
    "metadata": {"name": "e1"},
    "involvedObject": {"kind": "Node"},
    "reason": "RegisteredNode", "type": "Normal", "message": "registered",
    "firstTimestamp": null, "lastTimestamp": null,
    "eventTime": "2026-11-22T22:08:42.123456Z",
    "reportingComponent": "node-controller", "reportingController": "node-controller",
    "reportingInstance": "server-1", "source": {}
  })");
  EXPECT_EQ(Cells("", "Event", event),
            json({"2m", "Normal", "RegisteredNode", "node", "", "node-controller, server-1",
                  "registered", "2m", 1, "e1"}));

  event["series"] = {{"count", 4}, {"lastObservedTime", "2026-11-22T22:10:32.000001Z"}};
  json cells = Cells("", "Event", event);
  EXPECT_EQ(cells[0], "10s");
  EXPECT_EQ(cells[8], 4);

  event.erase("eventTime");
  event.erase("series");
  cells = Cells("", "Event", event);
  EXPECT_EQ(cells[0], "<unknown>");
  EXPECT_EQ(cells[7], "<unknown>");
}

TEST(EventCellsTest, EventsGroupEventUsesRenamedFields) {
  json event = json::parse(R"({
    "metadata": {"name": "web.1"},
    "regarding": {"kind": "Deployment", "name": "web", "fieldPath": ""},
    "reason": "ScalingReplicaSet", "type": "Normal",
    "note": "  Scaled up replica set web-5d4 to 3 ",
    "eventTime": "2026-11-22T22:00:42.000000Z",
    "reportingController": "deployment-controller", "reportingInstance": "",
    "deprecatedCount": 2,
    "deprecatedFirstTimestamp": "2026-11-22T22:00:42Z",
    "deprecatedLastTimestamp": "2026-11-22T22:05:42Z"
  })");
  EXPECT_EQ(
      Cells("events.k8s.io", "Event", event),
      json({"5m", "Normal", "ScalingReplicaSet", "deployment/web", "", "deployment-controller",
            "Scaled up replica set web-5d4 to 3", "10m", 2, "web.1"}));
}

// ------------------------------------------------------------------------------------------
// Workloads.

TEST(WorkloadCellsTest, Deployment) {
  json deployment = json::parse(R"({
    "metadata": {"name": "coredns"},
    "spec": {"replicas": 2,
             "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
             "template": {"spec": {"containers": [
               {"name": "coredns", "image": "rancher/mirrored-coredns-coredns:1.12.0"},
               {"name": "sidecar", "image": "busybox:1.36"}]}}},
    "status": {"replicas": 2, "readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1}
  })");
  deployment["metadata"]["creationTimestamp"] = Ago(600);
  EXPECT_EQ(Cells("apps", "Deployment", deployment),
            json({"coredns", "1/2", 2, 1, "10m", "coredns,sidecar",
                  "rancher/mirrored-coredns-coredns:1.12.0,busybox:1.36", "k8s-app=kube-dns"}));

  deployment["spec"].erase("replicas");  // defaults to 1
  deployment["status"] = json::object();
  deployment["spec"]["selector"] = {{"matchExpressions", {{{"key", "a"}, {"operator", "Bogus"}}}}};
  json cells = Cells("apps", "Deployment", deployment);
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], 0);
  EXPECT_EQ(cells[7], "<invalid>");
}

TEST(WorkloadCellsTest, ReplicaSetSelectorFormatting) {
  json rs = json::parse(R"({
    "metadata": {"name": "web-5d4"},
    "spec": {"replicas": 3,
             "selector": {"matchLabels": {"app": "web"},
                          "matchExpressions": [
                            {"key": "zone", "operator": "DoesNotExist"},
                            {"key": "tier", "operator": "In", "values": ["b", "a"]},
                            {"key": "env", "operator": "Exists"},
                            {"key": "track", "operator": "NotIn", "values": ["canary"]}]},
             "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
    "status": {"replicas": 3, "readyReplicas": 2}
  })");
  rs["metadata"]["creationTimestamp"] = Ago(30);
  EXPECT_EQ(Cells("apps", "ReplicaSet", rs),
            json({"web-5d4", 3, 3, 2, "30s", "web", "nginx:1.27",
                  "app=web,env,tier in (a,b),track notin (canary),!zone"}));

  rs["spec"]["selector"] = json::object();
  EXPECT_EQ(Cells("apps", "ReplicaSet", rs)[7], "<none>");
  rs["spec"]["selector"] = {{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}};
  EXPECT_EQ(Cells("apps", "ReplicaSet", rs)[7], "<error>");
}

TEST(WorkloadCellsTest, StatefulSetAndDaemonSet) {
  json sts = json::parse(R"({
    "metadata": {"name": "db"},
    "spec": {"replicas": 3,
             "template": {"spec": {"containers": [{"name": "pg", "image": "postgres:17"}]}}},
    "status": {"readyReplicas": 2}
  })");
  EXPECT_EQ(Cells("apps", "StatefulSet", sts),
            json({"db", "2/3", "<unknown>", "pg", "postgres:17"}));

  json ds = json::parse(R"({
    "metadata": {"name": "svclb"},
    "spec": {"selector": {"matchLabels": {"app": "svclb"}},
             "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                   "containers": [{"name": "lb", "image": "klipper-lb:v0.4"}]}}},
    "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
               "updatedNumberScheduled": 3, "numberAvailable": 2}
  })");
  ds["metadata"]["creationTimestamp"] = Ago(86400 * 40);
  EXPECT_EQ(Cells("apps", "DaemonSet", ds), json({"svclb", 3, 3, 2, 3, 2, "kubernetes.io/os=linux",
                                                  "40d", "lb", "klipper-lb:v0.4", "app=svclb"}));
}

TEST(WorkloadCellsTest, Jobs) {
  json job = json::parse(R"({
    "metadata": {"name": "migrate"},
    "spec": {"completions": 1, "parallelism": 1,
             "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "abc"}},
             "template": {"spec": {"containers": [{"name": "m", "image": "migrate:1"}]}}},
    "status": {"succeeded": 1, "startTime": "2026-11-22T22:00:00Z",
               "completionTime": "2026-11-22T22:00:42Z",
               "conditions": [{"type": "SuccessCriteriaMet", "status": "True"},
                              {"type": "Complete", "status": "True"}]}
  })");
  job["metadata"]["creationTimestamp"] = Ago(700);
  EXPECT_EQ(Cells("batch", "Job", job),
            json({"migrate", "Complete", "1/1", "42s", "11m", "m", "migrate:1",
                  "batch.kubernetes.io/controller-uid=abc"}));

  // Running, no completions: parallel work queue.
  job["spec"].erase("completions");
  job["spec"]["parallelism"] = 4;
  job["status"] = {{"succeeded", 2}, {"startTime", Ago(200)}};
  json cells = Cells("batch", "Job", job);
  EXPECT_EQ(cells[1], "Running");
  EXPECT_EQ(cells[2], "2/1 of 4");
  EXPECT_EQ(cells[3], "3m20s");

  job["spec"].erase("parallelism");
  job["status"] = {{"conditions", {{{"type", "Failed"}, {"status", "True"}}}}};
  cells = Cells("batch", "Job", job);
  EXPECT_EQ(cells[1], "Failed");
  EXPECT_EQ(cells[2], "0/1");
  EXPECT_EQ(cells[3], "");

  job["status"] = {{"conditions", {{{"type", "Suspended"}, {"status", "True"}}}}};
  EXPECT_EQ(Cells("batch", "Job", job)[1], "Suspended");
  job["metadata"]["deletionTimestamp"] = Ago(1);
  EXPECT_EQ(Cells("batch", "Job", job)[1], "Terminating");
}

TEST(WorkloadCellsTest, CronJob) {
  json cron = json::parse(R"({
    "metadata": {"name": "backup"},
    "spec": {"schedule": "*/5 * * * *", "timeZone": "Etc/UTC", "suspend": false,
             "jobTemplate": {"spec": {"template": {"spec": {"containers": [
               {"name": "b", "image": "backup:2"}]}}}}},
    "status": {"active": [{"name": "backup-1"}], "lastScheduleTime": "2026-11-22T22:10:00Z"}
  })");
  cron["metadata"]["creationTimestamp"] = Ago(86400);
  EXPECT_EQ(Cells("batch", "CronJob", cron), json({"backup", "*/5 * * * *", "Etc/UTC", "False", 1,
                                                   "42s", "24h", "b", "backup:2", "<none>"}));
  cron["spec"].erase("timeZone");
  cron["spec"]["suspend"] = true;
  cron.erase("status");
  json cells = Cells("batch", "CronJob", cron);
  EXPECT_EQ(cells[2], "<none>");
  EXPECT_EQ(cells[3], "True");
  EXPECT_EQ(cells[4], 0);
  EXPECT_EQ(cells[5], "<none>");
}

// ------------------------------------------------------------------------------------------
// Storage.

TEST(StorageCellsTest, PersistentVolumeClaim) {
  json claim = json::parse(R"({
    "metadata": {"name": "data-db-0"},
    "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "local-path",
             "volumeName": "pvc-1234", "volumeMode": "Filesystem",
             "resources": {"requests": {"storage": "1Gi"}}},
    "status": {"phase": "Bound",
               "accessModes": ["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteOnce"],
               "capacity": {"storage": "2Gi"}}
  })");
  claim["metadata"]["creationTimestamp"] = Ago(3600);
  EXPECT_EQ(Cells("", "PersistentVolumeClaim", claim),
            json({"data-db-0", "Bound", "pvc-1234", "2Gi", "RWO,RWOP", "local-path", "<unset>",
                  "60m", "Filesystem"}));

  json pending = json::parse(R"({
    "metadata": {"name": "p", "deletionTimestamp": "2026-11-22T22:10:00Z",
                 "annotations": {"volume.beta.kubernetes.io/storage-class": "old"}},
    "spec": {"storageClassName": "new", "volumeAttributesClassName": "gold"}
  })");
  EXPECT_EQ(Cells("", "PersistentVolumeClaim", pending),
            json({"p", "Terminating", "", "", "", "old", "gold", "<unknown>", "Filesystem"}));
}

TEST(StorageCellsTest, PersistentVolume) {
  json volume = json::parse(R"({
    "metadata": {"name": "pvc-1234"},
    "spec": {"capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteMany", "ReadOnlyMany"],
             "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "local-path",
             "claimRef": {"namespace": "default", "name": "data-db-0"}, "volumeMode": "Block"},
    "status": {"phase": "Bound"}
  })");
  volume["metadata"]["creationTimestamp"] = Ago(3600);
  EXPECT_EQ(Cells("", "PersistentVolume", volume),
            json({"pvc-1234", "2Gi", "ROX,RWX", "Delete", "Bound", "default/data-db-0",
                  "local-path", "<unset>", "", "60m", "Block"}));

  json bare = {{"metadata", {{"name", "v"}}}};
  EXPECT_EQ(Cells("", "PersistentVolume", bare), json({"v", "0", "", "Retain", "Pending", "", "",
                                                       "<unset>", "", "<unknown>", "Filesystem"}));
}

// ------------------------------------------------------------------------------------------
// Columns of the remaining built-in kinds.

std::vector<int32_t> Priorities(std::string_view group, std::string_view kind) {
  std::vector<int32_t> priorities;
  for (const TableColumn& column : TableColumns(group, kind)) priorities.push_back(column.priority);
  return priorities;
}

std::vector<std::string> Types(std::string_view group, std::string_view kind) {
  std::vector<std::string> types;
  for (const TableColumn& column : TableColumns(group, kind)) types.push_back(column.type);
  return types;
}

TEST(TableColumnsTest, RemainingCoreAndWorkloadKinds) {
  EXPECT_THAT(ColumnNames("", "ReplicationController"),
              ElementsAre("Name", "Desired", "Current", "Ready", "Age", "Containers", "Images",
                          "Selector"));
  EXPECT_THAT(Priorities("", "ReplicationController"), ElementsAre(0, 0, 0, 0, 0, 1, 1, 1));
  EXPECT_THAT(Types("", "ReplicationController"),
              ElementsAre("string", "integer", "integer", "integer", "string", "string", "string",
                          "string"));
  // No age, and the containers are not wide-only here.
  EXPECT_THAT(ColumnNames("", "PodTemplate"),
              ElementsAre("Name", "Containers", "Images", "Pod Labels"));
  EXPECT_THAT(Priorities("", "PodTemplate"), ElementsAre(0, 0, 0, 0));
  EXPECT_THAT(ColumnNames("", "ResourceQuota"), ElementsAre("Name", "Request", "Limit", "Age"));
  EXPECT_THAT(ColumnNames("apps", "ControllerRevision"),
              ElementsAre("Name", "Controller", "Revision", "Age"));
  EXPECT_THAT(ColumnNames("autoscaling", "HorizontalPodAutoscaler"),
              ElementsAre("Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"));
  EXPECT_THAT(
      ColumnNames("policy", "PodDisruptionBudget"),
      ElementsAre("Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"));
  EXPECT_THAT(Types("policy", "PodDisruptionBudget"),
              ElementsAre("string", "string", "string", "integer", "string"));
}

TEST(TableColumnsTest, RemainingGroupedKinds) {
  EXPECT_THAT(ColumnNames("networking.k8s.io", "Ingress"),
              ElementsAre("Name", "Class", "Hosts", "Address", "Ports", "Age"));
  EXPECT_THAT(ColumnNames("networking.k8s.io", "IngressClass"),
              ElementsAre("Name", "Controller", "Parameters", "Age"));
  EXPECT_THAT(ColumnNames("networking.k8s.io", "NetworkPolicy"),
              ElementsAre("Name", "Pod-Selector", "Age"));
  for (const char* kind : {"RoleBinding", "ClusterRoleBinding"}) {
    EXPECT_THAT(ColumnNames("rbac.authorization.k8s.io", kind),
                ElementsAre("Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"));
    EXPECT_THAT(Priorities("rbac.authorization.k8s.io", kind), ElementsAre(0, 0, 0, 1, 1, 1));
  }
  EXPECT_THAT(ColumnNames("storage.k8s.io", "StorageClass"),
              ElementsAre("Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode",
                          "AllowVolumeExpansion", "Age"));
  EXPECT_THAT(ColumnNames("storage.k8s.io", "CSIDriver"),
              ElementsAre("Name", "AttachRequired", "PodInfoOnMount", "StorageCapacity",
                          "TokenRequests", "RequiresRepublish", "Modes", "Age"));
  EXPECT_THAT(Types("storage.k8s.io", "CSIDriver"),
              ElementsAre("string", "boolean", "boolean", "boolean", "string", "boolean", "string",
                          "string"));
  EXPECT_THAT(ColumnNames("storage.k8s.io", "CSINode"), ElementsAre("Name", "Drivers", "Age"));
  EXPECT_THAT(ColumnNames("storage.k8s.io", "VolumeAttachment"),
              ElementsAre("Name", "Attacher", "PV", "Node", "Attached", "Age"));
  EXPECT_EQ(TableColumns("storage.k8s.io", "VolumeAttachment")[1].format, "name");
  EXPECT_EQ(TableColumns("storage.k8s.io", "VolumeAttachment")[4].type, "boolean");
  // PreemptionPolicy is a regular column: kube-apiserver always prints the wide cells.
  EXPECT_THAT(ColumnNames("scheduling.k8s.io", "PriorityClass"),
              ElementsAre("Name", "Value", "Global-Default", "Age", "PreemptionPolicy"));
  EXPECT_THAT(Priorities("scheduling.k8s.io", "PriorityClass"), ElementsAre(0, 0, 0, 0, 0));
  EXPECT_THAT(
      ColumnNames("certificates.k8s.io", "CertificateSigningRequest"),
      ElementsAre("Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"));
  for (const char* kind : {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}) {
    EXPECT_THAT(ColumnNames("admissionregistration.k8s.io", kind),
                ElementsAre("Name", "Webhooks", "Age"));
  }
  EXPECT_THAT(ColumnNames("node.k8s.io", "RuntimeClass"), ElementsAre("Name", "Handler", "Age"));
}

TEST(TableColumnsTest, EveryNewColumnIsDescribed) {
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"", "ReplicationController"},
      {"", "PodTemplate"},
      {"", "ResourceQuota"},
      {"apps", "ControllerRevision"},
      {"autoscaling", "HorizontalPodAutoscaler"},
      {"policy", "PodDisruptionBudget"},
      {"networking.k8s.io", "Ingress"},
      {"networking.k8s.io", "IngressClass"},
      {"networking.k8s.io", "NetworkPolicy"},
      {"rbac.authorization.k8s.io", "RoleBinding"},
      {"storage.k8s.io", "StorageClass"},
      {"storage.k8s.io", "CSIDriver"},
      {"storage.k8s.io", "CSINode"},
      {"storage.k8s.io", "VolumeAttachment"},
      {"scheduling.k8s.io", "PriorityClass"},
      {"certificates.k8s.io", "CertificateSigningRequest"},
      {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"},
      {"node.k8s.io", "RuntimeClass"}};
  for (const auto& [group, kind] : kinds) {
    const auto& columns = TableColumns(group, kind);
    ASSERT_GT(columns.size(), 2u) << kind;
    EXPECT_EQ(columns[0].format, "name") << kind;
    EXPECT_EQ(columns[0].description, ObjectNameDescription()) << kind;
    for (const TableColumn& column : columns) {
      EXPECT_FALSE(column.description.empty()) << kind << " " << column.name;
      if (column.name == "Age") {
        EXPECT_EQ(column.description, CreationTimestampDescription()) << kind;
      }
    }
  }
}

TEST(TableColumnsTest, KindsWithoutUpstreamPrintersGetTheDefaultTable) {
  for (auto [group, kind] : std::vector<std::pair<std::string, std::string>>{
           {"rbac.authorization.k8s.io", "Role"},
           {"rbac.authorization.k8s.io", "ClusterRole"},
           {"", "LimitRange"},
           {"apiextensions.k8s.io", "CustomResourceDefinition"}}) {
    EXPECT_THAT(ColumnNames(group, kind), ElementsAre("Name", "Created At")) << kind;
    json object = {{"metadata", {{"name", "x"}, {"creationTimestamp", "2026-11-20T08:00:00Z"}}}};
    EXPECT_EQ(Cells(group, kind, object), json({"x", "2026-11-20T08:00:00Z"})) << kind;
  }
}

// ------------------------------------------------------------------------------------------
// ReplicationController, PodTemplate, ResourceQuota.

TEST(CoreCellsTest, ReplicationController) {
  json controller = json::parse(R"({
    "metadata": {"name": "nginx"},
    "spec": {"replicas": 3, "selector": {"app": "nginx", "tier": "web"},
             "template": {"metadata": {"labels": {"app": "nginx", "tier": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"},
                                                  {"name": "log", "image": "busybox:1.36"}]}}},
    "status": {"replicas": 3, "readyReplicas": 2}
  })");
  controller["metadata"]["creationTimestamp"] = Ago(600);
  EXPECT_EQ(Cells("", "ReplicationController", controller),
            json({"nginx", 3, 3, 2, "10m", "nginx,log", "nginx:1.27,busybox:1.36",
                  "app=nginx,tier=web"}));

  // Defaults: one replica, and an empty selector taken from the template's labels.
  json bare = json::parse(R"({
    "metadata": {"name": "rc"},
    "spec": {"template": {"metadata": {"labels": {"run": "rc"}}}}
  })");
  EXPECT_EQ(Cells("", "ReplicationController", bare),
            json({"rc", 1, 0, 0, "<unknown>", "", "", "run=rc"}));
  EXPECT_EQ(Cells("", "ReplicationController", json{{"metadata", {{"name", "x"}}}})[7], "<none>");
}

TEST(CoreCellsTest, PodTemplate) {
  json pod_template = json::parse(R"({
    "metadata": {"name": "web-template", "creationTimestamp": "2026-11-22T22:00:00Z"},
    "template": {"metadata": {"labels": {"tier": "front", "app": "web"}},
                 "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}
  })");
  EXPECT_EQ(Cells("", "PodTemplate", pod_template),
            json({"web-template", "web", "nginx:1.27", "app=web,tier=front"}));
  EXPECT_EQ(Cells("", "PodTemplate", json{{"metadata", {{"name", "t"}}}}),
            json({"t", "", "", "<none>"}));
}

TEST(CoreCellsTest, ResourceQuotaSplitsRequestsAndLimits) {
  json quota = json::parse(R"({
    "metadata": {"name": "compute"},
    "spec": {"hard": {"pods": "10"}},
    "status": {
      "hard": {"pods": "10", "requests.cpu": "1", "requests.memory": "1Gi", "limits.cpu": "2",
               "limits.memory": "2Gi", "count/configmaps": "5", "cpu": "4"},
      "used": {"pods": "3", "requests.cpu": "500m", "requests.memory": "256Mi",
               "limits.cpu": "1000m", "limits.memory": "512Mi", "cpu": 2}}
  })");
  quota["metadata"]["creationTimestamp"] = Ago(86400 * 2);
  // Name order; a resource missing from used prints 0; quantities print canonically.
  EXPECT_EQ(Cells("", "ResourceQuota", quota),
            json({"compute",
                  "count/configmaps: 0/5, cpu: 2/4, pods: 3/10, requests.cpu: 500m/1, "
                  "requests.memory: 256Mi/1Gi",
                  "limits.cpu: 1/2, limits.memory: 512Mi/2Gi", "2d"}));

  // Before the quota controller has filled in the status, both columns are empty.
  json fresh = {{"metadata", {{"name", "q"}}}, {"spec", {{"hard", {{"pods", "1"}}}}}};
  EXPECT_EQ(Cells("", "ResourceQuota", fresh), json({"q", "", "", "<unknown>"}));
}

// ------------------------------------------------------------------------------------------
// HorizontalPodAutoscaler.

json Autoscaler(const std::string& metrics, const std::string& current_metrics) {
  json autoscaler = json::parse(R"({
    "metadata": {"name": "web"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
             "minReplicas": 2, "maxReplicas": 10},
    "status": {"currentReplicas": 4, "desiredReplicas": 4}
  })");
  autoscaler["metadata"]["creationTimestamp"] = Ago(7200);
  autoscaler["spec"]["metrics"] = json::parse(metrics);
  if (!current_metrics.empty()) {
    autoscaler["status"]["currentMetrics"] = json::parse(current_metrics);
  }
  return autoscaler;
}

std::string Targets(const json& autoscaler) {
  return Cells("autoscaling", "HorizontalPodAutoscaler", autoscaler)[2].get<std::string>();
}

constexpr char kCpu80[] = R"([{"type": "Resource", "resource": {"name": "cpu",
    "target": {"type": "Utilization", "averageUtilization": 80}}}])";

TEST(HorizontalPodAutoscalerCellsTest, CpuUtilization) {
  json autoscaler = Autoscaler(kCpu80, R"([{"type": "Resource", "resource": {"name": "cpu",
      "current": {"averageUtilization": 40, "averageValue": "200m"}}}])");
  EXPECT_EQ(Cells("autoscaling", "HorizontalPodAutoscaler", autoscaler),
            json({"web", "Deployment/web", "cpu: 40%/80%", "2", 10, 4, "120m"}));
  // No measurement yet.
  EXPECT_EQ(Targets(Autoscaler(kCpu80, "")), "cpu: <unknown>/80%");
}

TEST(HorizontalPodAutoscalerCellsTest, DefaultsApplyToMissingMetricsAndMinReplicas) {
  json autoscaler = Autoscaler(kCpu80, "");
  autoscaler["spec"].erase("metrics");
  autoscaler["spec"].erase("minReplicas");
  autoscaler.erase("status");
  EXPECT_EQ(Cells("autoscaling", "HorizontalPodAutoscaler", autoscaler),
            json({"web", "Deployment/web", "cpu: <unknown>/80%", "1", 10, 0, "120m"}));
}

TEST(HorizontalPodAutoscalerCellsTest, ShowsTwoMetricsThenCountsTheRest) {
  json autoscaler = Autoscaler(R"([
      {"type": "Resource", "resource": {"name": "memory",
          "target": {"type": "AverageValue", "averageValue": "512Mi"}}},
      {"type": "Pods", "pods": {"metric": {"name": "packets-per-second"},
          "target": {"type": "AverageValue", "averageValue": "1k"}}},
      {"type": "Object", "object": {"metric": {"name": "requests-per-second"},
          "describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                              "name": "main"},
          "target": {"type": "Value", "value": "10k"}}},
      {"type": "External", "external": {"metric": {"name": "queue_messages"},
          "target": {"type": "AverageValue", "averageValue": "30"}}}])",
                               R"([
      {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "256Mi"}}},
      {"type": "Pods", "pods": {"metric": {"name": "packets-per-second"},
                                "current": {"averageValue": "866m"}}}])");
  EXPECT_EQ(Targets(autoscaler), "memory: 256Mi/512Mi, 866m/1k + 2 more...");
}

TEST(HorizontalPodAutoscalerCellsTest, ObjectExternalAndContainerResourceForms) {
  const std::string object_and_external = R"([
      {"type": "Object", "object": {"metric": {"name": "requests-per-second"},
          "target": {"type": "Value", "value": "10k"}}},
      {"type": "External", "external": {"metric": {"name": "queue_messages"},
          "target": {"type": "AverageValue", "averageValue": "30"}}}])";
  EXPECT_EQ(Targets(Autoscaler(object_and_external, R"([
      {"type": "Object", "object": {"metric": {"name": "requests-per-second"},
                                    "current": {"value": "12k"}}}])")),
            "12k/10k, <unknown>/30 (avg)");

  const std::string averages = R"([
      {"type": "Object", "object": {"metric": {"name": "hits"},
          "target": {"type": "AverageValue", "averageValue": "100"}}},
      {"type": "External", "external": {"metric": {"name": "lag"},
          "target": {"type": "Value", "value": "5"}}}])";
  EXPECT_EQ(Targets(Autoscaler(averages, R"([
      {"type": "Object", "object": {"current": {"averageValue": "150"}}},
      {"type": "External", "external": {"current": {"value": "7"}}}])")),
            "150/100 (avg), 7/5");

  EXPECT_EQ(Targets(Autoscaler(R"([
      {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app",
          "target": {"type": "Utilization", "averageUtilization": 60}}},
      {"type": "ContainerResource", "containerResource": {"name": "memory", "container": "app",
          "target": {"type": "AverageValue", "averageValue": "1Gi"}}}])",
                               R"([
      {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app",
          "current": {"averageUtilization": 75}}},
      {"type": "ContainerResource", "containerResource": {"name": "memory", "container": "app",
          "current": {"averageValue": "805306368"}}}])")),
            "cpu: 75%/60%, memory: 805306368/1Gi");
}

TEST(HorizontalPodAutoscalerCellsTest, StatusIsMatchedByPositionAndOddTargets) {
  // The status entry at the same index is of another type: nothing to show.
  EXPECT_EQ(Targets(Autoscaler(kCpu80, R"([{"type": "Pods", "pods": {
      "metric": {"name": "x"}, "current": {"averageValue": "1"}}}])")),
            "cpu: <unknown>/80%");
  // A resource target without a utilization prints <auto>; unknown metric types are named so.
  EXPECT_EQ(Targets(Autoscaler(R"([
      {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization"}}},
      {"type": "Custom"}])",
                               "")),
            "memory: <unknown>/<auto>, <unknown type>");
}

// ------------------------------------------------------------------------------------------
// PodDisruptionBudget, ControllerRevision.

TEST(WorkloadCellsTest, PodDisruptionBudget) {
  json budget = json::parse(R"({
    "metadata": {"name": "web-pdb"},
    "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
    "status": {"disruptionsAllowed": 1, "currentHealthy": 3, "desiredHealthy": 2,
               "expectedPods": 3}
  })");
  budget["metadata"]["creationTimestamp"] = Ago(3600 * 5);
  EXPECT_EQ(Cells("policy", "PodDisruptionBudget", budget), json({"web-pdb", "2", "N/A", 1, "5h"}));

  json percent = {{"metadata", {{"name", "db"}}}, {"spec", {{"maxUnavailable", "25%"}}}};
  EXPECT_EQ(Cells("policy", "PodDisruptionBudget", percent),
            json({"db", "N/A", "25%", 0, "<unknown>"}));
}

TEST(WorkloadCellsTest, ControllerRevision) {
  json revision = json::parse(R"({
    "metadata": {"name": "web-6b9d5c7f8", "ownerReferences": [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "unrelated", "uid": "1"},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "2",
         "controller": true, "blockOwnerDeletion": true}]},
    "data": {"spec": {}}, "revision": 3
  })");
  revision["metadata"]["creationTimestamp"] = Ago(90);
  EXPECT_EQ(Cells("apps", "ControllerRevision", revision),
            json({"web-6b9d5c7f8", "statefulset.apps/web", 3, "90s"}));

  // A core-group controller has no group suffix; without a controller the cell is <none>.
  revision["metadata"]["ownerReferences"][0]["controller"] = true;
  EXPECT_EQ(Cells("apps", "ControllerRevision", revision)[1], "configmap/unrelated");
  EXPECT_EQ(Cells("apps", "ControllerRevision", json{{"metadata", {{"name", "r"}}}}),
            json({"r", "<none>", 0, "<unknown>"}));
}

// ------------------------------------------------------------------------------------------
// Networking.

TEST(NetworkingCellsTest, Ingress) {
  json ingress = json::parse(R"({
    "metadata": {"name": "main"},
    "spec": {"ingressClassName": "nginx",
             "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
             "rules": [{"host": "shop.example.com", "http": {"paths": []}},
                       {"http": {"paths": []}}]},
    "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.2"}, {"hostname": "lb.example.com"},
                                            {"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}]}}
  })");
  ingress["metadata"]["creationTimestamp"] = Ago(45);
  // The address list is sorted, de-duplicated and, in wide output, never clipped.
  EXPECT_EQ(Cells("networking.k8s.io", "Ingress", ingress),
            json({"main", "nginx", "shop.example.com", "10.0.0.1,10.0.0.2,lb.example.com",
                  "80, 443", "45s"}));

  json bare = json::parse(R"({"metadata": {"name": "b"},
                              "spec": {"defaultBackend": {"service": {"name": "web"}}}})");
  EXPECT_EQ(Cells("networking.k8s.io", "Ingress", bare),
            json({"b", "<none>", "*", "", "80", "<unknown>"}));
}

TEST(NetworkingCellsTest, IngressHostsListThreeAndCountEveryOtherRule) {
  auto hosts = [](const std::vector<std::string>& names) {
    json rules = json::array();
    for (const std::string& name : names) {
      rules.push_back(name.empty() ? json{{"http", json::object()}} : json{{"host", name}});
    }
    json ingress = {{"metadata", {{"name", "i"}}}, {"spec", {{"rules", rules}}}};
    return Cells("networking.k8s.io", "Ingress", ingress)[2].get<std::string>();
  };
  EXPECT_EQ(hosts({"a", "b", "c"}), "a,b,c");
  EXPECT_EQ(hosts({"a", "b", "c", "d"}), "a,b,c + 1 more...");
  // A rule without a host is skipped but still counted, as upstream does.
  EXPECT_EQ(hosts({"a", "", "b", "c", "d"}), "a,b,c + 2 more...");
  EXPECT_EQ(hosts({"", ""}), "*");
}

TEST(NetworkingCellsTest, IngressClassAndNetworkPolicy) {
  json ingress_class = json::parse(R"({
    "metadata": {"name": "external-lb"},
    "spec": {"controller": "example.com/ingress-controller",
             "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters",
                            "name": "external-lb", "scope": "Cluster"}}
  })");
  ingress_class["metadata"]["creationTimestamp"] = Ago(3600 * 30);
  EXPECT_EQ(Cells("networking.k8s.io", "IngressClass", ingress_class),
            json({"external-lb", "example.com/ingress-controller",
                  "IngressParameters.k8s.example.com/external-lb", "30h"}));
  ingress_class["spec"]["parameters"].erase("apiGroup");
  EXPECT_EQ(Cells("networking.k8s.io", "IngressClass", ingress_class)[2],
            "IngressParameters/external-lb");
  ingress_class["spec"].erase("parameters");
  EXPECT_EQ(Cells("networking.k8s.io", "IngressClass", ingress_class)[2], "<none>");

  json policy = json::parse(R"({
    "metadata": {"name": "db-ingress"},
    "spec": {"podSelector": {"matchLabels": {"role": "db"},
                             "matchExpressions": [{"key": "tier", "operator": "In",
                                                   "values": ["b", "a"]}]},
             "policyTypes": ["Ingress"]}
  })");
  EXPECT_EQ(Cells("networking.k8s.io", "NetworkPolicy", policy),
            json({"db-ingress", "role=db,tier in (a,b)", "<unknown>"}));
  policy["spec"]["podSelector"] = json::object();  // every pod in the namespace
  EXPECT_EQ(Cells("networking.k8s.io", "NetworkPolicy", policy)[1], "<none>");
}

// ------------------------------------------------------------------------------------------
// RBAC.

TEST(RbacCellsTest, BindingsListSubjectsByKind) {
  json binding = json::parse(R"({
    "metadata": {"name": "dev-view", "namespace": "dev"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
    "subjects": [
      {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
      {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"},
      {"kind": "ServiceAccount", "name": "ci", "namespace": "build"},
      {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"}]
  })");
  binding["metadata"]["creationTimestamp"] = Ago(86400 * 400);
  EXPECT_EQ(Cells("rbac.authorization.k8s.io", "RoleBinding", binding),
            json({"dev-view", "ClusterRole/view", "400d", "alice, bob", "devs", "build/ci"}));

  json cluster_binding = json::parse(R"({
    "metadata": {"name": "system:basic-user"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                "name": "system:basic-user"}
  })");
  EXPECT_EQ(Cells("rbac.authorization.k8s.io", "ClusterRoleBinding", cluster_binding),
            json({"system:basic-user", "ClusterRole/system:basic-user", "<unknown>", "", "", ""}));
}

// ------------------------------------------------------------------------------------------
// Storage.

TEST(StorageCellsTest, StorageClassMarksTheDefault) {
  json storage_class = json::parse(R"({
    "metadata": {"name": "local-path",
                 "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
    "provisioner": "rancher.io/local-path", "reclaimPolicy": "Retain",
    "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true
  })");
  storage_class["metadata"]["creationTimestamp"] = Ago(3600);
  EXPECT_EQ(Cells("storage.k8s.io", "StorageClass", storage_class),
            json({"local-path (default)", "rancher.io/local-path", "Retain", "WaitForFirstConsumer",
                  true, "60m"}));

  storage_class["metadata"]["annotations"] = {
      {"storageclass.beta.kubernetes.io/is-default-class", "true"}};
  EXPECT_EQ(Cells("storage.k8s.io", "StorageClass", storage_class)[0], "local-path (default)");
  storage_class["metadata"]["annotations"] = {
      {"storageclass.kubernetes.io/is-default-class", "True"}};
  EXPECT_EQ(Cells("storage.k8s.io", "StorageClass", storage_class)[0], "local-path");

  json bare = {{"metadata", {{"name", "slow"}}}, {"provisioner", "example.com/nfs"}};
  EXPECT_EQ(Cells("storage.k8s.io", "StorageClass", bare),
            json({"slow", "example.com/nfs", "Delete", "Immediate", false, "<unknown>"}));
}

TEST(StorageCellsTest, CSIDriver) {
  json driver = json::parse(R"({
    "metadata": {"name": "secrets-store.csi.k8s.io"},
    "spec": {"attachRequired": false, "podInfoOnMount": true, "storageCapacity": true,
             "tokenRequests": [{"audience": "vault"},
                               {"audience": "gcp", "expirationSeconds": 3600}],
             "requiresRepublish": true, "volumeLifecycleModes": ["Persistent", "Ephemeral"]}
  })");
  driver["metadata"]["creationTimestamp"] = Ago(86400 * 9);
  EXPECT_EQ(Cells("storage.k8s.io", "CSIDriver", driver),
            json({"secrets-store.csi.k8s.io", false, true, true, "vault,gcp", true,
                  "Persistent,Ephemeral", "9d"}));

  // Defaults: attach required, one Persistent mode, no token requests.
  json bare = {{"metadata", {{"name", "ebs.csi.aws.com"}}}, {"spec", json::object()}};
  EXPECT_EQ(
      Cells("storage.k8s.io", "CSIDriver", bare),
      json({"ebs.csi.aws.com", true, false, false, "<unset>", false, "Persistent", "<unknown>"}));
}

TEST(StorageCellsTest, CSINodeAndVolumeAttachment) {
  json node = json::parse(R"({
    "metadata": {"name": "node-a"},
    "spec": {"drivers": [{"name": "ebs.csi.aws.com", "nodeID": "i-1"},
                         {"name": "efs.csi.aws.com", "nodeID": "i-1"}]}
  })");
  EXPECT_EQ(Cells("storage.k8s.io", "CSINode", node), json({"node-a", 2, "<unknown>"}));
  EXPECT_EQ(Cells("storage.k8s.io", "CSINode", json{{"metadata", {{"name", "n"}}}})[1], 0);

  json attachment = json::parse(R"({
    "metadata": {"name": "csi-3f2a"},
    "spec": {"attacher": "ebs.csi.aws.com", "nodeName": "node-a",
             "source": {"persistentVolumeName": "pvc-1234"}},
    "status": {"attached": true, "attachmentMetadata": {"devicePath": "/dev/xvdba"}}
  })");
  attachment["metadata"]["creationTimestamp"] = Ago(300);
  EXPECT_EQ(Cells("storage.k8s.io", "VolumeAttachment", attachment),
            json({"csi-3f2a", "ebs.csi.aws.com", "pvc-1234", "node-a", true, "5m"}));
  // An inline volume has no PV name; not yet attached.
  attachment["spec"]["source"] = {{"inlineVolumeSpec", json::object()}};
  attachment.erase("status");
  EXPECT_EQ(Cells("storage.k8s.io", "VolumeAttachment", attachment),
            json({"csi-3f2a", "ebs.csi.aws.com", "", "node-a", false, "5m"}));
}

// ------------------------------------------------------------------------------------------
// Scheduling, certificates, admission, node.

TEST(OtherCellsTest, PriorityClass) {
  json priority_class = json::parse(R"({
    "metadata": {"name": "system-cluster-critical"},
    "value": 2000000000, "globalDefault": false, "preemptionPolicy": "Never",
    "description": "Used for system critical pods."
  })");
  priority_class["metadata"]["creationTimestamp"] = Ago(86400 * 3);
  EXPECT_EQ(Cells("scheduling.k8s.io", "PriorityClass", priority_class),
            json({"system-cluster-critical", 2000000000, false, "3d", "Never"}));
  json bare = {{"metadata", {{"name", "low"}}}, {"value", -5}, {"globalDefault", true}};
  EXPECT_EQ(Cells("scheduling.k8s.io", "PriorityClass", bare),
            json({"low", -5, true, "<unknown>", "PreemptLowerPriority"}));
}

TEST(OtherCellsTest, CertificateSigningRequestCondition) {
  json request = json::parse(R"({
    "metadata": {"name": "alice-client"},
    "spec": {"signerName": "kubernetes.io/kube-apiserver-client", "username": "alice",
             "expirationSeconds": 86400, "usages": ["client auth"], "request": "LS0t"},
    "status": {"conditions": [{"type": "Approved", "status": "True", "reason": "AutoApproved"}],
               "certificate": "LS0tLS1CRUdJTg=="}
  })");
  request["metadata"]["creationTimestamp"] = Ago(120);
  EXPECT_EQ(Cells("certificates.k8s.io", "CertificateSigningRequest", request),
            json({"alice-client", "2m", "kubernetes.io/kube-apiserver-client", "alice", "24h",
                  "Approved,Issued"}));

  auto condition = [](const json& status) {
    json csr = {{"metadata", {{"name", "c"}}}, {"status", status}};
    return Cells("certificates.k8s.io", "CertificateSigningRequest", csr)[5].get<std::string>();
  };
  EXPECT_EQ(condition(json::object()), "Pending");
  EXPECT_EQ(condition(json::parse(R"({"conditions": [{"type": "Approved"}, {"type": "Failed"}]})")),
            "Approved,Failed");
  // Denied wins over Approved.
  EXPECT_EQ(condition(json::parse(R"({"conditions": [{"type": "Approved"}, {"type": "Denied"}]})")),
            "Denied");

  json bare = {{"metadata", {{"name", "c"}}}, {"spec", {{"username", "system:node:a"}}}};
  EXPECT_EQ(Cells("certificates.k8s.io", "CertificateSigningRequest", bare),
            json({"c", "<unknown>", "<none>", "system:node:a", "<none>", "Pending"}));
  bare["spec"]["expirationSeconds"] = 600;
  EXPECT_EQ(Cells("certificates.k8s.io", "CertificateSigningRequest", bare)[4], "10m");
}

TEST(OtherCellsTest, WebhookConfigurationsAndRuntimeClass) {
  json webhooks = json::parse(R"({
    "metadata": {"name": "policy-agent"},
    "webhooks": [{"name": "a.example.com", "sideEffects": "None",
                  "admissionReviewVersions": ["v1"]},
                 {"name": "b.example.com", "sideEffects": "None",
                  "admissionReviewVersions": ["v1"]}]
  })");
  webhooks["metadata"]["creationTimestamp"] = Ago(59);
  for (const char* kind : {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}) {
    EXPECT_EQ(Cells("admissionregistration.k8s.io", kind, webhooks),
              json({"policy-agent", 2, "59s"}));
    EXPECT_EQ(Cells("admissionregistration.k8s.io", kind, json{{"metadata", {{"name", "e"}}}}),
              json({"e", 0, "<unknown>"}));
  }

  json runtime_class = {{"metadata", {{"name", "gvisor"}, {"creationTimestamp", Ago(3600 * 8)}}},
                        {"handler", "runsc"}};
  EXPECT_EQ(Cells("node.k8s.io", "RuntimeClass", runtime_class), json({"gvisor", "runsc", "8h"}));
}

// ------------------------------------------------------------------------------------------
// Robustness.

TEST(TableCellsTest, MalformedObjectsNeverThrowAndStayAligned) {
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"", "Pod"},
      {"", "Namespace"},
      {"", "ConfigMap"},
      {"", "Secret"},
      {"", "ServiceAccount"},
      {"", "Event"},
      {"events.k8s.io", "Event"},
      {"", "Node"},
      {"", "Service"},
      {"", "Endpoints"},
      {"coordination.k8s.io", "Lease"},
      {"discovery.k8s.io", "EndpointSlice"},
      {"apps", "Deployment"},
      {"apps", "ReplicaSet"},
      {"apps", "StatefulSet"},
      {"apps", "DaemonSet"},
      {"batch", "Job"},
      {"batch", "CronJob"},
      {"", "PersistentVolumeClaim"},
      {"", "PersistentVolume"},
      {"", "ReplicationController"},
      {"", "PodTemplate"},
      {"", "ResourceQuota"},
      {"apps", "ControllerRevision"},
      {"autoscaling", "HorizontalPodAutoscaler"},
      {"policy", "PodDisruptionBudget"},
      {"networking.k8s.io", "Ingress"},
      {"networking.k8s.io", "IngressClass"},
      {"networking.k8s.io", "NetworkPolicy"},
      {"rbac.authorization.k8s.io", "RoleBinding"},
      {"rbac.authorization.k8s.io", "ClusterRoleBinding"},
      {"storage.k8s.io", "StorageClass"},
      {"storage.k8s.io", "CSIDriver"},
      {"storage.k8s.io", "CSINode"},
      {"storage.k8s.io", "VolumeAttachment"},
      {"scheduling.k8s.io", "PriorityClass"},
      {"certificates.k8s.io", "CertificateSigningRequest"},
      {"admissionregistration.k8s.io", "MutatingWebhookConfiguration"},
      {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"},
      {"node.k8s.io", "RuntimeClass"},
      {"example.com", "Widget"}};
  const std::vector<json> objects = {
      json(),
      json::array({1, 2}),
      json("pod"),
      json::parse(R"({"metadata": [], "spec": 5, "status": "x", "data": 3})"),
      json::parse(R"({"metadata": {"name": 7, "creationTimestamp": "yesterday",
                                   "labels": {"node-role.kubernetes.io/x": 1}},
                      "spec": {"containers": "app", "ports": [1, {"port": "80"}],
                               "selector": {"matchLabels": [], "matchExpressions": [3]},
                               "replicas": "3", "template": []},
                      "status": {"containerStatuses": [null, {"state": []}],
                                 "initContainerStatuses": [{"state": {"terminated": 1}}],
                                 "conditions": [[], {"type": 1}]},
                      "subsets": [{"addresses": [1], "ports": [null]}],
                      "involvedObject": "x", "series": {"count": "many"}})"),
      json::parse(R"({"metadata": {"ownerReferences": [1, {"controller": "yes"},
                                       {"controller": true, "apiVersion": 5}],
                                   "annotations": [1]},
                      "spec": {"metrics": [1, {"type": "Resource", "resource": 3},
                                           {"type": "Pods"}, {"type": "External",
                                            "external": {"target": []}}],
                               "rules": [1, {"host": 2}], "tls": "yes", "selector": "a=b",
                               "parameters": [], "podSelector": 4, "drivers": {},
                               "tokenRequests": [1], "volumeLifecycleModes": [2],
                               "template": {"metadata": {"labels": []}},
                               "minAvailable": {}, "expirationSeconds": "1"},
                      "status": {"hard": {"cpu": {"x": 1}, "limits.cpu": []}, "used": 3,
                                 "currentMetrics": [[]], "loadBalancer": {"ingress": [7]},
                                 "certificate": 5},
                      "roleRef": [], "subjects": [null, {"kind": 1}], "webhooks": {"a": 1},
                      "revision": "3", "value": "high", "handler": {}})"),
  };
  for (const auto& [group, kind] : kinds) {
    for (const json& object : objects) {
      json cells;
      ASSERT_NO_THROW(cells = TableCells(group, kind, object, kNow)) << kind << object.dump();
      ASSERT_TRUE(cells.is_array());
      EXPECT_EQ(cells.size(), TableColumns(group, kind).size()) << kind << " " << object.dump();
      for (const json& cell : cells) {
        EXPECT_TRUE(cell.is_string() || cell.is_number_integer() || cell.is_boolean());
      }
    }
  }
}

}  // namespace
}  // namespace k1s::api
