// kubectl 1.32 against `k1s server --disable-agent`: every served kind through the commands a
// user types, asserting what upstream Kubernetes prints. One server is shared by the tests of a
// process (ctest runs each test in its own process); each test works in its own namespace.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/clock.h"
#include "base/files.h"
#include "base/subprocess.h"
#include "base/testing/temp_dir.h"
#include "tests/e2e/apiserver/kubectl_fixture.h"
#include "tests/e2e/apiserver/server_process.h"

namespace k1s::e2e {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

// AGE and LAST SEEN of objects made a moment ago.
constexpr char kAge[] = "[0-9]+s";
constexpr char kUid[] = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
constexpr char kTimestamp[] = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z";

// ----------------------------------------------------------------------------------------------
// Discovery

TEST_F(KubectlTest, Version) {
  EXPECT_THAT(Ok({"version"}), HasSubstr("\nServer Version: v1.32.0+k1s1\n"));
  auto json = nlohmann::json::parse(Out({"version", "-o", "json"}), nullptr, false);
  ASSERT_TRUE(json.is_object());
  const auto& server = json["serverVersion"];
  EXPECT_EQ(server.value("gitVersion", ""), "v1.32.0+k1s1");
  EXPECT_EQ(server.value("major", ""), "1");
  EXPECT_EQ(server.value("minor", ""), "32");
  EXPECT_THAT(server.value("platform", ""), StartsWith("linux/"));
}

TEST_F(KubectlTest, ApiResources) {
  std::string out = Out({"api-resources"});
  EXPECT_THAT(out, StartsWith("NAME "));
  for (const char* row : {
           "\nconfigmaps +cm +v1 +true +ConfigMap\n",
           "\nendpoints +ep +v1 +true +Endpoints\n",
           "\nevents +ev +v1 +true +Event\n",
           "\nnamespaces +ns +v1 +false +Namespace\n",
           "\nnodes +no +v1 +false +Node\n",
           "\npods +po +v1 +true +Pod\n",
           "\nsecrets +v1 +true +Secret\n",
           "\nserviceaccounts +sa +v1 +true +ServiceAccount\n",
           "\nservices +svc +v1 +true +Service\n",
           "\nleases +coordination.k8s.io/v1 +true +Lease\n",
           "\nendpointslices +discovery.k8s.io/v1 +true +EndpointSlice\n",
           "\nevents +ev +events.k8s.io/v1 +true +Event\n",
       }) {
    EXPECT_THAT(out, ContainsRegex(row)) << row;
  }

  std::string wide = Out({"api-resources", "-o", "wide"});
  EXPECT_THAT(wide, ContainsRegex("NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND +VERBS +"
                                  "CATEGORIES\n"));
  EXPECT_THAT(wide,
              ContainsRegex("\nconfigmaps +cm +v1 +true +ConfigMap +"
                            "create,delete,deletecollection,get,list,patch,update,watch *\n"));
  EXPECT_THAT(wide, ContainsRegex("\nnamespaces +ns +v1 +false +Namespace +"
                                  "create,delete,get,list,patch,update,watch *\n"));
  EXPECT_THAT(wide, ContainsRegex("\npods +po +v1 +true +Pod +"
                                  "create,delete,deletecollection,get,list,patch,update,watch +"
                                  "all\n"));
  EXPECT_THAT(wide, ContainsRegex("\nservices +svc +v1 +true +Service +[a-z,]+ +all\n"));

  EXPECT_EQ(Out({"api-resources", "--api-group=coordination.k8s.io", "-o", "name"}),
            "leases.coordination.k8s.io\n");
  std::string cluster_scoped = Out({"api-resources", "--namespaced=false", "-o", "name"});
  EXPECT_THAT(cluster_scoped, HasSubstr("namespaces\n"));
  EXPECT_THAT(cluster_scoped, HasSubstr("nodes\n"));
  EXPECT_THAT(cluster_scoped, Not(HasSubstr("configmaps")));

  std::string versions = Out({"api-versions"});
  for (const char* version :
       {"coordination.k8s.io/v1\n", "discovery.k8s.io/v1\n", "events.k8s.io/v1\n", "v1\n"}) {
    EXPECT_THAT(versions, HasSubstr(version));
  }
  EXPECT_THAT(versions, StartsWith("admissionregistration.k8s.io/v1\n"));
  EXPECT_THAT(versions, EndsWith("\nv1\n"));
}

// ----------------------------------------------------------------------------------------------
// Kinds

TEST_F(KubectlTest, ConfigMaps) {
  std::string yaml = Manifest("cm1.yaml",
                              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm1\n"
                              "  labels:\n    app: demo\ndata:\n  key1: value1\n");
  std::string json = Manifest("cm2.json", R"({"apiVersion":"v1","kind":"ConfigMap",)"
                                          R"("metadata":{"name":"cm2"},"data":{"a":"b","c":"d"}})");
  EXPECT_EQ(NsOk({"create", "-f", yaml}), "configmap/cm1 created\n");
  EXPECT_EQ(NsOk({"create", "-f", json}), "configmap/cm2 created\n");
  EXPECT_THAT(NsOut({"get", "configmaps"}),
              MatchesRegex(absl::StrCat("NAME +DATA +AGE\ncm1 +1 +", kAge, "\ncm2 +2 +", kAge,
                                        "\nkube-root-ca.crt +1 +", kAge, "\n")));
  EXPECT_THAT(NsOut({"get", "cm", "cm1"}),
              MatchesRegex(absl::StrCat("NAME +DATA +AGE\ncm1 +1 +", kAge, "\n")));
  EXPECT_THAT(NsOut({"describe", "cm", "cm1"}),
              StartsWith("Name:         cm1\nNamespace:    " + ns_ +
                         "\nLabels:       app=demo\nAnnotations:  <none>\n\nData\n====\n"
                         "key1:\n----\nvalue1\n"));

  // edit: kubectl writes the object to a file and runs the editor on it.
  EXPECT_EQ(NsOk({"edit", "cm", "cm1"}, {"KUBE_EDITOR=sed -i s/value1/edited/"}),
            "configmap/cm1 edited\n");
  EXPECT_EQ(Jsonpath("cm/cm1", "{.data.key1}"), "edited");
  EXPECT_THAT(NsOk({"edit", "cm", "cm1"}, {"KUBE_EDITOR=true"}),
              HasSubstr("Edit cancelled, no changes made."));

  // The three patch types.
  EXPECT_EQ(NsOk({"patch", "cm", "cm1", "--type", "json", "-p",
                  R"([{"op":"add","path":"/data/k2","value":"v2"}])"}),
            "configmap/cm1 patched\n");
  EXPECT_EQ(NsOk({"patch", "cm", "cm1", "--type", "merge", "-p", R"({"data":{"k3":"v3"}})"}),
            "configmap/cm1 patched\n");
  EXPECT_EQ(NsOk({"patch", "cm", "cm1", "-p", R"({"data":{"k4":"v4"}})"}),
            "configmap/cm1 patched\n");
  EXPECT_EQ(NsOk({"patch", "cm", "cm1", "--type", "merge", "-p", R"({"data":{"k3":null}})"}),
            "configmap/cm1 patched\n");
  EXPECT_EQ(Jsonpath("cm/cm1", "{.data}"), R"({"k2":"v2","k4":"v4","key1":"edited"})");
  EXPECT_EQ(NsOk({"patch", "cm", "cm1", "--type", "merge", "-p", R"({"data":{"k4":"v4"}})"}),
            "configmap/cm1 patched (no change)\n");
  EXPECT_THAT(NsFails({"patch", "cm", "cm1", "--type", "json", "-p",
                       R"([{"op":"test","path":"/data/k2","value":"other"}])"}),
              HasSubstr("test failed"));
  EXPECT_THAT(NsFails({"patch", "cm", "cm1", "--type", "json", "-p", "{not json"}),
              HasSubstr("error"));

  EXPECT_EQ(NsOk({"label", "cm", "cm1", "tier=web"}), "configmap/cm1 labeled\n");
  EXPECT_EQ(NsFails({"label", "cm", "cm1", "tier=db"}),
            "error: 'tier' already has a value (web), and --overwrite is false\n");
  EXPECT_EQ(NsOk({"label", "cm", "cm1", "tier=db", "--overwrite"}), "configmap/cm1 labeled\n");
  EXPECT_EQ(Jsonpath("cm/cm1", "{.metadata.labels}"), R"({"app":"demo","tier":"db"})");
  EXPECT_EQ(NsOk({"label", "cm", "cm1", "tier-"}), "configmap/cm1 unlabeled\n");
  EXPECT_EQ(NsOk({"annotate", "cm", "cm1", "note=hello"}), "configmap/cm1 annotated\n");
  EXPECT_EQ(Jsonpath("cm/cm1", "{.metadata.labels} {.metadata.annotations}"),
            R"({"app":"demo"} {"note":"hello"})");
  EXPECT_EQ(NsOk({"annotate", "cm", "cm1", "note-"}), "configmap/cm1 annotated\n");

  EXPECT_EQ(NsOk({"delete", "cm", "cm1", "--wait"}), "configmap \"cm1\" deleted\n");
  EXPECT_EQ(NsFails({"get", "cm", "cm1"}),
            "Error from server (NotFound): configmaps \"cm1\" not found\n");
  EXPECT_EQ(NsOk({"delete", "-f", json}), "configmap \"cm2\" deleted\n");
  EXPECT_EQ(NsFails({"delete", "cm", "cm2"}),
            "Error from server (NotFound): configmaps \"cm2\" not found\n");
  EXPECT_EQ(NsOk({"delete", "cm", "cm2", "--ignore-not-found"}), "");
}

TEST_F(KubectlTest, Secrets) {
  std::string file = Manifest("s.yaml",
                              "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s1\n"
                              "type: Opaque\nstringData:\n  password: hunter2\n"
                              "data:\n  user: YWRtaW4=\n");
  EXPECT_EQ(NsOk({"create", "-f", file}), "secret/s1 created\n");
  // stringData is write-only: merged into data, never stored.
  EXPECT_EQ(Jsonpath("secret/s1", "{.data.password} {.data.user} {.stringData}"),
            "aHVudGVyMg== YWRtaW4= ");
  EXPECT_THAT(NsOut({"get", "secrets"}),
              MatchesRegex(absl::StrCat("NAME +TYPE +DATA +AGE\ns1 +Opaque +2 +", kAge, "\n")));
  std::string described = NsOut({"describe", "secret", "s1"});
  EXPECT_THAT(described, HasSubstr("\nType:  Opaque\n"));
  EXPECT_THAT(described, ContainsRegex("\npassword: +7 bytes\n"));
  EXPECT_THAT(described, ContainsRegex("\nuser: +5 bytes\n"));
  EXPECT_THAT(described, Not(HasSubstr("hunter2")));

  EXPECT_EQ(
      NsOk({"patch", "secret", "s1", "--type", "merge", "-p", R"({"stringData":{"token":"abc"}})"}),
      "secret/s1 patched\n");
  EXPECT_EQ(Jsonpath("secret/s1", "{.data.token}"), "YWJj");
  EXPECT_EQ(NsOk({"patch", "secret", "s1", "--type", "json", "-p",
                  R"([{"op":"remove","path":"/data/user"}])"}),
            "secret/s1 patched\n");
  EXPECT_EQ(NsFails({"patch", "secret", "s1", "--type", "merge", "-p",
                     R"({"type":"kubernetes.io/tls"})"}),
            "The Secret \"s1\" is invalid: \n"
            "* type: Invalid value: \"kubernetes.io/tls\": field is immutable\n"
            "* data[tls.crt]: Required value\n"
            "* data[tls.key]: Required value\n");
  EXPECT_THAT(NsFails({"patch", "secret", "s1", "--type", "merge", "-p",
                       R"({"data":{"bad":"!!!not base64"}})"}),
              HasSubstr("base64"));
  // A TLS secret must carry a certificate and a key.
  std::string tls = Manifest("tls.yaml",
                             "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls1\n"
                             "type: kubernetes.io/tls\ndata: {}\n");
  std::string invalid = NsFails({"create", "-f", tls});
  EXPECT_THAT(invalid, HasSubstr("The Secret \"tls1\" is invalid"));
  EXPECT_THAT(invalid, HasSubstr("data[tls.crt]: Required value"));
  EXPECT_THAT(invalid, HasSubstr("data[tls.key]: Required value"));

  EXPECT_EQ(NsOk({"label", "secret", "s1", "app=demo"}), "secret/s1 labeled\n");
  EXPECT_EQ(NsOut({"get", "secret", "-l", "app=demo", "-o", "name"}), "secret/s1\n");
  EXPECT_EQ(NsOk({"delete", "secret", "s1", "--wait"}), "secret \"s1\" deleted\n");
  EXPECT_EQ(NsFails({"get", "secret", "s1"}),
            "Error from server (NotFound): secrets \"s1\" not found\n");
}

TEST_F(KubectlTest, Services) {
  std::string file = Manifest("svc.yaml",
                              "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
                              "spec:\n  selector:\n    app: web\n  ports:\n  - name: http\n"
                              "    port: 80\n    targetPort: 8080\n"
                              "---\n"
                              "apiVersion: v1\nkind: Service\nmetadata:\n  name: np\n"
                              "spec:\n  type: NodePort\n  selector:\n    app: web\n"
                              "  ports:\n  - port: 443\n    protocol: TCP\n"
                              "---\n"
                              "apiVersion: v1\nkind: Service\nmetadata:\n  name: headless\n"
                              "spec:\n  clusterIP: None\n  selector:\n    app: web\n"
                              "  ports:\n  - port: 53\n    protocol: UDP\n");
  EXPECT_EQ(NsOk({"create", "-f", file}),
            "service/web created\nservice/np created\nservice/headless created\n");

  std::string ip = Jsonpath("svc/web", "{.spec.clusterIP}");
  EXPECT_THAT(ip, MatchesRegex("10\\.43\\.[0-9]{1,3}\\.[0-9]{1,3}"));
  EXPECT_NE(ip, "10.43.0.1");
  EXPECT_EQ(Jsonpath("svc/web",
                     "{.spec.clusterIPs[0]} {.spec.ipFamilies} {.spec.type} "
                     "{.spec.sessionAffinity} {.spec.ports[0].protocol}"),
            ip + " [\"IPv4\"] ClusterIP None TCP");
  std::string np_ip = Jsonpath("svc/np", "{.spec.clusterIP}");
  EXPECT_THAT(np_ip, MatchesRegex("10\\.43\\.[0-9]{1,3}\\.[0-9]{1,3}"));
  EXPECT_NE(np_ip, ip);
  std::string node_port = Jsonpath("svc/np", "{.spec.ports[0].nodePort}");
  ASSERT_THAT(node_port, MatchesRegex("[0-9]+"));
  EXPECT_GE(std::stoi(node_port), 30000);
  EXPECT_LE(std::stoi(node_port), 32767);
  EXPECT_EQ(Jsonpath("svc/np", "{.spec.ports[0].targetPort} {.spec.externalTrafficPolicy}"),
            "443 Cluster");

  EXPECT_THAT(
      NsOut({"get", "svc", "web", "np", "headless", "-o", "wide"}),
      MatchesRegex(absl::StrCat("NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\\(S\\) +AGE +SELECTOR\n",
                                "web +ClusterIP +", ip, " +<none> +80/TCP +", kAge, " +app=web\n",
                                "np +NodePort +", np_ip, " +<none> +443:", node_port, "/TCP +",
                                kAge, " +app=web\n", "headless +ClusterIP +None +<none> +53/UDP +",
                                kAge, " +app=web\n")));
  std::string described = NsOut({"describe", "svc", "np"});
  EXPECT_THAT(described, ContainsRegex("\nType: +NodePort\n"));
  EXPECT_THAT(described, ContainsRegex("\nIP: +" + np_ip + "\n"));
  EXPECT_THAT(described, ContainsRegex("\nNodePort: +<unset>  " + node_port + "/TCP\n"));

  // The apiserver's own service holds the first address of the range.
  EXPECT_THAT(Out({"-n", "default", "get", "svc", "kubernetes"}),
              MatchesRegex(absl::StrCat("NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\\(S\\) +AGE\n"
                                        "kubernetes +ClusterIP +10\\.43\\.0\\.1 +<none> +443/TCP +",
                                        "[0-9a-z]+\n")));

  // Allocation errors, as upstream words them.
  EXPECT_EQ(NsFails({"create", "-f",
                     Manifest("dup.yaml",
                              "apiVersion: v1\nkind: Service\nmetadata:\n"
                              "  name: dup\nspec:\n  clusterIP: " +
                                  ip + "\n  ports:\n  - port: 80\n")}),
            "The Service \"dup\" is invalid: spec.clusterIPs: Invalid value: []string{\"" + ip +
                "\"}: failed to allocate IP " + ip + ": provided IP is already allocated\n");
  EXPECT_EQ(NsFails({"create", "-f",
                     Manifest("out.yaml",
                              "apiVersion: v1\nkind: Service\nmetadata:\n"
                              "  name: out\nspec:\n  clusterIP: 10.99.0.5\n"
                              "  ports:\n  - port: 80\n")}),
            "The Service \"out\" is invalid: spec.clusterIPs: Invalid value: "
            "[]string{\"10.99.0.5\"}: failed to allocate IP 10.99.0.5: the provided IP "
            "(10.99.0.5) is not in the valid range. The range of valid IPs is 10.43.0.0/16\n");
  EXPECT_EQ(NsFails({"create", "-f",
                     Manifest("badnp.yaml",
                              "apiVersion: v1\nkind: Service\nmetadata:\n"
                              "  name: badnp\nspec:\n  type: NodePort\n"
                              "  ports:\n  - port: 80\n    nodePort: 40000\n")}),
            "The Service \"badnp\" is invalid: spec.ports[0].nodePort: Invalid value: 40000: "
            "provided port is not in the valid range. The range of valid ports is "
            "30000-32767\n");
  EXPECT_EQ(NsFails({"create", "-f",
                     Manifest("dupnp.yaml",
                              "apiVersion: v1\nkind: Service\nmetadata:\n"
                              "  name: dupnp\nspec:\n  type: NodePort\n"
                              "  ports:\n  - port: 80\n    nodePort: " +
                                  node_port + "\n")}),
            "The Service \"dupnp\" is invalid: spec.ports[0].nodePort: Invalid value: " +
                node_port + ": provided port is already allocated\n");

  // Strategic merge adds a port (merge key: port; new items go first, as upstream orders them);
  // label; delete frees the address.
  EXPECT_EQ(
      NsOk({"patch", "svc", "web", "-p", R"({"spec":{"ports":[{"name":"metrics","port":9090}]}})"}),
      "service/web patched\n");
  EXPECT_EQ(Jsonpath("svc/web", "{.spec.ports[*].port} {.spec.clusterIP}"), "9090 80 " + ip);
  EXPECT_EQ(NsOk({"label", "svc", "web", "tier=front"}), "service/web labeled\n");
  EXPECT_EQ(NsOut({"get", "svc", "-l", "tier=front", "-o", "name"}), "service/web\n");
  EXPECT_THAT(NsFails({"patch", "svc", "web", "--type", "merge", "-p",
                       R"({"spec":{"clusterIP":"10.43.200.200"}})"}),
              AllOf(StartsWith("The Service \"web\" is invalid: spec.clusterIPs"),
                    HasSubstr("may not change once set")));
  EXPECT_EQ(NsOk({"delete", "svc", "web", "--wait"}), "service \"web\" deleted\n");
  EXPECT_EQ(NsOk({"create", "-f",
                  Manifest("reuse.yaml",
                           "apiVersion: v1\nkind: Service\nmetadata:\n"
                           "  name: reuse\nspec:\n  clusterIP: " +
                               ip + "\n  ports:\n  - port: 80\n")}),
            "service/reuse created\n");
  EXPECT_EQ(Jsonpath("svc/reuse", "{.spec.clusterIP}"), ip);
}

TEST_F(KubectlTest, Namespaces) {
  std::string name = ns_ + "-extra";
  std::string file =
      Manifest("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name +
                              "\n  labels:\n    team: a\n");
  EXPECT_EQ(Ok({"create", "-f", file}), "namespace/" + name + " created\n");
  EXPECT_THAT(Out({"get", "ns", name}),
              MatchesRegex(absl::StrCat("NAME +STATUS +AGE\n", name, " +Active +", kAge, "\n")));
  EXPECT_THAT(
      Out({"get", "ns", name, "--show-labels"}),
      ContainsRegex(name + " +Active +[0-9]+s +kubernetes.io/metadata.name=" + name + ",team=a\n"));
  EXPECT_EQ(Out({"get", "ns", name, "-o", "jsonpath={.status.phase} {.spec.finalizers}"}),
            "Active [\"kubernetes\"]");
  EXPECT_EQ(Ok({"label", "ns", name, "env=test"}), "namespace/" + name + " labeled\n");
  EXPECT_EQ(Ok({"annotate", "ns", name, "owner=me"}), "namespace/" + name + " annotated\n");
  EXPECT_EQ(Ok({"patch", "ns", name, "--type", "merge", "-p",
                R"({"metadata":{"labels":{"env":"prod"}}})"}),
            "namespace/" + name + " patched\n");
  std::string described = Out({"describe", "ns", name});
  EXPECT_THAT(described, StartsWith("Name:         " + name + "\n"));
  EXPECT_THAT(described, ContainsRegex("\nStatus: +Active\n"));
  EXPECT_THAT(described, HasSubstr("env=prod"));
  EXPECT_THAT(Out({"get", "ns"}), AllOf(ContainsRegex("\ndefault +Active +[0-9a-z]+\n"),
                                        ContainsRegex("\nkube-system +Active +[0-9a-z]+\n"),
                                        ContainsRegex("\nkube-public +Active +[0-9a-z]+\n"),
                                        ContainsRegex("\nkube-node-lease +Active +[0-9a-z]+\n")));
  // The metadata.name label cannot be changed by hand.
  EXPECT_EQ(Ok({"label", "ns", name, "kubernetes.io/metadata.name=other", "--overwrite"}),
            "namespace/" + name + " labeled\n");
  EXPECT_EQ(Out({"get", "ns", name, "-o",
                 "jsonpath={.metadata.labels.kubernetes\\.io/metadata\\."
                 "name}"}),
            name);
  EXPECT_EQ(Fails({"create", "-f",
                   Manifest("bad.yaml",
                            "apiVersion: v1\nkind: Namespace\nmetadata:\n"
                            "  name: Bad\n")}),
            "The Namespace \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\": a lowercase "
            "RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
            "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
            "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n");
  EXPECT_EQ(Ok({"delete", "ns", name, "--wait"}), "namespace \"" + name + "\" deleted\n");
  EXPECT_EQ(Fails({"get", "ns", name}),
            "Error from server (NotFound): namespaces \"" + name + "\" not found\n");
}

TEST_F(KubectlTest, NamespaceDeletionRemovesItsObjects) {
  std::string doomed = ns_ + "-doomed";
  std::string objects =
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + doomed + "\n---\n" +
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: " + doomed +
      "\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: " + doomed +
      "\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  namespace: " + doomed +
      "\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: " + doomed +
      "\nspec:\n  ports:\n  - port: 80\n" +
      "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: " + doomed +
      "\nspec:\n  containers:\n  - name: c\n    image: busybox\n" +
      "---\napiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: l\n"
      "  namespace: " +
      doomed +
      "\n---\napiVersion: v1\nkind: Endpoints\nmetadata:\n  name: svc\n  namespace: " + doomed +
      "\n---\napiVersion: v1\nkind: Event\nmetadata:\n  name: e\n  namespace: " + doomed +
      "\ninvolvedObject:\n  kind: Pod\n  name: p\n  namespace: " + doomed + "\nreason: R\n";
  std::string file = Manifest("doomed.yaml", objects);
  EXPECT_THAT(Ok({"create", "-f", file}), HasSubstr("event/e created\n"));
  EXPECT_EQ(WithoutServerObjects(
                Out({"-n", doomed, "get", "cm,secret,sa,svc,pod,lease,ep", "-o", "name"})),
            "configmap/c\nsecret/s\nserviceaccount/sa\nservice/svc\npod/p\n"
            "lease.coordination.k8s.io/l\nendpoints/svc\n");
  // The scheduler also reports on p (FailedScheduling: there are no nodes); leave that out.
  EXPECT_EQ(Out({"-n", doomed, "get", "events", "--field-selector=reason!=FailedScheduling", "-o",
                 "name"}),
            "event/e\n");

  EXPECT_EQ(Ok({"delete", "ns", doomed, "--wait", "--timeout=20s"}),
            "namespace \"" + doomed + "\" deleted\n");
  EXPECT_EQ(Fails({"get", "ns", doomed}),
            "Error from server (NotFound): namespaces \"" + doomed + "\" not found\n");
  EXPECT_EQ(Ok({"-n", doomed, "get", "cm,secret,sa,svc,pod,lease,ep,events"}),
            "No resources found in " + doomed + " namespace.\n");
  EXPECT_THAT(Out({"get", "cm", "-A", "-o", "name"}), Not(HasSubstr("configmap/c\n")));
  // Recreating the namespace does not bring anything back (but what every namespace gets).
  Ok({"create", "-f",
      Manifest("again.yaml",
               "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + doomed + "\n")});
  EXPECT_EQ(WithoutServerObjects(
                Out({"-n", doomed, "get", "cm,secret,sa,svc,pod,lease,ep,events", "-o", "name"})),
            "");
  // A namespace that no longer exists takes no objects.
  Ok({"delete", "ns", doomed, "--wait"});
  EXPECT_THAT(Fails({"-n", doomed, "create", "-f",
                     Manifest("late.yaml",
                              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                              "  name: late\n")}),
              HasSubstr("namespaces \"" + doomed + "\" not found"));
}

TEST_F(KubectlTest, ServiceAccounts) {
  std::string file =
      Manifest("sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: robot\n");
  EXPECT_EQ(NsOk({"create", "-f", file}), "serviceaccount/robot created\n");
  EXPECT_THAT(NsOut({"get", "sa", "robot"}),
              MatchesRegex(absl::StrCat("NAME +SECRETS +AGE\nrobot +0 +", kAge, "\n")));
  std::string described = NsOut({"describe", "sa", "robot"});
  EXPECT_THAT(described,
              StartsWith("Name:                robot\nNamespace:           " + ns_ + "\n"));
  EXPECT_THAT(described, ContainsRegex("\nMountable secrets: +<none>\n"));
  EXPECT_THAT(described, ContainsRegex("\nTokens: +<none>\n"));
  EXPECT_EQ(NsOk({"patch", "sa", "robot", "--type", "merge", "-p",
                  R"({"automountServiceAccountToken":false,)"
                  R"("imagePullSecrets":[{"name":"regcred"}]})"}),
            "serviceaccount/robot patched\n");
  EXPECT_EQ(Jsonpath("sa/robot", "{.automountServiceAccountToken} {.imagePullSecrets[0].name}"),
            "false regcred");
  EXPECT_THAT(NsOut({"describe", "sa", "robot"}),
              ContainsRegex("\nImage pull secrets: +regcred \\(not found\\)\n"));
  EXPECT_EQ(NsOk({"label", "sa", "robot", "role=bot"}), "serviceaccount/robot labeled\n");
  EXPECT_EQ(NsOk({"delete", "sa", "robot", "--wait"}), "serviceaccount \"robot\" deleted\n");
  EXPECT_EQ(NsFails({"get", "sa", "robot"}),
            "Error from server (NotFound): serviceaccounts \"robot\" not found\n");
}

TEST_F(KubectlTest, Pods) {
  std::string file = Manifest("pods.yaml",
                              "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p1\n"
                              "  labels:\n    app: web\nspec:\n  containers:\n  - name: c\n"
                              "    image: busybox\n    command: [\"sleep\", \"3600\"]\n"
                              "---\n"
                              "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p2\n"
                              "spec:\n  containers:\n  - name: c\n    image: busybox:1.36\n");
  // stdout only: the cluster's default PodSecurity policy warns about restricted violations.
  EXPECT_EQ(NsOut({"create", "-f", file}), "pod/p1 created\npod/p2 created\n");
  // No scheduler and no kubelet: pods stay Pending on no node.
  EXPECT_THAT(
      NsOut({"get", "pods"}),
      MatchesRegex(absl::StrCat("NAME +READY +STATUS +RESTARTS +AGE\n", "p1 +0/1 +Pending +0 +",
                                kAge, "\n", "p2 +0/1 +Pending +0 +", kAge, "\n")));
  EXPECT_THAT(NsOut({"get", "po", "p1", "-o", "wide"}),
              MatchesRegex(absl::StrCat("NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +"
                                        "NOMINATED NODE +READINESS GATES\n",
                                        "p1 +0/1 +Pending +0 +", kAge,
                                        " +<none> +<none> +<none> +<none>\n")));
  // Defaults filled in by the apiserver.
  EXPECT_EQ(Jsonpath("pod/p1",
                     "{.spec.restartPolicy} {.spec.dnsPolicy} {.spec.schedulerName} "
                     "{.spec.terminationGracePeriodSeconds} "
                     "{.spec.containers[0].imagePullPolicy} "
                     "{.spec.containers[0].terminationMessagePolicy} "
                     "{.status.phase} {.status.qosClass}"),
            "Always ClusterFirst default-scheduler 30 Always File Pending BestEffort");
  EXPECT_EQ(Jsonpath("pod/p2", "{.spec.containers[0].imagePullPolicy}"), "IfNotPresent");
  std::string described = NsOut({"describe", "pod", "p1"});
  EXPECT_THAT(described, StartsWith("Name:             p1\nNamespace:        " + ns_ + "\n"));
  EXPECT_THAT(described, ContainsRegex("\nNode: +<none>\n"));
  EXPECT_THAT(described, ContainsRegex("\nStatus: +Pending\n"));
  EXPECT_THAT(described, ContainsRegex("\n +Image: +busybox\n"));

  // Only a few fields of a pod may change.
  EXPECT_EQ(NsOut({"patch", "pod", "p1", "-p",
                   R"({"spec":{"containers":[{"name":"c","image":"busybox:1.37"}]}})"}),
            "pod/p1 patched\n");
  EXPECT_EQ(Jsonpath("pod/p1", "{.spec.containers[0].image} {.spec.containers[0].command}"),
            "busybox:1.37 [\"sleep\",\"3600\"]");
  EXPECT_THAT(NsFails({"patch", "pod", "p1", "--type", "merge", "-p",
                       R"({"spec":{"restartPolicy":"Never"}})"}),
              HasSubstr("The Pod \"p1\" is invalid: spec: Forbidden: pod updates may not change "
                        "fields other than `spec.containers[*].image`"));
  EXPECT_EQ(NsOk({"label", "pod", "p1", "tier=front"}), "pod/p1 labeled\n");
  EXPECT_EQ(NsOk({"annotate", "pod", "p1", "note=x"}), "pod/p1 annotated\n");

  // What a scheduler and a kubelet would do: bind, then report status.
  std::string binding =
      Manifest("binding.json", R"({"apiVersion":"v1","kind":"Binding","metadata":{"name":"p1"},)"
                               R"("target":{"apiVersion":"v1","kind":"Node","name":"node-a"}})");
  std::string path = "/api/v1/namespaces/" + ns_ + "/pods/p1/binding";
  EXPECT_THAT(Ok({"create", "--raw", path, "-f", binding}), HasSubstr("\"status\":\"Success\""));
  EXPECT_EQ(Jsonpath("pod/p1", "{.spec.nodeName}"), "node-a");
  EXPECT_EQ(Jsonpath("pod/p1", "{.status.conditions[?(@.type==\"PodScheduled\")].status}"), "True");
  EXPECT_EQ(Fails({"create", "--raw", path, "-f", binding}),
            "Error from server (Conflict): Operation cannot be fulfilled on pods \"p1\": pod p1 is "
            "already assigned to node \"node-a\"\n");
  EXPECT_EQ(NsOk({"patch", "pod", "p1", "--subresource=status", "--type", "merge", "-p",
                  R"({"status":{"phase":"Running","podIP":"10.42.0.9",)"
                  R"("podIPs":[{"ip":"10.42.0.9"}]}})"}),
            "pod/p1 patched\n");
  EXPECT_THAT(NsOut({"get", "po", "p1", "-o", "wide"}),
              ContainsRegex(absl::StrCat("\np1 +0/1 +Running +0 +", kAge,
                                         " +10\\.42\\.0\\.9 +node-a +<none> +<none>\n")));
  // The status subresource ignores spec changes, the main resource ignores status changes.
  NsOk({"patch", "pod", "p1", "--type", "merge", "-p", R"({"status":{"phase":"Failed"}})"});
  EXPECT_EQ(Jsonpath("pod/p1", "{.status.phase}"), "Running");

  EXPECT_EQ(NsOut({"get", "pods", "--field-selector", "spec.nodeName=node-a", "-o", "name"}),
            "pod/p1\n");
  EXPECT_EQ(NsOut({"get", "pods", "--field-selector", "status.phase=Pending", "-o", "name"}),
            "pod/p2\n");
  EXPECT_EQ(NsOut({"get", "pods", "-l", "app=web", "-o", "name"}), "pod/p1\n");

  // An unscheduled pod goes at once; a bound one needs --force without a kubelet.
  EXPECT_EQ(NsOk({"delete", "pod", "p2", "--wait", "--timeout=20s"}), "pod \"p2\" deleted\n");
  EXPECT_THAT(NsOk({"delete", "pod", "p1", "--force", "--grace-period=0"}),
              HasSubstr("pod \"p1\" force deleted\n"));
  EXPECT_EQ(NsOk({"get", "pods"}), "No resources found in " + ns_ + " namespace.\n");
}

TEST_F(KubectlTest, Leases) {
  std::string file = Manifest("lease.yaml",
                              "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n"
                              "  name: l1\nspec:\n  holderIdentity: me\n"
                              "  leaseDurationSeconds: 15\n");
  EXPECT_EQ(NsOk({"create", "-f", file}), "lease.coordination.k8s.io/l1 created\n");
  EXPECT_THAT(NsOut({"get", "leases"}),
              MatchesRegex(absl::StrCat("NAME +HOLDER +AGE\nl1 +me +", kAge, "\n")));
  EXPECT_EQ(NsOk({"patch", "lease", "l1", "--type", "merge", "-p",
                  R"({"spec":{"holderIdentity":"you","leaseTransitions":1}})"}),
            "lease.coordination.k8s.io/l1 patched\n");
  EXPECT_EQ(NsOk({"patch", "lease", "l1", "--type", "json", "-p",
                  R"([{"op":"add","path":"/spec/renewTime",)"
                  R"("value":"2026-01-02T03:04:05.123456Z"}])"}),
            "lease.coordination.k8s.io/l1 patched\n");
  EXPECT_EQ(Jsonpath("lease/l1",
                     "{.spec.holderIdentity} {.spec.leaseTransitions} "
                     "{.spec.renewTime} {.spec.leaseDurationSeconds}"),
            "you 1 2026-01-02T03:04:05.123456Z 15");
  EXPECT_EQ(NsFails({"create", "-f",
                     Manifest("bad.yaml",
                              "apiVersion: coordination.k8s.io/v1\nkind: Lease\n"
                              "metadata:\n  name: l0\nspec:\n"
                              "  leaseDurationSeconds: 0\n")}),
            "The Lease \"l0\" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be "
            "greater than 0\n");
  EXPECT_EQ(NsOk({"label", "lease", "l1", "a=b"}), "lease.coordination.k8s.io/l1 labeled\n");
  EXPECT_EQ(NsOk({"delete", "lease", "l1", "--wait"}),
            "lease.coordination.k8s.io \"l1\" deleted\n");
  EXPECT_EQ(NsFails({"get", "lease", "l1"}),
            "Error from server (NotFound): leases.coordination.k8s.io \"l1\" not found\n");
}

TEST_F(KubectlTest, Endpoints) {
  std::string file = Manifest("ep.yaml",
                              "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: web\n"
                              "subsets:\n- addresses:\n  - ip: 10.42.0.5\n  ports:\n"
                              "  - port: 8080\n    protocol: TCP\n");
  EXPECT_EQ(NsOk({"create", "-f", file}), "endpoints/web created\n");
  EXPECT_THAT(
      NsOut({"get", "endpoints"}),
      MatchesRegex(absl::StrCat("NAME +ENDPOINTS +AGE\nweb +10.42.0.5:8080 +", kAge, "\n")));
  EXPECT_EQ(NsOk({"patch", "ep", "web", "--type", "json", "-p",
                  R"([{"op":"add","path":"/subsets/0/addresses/-","value":{"ip":"10.42.0.6"}}])"}),
            "endpoints/web patched\n");
  EXPECT_THAT(NsOut({"get", "ep", "web"}), ContainsRegex("\nweb +10.42.0.5:8080,10.42.0.6:8080 +"));
  EXPECT_THAT(NsFails({"create", "-f",
                       Manifest("bad.yaml",
                                "apiVersion: v1\nkind: Endpoints\nmetadata:\n"
                                "  name: bad\nsubsets:\n- addresses:\n"
                                "  - ip: not-an-ip\n  ports:\n  - port: 80\n")}),
              HasSubstr("The Endpoints \"bad\" is invalid: subsets[0].addresses[0].ip: Invalid "
                        "value: \"not-an-ip\": must be a valid IP address"));
  // The apiserver publishes itself.
  EXPECT_EQ(Out({"-n", "default", "get", "ep", "kubernetes", "-o",
                 "jsonpath={.subsets[0].ports[0].port}"}),
            std::to_string(server_->port()));
  EXPECT_EQ(NsOk({"delete", "ep", "web", "--wait"}), "endpoints \"web\" deleted\n");
  EXPECT_EQ(NsFails({"get", "ep", "web"}),
            "Error from server (NotFound): endpoints \"web\" not found\n");
}

TEST_F(KubectlTest, EndpointSlices) {
  std::string file = Manifest("eps.yaml",
                              "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
                              "metadata:\n  name: web-abc\n  labels:\n"
                              "    kubernetes.io/service-name: web\naddressType: IPv4\n"
                              "endpoints:\n- addresses: [\"10.42.0.5\"]\n"
                              "  conditions: {ready: true}\nports:\n- name: http\n"
                              "  port: 8080\n  protocol: TCP\n");
  EXPECT_EQ(NsOk({"create", "-f", file}), "endpointslice.discovery.k8s.io/web-abc created\n");
  EXPECT_THAT(NsOut({"get", "endpointslices"}),
              MatchesRegex(absl::StrCat("NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE\n"
                                        "web-abc +IPv4 +8080 +10.42.0.5 +",
                                        kAge, "\n")));
  EXPECT_EQ(NsOut({"get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "name"}),
            "endpointslice.discovery.k8s.io/web-abc\n");
  EXPECT_EQ(NsOk({"patch", "endpointslice", "web-abc", "--type", "json", "-p",
                  R"([{"op":"add","path":"/endpoints/-","value":{"addresses":["10.42.0.6"]}}])"}),
            "endpointslice.discovery.k8s.io/web-abc patched\n");
  EXPECT_THAT(NsOut({"get", "endpointslice", "web-abc"}),
              ContainsRegex("\nweb-abc +IPv4 +8080 +10.42.0.5,10.42.0.6 +"));
  EXPECT_THAT(NsFails({"create", "-f",
                       Manifest("bad.yaml",
                                "apiVersion: discovery.k8s.io/v1\n"
                                "kind: EndpointSlice\nmetadata:\n  name: bad\n"
                                "addressType: IPv5\nendpoints: []\n")}),
              HasSubstr("The EndpointSlice \"bad\" is invalid: addressType: Unsupported value: "
                        "\"IPv5\""));
  EXPECT_EQ(Out({"-n", "default", "get", "endpointslice", "kubernetes", "-o",
                 "jsonpath={.ports[0].port}"}),
            std::to_string(server_->port()));
  EXPECT_EQ(NsOk({"delete", "endpointslice", "web-abc", "--wait"}),
            "endpointslice.discovery.k8s.io \"web-abc\" deleted\n");
  EXPECT_EQ(
      NsFails({"get", "endpointslice", "web-abc"}),
      "Error from server (NotFound): endpointslices.discovery.k8s.io \"web-abc\" not found\n");
}

TEST_F(KubectlTest, Events) {
  std::string file = Manifest("ev.yaml",
                              "apiVersion: v1\nkind: Event\nmetadata:\n  name: ev1\n"
                              "involvedObject:\n  kind: Pod\n  name: p1\n  namespace: " +
                                  ns_ +
                                  "\nreason: Testing\nmessage: hello event\ntype: Normal\n"
                                  "count: 3\nsource:\n  component: tester\n");
  EXPECT_EQ(NsOk({"create", "-f", file}), "event/ev1 created\n");
  EXPECT_EQ(NsOut({"get", "events"}),
            "LAST SEEN   TYPE     REASON    OBJECT   MESSAGE\n"
            "<unknown>   Normal   Testing   pod/p1   hello event\n");
  EXPECT_EQ(NsOut({"get", "events", "--field-selector", "involvedObject.name=p1,reason=Testing",
                   "-o", "name"}),
            "event/ev1\n");
  EXPECT_EQ(NsOut({"get", "events", "--field-selector", "type=Warning", "-o", "name"}), "");
  EXPECT_EQ(NsOk({"patch", "events", "ev1", "--type", "merge", "-p", R"({"count":4})"}),
            "event/ev1 patched\n");
  EXPECT_EQ(Jsonpath("events/ev1", "{.count} {.source.component} {.involvedObject.kind}"),
            "4 tester Pod");
  EXPECT_EQ(NsOk({"delete", "events", "ev1", "--wait"}), "event \"ev1\" deleted\n");
  EXPECT_EQ(NsOk({"get", "events"}), "No resources found in " + ns_ + " namespace.\n");
  // The involved object must live in the event's namespace.
  EXPECT_THAT(NsFails({"create", "-f",
                       Manifest("bad.yaml",
                                "apiVersion: v1\nkind: Event\nmetadata:\n"
                                "  name: bad\ninvolvedObject:\n  kind: Pod\n"
                                "  name: p1\n  namespace: elsewhere\n")}),
              HasSubstr("The Event \"bad\" is invalid: involvedObject.namespace: Invalid value: "
                        "\"elsewhere\": does not match event.namespace"));
}

// events.k8s.io/v1 is another view of the same events, not a separate store.
TEST_F(KubectlTest, EventsK8sIoSharesStorageWithCoreEvents) {
  NsOk({"create", "-f",
        Manifest("core.yaml",
                 "apiVersion: v1\nkind: Event\nmetadata:\n  name: core\n"
                 "involvedObject:\n  kind: Pod\n  name: p1\n  namespace: " +
                     ns_ + "\nreason: Testing\nmessage: from core\ntype: Normal\n")});
  EXPECT_EQ(NsOk({"create", "-f",
                  Manifest("new.yaml",
                           "apiVersion: events.k8s.io/v1\nkind: Event\nmetadata:\n"
                           "  name: modern\neventTime: "
                           "\"2026-01-02T03:04:05.000000Z\"\n"
                           "reportingController: example.com/tester\n"
                           "reportingInstance: tester-1\naction: Testing\n"
                           "reason: Started\nnote: from events\ntype: Normal\n"
                           "regarding:\n  kind: Pod\n  name: p1\n  namespace: " +
                               ns_ + "\n")}),
            "event.events.k8s.io/modern created\n");
  EXPECT_EQ(
      NsOut({"get", "events.v1.events.k8s.io", "core", "-o", "jsonpath={.note} {.regarding.name}"}),
      "from core p1");
  EXPECT_EQ(NsOut({"get", "events.v1.", "modern", "-o",
                   "jsonpath={.message} {.involvedObject.name} {.reportingComponent}"}),
            "from events p1 example.com/tester");
  EXPECT_EQ(NsOut({"get", "events.v1.events.k8s.io", "-o", "name"}),
            "event.events.k8s.io/core\nevent.events.k8s.io/modern\n");
  EXPECT_EQ(NsOut({"get", "events.v1.", "-o", "name"}), "event/core\nevent/modern\n");
}

// ----------------------------------------------------------------------------------------------
// Reading

TEST_F(KubectlTest, OutputFormats) {
  NsOk({"create", "-f",
        Manifest("cms.yaml",
                 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alpha\n"
                 "  labels:\n    app: demo\ndata:\n  key1: value1\n---\n"
                 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: beta\n"
                 "data:\n  a: b\n  c: d\n")});
  EXPECT_THAT(NsOut({"get", "cm", "alpha", "-o", "yaml"}),
              MatchesRegex(absl::StrCat(
                  "apiVersion: v1\ndata:\n  key1: value1\nkind: ConfigMap\nmetadata:\n"
                  "  creationTimestamp: \"",
                  kTimestamp, "\"\n  labels:\n    app: demo\n  name: alpha\n  namespace: ", ns_,
                  "\n  resourceVersion: \"[0-9]+\"\n  uid: ", kUid, "\n")));
  auto json = nlohmann::json::parse(NsOut({"get", "cm", "alpha", "-o", "json"}), nullptr, false);
  ASSERT_TRUE(json.is_object());
  EXPECT_EQ(json.value("kind", ""), "ConfigMap");
  EXPECT_EQ(json.value("apiVersion", ""), "v1");
  EXPECT_EQ(json["metadata"].value("name", ""), "alpha");
  EXPECT_EQ(json["metadata"].value("namespace", ""), ns_);
  EXPECT_EQ(json["data"], nlohmann::json::parse(R"({"key1":"value1"})"));
  auto list = nlohmann::json::parse(NsOut({"get", "cm", kNotRootCa, "-o", "json"}), nullptr, false);
  ASSERT_TRUE(list.is_object());
  EXPECT_EQ(list.value("kind", ""), "List");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][1]["metadata"].value("name", ""), "beta");
  EXPECT_EQ(list["items"][1].value("kind", ""), "ConfigMap");
  EXPECT_THAT(NsOut({"get", "cm", kNotRootCa, "-o", "yaml"}),
              AllOf(StartsWith("apiVersion: v1\nitems:\n- apiVersion: v1\n"),
                    EndsWith("kind: List\nmetadata:\n  resourceVersion: \"\"\n")));

  EXPECT_EQ(NsOut({"get", "cm", "alpha", "-o", "jsonpath={.metadata.name}={.data.key1}"}),
            "alpha=value1");
  EXPECT_EQ(
      NsOut({"get", "cm", kNotRootCa, "-o",
             R"(jsonpath={range .items[*]}{.metadata.name}:{.metadata.labels.app}{"\n"}{end})"}),
      "alpha:demo\nbeta:\n");
  EXPECT_EQ(NsOut({"get", "cm", kNotRootCa, "-o",
                   "custom-columns=NAME:.metadata.name,APP:.metadata.labels."
                   "app,NS:.metadata.namespace"}),
            absl::StrCat("NAME    APP      NS\nalpha   demo     ", ns_, "\nbeta    <none>   ", ns_,
                         "\n"));
  EXPECT_THAT(
      NsOut({"get", "cm", kNotRootCa, "-o", "wide"}),
      MatchesRegex(absl::StrCat("NAME +DATA +AGE\nalpha +1 +", kAge, "\nbeta +2 +", kAge, "\n")));
  EXPECT_EQ(NsOut({"get", "cm", kNotRootCa, "-o", "name"}), "configmap/alpha\nconfigmap/beta\n");
  EXPECT_THAT(NsOut({"get", "cm", kNotRootCa, "--no-headers"}),
              MatchesRegex(absl::StrCat("alpha +1 +", kAge, "\nbeta +2 +", kAge, "\n")));
  EXPECT_THAT(NsOut({"get", "cm", kNotRootCa, "--show-labels"}),
              MatchesRegex(absl::StrCat("NAME +DATA +AGE +LABELS\nalpha +1 +", kAge,
                                        " +app=demo\nbeta +2 +", kAge, " +<none>\n")));
  EXPECT_THAT(NsOut({"get", "cm", kNotRootCa, "-L", "app"}),
              MatchesRegex(absl::StrCat("NAME +DATA +AGE +APP\nalpha +1 +", kAge,
                                        " +demo\nbeta +2 +", kAge, " +\n")));
  EXPECT_EQ(NsOut({"get", "cm", kNotRootCa, "--sort-by=.metadata.name", "-o", "name"}),
            "configmap/alpha\nconfigmap/beta\n");
  EXPECT_THAT(
      Out({"get", "cm", "-A", "-l", "app=demo", "--field-selector", "metadata.namespace=" + ns_}),
      MatchesRegex(absl::StrCat("NAMESPACE +NAME +DATA +AGE\n", ns_, " +alpha +1 +", kAge, "\n")));
}

TEST_F(KubectlTest, WatchPrintsChangesAsTheyHappen) {
  auto cm = [&](const std::string& name) {
    return Manifest(name + ".yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n");
  };
  NsOk({"create", "-f", cm("w0")});

  std::vector<std::unique_ptr<base::Subprocess>> watchers;
  for (bool events : {true, false}) {
    base::SubprocessOptions options;
    options.argv = {KubectlPath(), "-n", ns_, "get", "cm", "-w"};
    if (events) options.argv.push_back("--output-watch-events");
    options.extra_env = server_->Env();
    options.output_path = files_.File(events ? "events.out" : "plain.out");
    options.new_process_group = true;
    auto process = base::Subprocess::Start(options);
    ASSERT_TRUE(process.ok()) << process.status();
    watchers.push_back(*std::move(process));
  }
  std::string events_out = files_.File("events.out");
  std::string plain_out = files_.File("plain.out");
  // Both watches have listed; now make changes.
  WaitForFile(events_out, "ADDED +w0 ");
  WaitForFile(plain_out, "\nw0 +0 ");

  // Ages in watch rows are computed when each row is sent, not when the watch started.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  NsOk({"create", "-f", cm("w1")});
  WaitForFile(events_out, "ADDED +w1 ");
  NsOk({"label", "cm", "w0", "changed=yes"});
  WaitForFile(events_out, "MODIFIED +w0 ");
  NsOk({"delete", "cm", "w1"});
  std::string events = WaitForFile(events_out, "DELETED +w1 ");
  std::string plain = WaitForFile(plain_out, "\nw1 +0 [^\n]*\nw0 +0 [^\n]*\nw1 +0 ");

  for (auto& watcher : watchers) {
    watcher->Signal(SIGTERM);
    if (!watcher->WaitFor(5 * base::kNanosPerSecond)) {
      watcher->Signal(SIGKILL);
      watcher->Wait();
    }
  }
  EXPECT_THAT(events, MatchesRegex(absl::StrCat(
                          "EVENT +NAME +DATA +AGE\n", "ADDED +kube-root-ca.crt +1 +", kAge, "\n",
                          "ADDED +w0 +0 +", kAge, "\n", "ADDED +w1 +0 +", kAge, "\n",
                          "MODIFIED +w0 +0 +", kAge, "\n", "DELETED +w1 +0 +", kAge, "\n")));
  EXPECT_THAT(plain, MatchesRegex(absl::StrCat("NAME +DATA +AGE\n", "kube-root-ca.crt +1 +", kAge,
                                               "\n", "w0 +0 +", kAge, "\n", "w1 +0 +", kAge, "\n",
                                               "w0 +0 +", kAge, "\n", "w1 +0 +", kAge, "\n")));
}

TEST_F(KubectlTest, LabelAndFieldSelectors) {
  NsOk({"create", "-f",
        Manifest("cms.yaml",
                 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n"
                 "    app: web\n    tier: front\n---\n"
                 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels:\n"
                 "    app: web\n    tier: back\n---\n"
                 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n"
                 "    app: db\n")});
  auto names = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"get", "cm", "-o", "name"});
    return NsOut(args);
  };
  EXPECT_EQ(names({"-l", "app=web"}), "configmap/a\nconfigmap/b\n");
  EXPECT_EQ(names({"-l", "app==web,tier=back"}), "configmap/b\n");
  EXPECT_EQ(names({"-l", "app!=web"}), "configmap/c\nconfigmap/kube-root-ca.crt\n");
  EXPECT_EQ(names({"-l", "app in (web,db),tier!=back"}), "configmap/a\nconfigmap/c\n");
  EXPECT_EQ(names({"-l", "tier notin (front)"}),
            "configmap/b\nconfigmap/c\nconfigmap/kube-root-ca.crt\n");
  EXPECT_EQ(names({"-l", "tier"}), "configmap/a\nconfigmap/b\n");
  EXPECT_EQ(names({"-l", "!tier"}), "configmap/c\nconfigmap/kube-root-ca.crt\n");
  EXPECT_EQ(names({"-l", "app=nothing"}), "");
  EXPECT_EQ(names({"--field-selector", "metadata.name=b"}), "configmap/b\n");
  EXPECT_EQ(names({"--field-selector", "metadata.name!=b"}),
            "configmap/a\nconfigmap/c\nconfigmap/kube-root-ca.crt\n");
  EXPECT_EQ(names({"--field-selector", "metadata.namespace=" + ns_, "-l", "app=web"}),
            "configmap/a\nconfigmap/b\n");
  EXPECT_EQ(names({"-l", "app=web", "--field-selector", "metadata.name!=a"}), "configmap/b\n");
  EXPECT_EQ(Out({"get", "cm", "-A", "--field-selector", "metadata.namespace=" + ns_, "-o", "name"}),
            "configmap/a\nconfigmap/b\nconfigmap/c\nconfigmap/kube-root-ca.crt\n");

  EXPECT_THAT(NsFails({"get", "cm", "--field-selector", "data.x=y"}),
              HasSubstr("\"data.x\" is not a known field selector: only \"metadata.name\", "
                        "\"metadata.namespace\""));
  EXPECT_THAT(NsFails({"get", "pods", "--field-selector", "spec.bogus=1"}),
              HasSubstr("field label not supported: spec.bogus"));
  EXPECT_THAT(NsFails({"get", "cm", "-l", "app in (web"}), HasSubstr("app in (web"));
  // Selectors on the raw API and in the delete path.
  auto raw = nlohmann::json::parse(
      Out({"get", "--raw", "/api/v1/namespaces/" + ns_ + "/configmaps?labelSelector=tier%3Dfront"}),
      nullptr, false);
  ASSERT_TRUE(raw.is_object());
  ASSERT_EQ(raw["items"].size(), 1u);
  EXPECT_EQ(raw["items"][0]["metadata"].value("name", ""), "a");
  EXPECT_EQ(NsOk({"delete", "cm", "-l", "app=web"}),
            "configmap \"a\" deleted\nconfigmap \"b\" deleted\n");
  EXPECT_EQ(names({}), "configmap/c\nconfigmap/kube-root-ca.crt\n");
}

TEST_F(KubectlTest, ChunkedListReturnsEverything) {
  std::string text;
  for (int i = 1; i <= 7; ++i) {
    absl::StrAppend(&text, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c", i, "\n");
  }
  NsOk({"create", "-f", Manifest("seven.yaml", text)});
  EXPECT_EQ(NsOut({"get", "cm", "--chunk-size=2", "-o", "name"}),
            "configmap/c1\nconfigmap/c2\nconfigmap/c3\nconfigmap/c4\nconfigmap/c5\n"
            "configmap/c6\nconfigmap/c7\nconfigmap/kube-root-ca.crt\n");
  std::string table = NsOut({"get", "cm", "--chunk-size=2"});
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 9) << table;
  // kubectl followed the continue token: four pages of at most two.
  std::string verbose = NsOk({"get", "cm", "--chunk-size=2", "-v=6"});
  size_t pages = 0;
  for (size_t at = 0; (at = verbose.find("limit=2 200 OK", at)) != std::string::npos; ++at) {
    ++pages;
  }
  EXPECT_EQ(pages, 4u) << verbose;

  std::string base = "/api/v1/namespaces/" + ns_ + "/configmaps?limit=3";
  auto first = nlohmann::json::parse(Out({"get", "--raw", base}), nullptr, false);
  ASSERT_TRUE(first.is_object());
  ASSERT_EQ(first["items"].size(), 3u);
  EXPECT_EQ(first["metadata"].value("remainingItemCount", -1), 5);
  std::string token = first["metadata"].value("continue", "");
  ASSERT_FALSE(token.empty());
  auto second =
      nlohmann::json::parse(Out({"get", "--raw", base + "&continue=" + token}), nullptr, false);
  ASSERT_TRUE(second.is_object());
  ASSERT_EQ(second["items"].size(), 3u);
  EXPECT_EQ(second["items"][0]["metadata"].value("name", ""), "c4");
  EXPECT_THAT(Fails({"get", "--raw", base + "&continue=garbage"}), HasSubstr("BadRequest"));
}

// ----------------------------------------------------------------------------------------------
// Writing

TEST_F(KubectlTest, ServerDryRunChangesNothing) {
  std::string file = Manifest("cm.yaml",
                              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n"
                              "data:\n  a: b\n");
  EXPECT_EQ(NsOk({"create", "-f", file, "--dry-run=server"}),
            "configmap/dry created (server dry run)\n");
  EXPECT_EQ(NsFails({"get", "cm", "dry"}),
            "Error from server (NotFound): configmaps \"dry\" not found\n");
  EXPECT_THAT(NsOut({"create", "-f", file, "--dry-run=server", "-o", "yaml"}),
              ContainsRegex("uid: " + std::string(kUid)));
  NsOk({"create", "-f", file});
  EXPECT_EQ(NsOk({"patch", "cm", "dry", "--dry-run=server", "--type", "merge", "-p",
                  R"({"data":{"a":"changed"}})"}),
            "configmap/dry patched\n");  // kubectl patch prints no dry-run suffix
  EXPECT_EQ(NsOk({"label", "cm", "dry", "x=y", "--dry-run=server"}),
            "configmap/dry labeled (server dry run)\n");
  EXPECT_EQ(Jsonpath("cm/dry", "{.data.a} {.metadata.labels}"), "b ");
  EXPECT_EQ(NsOk({"delete", "cm", "dry", "--dry-run=server"}),
            "configmap \"dry\" deleted (server dry run)\n");
  EXPECT_EQ(Jsonpath("cm/dry", "{.metadata.name}"), "dry");
  // A dry-run service must not keep its address.
  std::string svc = Manifest("svc.yaml",
                             "apiVersion: v1\nkind: Service\nmetadata:\n  name: drysvc\n"
                             "spec:\n  clusterIP: 10.43.77.77\n  ports:\n  - port: 80\n");
  EXPECT_EQ(NsOk({"create", "-f", svc, "--dry-run=server"}),
            "service/drysvc created (server dry run)\n");
  EXPECT_EQ(NsOk({"create", "-f", svc}), "service/drysvc created\n");
}

TEST_F(KubectlTest, StaleUpdateConflicts) {
  NsOk({"create", "-f",
        Manifest("cm.yaml",
                 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"
                 "data:\n  a: b\n")});
  std::string old = files_.File("old.yaml");
  ASSERT_TRUE(base::WriteFileAtomic(old, NsOut({"get", "cm", "cm", "-o", "yaml"}), 0644).ok());
  NsOk({"label", "cm", "cm", "x=y"});
  EXPECT_EQ(NsFails({"replace", "-f", old}),
            "Error from server (Conflict): error when replacing \"" + old +
                "\": Operation cannot be fulfilled on configmaps \"cm\": the object has been "
                "modified; please apply your changes to the latest version and try again\n");
  EXPECT_EQ(Jsonpath("cm/cm", "{.metadata.labels.x}"), "y");
  std::string current = files_.File("current.yaml");
  ASSERT_TRUE(base::WriteFileAtomic(current, NsOut({"get", "cm", "cm", "-o", "yaml"}), 0644).ok());
  EXPECT_EQ(NsOk({"replace", "-f", current}), "configmap/cm replaced\n");
  // Without a resourceVersion, replace is unconditional.
  EXPECT_EQ(NsOk({"replace", "-f",
                  Manifest("fresh.yaml",
                           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                           "  name: cm\ndata:\n  a: c\n")}),
            "configmap/cm replaced\n");
  EXPECT_EQ(Jsonpath("cm/cm", "{.data.a} {.metadata.labels}"), "c ");
}

TEST_F(KubectlTest, ClientSideApply) {
  std::string v1 = Manifest("v1.yaml",
                            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n"
                            "data:\n  a: \"1\"\n  b: \"2\"\n");
  std::string v2 = Manifest("v2.yaml",
                            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n"
                            "data:\n  a: \"10\"\n");
  EXPECT_EQ(NsOk({"apply", "-f", v1}), "configmap/app created\n");
  EXPECT_EQ(NsOk({"apply", "-f", v1}), "configmap/app unchanged\n");
  EXPECT_THAT(Jsonpath("cm/app", "{.metadata.annotations}"),
              HasSubstr("kubectl.kubernetes.io/last-applied-configuration"));
  NsOk({"patch", "cm", "app", "--type", "merge", "-p", R"({"data":{"mine":"x"}})"});
  // b was applied before and is dropped; mine was never applied and stays.
  EXPECT_EQ(NsOk({"apply", "-f", v2}), "configmap/app configured\n");
  EXPECT_EQ(Jsonpath("cm/app", "{.data}"), R"({"a":"10","mine":"x"})");
  EXPECT_EQ(NsOk({"delete", "-f", v2}), "configmap \"app\" deleted\n");
}

TEST_F(KubectlTest, CreateErrors) {
  std::string cm = Manifest("cm.yaml",
                            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                            "  name: cm\n");
  EXPECT_EQ(Fails({"-n", "no-such-namespace", "create", "-f", cm}),
            "Error from server (NotFound): error when creating \"" + cm +
                "\": namespaces \"no-such-namespace\" not found\n");
  NsOk({"create", "-f", cm});
  EXPECT_EQ(NsFails({"create", "-f", cm}),
            "Error from server (AlreadyExists): error when creating \"" + cm +
                "\": configmaps \"cm\" already exists\n");
  EXPECT_EQ(NsFails({"create", "-f",
                     Manifest("bad.yaml",
                              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                              "  name: Bad_Name\n")}),
            "The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": "
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n");
  EXPECT_THAT(NsFails({"create", "-f",
                       Manifest("badkey.yaml",
                                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                "  name: badkey\ndata:\n  \"bad key\": x\n")}),
              HasSubstr("The ConfigMap \"badkey\" is invalid: data[bad key]: Invalid value: "
                        "\"bad key\": a valid config key must consist of alphanumeric "
                        "characters, '-', '_' or '.'"));
  EXPECT_EQ(NsFails({"get", "foo"}), "error: the server doesn't have a resource type \"foo\"\n");
  EXPECT_EQ(NsFails({"get", "cm", "nope"}),
            "Error from server (NotFound): configmaps \"nope\" not found\n");
}

// ----------------------------------------------------------------------------------------------
// HTTP surface

TEST_F(KubectlTest, UnauthenticatedRequestsGet401) {
  auto no_cert = Curl("-k -w '\\n%{http_code}' \"$SERVER/api/v1/namespaces\"");
  ASSERT_EQ(no_cert.exit_code, 0) << no_cert.output;
  size_t last_line = no_cert.output.rfind('\n');
  ASSERT_NE(last_line, std::string::npos) << no_cert.output;
  EXPECT_EQ(no_cert.output.substr(last_line + 1), "401");
  auto status = nlohmann::json::parse(no_cert.output.substr(0, last_line), nullptr, false);
  ASSERT_TRUE(status.is_object()) << no_cert.output;
  EXPECT_EQ(status, nlohmann::json::parse(
                        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                        R"("message":"Unauthorized","reason":"Unauthorized","code":401})"));
  // A certificate from a CA the server does not trust is no better than none.
  auto self_signed = server_->Sh(
      "cd " + files_.path() +
      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "
      "/CN=system:admin/O=system:masters -keyout evil.key -out evil.crt -days 1 2>&1 && "
      "curl -sk --cert evil.crt --key evil.key -o /dev/null -w '%{http_code}' "
      "\"$SERVER/api/v1/namespaces\"");
  EXPECT_THAT(self_signed.output, EndsWith("401"));

  auto version = Curl("-k \"$SERVER/version\"");
  auto version_json = nlohmann::json::parse(version.output, nullptr, false);
  ASSERT_TRUE(version_json.is_object()) << version.output;
  EXPECT_EQ(version_json.value("gitVersion", ""), "v1.32.0+k1s1");
  EXPECT_EQ(Curl("-k \"$SERVER/readyz\"").output, "ok");

  auto list = nlohmann::json::parse(CurlAdmin("/api/v1/namespaces"), nullptr, false);
  ASSERT_TRUE(list.is_object());
  EXPECT_EQ(list.value("kind", ""), "NamespaceList");
}

TEST_F(KubectlTest, HealthEndpoints) {
  EXPECT_EQ(Curl("-k \"$SERVER/readyz\"").output, "ok");
  EXPECT_EQ(Curl("-k \"$SERVER/livez\"").output, "ok");
  EXPECT_EQ(Curl("-k \"$SERVER/healthz\"").output, "ok");
  EXPECT_EQ(Curl("-k \"$SERVER/readyz/ping\"").output, "ok");
  std::string verbose = Curl("-k \"$SERVER/readyz?verbose\"").output;
  EXPECT_THAT(verbose, StartsWith("[+]ping ok\n"));
  EXPECT_THAT(verbose, HasSubstr("\n[+]etcd ok\n"));
  EXPECT_THAT(verbose, EndsWith("\nreadyz check passed\n"));
  EXPECT_THAT(Curl("-k \"$SERVER/livez?verbose\"").output, EndsWith("\nlivez check passed\n"));
  EXPECT_EQ(Ok({"get", "--raw", "/readyz"}), "ok");
}

TEST_F(KubectlTest, MetricsCountRequests) {
  NsOut({"get", "cm"});
  std::string metrics = CurlAdmin("/metrics");
  EXPECT_THAT(metrics, HasSubstr("# TYPE apiserver_request_total counter\n"));
  // The LIST just made is counted with upstream's label set.
  std::string line;
  for (absl::string_view candidate : absl::StrSplit(metrics, '\n')) {
    std::string text(candidate);
    if (text.rfind("apiserver_request_total{", 0) == 0 &&
        text.find("resource=\"configmaps\"") != std::string::npos &&
        text.find("verb=\"LIST\"") != std::string::npos &&
        text.find("code=\"200\"") != std::string::npos) {
      line = text;
    }
  }
  ASSERT_FALSE(line.empty()) << metrics.substr(0, 3000);
  EXPECT_THAT(line, MatchesRegex("apiserver_request_total\\{.*\\} [1-9][0-9]*"));
  for (const char* label : {"component=\"apiserver\"", "group=\"\"", "version=\"v1\"",
                            "scope=\"namespace\"", "subresource=\"\"", "dry_run=\"\""}) {
    EXPECT_THAT(line, HasSubstr(label)) << line;
  }
}

// ----------------------------------------------------------------------------------------------
// Typed generators send protobuf bodies.

TEST_F(KubectlTest, TypedGeneratorCommands) {
  EXPECT_EQ(NsOk({"create", "configmap", "gen", "--from-literal=a=b"}), "configmap/gen created\n");
  EXPECT_EQ(Jsonpath("cm/gen", "{.data.a}"), "b");
  EXPECT_EQ(NsOk({"create", "secret", "generic", "sgen", "--from-literal=p=q"}),
            "secret/sgen created\n");
  EXPECT_EQ(Jsonpath("secret/sgen", "{.data.p} {.type}"), "cQ== Opaque");
  std::string name = ns_ + "-gen";
  EXPECT_EQ(Ok({"create", "namespace", name}), "namespace/" + name + " created\n");
  EXPECT_EQ(NsOk({"create", "serviceaccount", "sagen"}), "serviceaccount/sagen created\n");
  EXPECT_EQ(NsOk({"create", "service", "clusterip", "cgen", "--tcp=80:8080"}),
            "service/cgen created\n");
  EXPECT_THAT(Jsonpath("svc/cgen", "{.spec.clusterIP} {.spec.ports[0].targetPort}"),
              MatchesRegex("10\\.43\\.[0-9]+\\.[0-9]+ 8080"));
  EXPECT_EQ(NsOut({"run", "rp", "--image=busybox", "--restart=Never"}), "pod/rp created\n");
  EXPECT_EQ(Jsonpath("pod/rp", "{.spec.containers[0].image} {.status.phase}"), "busybox Pending");
  Ok({"delete", "namespace", name, "--wait"});
}

// ----------------------------------------------------------------------------------------------
// What controllers add in a k3s-equivalent server.

// Last: a server that wrongly allows this loses namespaces other tests rely on.
TEST_F(KubectlTest, SystemNamespacesCannotBeDeleted) {
  for (const char* name : {"default", "kube-system", "kube-public"}) {
    EXPECT_EQ(Fails({"delete", "namespace", name}),
              absl::StrCat("Error from server (Forbidden): namespaces \"", name,
                           "\" is forbidden: this namespace may not be deleted\n"));
    EXPECT_EQ(Out({"get", "namespace", name, "-o", "jsonpath={.status.phase}"}), "Active");
  }
}

// ----------------------------------------------------------------------------------------------
// Process lifecycle, each with its own server.

TEST(ServerLifecycleTest, StopsCleanlyOnSigterm) {
  base::TempDir temp;
  auto server = ServerProcess::Start(temp.path());
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(base::PathExists((*server)->kubeconfig()));
  EXPECT_EQ((*server)->Stop(), 0) << (*server)->Log();
  auto after = base::RunCommand({"curl", "-sk", "--max-time", "2", (*server)->url() + "/readyz"},
                                5 * base::kNanosPerSecond);
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->exit_code, 0) << "still answering after exit: " << after->output;
}

TEST(ServerLifecycleTest, ObjectsSurviveRestart) {
  if (!base::FindExecutable(KubectlPath())) GTEST_SKIP() << KubectlPath() << " not installed";
  base::TempDir temp;
  std::string file = temp.File("cm.yaml");
  ASSERT_TRUE(base::WriteFileAtomic(file,
                                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                    "  name: keep\ndata:\n  a: b\n",
                                    0644)
                  .ok());
  std::string uid;
  {
    auto server = ServerProcess::Start(temp.path() + "/server");
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_EQ((*server)->Kubectl({"create", "-f", file}).output, "configmap/keep created\n");
    uid = (*server)->Kubectl({"get", "cm", "keep", "-o", "jsonpath={.metadata.uid}"}).output;
    EXPECT_EQ((*server)->Stop(), 0) << (*server)->Log();
  }
  auto server = ServerProcess::Start(temp.path() + "/server");
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(
      (*server)->Kubectl({"get", "cm", "keep", "-o", "jsonpath={.metadata.uid} {.data.a}"}).output,
      uid + " b");
  EXPECT_EQ((*server)->Stop(), 0) << (*server)->Log();
}

}  // namespace
}  // namespace k1s::e2e
