// API completeness with kubectl 1.32 and its default client-side flags: real-world manifests of
// every common kind applied twice, edited and re-applied, server-side apply, explain, dry-run
// defaults, strict field validation, 422s listing every field, and CustomResourceDefinitions.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/e2e/apiserver/kubectl_fixture.h"

namespace k1s::e2e {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

using ManifestsTest = KubectlTest;

// A small app as found in tutorials, and one manifest of each other kind people apply.
constexpr char kCorpus[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 500m, memory: 128Mi}
        readinessProbe:
          httpGet: {path: /, port: 80}
      - name: sidecar
        image: busybox:1.36
        command: ["sleep", "infinity"]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 80
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: web-secret}
data: {password: aHVudGVyMg==}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: web-data}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: postgres
        image: postgres:16
        volumeMounts:
        - {name: data, mountPath: /var/lib/postgresql/data}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 5Gi}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      tolerations:
      - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: kubernetes.io/os, operator: In, values: [linux]}
      containers:
      - name: agent
        image: busybox:1.36
        command: ["sleep", "infinity"]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: busybox:1.36
            command: ["date"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules:
- apiGroups: [""]
  resources: [pods, configmaps]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader}
subjects:
- {kind: ServiceAccount, name: default}
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 70}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec:
  podSelector:
    matchLabels: {app: web}
  ingress:
  - ports:
    - port: 80
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: web}
)";

constexpr char kWidgetCrd[] = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, maximum: 10, default: 3}
              color: {type: string, enum: [red, blue]}
          status:
            type: object
            properties:
              ready: {type: boolean}
)";

TEST_F(ManifestsTest, ApplyTwiceChangesNothingAndAnEditChangesOnlyThatField) {
  std::string corpus = Manifest("corpus.yaml", kCorpus);
  std::string first = NsOk({"apply", "-f", corpus});
  for (const char* line :
       {"deployment.apps/web created", "service/web created",
        "ingress.networking.k8s.io/web created", "configmap/web-config created",
        "secret/web-secret created", "persistentvolumeclaim/web-data created",
        "statefulset.apps/db created", "daemonset.apps/agent created",
        "cronjob.batch/report created", "role.rbac.authorization.k8s.io/reader created",
        "rolebinding.rbac.authorization.k8s.io/reader created",
        "horizontalpodautoscaler.autoscaling/web created",
        "networkpolicy.networking.k8s.io/web created", "poddisruptionbudget.policy/web created"}) {
    EXPECT_THAT(first, HasSubstr(line));
  }
  // Controllers write the status of workloads and PDBs at any time (a new resourceVersion), so
  // those are compared by metadata.generation, which only a spec change moves; the rest by
  // resourceVersion.
  auto versions = [&] {
    return NsOut({"get", "svc,ing,cm,secret,pvc,role,rolebinding,hpa,netpol", "-o",
                  "jsonpath={range .items[*]}{.kind}/{.metadata.name}="
                  "{.metadata.resourceVersion} {end}"}) +
           NsOut({"get", "deploy,sts,ds,cj,pdb", "-o",
                  "jsonpath={range .items[*]}{.kind}/{.metadata.name}="
                  "{.metadata.generation} {end}"});
  };
  std::string before = versions();
  std::string second = NsOk({"apply", "-f", corpus});
  // kubectl's own three-way patch still sends the atomic lists and replace-strategy fields that
  // defaulting touched (StatefulSet volumeClaimTemplates, NetworkPolicy ports, PDB selector) and
  // prints "configured" for them, as against upstream; the server must change nothing.
  for (const char* kind : {"deployment.apps/web", "service/web", "ingress.networking.k8s.io/web",
                           "configmap/web-config", "secret/web-secret", "daemonset.apps/agent",
                           "cronjob.batch/report", "horizontalpodautoscaler.autoscaling/web"}) {
    EXPECT_THAT(second, HasSubstr(std::string(kind) + " unchanged"));
  }
  EXPECT_EQ(versions(), before);
  std::string generation = Jsonpath("deployment/web", "{.metadata.generation}");

  std::string edited = kCorpus;
  edited.replace(edited.find("nginx:1.27"), 10, "nginx:1.28");
  std::string third = NsOk({"apply", "-f", Manifest("edited.yaml", edited)});
  EXPECT_THAT(third, HasSubstr("deployment.apps/web configured"));
  EXPECT_THAT(third, HasSubstr("service/web unchanged"));
  // Containers merge by name: the sidecar stays, only the image changed.
  EXPECT_EQ(Jsonpath("deployment/web", "{.spec.template.spec.containers[*].image}"),
            "nginx:1.28 busybox:1.36");
  EXPECT_EQ(Jsonpath("deployment/web", "{.metadata.generation}"),
            std::to_string(std::stoi(generation) + 1));
  // Upstream defaults were filled in on the way.
  EXPECT_EQ(Jsonpath("deployment/web", "{.spec.strategy.rollingUpdate.maxSurge}"), "25%");
  EXPECT_EQ(Jsonpath("statefulset/db", "{.spec.podManagementPolicy}"), "OrderedReady");
  EXPECT_EQ(Jsonpath("cronjob/report", "{.spec.concurrencyPolicy}"), "Allow");
  EXPECT_EQ(Jsonpath("daemonset/agent", "{.spec.updateStrategy.rollingUpdate.maxUnavailable}"),
            "1");

  // kubectl diff against the first file shows exactly the image going back.
  auto diff = Run({"-n", ns_, "diff", "-f", corpus});
  EXPECT_EQ(diff.exit_code, 1) << diff.output;
  EXPECT_THAT(diff.output, AllOf(HasSubstr("-      - image: nginx:1.28"),
                                 HasSubstr("+      - image: nginx:1.27")));
  EXPECT_THAT(NsOut({"get", "hpa,pdb,netpol"}),
              AllOf(ContainsRegex("horizontalpodautoscaler.autoscaling/web +Deployment/web +"
                                  "cpu: <unknown>/70% +2 +5 +0"),
                    ContainsRegex("poddisruptionbudget.policy/web +1 +N/A +0")));
}

TEST_F(ManifestsTest, ServerSideApplyTracksOwnersAndReportsConflicts) {
  std::string file = Manifest("cm.yaml",
                              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                              "data:\n  mode: fast\n");
  EXPECT_THAT(NsOk({"apply", "--server-side", "-f", file}),
              HasSubstr("configmap/settings serverside-applied"));
  EXPECT_THAT(
      NsOut({"get", "cm", "settings", "-o", "yaml", "--show-managed-fields"}),
      AllOf(HasSubstr("manager: kubectl"), HasSubstr("operation: Apply"), HasSubstr("f:mode: {}")));
  std::string other = Manifest("other.yaml",
                               "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                               "data:\n  mode: slow\n");
  EXPECT_THAT(
      NsFails({"apply", "--server-side", "--field-manager=ops", "-f", other}),
      AllOf(HasSubstr("Apply failed with 1 conflict: conflict with \"kubectl\": .data.mode"),
            HasSubstr("--force-conflicts")));
  NsOk({"apply", "--server-side", "--field-manager=ops", "--force-conflicts", "-f", other});
  EXPECT_EQ(Jsonpath("cm/settings", "{.data.mode}"), "slow");
}

TEST_F(ManifestsTest, ExplainAnswersForBuiltinKinds) {
  EXPECT_THAT(Ok({"explain", "deployment.spec.strategy"}),
              AllOf(HasSubstr("FIELD: strategy <DeploymentStrategy>"),
                    HasSubstr("enum: Recreate, RollingUpdate")));
  for (const char* kind :
       {"pods", "services", "configmaps", "persistentvolumeclaims", "deployments", "statefulsets",
        "daemonsets", "jobs", "cronjobs", "ingresses", "networkpolicies", "poddisruptionbudgets",
        "horizontalpodautoscalers", "roles", "clusterrolebindings", "storageclasses",
        "priorityclasses", "customresourcedefinitions", "leases"}) {
    EXPECT_THAT(Ok({"explain", kind}), HasSubstr("FIELDS:")) << kind;
  }
}

TEST_F(ManifestsTest, DryRunCreateShowsUpstreamDefaults) {
  std::string out =
      NsOut({"create", "deployment", "x", "--image=nginx", "--dry-run=server", "-o", "yaml"});
  for (const char* line :
       {"  progressDeadlineSeconds: 600\n", "  replicas: 1\n", "  revisionHistoryLimit: 10\n",
        "      maxSurge: 25%\n", "      maxUnavailable: 25%\n", "    type: RollingUpdate\n",
        "        imagePullPolicy: Always\n",
        "        terminationMessagePath: /dev/termination-log\n", "      dnsPolicy: ClusterFirst\n",
        "      restartPolicy: Always\n", "      schedulerName: default-scheduler\n",
        "      terminationGracePeriodSeconds: 30\n"}) {
    EXPECT_THAT(out, HasSubstr(line));
  }
  EXPECT_THAT(NsFails({"get", "deployment", "x"}), HasSubstr("not found"));
}

TEST_F(ManifestsTest, UnknownFieldsAndInvalidObjectsAreRefused) {
  std::string unknown = Manifest("unknown.yaml",
                                 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: u\n"
                                 "spec:\n  replica: 2\n  selector:\n    matchLabels: {app: u}\n"
                                 "  template:\n    metadata:\n      labels: {app: u}\n"
                                 "    spec:\n      containers:\n      - name: c\n"
                                 "        image: nginx\n        imagePullPolicyy: Always\n");
  EXPECT_THAT(NsFails({"apply", "-f", unknown}),
              HasSubstr("Deployment in version \"v1\" cannot be handled as a Deployment: strict "
                        "decoding error: unknown field \"spec.replica\", unknown field "
                        "\"spec.template.spec.containers[0].imagePullPolicyy\""));
  std::string invalid = Manifest("invalid.yaml",
                                 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                                 "  name: Bad_Name\nspec:\n  selector:\n"
                                 "    matchLabels: {app: a}\n  template:\n    metadata:\n"
                                 "      labels: {app: b}\n    spec:\n      containers:\n"
                                 "      - name: c\n        image: nginx\n");
  std::string out = NsFails({"apply", "-f", invalid});
  EXPECT_THAT(out, AllOf(HasSubstr("The Deployment \"Bad_Name\" is invalid: \n"),
                         HasSubstr("* metadata.name: Invalid value: \"Bad_Name\""),
                         HasSubstr("* spec.template.metadata.labels: Invalid value: "
                                   "map[string]string{\"app\":\"b\"}: `selector` does not match "
                                   "template `labels`")));
}

TEST_F(ManifestsTest, ScaleSubresource) {
  NsOk({"create", "deployment", "s", "--image=nginx", "--replicas=1"});
  EXPECT_THAT(NsOk({"scale", "deployment", "s", "--replicas=4"}),
              HasSubstr("deployment.apps/s scaled"));
  EXPECT_EQ(Jsonpath("deployment/s", "{.spec.replicas}"), "4");
}

TEST_F(ManifestsTest, CustomResourceDefinitionLifecycle) {
  Ok({"apply", "-f", Manifest("crd.yaml", kWidgetCrd)});
  // The CRD is established asynchronously; discovery follows.
  std::string resources;
  for (int i = 0; i < 50; ++i) {
    resources = Out({"api-resources", "--api-group=example.com"});
    if (resources.find("widgets") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_THAT(resources, ContainsRegex("widgets +wg +example.com/v1 +true +Widget"));
  EXPECT_EQ(
      Out({"get", "crd", "widgets.example.com", "-o", "jsonpath={.status.conditions[*].type}"}),
      "NamesAccepted Established");

  NsOk({"apply", "-f",
        Manifest("w1.yaml",
                 "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n"
                 "spec:\n  color: red\n")});
  EXPECT_THAT(NsOut({"get", "widgets"}), ContainsRegex("NAME +SIZE +COLOR\nw1 +3 +red\n"));
  EXPECT_THAT(NsFails({"apply", "-f",
                       Manifest("w2.yaml",
                                "apiVersion: example.com/v1\nkind: Widget\n"
                                "metadata:\n  name: w2\nspec:\n  size: 11\n"
                                "  color: green\n")}),
              AllOf(HasSubstr("spec.color: Unsupported value: \"green\": supported values: "
                              "\"red\", \"blue\""),
                    HasSubstr("spec.size: Invalid value: 11: spec.size in body should be less "
                              "than or equal to 10")));
  EXPECT_THAT(NsFails({"apply", "-f",
                       Manifest("w3.yaml",
                                "apiVersion: example.com/v1\nkind: Widget\n"
                                "metadata:\n  name: w3\nspec:\n  shape: round\n")}),
              HasSubstr("strict decoding error: unknown field \"spec.shape\""));
  EXPECT_THAT(Ok({"explain", "widgets.spec"}), HasSubstr("size\t<integer>"));

  Ok({"delete", "crd", "widgets.example.com", "--timeout=30s"});
  EXPECT_THAT(Fails({"get", "crd", "widgets.example.com"}), HasSubstr("not found"));
  EXPECT_THAT(Out({"api-resources", "--api-group=example.com"}), Not(HasSubstr("widgets")));
}

}  // namespace
}  // namespace k1s::e2e
