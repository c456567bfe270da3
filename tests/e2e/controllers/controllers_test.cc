// The acceptance walk of the controller manager with kubectl 1.32: `k1s server --disable-agent`
// runs the controllers and the scheduler, `k1s simulate` plays the kubelets of three nodes, and
// each test drives one workload in its own namespace and checks what the cluster made of it:
// Deployments (spread, scale, rollout, history, undo, pause/resume, restart), Jobs to completion
// and their TTL, CronJobs on demand and on schedule, namespace deletion with a custom resource
// inside, the events that explain it all, cascading deletes in the three propagation policies,
// Services' endpoints, and DaemonSets (one pod per node, in its node IPAM range) and
// StatefulSets (ordered, with bound claims).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/controllers/simulated_cluster_fixture.h"

namespace k1s::e2e {
namespace {

using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kCompleteAfter[] = "simulate.k1s.io/complete-after";

// The controller ownerReference of `object`, or null.
nlohmann::json ControllerOf(const nlohmann::json& object) {
  for (const auto& ref : object.value("/metadata/ownerReferences"_json_pointer, nlohmann::json())) {
    if (ref.value("controller", false)) return ref;
  }
  return nullptr;
}

// Unix seconds of an RFC 3339 UTC timestamp ("2024-05-01T10:00:00Z"), or -1.
int64_t UnixSeconds(const std::string& timestamp) {
  std::tm tm{};
  if (strptime(timestamp.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) return -1;
  return static_cast<int64_t>(timegm(&tm));
}

class ControllersTest : public SimulatedClusterTest {};

TEST_F(ControllersTest, DeploymentScalesRollsOutRollsBackPausesAndRestarts) {
  CreateAvailableDeployment("web", 3);
  // Three ready pods, one per simulated node (upstream's default topology spread).
  auto pods = WaitForReadyPods("app=web", 3, "busybox:local");
  EXPECT_EQ(NodesOf(pods), (std::set<std::string>{"sim-0", "sim-1", "sim-2"}));
  EXPECT_EQ(Jsonpath("deployment/web", "{.status.availableReplicas}"), "3");

  // Exact outputs are compared on stdout: k1s warns about PodSecurity "restricted" on stderr.
  EXPECT_EQ(NsOut({"scale", "deployment", "web", "--replicas=5"}), "deployment.apps/web scaled\n");
  NsLong({"wait", "--for=jsonpath={.status.readyReplicas}=5", "deployment/web", "--timeout=60s"});
  WaitForReadyPods("app=web", 5, "busybox:local");
  EXPECT_EQ(ReplicaSetsByRevision("app=web").size(), 1u);

  // A new image rolls out through a second ReplicaSet.
  EXPECT_EQ(NsOut({"set", "image", "deployment/web", "busybox=busybox:v2"}),
            "deployment.apps/web image updated\n");
  EXPECT_THAT(NsLong({"rollout", "status", "deployment/web", "--timeout=60s"}),
              HasSubstr("deployment \"web\" successfully rolled out"));
  WaitForReadyPods("app=web", 5, "busybox:v2");
  auto sets = ReplicaSetsByRevision("app=web");
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets.begin()->first, 1);
  EXPECT_EQ(sets[1]["spec"].value("replicas", -1), 0);
  EXPECT_EQ(sets[2]["spec"].value("replicas", -1), 5);
  EXPECT_THAT(NsOut({"rollout", "history", "deployment/web"}),
              ContainsRegex("REVISION +CHANGE-CAUSE\n1 +<none>\n2 +<none>\n"));
  std::string revision1 = NsOut({"rollout", "history", "deployment/web", "--revision=1"});
  EXPECT_THAT(revision1, ContainsRegex("Image:[[:space:]]+busybox:local\n"));
  EXPECT_THAT(revision1, Not(HasSubstr("busybox:v2")));

  // Undo brings revision 1 back as revision 3.
  EXPECT_EQ(NsOut({"rollout", "undo", "deployment/web"}), "deployment.apps/web rolled back\n");
  NsLong({"rollout", "status", "deployment/web", "--timeout=60s"});
  EXPECT_EQ(Jsonpath("deployment/web", "{.spec.template.spec.containers[0].image}"),
            "busybox:local");
  WaitForReadyPods("app=web", 5, "busybox:local");
  EXPECT_THAT(NsOut({"rollout", "history", "deployment/web"}),
              ContainsRegex("REVISION +CHANGE-CAUSE\n2 +<none>\n3 +<none>\n"));
  EXPECT_EQ(ReplicaSetsByRevision("app=web").size(), 2u);

  // A paused deployment takes template changes without rolling them out.
  EXPECT_EQ(NsOut({"rollout", "pause", "deployment/web"}), "deployment.apps/web paused\n");
  NsOk({"set", "image", "deployment/web", "busybox=busybox:v3"});
  std::string generation = Jsonpath("deployment/web", "{.metadata.generation}");
  NsLong({"wait", "--for=jsonpath={.status.observedGeneration}=" + generation, "deployment/web",
          "--timeout=30s"});
  NsLong({"wait",
          R"(--for=jsonpath={.status.conditions[?(@.type=="Progressing")].reason}=DeploymentPaused)",
          "deployment/web", "--timeout=30s"});
  sets = ReplicaSetsByRevision("app=web");
  EXPECT_EQ(sets.size(), 2u);
  for (const auto& [revision, rs] : sets) {
    EXPECT_NE(Str(rs, "/spec/template/spec/containers/0/image"_json_pointer), "busybox:v3");
  }
  WaitForReadyPods("app=web", 5, "busybox:local");

  // Resuming rolls the pending change out.
  EXPECT_EQ(NsOut({"rollout", "resume", "deployment/web"}), "deployment.apps/web resumed\n");
  NsLong({"rollout", "status", "deployment/web", "--timeout=60s"});
  WaitForReadyPods("app=web", 5, "busybox:v3");
  sets = ReplicaSetsByRevision("app=web");
  EXPECT_EQ(sets.size(), 3u);
  EXPECT_EQ(Str(sets.rbegin()->second, "/spec/template/spec/containers/0/image"_json_pointer),
            "busybox:v3");

  // A restart is a new ReplicaSet whose template carries kubectl's restartedAt annotation.
  EXPECT_EQ(NsOut({"rollout", "restart", "deployment/web"}), "deployment.apps/web restarted\n");
  NsLong({"rollout", "status", "deployment/web", "--timeout=60s"});
  sets = ReplicaSetsByRevision("app=web");
  EXPECT_EQ(sets.size(), 4u);
  const nlohmann::json& newest = sets.rbegin()->second;
  EXPECT_NE(Str(newest,
                "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"_json_pointer),
            "");
  EXPECT_EQ(newest["spec"].value("replicas", -1), 5);
  pods = WaitForReadyPods("app=web", 5, "busybox:v3");
  for (const auto& pod : pods) {
    EXPECT_EQ(ControllerOf(pod).value("name", ""), Str(newest, "/metadata/name"_json_pointer));
  }
}

constexpr char kJobs[] = R"(apiVersion: batch/v1
kind: Job
metadata: {name: x}
spec:
  completions: 3
  parallelism: 2
  template:
    metadata:
      annotations: {simulate.k1s.io/complete-after: "1"}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox:local}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: short-lived}
spec:
  ttlSecondsAfterFinished: 0
  template:
    metadata:
      annotations: {simulate.k1s.io/complete-after: "1"}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox:local}]
)";

TEST_F(ControllersTest, JobRunsToCompletionAndItsTtlRemovesIt) {
  EXPECT_EQ(NsOut({"create", "-f", Manifest("jobs.yaml", kJobs)}),
            "job.batch/x created\njob.batch/short-lived created\n");
  EXPECT_EQ(NsLong({"wait", "--for=condition=complete", "job/x", "--timeout=60s"}),
            "job.batch/x condition met\n");
  EXPECT_EQ(Jsonpath("job/x", "{.status.succeeded}"), "3");
  EXPECT_EQ(Jsonpath("job/x", "{.status.failed}"), "");
  EXPECT_NE(Jsonpath("job/x", "{.status.completionTime}"), "");
  auto pods = Pods("job-name=x");
  EXPECT_EQ(pods.size(), 3u);
  for (const auto& pod : pods) {
    EXPECT_EQ(Str(pod, "/status/phase"_json_pointer), "Succeeded");
    EXPECT_EQ(ControllerOf(pod).value("kind", ""), "Job");
  }
  // ttlSecondsAfterFinished: 0 deletes the finished Job (and, in the background, its pod).
  NsLong({"wait", "--for=delete", "job/short-lived", "--timeout=60s"});
  EXPECT_TRUE(Eventually([&] { return Pods("job-name=short-lived").empty(); }))
      << NsOk({"get", "pods", "-l", "job-name=short-lived"});
  EXPECT_TRUE(Eventually([&] {
    return NsOk({"get", "events"}).find("Job completed") != std::string::npos;
  })) << NsOk({"get", "events"});
}

constexpr char kCronJob[] = R"(apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {simulate.k1s.io/complete-after: "1"}
        spec:
          restartPolicy: Never
          containers: [{name: main, image: busybox:local}]
)";

TEST_F(ControllersTest, CronJobRunsOnDemandAndOnSchedule) {
  NsOk({"create", "-f", Manifest("cronjob.yaml", kCronJob)});
  std::string cronjob_uid = Jsonpath("cronjob/tick", "{.metadata.uid}");

  // On demand: kubectl makes the Job from the template, owned by the CronJob.
  EXPECT_EQ(NsOut({"create", "job", "manual", "--from=cronjob/tick"}),
            "job.batch/manual created\n");
  NsLong({"wait", "--for=condition=complete", "job/manual", "--timeout=60s"});
  EXPECT_EQ(Jsonpath("job/manual", "{.status.succeeded}"), "1");
  EXPECT_EQ(Jsonpath("job/manual", "{.metadata.ownerReferences[0].uid}"), cronjob_uid);

  // On schedule: within a minute the controller makes tick-<scheduled minute>.
  std::string scheduled;
  EXPECT_TRUE(Eventually(
      [&] {
        nlohmann::json jobs = NsJson({"jobs"});
        if (!jobs.is_object()) return false;
        for (const auto& job : jobs.value("items", nlohmann::json::array())) {
          nlohmann::json owner = ControllerOf(job);
          std::string name = Str(job, "/metadata/name"_json_pointer);
          if (name != "manual" && owner.is_object() && owner.value("uid", "") == cronjob_uid) {
            scheduled = name;
            return true;
          }
        }
        return false;
      },
      75))
      << NsOk({"get", "cronjob,jobs", "-o", "wide"});
  ASSERT_THAT(scheduled, ::testing::MatchesRegex("tick-[0-9]+"));
  NsLong({"wait", "--for=condition=complete", "job/" + scheduled, "--timeout=60s"});
  // The name is the scheduled time in minutes, which the status reports.
  std::string last_schedule = Jsonpath("cronjob/tick", "{.status.lastScheduleTime}");
  EXPECT_EQ(UnixSeconds(last_schedule), std::stoll(scheduled.substr(5)) * 60) << last_schedule;
  NsLong({"wait", "--for=jsonpath={.status.lastSuccessfulTime}", "cronjob/tick",
          "--timeout=30s"});
  EXPECT_TRUE(Eventually([&] {
    std::string events = NsOk({"get", "events", "--field-selector=involvedObject.name=tick"});
    return events.find("Created job " + scheduled) != std::string::npos &&
           events.find("SawCompletedJob") != std::string::npos;
  })) << NsOk({"get", "events"});
}

TEST_F(ControllersTest, DeletingANamespaceRemovesEverythingInIt) {
  std::string group = ns_ + ".example.com";
  std::string crd = "gadgets." + group;
  Ok({"create", "-f",
      Manifest("crd.yaml", "apiVersion: apiextensions.k8s.io/v1\n"
                           "kind: CustomResourceDefinition\n"
                           "metadata: {name: " +
                               crd + "}\nspec:\n  group: " + group +
                               "\n  scope: Namespaced\n"
                               "  names: {plural: gadgets, singular: gadget, kind: Gadget}\n"
                               "  versions:\n  - name: v1\n    served: true\n    storage: true\n"
                               "    schema:\n      openAPIV3Schema:\n        type: object\n"
                               "        x-kubernetes-preserve-unknown-fields: true\n")});
  NsLong({"wait", "--for=condition=Established", "crd/" + crd, "--timeout=30s"});
  CreateAvailableDeployment("web", 2);
  NsOk({"create", "configmap", "settings", "--from-literal=a=b"});
  // Discovery of the new group may lag the Established condition by a moment.
  EXPECT_TRUE(Eventually([&] {
    return Run({"-n", ns_, "apply", "-f",
                Manifest("gadget.yaml", "apiVersion: " + group +
                                            "/v1\nkind: Gadget\nmetadata: {name: g1}\n")})
               .exit_code == 0;
  }));
  EXPECT_EQ(NsOut({"get", "gadgets", "-o", "name"}), "gadget." + group + "/g1\n");

  EXPECT_EQ(server_->Kubectl({"delete", "ns", ns_, "--timeout=60s"}, {}, 90).output,
            "namespace \"" + ns_ + "\" deleted\n");
  EXPECT_EQ(Run({"get", "ns", ns_}).output,
            "Error from server (NotFound): namespaces \"" + ns_ + "\" not found\n");
  for (const char* kind : {"deployments", "replicasets", "pods", "configmaps", "gadgets"}) {
    EXPECT_EQ(Run({"-n", ns_, "get", kind}).output, "No resources found in " + ns_ + " namespace.\n")
        << kind;
  }
  Ok({"delete", "crd", crd, "--timeout=30s"});
}

TEST_F(ControllersTest, EventsExplainWhatHappened) {
  CreateAvailableDeployment("web", 2);
  std::string rs = Jsonpath("replicasets", "{.items[0].metadata.name}");
  auto pods = WaitForReadyPods("app=web", 2);
  ASSERT_EQ(pods.size(), 2u);
  std::string pod = Str(pods[0], "/metadata/name"_json_pointer);
  std::string node = Str(pods[0], "/spec/nodeName"_json_pointer);
  std::string events;
  bool all = Eventually([&] {
    events = NsOut({"get", "events"});
    return events.find("ScalingReplicaSet") != std::string::npos &&
           events.find("Created pod: " + pod) != std::string::npos &&
           events.find("Successfully assigned " + ns_ + "/" + pod) != std::string::npos;
  });
  EXPECT_TRUE(all) << events;
  EXPECT_THAT(events, ContainsRegex("Normal +ScalingReplicaSet +deployment/web +Scaled up replica "
                                    "set " +
                                    rs + " from 0 to 2\n"));
  EXPECT_THAT(events, ContainsRegex("Normal +SuccessfulCreate +replicaset/" + rs +
                                    " +Created pod: " + pod + "\n"));
  EXPECT_THAT(events, ContainsRegex("Normal +Scheduled +pod/" + pod + " +Successfully assigned " +
                                    ns_ + "/" + pod + " to " + node + "\n"));
}

TEST_F(ControllersTest, ServiceEndpointsFollowReadyPods) {
  CreateAvailableDeployment("web", 2);
  EXPECT_EQ(NsOut({"expose", "deployment", "web", "--port=80"}), "service/web exposed\n");
  // The Endpoints and the EndpointSlice list exactly the ready pods' IPs.
  auto pod_ips = [&](size_t count) {
    std::set<std::string> ips;
    for (const auto& pod : WaitForReadyPods("app=web", count)) {
      ips.insert(Str(pod, "/status/podIP"_json_pointer));
    }
    return ips;
  };
  auto endpoint_ips = [&] {
    std::set<std::string> ips;
    nlohmann::json endpoints = NsJson({"endpoints", "web"});
    if (!endpoints.is_object()) return ips;
    for (const auto& subset : endpoints.value("subsets", nlohmann::json::array())) {
      for (const auto& address : subset.value("addresses", nlohmann::json::array())) {
        ips.insert(address.value("ip", ""));
      }
    }
    return ips;
  };
  auto slice_ips = [&] {
    std::set<std::string> ips;
    for (const auto& slice : Items("endpointslices", "kubernetes.io/service-name=web")) {
      for (const auto& endpoint : slice.value("endpoints", nlohmann::json::array())) {
        if (!endpoint.value("/conditions/ready"_json_pointer, false)) continue;
        for (const auto& address : endpoint.value("addresses", nlohmann::json::array())) {
          ips.insert(address.get<std::string>());
        }
      }
    }
    return ips;
  };
  for (size_t replicas : {2, 3}) {
    if (replicas == 3) NsOk({"scale", "deployment", "web", "--replicas=3"});
    std::set<std::string> want = pod_ips(replicas);
    ASSERT_EQ(want.size(), replicas);
    EXPECT_TRUE(Eventually([&] { return endpoint_ips() == want && slice_ips() == want; }))
        << NsOk({"get", "endpoints,endpointslices", "-o", "yaml"});
  }
}

TEST_F(ControllersTest, OrphanCascadeKeepsDependentsAndANewOwnerAdoptsThem) {
  CreateAvailableDeployment("web", 2);
  auto sets = Items("replicasets", "app=web");
  ASSERT_EQ(sets.size(), 1u);
  std::string rs = Str(sets[0], "/metadata/name"_json_pointer);
  std::string rs_uid = Str(sets[0], "/metadata/uid"_json_pointer);
  auto before = WaitForReadyPods("app=web", 2);

  EXPECT_EQ(NsLong({"delete", "deployment", "web", "--cascade=orphan", "--timeout=30s"}),
            "deployment.apps \"web\" deleted\n");
  EXPECT_THAT(NsFails({"get", "deployment", "web"}), HasSubstr("not found"));
  // The ReplicaSet lost its owner before the Deployment went; its pods still belong to it.
  nlohmann::json orphan = NsJson({"replicaset", rs});
  ASSERT_TRUE(orphan.is_object());
  EXPECT_FALSE(orphan["metadata"].contains("ownerReferences")) << orphan["metadata"].dump();
  EXPECT_EQ(Str(orphan, "/metadata/uid"_json_pointer), rs_uid);
  auto after = WaitForReadyPods("app=web", 2);
  for (size_t i = 0; i < after.size() && i < before.size(); ++i) {
    EXPECT_EQ(Str(after[i], "/metadata/uid"_json_pointer),
              Str(before[i], "/metadata/uid"_json_pointer));
    EXPECT_EQ(ControllerOf(after[i]).value("uid", ""), rs_uid);
  }

  // The same Deployment again adopts the orphan instead of making a second ReplicaSet.
  CreateAvailableDeployment("web", 2);
  std::string deployment_uid = Jsonpath("deployment/web", "{.metadata.uid}");
  EXPECT_TRUE(Eventually([&] {
    auto now = Items("replicasets", "app=web");
    return now.size() == 1 && Str(now[0], "/metadata/uid"_json_pointer) == rs_uid &&
           ControllerOf(now[0]).value("uid", "") == deployment_uid;
  })) << NsOk({"get", "rs", "-o", "yaml"});
}

TEST_F(ControllersTest, ForegroundCascadeDeletesDependentsFirst) {
  CreateAvailableDeployment("web", 2);
  WaitForReadyPods("app=web", 2);
  EXPECT_EQ(NsOk({"delete", "deployment", "web", "--cascade=foreground", "--wait=false"}),
            "deployment.apps \"web\" deleted\n");
  // While its dependents exist, the Deployment waits with the foregroundDeletion finalizer.
  bool gone = Eventually(
      [&] {
        nlohmann::json deployment = NsJson({"deployment", "web"});
        if (deployment.is_null()) return true;
        EXPECT_TRUE(deployment["metadata"].contains("deletionTimestamp"));
        EXPECT_THAT(deployment["metadata"].value("finalizers", std::vector<std::string>()),
                    ::testing::Contains("foregroundDeletion"));
        return false;
      },
      60);
  ASSERT_TRUE(gone);
  // Once it is gone, nothing it owned is left, not even a terminating pod.
  EXPECT_EQ(NsOut({"get", "replicasets,pods", "-l", "app=web", "-o", "name"}), "");
}

TEST_F(ControllersTest, BackgroundCascadeDeletesDependentsAfterwards) {
  CreateAvailableDeployment("web", 2);
  WaitForReadyPods("app=web", 2);
  EXPECT_EQ(NsLong({"delete", "deployment", "web", "--timeout=30s"}),
            "deployment.apps \"web\" deleted\n");
  EXPECT_THAT(NsFails({"get", "deployment", "web"}), HasSubstr("not found"));
  EXPECT_TRUE(Eventually([&] {
    return NsOut({"get", "replicasets,pods", "-l", "app=web", "-o", "name"}).empty();
  })) << NsOk({"get", "replicasets,pods", "-l", "app=web"});
}

constexpr char kDaemonSet[] = R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: busybox:local}]
)";

TEST_F(ControllersTest, DaemonSetRunsOnePodPerNode) {
  NsOk({"create", "-f", Manifest("ds.yaml", kDaemonSet)});
  EXPECT_THAT(NsLong({"rollout", "status", "daemonset/agent", "--timeout=60s"}),
              HasSubstr("daemon set \"agent\" successfully rolled out"));
  auto pods = WaitForReadyPods("app=agent", kNodes);
  EXPECT_THAT(NodesOf(pods), UnorderedElementsAre("sim-0", "sim-1", "sim-2"));
  EXPECT_EQ(Jsonpath("daemonset/agent",
                     "{.status.desiredNumberScheduled} {.status.currentNumberScheduled} "
                     "{.status.numberReady} {.status.numberAvailable}"),
            "3 3 3 3");
  // Node IPAM gave each node its own /24 of the cluster CIDR, and each pod's IP is in its node's.
  std::map<std::string, std::string> cidrs;
  for (const auto& node : NsJson({"nodes"}).value("items", nlohmann::json::array())) {
    cidrs[Str(node, "/metadata/name"_json_pointer)] = Str(node, "/spec/podCIDR"_json_pointer);
  }
  std::set<std::string> distinct;
  for (const auto& [node, cidr] : cidrs) {
    EXPECT_THAT(cidr, ::testing::MatchesRegex("10\\.42\\.[0-9]+\\.0/24")) << node;
    distinct.insert(cidr);
  }
  EXPECT_EQ(distinct.size(), cidrs.size());
  for (const auto& pod : pods) {
    std::string cidr = cidrs[Str(pod, "/spec/nodeName"_json_pointer)];
    std::string prefix = cidr.substr(0, cidr.rfind('.') + 1);
    EXPECT_EQ(Str(pod, "/status/podIP"_json_pointer).rfind(prefix, 0), 0u)
        << Str(pod, "/status/podIP"_json_pointer) << " not in " << cidr;
  }
}

constexpr char kStatefulSet[] = R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: busybox:local
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: ""
      resources: {requests: {storage: 1Gi}}
)";

TEST_F(ControllersTest, StatefulSetCreatesPodsInOrderWithTheirClaims) {
  // Three volumes for the claims to bind to.
  std::string volumes;
  for (int i = 0; i < 3; ++i) {
    volumes += "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: " + ns_ + "-" +
               std::to_string(i) +
               "}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
               "  storageClassName: \"\"\n  hostPath: {path: /tmp/" +
               ns_ + "-" + std::to_string(i) + "}\n";
  }
  Ok({"create", "-f", Manifest("pv.yaml", volumes)});
  NsOk({"create", "-f", Manifest("sts.yaml", kStatefulSet)});

  // OrderedReady: whenever web-N exists, web-(N-1) is already Running and Ready.
  std::vector<nlohmann::json> pods;
  bool all_ready = Eventually(
      [&] {
        pods = Pods("app=web");
        std::map<std::string, bool> ready;
        for (const auto& pod : pods) ready[Str(pod, "/metadata/name"_json_pointer)] = PodReady(pod);
        for (int i = 1; i < 3; ++i) {
          if (ready.count("web-" + std::to_string(i))) {
            EXPECT_TRUE(ready["web-" + std::to_string(i - 1)])
                << "web-" << i << " exists before web-" << i - 1 << " is ready";
          }
        }
        return ready.size() == 3 && ready["web-0"] && ready["web-1"] && ready["web-2"];
      },
      60);
  EXPECT_TRUE(all_ready) << NsOk({"get", "pods", "-o", "wide"});
  NsLong({"rollout", "status", "statefulset/web", "--timeout=60s"});
  EXPECT_EQ(Jsonpath("statefulset/web", "{.status.readyReplicas}"), "3");

  // Each pod mounts its own claim, and each claim is bound to one of the volumes.
  for (const auto& pod : pods) {
    std::string name = Str(pod, "/metadata/name"_json_pointer);
    EXPECT_EQ(Str(pod, "/spec/volumes/0/persistentVolumeClaim/claimName"_json_pointer),
              "data-" + name);
  }
  std::set<std::string> bound_volumes;
  EXPECT_TRUE(Eventually([&] {
    bound_volumes.clear();
    for (const auto& claim : Items("pvc", "app=web")) {
      if (Str(claim, "/status/phase"_json_pointer) == "Bound") {
        bound_volumes.insert(Str(claim, "/spec/volumeName"_json_pointer));
      }
    }
    return bound_volumes.size() == 3;
  })) << NsOk({"get", "pvc"});
  EXPECT_THAT(bound_volumes, ElementsAre(ns_ + "-0", ns_ + "-1", ns_ + "-2"));
  EXPECT_THAT(NsOut({"get", "pvc", "-o", "name"}),
              ContainsRegex("persistentvolumeclaim/data-web-0\npersistentvolumeclaim/data-web-1\n"
                            "persistentvolumeclaim/data-web-2\n"));

  NsOk({"delete", "statefulset", "web", "--wait=false"});
  Ok({"delete", "pv", ns_ + "-0", ns_ + "-1", ns_ + "-2", "--wait=false"});
}

}  // namespace
}  // namespace k1s::e2e
