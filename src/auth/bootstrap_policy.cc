#include "auth/bootstrap_policy.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "auth/escalation.h"
#include "auth/policy_rule.h"
#include "auth/user_info.h"

namespace k1s::auth {
namespace {

using nlohmann::json;
using List = std::vector<std::string>;

// Verb sets upstream's policy uses.
const List kRead = {"get", "list", "watch"};
const List kWrite = {"create", "update", "patch", "delete", "deletecollection"};
const List kReadWrite = {"get",    "list",  "watch",  "create",
                         "update", "patch", "delete", "deletecollection"};
const List kReadUpdate = {"get", "list", "watch", "update", "patch"};

// API groups.
constexpr char kCore[] = "";
constexpr char kApps[] = "apps";
constexpr char kAuthentication[] = "authentication.k8s.io";
constexpr char kAuthorization[] = "authorization.k8s.io";
constexpr char kAutoscaling[] = "autoscaling";
constexpr char kBatch[] = "batch";
constexpr char kCertificates[] = "certificates.k8s.io";
constexpr char kCoordination[] = "coordination.k8s.io";
constexpr char kDiscovery[] = "discovery.k8s.io";
constexpr char kExtensions[] = "extensions";
constexpr char kPolicy[] = "policy";
constexpr char kRbac[] = "rbac.authorization.k8s.io";
constexpr char kStorage[] = "storage.k8s.io";
constexpr char kNetworking[] = "networking.k8s.io";
constexpr char kEvents[] = "events.k8s.io";
constexpr char kAdmissionRegistration[] = "admissionregistration.k8s.io";

// Certificate signers.
constexpr char kLegacyUnknownSigner[] = "kubernetes.io/legacy-unknown";
constexpr char kKubeletServingSigner[] = "kubernetes.io/kubelet-serving";
constexpr char kApiServerClientSigner[] = "kubernetes.io/kube-apiserver-client";
constexpr char kApiServerClientKubeletSigner[] = "kubernetes.io/kube-apiserver-client-kubelet";

// Identities of the control-plane components.
constexpr char kKubeProxy[] = "system:kube-proxy";
constexpr char kKubeControllerManager[] = "system:kube-controller-manager";
constexpr char kKubeScheduler[] = "system:kube-scheduler";
constexpr char kMonitoringGroup[] = "system:monitoring";

constexpr char kKubeSystem[] = "kube-system";
constexpr char kKubePublic[] = "kube-public";
constexpr char kControllerPrefix[] = "system:controller:";
constexpr char kAggregateToAdmin[] = "rbac.authorization.k8s.io/aggregate-to-admin";
constexpr char kAggregateToEdit[] = "rbac.authorization.k8s.io/aggregate-to-edit";
constexpr char kAggregateToView[] = "rbac.authorization.k8s.io/aggregate-to-view";

List Sorted(List items) {
  std::sort(items.begin(), items.end());
  return items;
}

// A resource rule; like upstream's rule builder, every list comes out sorted.
json Rule(const List& verbs, const List& groups, const List& resources, const List& names = {}) {
  return PolicyRule{.verbs = Sorted(verbs),
                    .api_groups = Sorted(groups),
                    .resources = Sorted(resources),
                    .resource_names = Sorted(names)}
      .ToJson();
}

json UrlRule(const List& verbs, const List& urls) {
  return PolicyRule{.verbs = Sorted(verbs), .non_resource_urls = Sorted(urls)}.ToJson();
}

json EventsRule() { return Rule({"create", "update", "patch"}, {kCore, kEvents}, {"events"}); }

json Metadata(std::string_view name, std::string_view namespace_name, json labels) {
  labels["kubernetes.io/bootstrapping"] = "rbac-defaults";
  json meta = {{"name", name},
               {"labels", std::move(labels)},
               {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}};
  if (!namespace_name.empty()) meta["namespace"] = namespace_name;
  return meta;
}

json Object(std::string_view kind, json metadata) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", kind},
          {"metadata", std::move(metadata)}};
}

json ClusterRole(std::string_view name, std::vector<json> rules, json labels = json::object()) {
  json role = Object("ClusterRole", Metadata(name, "", std::move(labels)));
  role["rules"] = std::move(rules);
  return role;
}

// A role whose rules are those of the roles labelled `<selector_label>: "true"`.
json AggregatedClusterRole(std::string_view name, std::string_view selector_label,
                           json labels = json::object()) {
  json role = ClusterRole(name, {}, std::move(labels));
  role["aggregationRule"] = {
      {"clusterRoleSelectors", json::array({{{"matchLabels", {{selector_label, "true"}}}}})}};
  return role;
}

json Role(std::string_view namespace_name, std::string_view name, std::vector<json> rules) {
  json role = Object("Role", Metadata(name, namespace_name, json::object()));
  role["rules"] = std::move(rules);
  return role;
}

json Group(std::string_view name) {
  return {{"kind", "Group"}, {"apiGroup", kRbac}, {"name", name}};
}
json User(std::string_view name) { return {{"kind", "User"}, {"apiGroup", kRbac}, {"name", name}}; }
json ServiceAccount(std::string_view namespace_name, std::string_view name) {
  return {{"kind", "ServiceAccount"}, {"name", name}, {"namespace", namespace_name}};
}

json Binding(std::string_view kind, std::string_view name, std::string_view namespace_name,
             std::string_view role_kind, std::string_view role_name, std::vector<json> subjects) {
  json binding = Object(kind, Metadata(name, namespace_name, json::object()));
  binding["roleRef"] = {{"apiGroup", kRbac}, {"kind", role_kind}, {"name", role_name}};
  if (!subjects.empty()) binding["subjects"] = std::move(subjects);
  return binding;
}

// A ClusterRoleBinding named after the ClusterRole it binds.
json ClusterBinding(std::string_view role_name, std::vector<json> subjects) {
  return Binding("ClusterRoleBinding", role_name, "", "ClusterRole", role_name,
                 std::move(subjects));
}

json NamespacedBinding(std::string_view namespace_name, std::string_view name,
                       std::string_view role_name, std::vector<json> subjects) {
  return Binding("RoleBinding", name, namespace_name, "Role", role_name, std::move(subjects));
}

std::vector<json> MonitoringRules() {
  return {UrlRule({"get"}, {"/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz",
                            "/livez/*", "/readyz/*", "/healthz/*"})};
}

std::vector<json> AggregateToEditRules() {
  return {
      Rule(kRead, {kCore},
           {"pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets",
            "services/proxy"}),
      Rule({"impersonate"}, {kCore}, {"serviceaccounts"}),
      Rule(kWrite, {kCore}, {"pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"}),
      Rule({"create"}, {kCore}, {"pods/eviction"}),
      Rule(kWrite, {kCore},
           {"replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
            "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"}),
      Rule({"create"}, {kCore}, {"serviceaccounts/token"}),
      Rule(kWrite, {kApps},
           {"statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale",
            "deployments/rollback", "replicasets", "replicasets/scale"}),
      Rule(kWrite, {kAutoscaling}, {"horizontalpodautoscalers"}),
      Rule(kWrite, {kBatch}, {"jobs", "cronjobs"}),
      Rule(kWrite, {kExtensions},
           {"daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses",
            "replicasets", "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"}),
      Rule(kWrite, {kPolicy}, {"poddisruptionbudgets"}),
      Rule(kWrite, {kNetworking}, {"networkpolicies", "ingresses"}),
      Rule(kReadWrite, {kCoordination}, {"leases"}),
  };
}

std::vector<json> AggregateToViewRules() {
  return {
      Rule(kRead, {kCore},
           {"pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
            "services", "services/status", "endpoints", "persistentvolumeclaims",
            "persistentvolumeclaims/status", "configmaps"}),
      Rule(kRead, {kCore},
           {"limitranges", "resourcequotas", "bindings", "events", "pods/status",
            "resourcequotas/status", "namespaces/status", "replicationcontrollers/status",
            "pods/log"}),
      // Reading namespaces inside a namespace shows which namespaces a user can reach.
      Rule(kRead, {kCore}, {"namespaces"}),
      Rule(kRead, {kDiscovery}, {"endpointslices"}),
      Rule(kRead, {kApps},
           {"controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale",
            "daemonsets", "daemonsets/status", "deployments", "deployments/status",
            "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"}),
      Rule(kRead, {kAutoscaling}, {"horizontalpodautoscalers", "horizontalpodautoscalers/status"}),
      Rule(kRead, {kBatch}, {"jobs", "cronjobs", "cronjobs/status", "jobs/status"}),
      Rule(kRead, {kExtensions},
           {"daemonsets", "daemonsets/status", "deployments", "deployments/scale",
            "deployments/status", "ingresses", "ingresses/status", "replicasets",
            "replicasets/scale", "replicasets/status", "replicationcontrollers/scale",
            "networkpolicies"}),
      Rule(kRead, {kPolicy}, {"poddisruptionbudgets", "poddisruptionbudgets/status"}),
      Rule(kRead, {kNetworking}, {"networkpolicies", "ingresses", "ingresses/status"}),
  };
}

std::vector<json> KubeControllerManagerRules() {
  return {
      EventsRule(),
      // Leader election.
      Rule({"create"}, {kCoordination}, {"leases"}),
      Rule({"get", "update"}, {kCoordination}, {"leases"}, {"kube-controller-manager"}),
      // The service accounts and secrets that give each controller its own identity.
      Rule({"create"}, {kCore}, {"secrets", "serviceaccounts"}),
      Rule({"delete"}, {kCore}, {"secrets"}),
      Rule({"get"}, {kCore}, {"namespaces", "secrets", "serviceaccounts", "configmaps"}),
      Rule({"update"}, {kCore}, {"secrets", "serviceaccounts"}),
      Rule({"create"}, {kAuthentication}, {"tokenreviews"}),
      Rule({"create"}, {kAuthorization}, {"subjectaccessreviews"}),
      // Every shared informer.
      Rule({"list", "watch"}, {"*"}, {"*"}),
      Rule({"create"}, {kCore}, {"serviceaccounts/token"}),
  };
}

std::vector<json> KubeSchedulerRules() {
  return {
      EventsRule(),
      Rule({"create"}, {kCoordination}, {"leases"}),
      Rule({"get", "update", "list", "watch"}, {kCoordination}, {"leases"}, {"kube-scheduler"}),
      Rule(kReadWrite, {kCoordination}, {"leasecandidates"}),
      Rule(kRead, {kCore}, {"nodes"}),
      Rule({"get", "list", "watch", "delete"}, {kCore}, {"pods"}),
      Rule({"create"}, {kCore}, {"pods/binding", "bindings"}),
      Rule({"patch", "update"}, {kCore}, {"pods/status"}),
      Rule(kRead, {kCore}, {"services", "replicationcontrollers"}),
      Rule(kRead, {kApps, kExtensions}, {"replicasets"}),
      Rule(kRead, {kApps}, {"statefulsets"}),
      Rule(kRead, {kPolicy}, {"poddisruptionbudgets"}),
      Rule(kRead, {kCore}, {"persistentvolumeclaims", "persistentvolumes"}),
      Rule({"create"}, {kAuthentication}, {"tokenreviews"}),
      Rule({"create"}, {kAuthorization}, {"subjectaccessreviews"}),
      Rule(kRead, {kStorage}, {"csinodes"}),
      Rule({"get", "list", "watch"}, {kStorage}, {"volumeattachments"}),
      Rule(kRead, {kCore}, {"namespaces"}),
      Rule(kRead, {kStorage}, {"csidrivers"}),
      Rule(kRead, {kStorage}, {"csistoragecapacities"}),
  };
}

json SignerApprover(std::string_view role_name, std::string_view signer) {
  return ClusterRole(role_name,
                     {Rule({"approve"}, {kCertificates}, {"signers"}, {std::string(signer)})});
}

std::vector<json> GeneralClusterRoles() {
  return {
      ClusterRole("cluster-admin", {Rule({"*"}, {"*"}, {"*"}), UrlRule({"*"}, {"*"})}),
      ClusterRole(
          "system:discovery",
          {UrlRule({"get"}, {"/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi",
                             "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"})}),
      ClusterRole("system:monitoring", MonitoringRules()),
      ClusterRole("system:basic-user",
                  {Rule({"create"}, {kAuthorization},
                        {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}),
                   Rule({"create"}, {kAuthentication}, {"selfsubjectreviews"})}),
      ClusterRole("system:public-info-viewer",
                  {UrlRule({"get"}, {"/livez", "/readyz", "/healthz", "/version", "/version/"})}),
      AggregatedClusterRole("admin", kAggregateToAdmin),
      AggregatedClusterRole("edit", kAggregateToEdit, {{kAggregateToAdmin, "true"}}),
      AggregatedClusterRole("view", kAggregateToView, {{kAggregateToEdit, "true"}}),
      ClusterRole("system:aggregate-to-admin",
                  {Rule({"create"}, {kAuthorization}, {"localsubjectaccessreviews"}),
                   Rule(kReadWrite, {kRbac}, {"roles", "rolebindings"})},
                  {{kAggregateToAdmin, "true"}}),
      ClusterRole("system:aggregate-to-edit", AggregateToEditRules(), {{kAggregateToEdit, "true"}}),
      ClusterRole("system:aggregate-to-view", AggregateToViewRules(), {{kAggregateToView, "true"}}),
      ClusterRole("system:heapster",
                  {Rule(kRead, {kCore}, {"events", "pods", "nodes", "namespaces"}),
                   Rule(kRead, {kExtensions}, {"deployments"})}),
      ClusterRole("system:node", NodeRules()),
      ClusterRole("system:node-problem-detector",
                  {Rule({"get"}, {kCore}, {"nodes"}), Rule({"patch"}, {kCore}, {"nodes/status"}),
                   EventsRule()}),
      ClusterRole("system:node-bootstrapper",
                  {Rule({"create", "get", "list", "watch"}, {kCertificates},
                        {"certificatesigningrequests"})}),
      ClusterRole("system:auth-delegator",
                  {Rule({"create"}, {kAuthentication}, {"tokenreviews"}),
                   Rule({"create"}, {kAuthorization}, {"subjectaccessreviews"})}),
      ClusterRole("system:kube-aggregator", {Rule(kRead, {kCore}, {"services", "endpoints"})}),
      ClusterRole("system:kube-controller-manager", KubeControllerManagerRules()),
      ClusterRole("system:kube-dns", {Rule({"list", "watch"}, {kCore}, {"endpoints", "services"})}),
      ClusterRole(
          "system:persistent-volume-provisioner",
          {Rule({"get", "list", "watch", "create", "delete"}, {kCore}, {"persistentvolumes"}),
           // update sets the lock annotations on claims.
           Rule({"get", "list", "watch", "update"}, {kCore}, {"persistentvolumeclaims"}),
           Rule(kRead, {kStorage}, {"storageclasses"}), Rule({"watch"}, {kCore}, {"events"}),
           EventsRule()}),
      ClusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                  {Rule({"create"}, {kCertificates}, {"certificatesigningrequests/nodeclient"})}),
      ClusterRole(
          "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
          {Rule({"create"}, {kCertificates}, {"certificatesigningrequests/selfnodeclient"})}),
      ClusterRole("system:volume-scheduler",
                  {Rule(kReadUpdate, {kCore}, {"persistentvolumes"}),
                   Rule(kRead, {kStorage}, {"storageclasses"}),
                   Rule(kReadUpdate, {kCore}, {"persistentvolumeclaims"})}),
      SignerApprover("system:certificates.k8s.io:legacy-unknown-approver", kLegacyUnknownSigner),
      SignerApprover("system:certificates.k8s.io:kubelet-serving-approver", kKubeletServingSigner),
      SignerApprover("system:certificates.k8s.io:kube-apiserver-client-approver",
                     kApiServerClientSigner),
      SignerApprover("system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
                     kApiServerClientKubeletSigner),
      ClusterRole("system:service-account-issuer-discovery",
                  {UrlRule({"get"}, {"/.well-known/openid-configuration",
                                     "/.well-known/openid-configuration/", "/openid/v1/jwks",
                                     "/openid/v1/jwks/"})}),
      ClusterRole(
          "system:kubelet-api-admin",
          {Rule({"get", "list", "watch"}, {kCore}, {"nodes"}), Rule({"proxy"}, {kCore}, {"nodes"}),
           Rule({"*"}, {kCore}, {"nodes/proxy", "nodes/metrics", "nodes/stats", "nodes/log"})}),
      ClusterRole("system:node-proxier",
                  {Rule({"list", "watch"}, {kCore}, {"services", "endpoints"}),
                   Rule({"get", "list", "watch"}, {kCore}, {"nodes"}), EventsRule(),
                   Rule({"list", "watch"}, {kDiscovery}, {"endpointslices"})}),
      ClusterRole("system:kube-scheduler", KubeSchedulerRules()),
  };
}

// The roles of the kube-controller-manager controllers, each bound to the kube-system service
// account named after it ("system:controller:<name>").
std::vector<std::pair<std::string, std::vector<json>>> ControllerRules() {
  const List kScale = {"*/scale"};
  return {
      {"attachdetach-controller",
       {Rule({"list", "watch"}, {kCore}, {"persistentvolumes", "persistentvolumeclaims"}),
        Rule({"get", "list", "watch"}, {kCore}, {"nodes"}),
        Rule({"patch", "update"}, {kCore}, {"nodes/status"}),
        Rule({"list", "watch"}, {kCore}, {"pods"}), EventsRule(),
        Rule({"get", "create", "delete", "list", "watch"}, {kStorage}, {"volumeattachments"}),
        Rule({"get", "watch", "list"}, {kStorage}, {"csidrivers"}),
        Rule({"get", "watch", "list"}, {kStorage}, {"csinodes"})}},
      {"clusterrole-aggregation-controller",
       // Full power over cluster roles, so it can write any aggregated rule.
       {Rule({"escalate", "get", "list", "watch", "update", "patch"}, {kRbac}, {"clusterroles"})}},
      {"cronjob-controller",
       {Rule({"get", "list", "watch", "update"}, {kBatch}, {"cronjobs"}),
        Rule({"get", "list", "watch", "create", "update", "delete", "patch"}, {kBatch}, {"jobs"}),
        Rule({"update"}, {kBatch}, {"cronjobs/status"}),
        Rule({"update"}, {kBatch}, {"cronjobs/finalizers"}),
        Rule({"list", "watch", "delete"}, {kCore}, {"pods"}), EventsRule()}},
      {"daemon-set-controller",
       {Rule({"get", "list", "watch"}, {kExtensions, kApps}, {"daemonsets"}),
        Rule({"update"}, {kExtensions, kApps}, {"daemonsets/status"}),
        Rule({"update"}, {kExtensions, kApps}, {"daemonsets/finalizers"}),
        Rule({"list", "watch"}, {kCore}, {"nodes"}),
        Rule({"list", "watch", "create", "delete", "patch"}, {kCore}, {"pods"}),
        Rule({"create"}, {kCore}, {"pods/binding"}),
        Rule({"get", "list", "watch", "create", "delete", "update", "patch"}, {kApps},
             {"controllerrevisions"}),
        EventsRule()}},
      {"deployment-controller",
       {Rule({"get", "list", "watch", "update"}, {kExtensions, kApps}, {"deployments"}),
        Rule({"update"}, {kExtensions, kApps}, {"deployments/status"}),
        Rule({"update"}, {kExtensions, kApps}, {"deployments/finalizers"}),
        Rule({"get", "list", "watch", "create", "update", "patch", "delete"}, {kApps, kExtensions},
             {"replicasets"}),
        Rule({"get", "list", "watch", "update"}, {kCore}, {"pods"}), EventsRule()}},
      {"disruption-controller",
       {Rule({"get", "list", "watch"}, {kExtensions, kApps}, {"deployments"}),
        Rule({"get", "list", "watch"}, {kApps, kExtensions}, {"replicasets"}),
        Rule({"get", "list", "watch"}, {kCore}, {"replicationcontrollers"}),
        Rule({"get", "list", "watch"}, {kPolicy}, {"poddisruptionbudgets"}),
        Rule({"get", "list", "watch"}, {kApps}, {"statefulsets"}),
        Rule({"update"}, {kPolicy}, {"poddisruptionbudgets/status"}),
        Rule({"patch", "update"}, {kCore}, {"pods/status"}), Rule({"get"}, {"*"}, kScale),
        EventsRule()}},
      {"endpoint-controller",
       {Rule({"get", "list", "watch"}, {kCore}, {"services", "pods"}),
        Rule({"get", "list", "watch", "create", "update", "delete"}, {kCore}, {"endpoints"}),
        Rule({"create"}, {kCore}, {"endpoints/restricted"}), EventsRule()}},
      {"endpointslice-controller",
       {Rule({"get", "list", "watch"}, {kCore}, {"services", "pods", "nodes"}),
        // Owning slices with blockOwnerDeletion needs update on the service's finalizers.
        Rule({"update"}, {kCore}, {"services/finalizers"}),
        Rule({"get", "list", "watch", "create", "update", "delete"}, {kDiscovery},
             {"endpointslices"}),
        EventsRule()}},
      {"endpointslicemirroring-controller",
       {Rule({"get", "list", "watch"}, {kCore}, {"services", "endpoints"}),
        Rule({"update"}, {kCore}, {"services/finalizers"}),
        Rule({"update"}, {kCore}, {"endpoints/finalizers"}),
        Rule({"get", "list", "watch", "create", "update", "delete"}, {kDiscovery},
             {"endpointslices"}),
        EventsRule()}},
      {"expand-controller",
       {Rule({"get", "list", "watch", "update", "patch"}, {kCore}, {"persistentvolumes"}),
        Rule({"update", "patch"}, {kCore}, {"persistentvolumeclaims/status"}),
        Rule({"get", "list", "watch"}, {kCore}, {"persistentvolumeclaims"}), EventsRule(),
        Rule({"get"}, {kCore}, {"services"})}},
      {"ephemeral-volume-controller",
       {Rule({"get", "list", "watch"}, {kCore}, {"pods"}),
        Rule({"update"}, {kCore}, {"pods/finalizers"}),
        Rule({"get", "list", "watch", "create"}, {kCore}, {"persistentvolumeclaims"}),
        EventsRule()}},
      {"generic-garbage-collector",
       {Rule({"get", "list", "watch", "patch", "update", "delete"}, {"*"}, {"*"}), EventsRule()}},
      {"horizontal-pod-autoscaler",
       {Rule({"get", "list", "watch"}, {kAutoscaling}, {"horizontalpodautoscalers"}),
        Rule({"update"}, {kAutoscaling}, {"horizontalpodautoscalers/status"}),
        Rule({"get", "update"}, {"*"}, kScale), Rule({"list", "watch"}, {kCore}, {"pods"}),
        Rule({"list", "watch"}, {"metrics.k8s.io"}, {"pods"}),
        Rule({"get", "list", "watch"}, {"custom.metrics.k8s.io"}, {"*"}),
        Rule({"get", "list", "watch"}, {"external.metrics.k8s.io"}, {"*"}), EventsRule()}},
      {"job-controller",
       {Rule({"get", "list", "watch", "update", "patch"}, {kBatch}, {"jobs"}),
        Rule({"update"}, {kBatch}, {"jobs/status"}),
        Rule({"update"}, {kBatch}, {"jobs/finalizers"}),
        Rule({"list", "watch", "create", "delete", "patch"}, {kCore}, {"pods"}), EventsRule()}},
      {"namespace-controller",
       {Rule({"get", "list", "watch", "delete"}, {kCore}, {"namespaces"}),
        Rule({"update"}, {kCore}, {"namespaces/finalize", "namespaces/status"}),
        Rule({"get", "list", "watch", "delete", "deletecollection"}, {"*"}, {"*"})}},
      {"node-controller",
       {Rule({"get", "list", "watch", "update", "delete", "patch"}, {kCore}, {"nodes"}),
        Rule({"patch", "update"}, {kCore}, {"nodes/status"}),
        Rule({"patch", "update"}, {kCore}, {"pods/status"}),
        Rule({"list", "watch", "get", "delete"}, {kCore}, {"pods"}), EventsRule()}},
      {"persistent-volume-binder",
       {Rule({"get", "list", "watch", "update", "create", "delete"}, {kCore},
             {"persistentvolumes"}),
        Rule({"update"}, {kCore}, {"persistentvolumes/status"}),
        Rule({"get", "list", "watch", "update"}, {kCore}, {"persistentvolumeclaims"}),
        Rule({"update"}, {kCore}, {"persistentvolumeclaims/status"}),
        Rule({"list", "watch", "get", "create", "delete"}, {kCore}, {"pods"}),
        Rule({"get", "list", "watch"}, {kStorage}, {"storageclasses"}),
        Rule({"list", "watch"}, {kCore}, {"nodes"}), EventsRule(),
        // The recycler watches its pod's events.
        Rule({"watch"}, {kCore}, {"events"}), Rule({"get"}, {kCore}, {"services"})}},
      {"pod-garbage-collector",
       {Rule({"list", "watch", "delete"}, {kCore}, {"pods"}),
        Rule({"get", "list", "watch"}, {kCore}, {"nodes"}),
        Rule({"patch"}, {kCore}, {"pods/status"})}},
      {"replicaset-controller",
       {Rule({"get", "list", "watch", "update"}, {kApps, kExtensions}, {"replicasets"}),
        Rule({"update"}, {kApps, kExtensions}, {"replicasets/status"}),
        Rule({"update"}, {kApps, kExtensions}, {"replicasets/finalizers"}),
        Rule({"list", "watch", "patch", "create", "delete"}, {kCore}, {"pods"}), EventsRule()}},
      {"replication-controller",
       {Rule({"get", "list", "watch", "update"}, {kCore}, {"replicationcontrollers"}),
        Rule({"update"}, {kCore}, {"replicationcontrollers/status"}),
        Rule({"update"}, {kCore}, {"replicationcontrollers/finalizers"}),
        Rule({"list", "watch", "patch", "create", "delete"}, {kCore}, {"pods"}), EventsRule()}},
      {"resourcequota-controller",
       // Quota may count anything, so it reads everything.
       {Rule({"list", "watch"}, {"*"}, {"*"}), Rule({"update"}, {kCore}, {"resourcequotas/status"}),
        EventsRule()}},
      {"route-controller",
       {Rule({"list", "watch"}, {kCore}, {"nodes"}), Rule({"patch"}, {kCore}, {"nodes/status"}),
        EventsRule()}},
      {"service-account-controller",
       {Rule({"create"}, {kCore}, {"serviceaccounts"}), EventsRule()}},
      {"service-controller",
       {Rule({"get", "list", "watch"}, {kCore}, {"services"}),
        Rule({"patch", "update"}, {kCore}, {"services/status"}),
        Rule({"list", "watch"}, {kCore}, {"nodes"}), EventsRule()}},
      {"statefulset-controller",
       {Rule({"list", "watch"}, {kCore}, {"pods"}),
        Rule({"get", "list", "watch"}, {kApps}, {"statefulsets"}),
        Rule({"update"}, {kApps}, {"statefulsets/status"}),
        Rule({"update"}, {kApps}, {"statefulsets/finalizers"}),
        Rule({"get", "create", "delete", "update", "patch"}, {kCore}, {"pods"}),
        Rule({"get", "create", "delete", "update", "patch", "list", "watch"}, {kApps},
             {"controllerrevisions"}),
        Rule({"get", "create", "list", "watch"}, {kCore}, {"persistentvolumeclaims"}), EventsRule(),
        // StatefulSetAutoDeletePVC (GA in 1.32).
        Rule({"update", "delete"}, {kCore}, {"persistentvolumeclaims"}),
        Rule({"update"}, {kCore}, {"pods/finalizers"})}},
      {"ttl-controller",
       {Rule({"update", "patch", "list", "watch"}, {kCore}, {"nodes"}), EventsRule()}},
      {"certificate-controller",
       {Rule({"get", "list", "watch", "delete"}, {kCertificates}, {"certificatesigningrequests"}),
        Rule({"update"}, {kCertificates},
             {"certificatesigningrequests/status", "certificatesigningrequests/approval"}),
        Rule({"approve"}, {kCertificates}, {"signers"}, {kApiServerClientKubeletSigner}),
        Rule({"sign"}, {kCertificates}, {"signers"},
             {kLegacyUnknownSigner, kApiServerClientSigner, kApiServerClientKubeletSigner,
              kKubeletServingSigner}),
        Rule({"create"}, {kAuthorization}, {"subjectaccessreviews"}), EventsRule()}},
      {"pvc-protection-controller",
       {Rule({"get", "list", "watch", "update"}, {kCore}, {"persistentvolumeclaims"}),
        Rule({"list", "watch", "get"}, {kCore}, {"pods"}), EventsRule()}},
      {"pv-protection-controller",
       {Rule({"get", "list", "watch", "update"}, {kCore}, {"persistentvolumes"}), EventsRule()}},
      {"ttl-after-finished-controller",
       {Rule({"get", "list", "watch", "delete"}, {kBatch}, {"jobs"}), EventsRule()}},
      {"root-ca-cert-publisher",
       {Rule({"create", "update"}, {kCore}, {"configmaps"}), EventsRule()}},
      {"validatingadmissionpolicy-status-controller",
       {Rule({"get", "list", "watch"}, {kAdmissionRegistration}, {"validatingadmissionpolicies"}),
        Rule({"get", "patch", "update"}, {kAdmissionRegistration},
             {"validatingadmissionpolicies/status"}),
        EventsRule()}},
      {"legacy-service-account-token-cleaner",
       {Rule({"get"}, {kCore}, {"configmaps"},
             {"kube-apiserver-legacy-service-account-token-tracking"}),
        Rule({"patch", "delete"}, {kCore}, {"secrets"})}},
  };
}

// A leader-election role of a control-plane component in kube-system.
json LeaderLockingRole(std::string_view component) {
  const List kLeaseVerbs = {"get", "watch", "list", "create", "update"};
  return Role(kKubeSystem, std::string("system::leader-locking-") + std::string(component),
              {Rule({"watch"}, {kCore}, {"configmaps"}),
               Rule({"get", "update"}, {kCore}, {"configmaps"}, {std::string(component)}),
               Rule(kLeaseVerbs, {kCoordination}, {"leases"}),
               Rule(kLeaseVerbs, {kCoordination}, {"leasecandidates"})});
}

std::string Controller(std::string_view name) { return kControllerPrefix + std::string(name); }

}  // namespace

std::vector<json> NodeRules() {
  return {
      // API access checks; these creates change nothing.
      Rule({"create"}, {kAuthentication}, {"tokenreviews"}),
      Rule({"create"}, {kAuthorization}, {"subjectaccessreviews", "localsubjectaccessreviews"}),
      // Service environment variables.
      Rule(kRead, {kCore}, {"services"}),
      // Node registration and status; NodeRestriction admission limits a node to its own.
      Rule({"create", "get", "list", "watch"}, {kCore}, {"nodes"}),
      Rule({"update", "patch"}, {kCore}, {"nodes/status"}),
      Rule({"update", "patch"}, {kCore}, {"nodes"}),
      Rule({"create", "update", "patch"}, {kCore}, {"events"}),
      Rule(kRead, {kCore}, {"pods"}),
      // Mirror pods.
      Rule({"create", "delete"}, {kCore}, {"pods"}),
      Rule({"update", "patch"}, {kCore}, {"pods/status"}),
      Rule({"create"}, {kCore}, {"pods/eviction"}),
      // Narrowed by the Node authorizer to what the node's pods reference.
      Rule({"get", "list", "watch"}, {kCore}, {"secrets", "configmaps"}),
      Rule({"get"}, {kCore}, {"persistentvolumeclaims", "persistentvolumes"}),
      Rule({"get"}, {kCore}, {"endpoints"}),
      // Kubelet client certificate rotation.
      Rule({"create", "get", "list", "watch"}, {kCertificates}, {"certificatesigningrequests"}),
      Rule({"get", "create", "update", "patch", "delete"}, {kCoordination}, {"leases"}),
      Rule({"get"}, {kStorage}, {"volumeattachments"}),
      Rule({"create"}, {kCore}, {"serviceaccounts/token"}),
      Rule({"get", "update", "patch"}, {kCore}, {"persistentvolumeclaims/status"}),
      Rule({"get", "watch", "list"}, {kStorage}, {"csidrivers"}),
      Rule({"get", "create", "update", "patch", "delete"}, {kStorage}, {"csinodes"}),
      Rule({"get", "list", "watch"}, {"node.k8s.io"}, {"runtimeclasses"}),
  };
}

std::vector<json> BootstrapClusterRoles() {
  std::vector<json> roles = GeneralClusterRoles();
  for (auto& [name, rules] : ControllerRules()) {
    roles.push_back(ClusterRole(Controller(name), std::move(rules)));
  }
  return roles;
}

std::vector<json> BootstrapClusterRoleBindings() {
  std::vector<json> bindings = {
      ClusterBinding("cluster-admin", {Group(kSystemMasters)}),
      ClusterBinding("system:monitoring", {Group(kMonitoringGroup)}),
      ClusterBinding("system:discovery", {Group(kAuthenticated)}),
      ClusterBinding("system:basic-user", {Group(kAuthenticated)}),
      ClusterBinding("system:public-info-viewer", {Group(kAuthenticated), Group(kUnauthenticated)}),
      ClusterBinding("system:node-proxier", {User(kKubeProxy)}),
      ClusterBinding("system:kube-controller-manager", {User(kKubeControllerManager)}),
      ClusterBinding("system:kube-dns", {ServiceAccount(kKubeSystem, "kube-dns")}),
      ClusterBinding("system:kube-scheduler", {User(kKubeScheduler)}),
      ClusterBinding("system:volume-scheduler", {User(kKubeScheduler)}),
      // Kept without subjects since the Node authorizer took over (upstream 1.7+).
      ClusterBinding("system:node", {}),
      ClusterBinding("system:service-account-issuer-discovery", {Group(kServiceAccountsGroup)}),
  };
  for (const auto& [name, rules] : ControllerRules()) {
    bindings.push_back(ClusterBinding(Controller(name), {ServiceAccount(kKubeSystem, name)}));
  }
  return bindings;
}

std::vector<json> BootstrapRoles() {
  return {
      Role(kKubeSystem, "extension-apiserver-authentication-reader",
           {Rule({"get", "list", "watch"}, {kCore}, {"configmaps"},
                 {"extension-apiserver-authentication"})}),
      Role(kKubeSystem, Controller("bootstrap-signer"),
           {Rule({"get", "list", "watch"}, {kCore}, {"secrets"})}),
      Role(kKubeSystem, Controller("cloud-provider"),
           {Rule({"create", "get", "list", "watch"}, {kCore}, {"configmaps"})}),
      Role(kKubeSystem, Controller("token-cleaner"),
           {Rule({"get", "list", "watch", "delete"}, {kCore}, {"secrets"}), EventsRule()}),
      LeaderLockingRole("kube-controller-manager"),
      LeaderLockingRole("kube-scheduler"),
      Role(kKubePublic, Controller("bootstrap-signer"),
           {Rule({"get", "list", "watch"}, {kCore}, {"configmaps"}),
            Rule({"update"}, {kCore}, {"configmaps"}, {"cluster-info"}), EventsRule()}),
  };
}

std::vector<json> BootstrapRoleBindings() {
  return {
      NamespacedBinding(kKubeSystem, "system::extension-apiserver-authentication-reader",
                        "extension-apiserver-authentication-reader",
                        {User(kKubeControllerManager), User(kKubeScheduler)}),
      NamespacedBinding(
          kKubeSystem, "system::leader-locking-kube-controller-manager",
          "system::leader-locking-kube-controller-manager",
          {User(kKubeControllerManager), ServiceAccount(kKubeSystem, "kube-controller-manager"),
           ServiceAccount(kKubeSystem, "leader-election-controller")}),
      NamespacedBinding(kKubeSystem, "system::leader-locking-kube-scheduler",
                        "system::leader-locking-kube-scheduler",
                        {User(kKubeScheduler), ServiceAccount(kKubeSystem, "kube-scheduler")}),
      NamespacedBinding(kKubeSystem, Controller("bootstrap-signer"), Controller("bootstrap-signer"),
                        {ServiceAccount(kKubeSystem, "bootstrap-signer")}),
      NamespacedBinding(kKubeSystem, Controller("cloud-provider"), Controller("cloud-provider"),
                        {ServiceAccount(kKubeSystem, "cloud-provider")}),
      NamespacedBinding(kKubeSystem, Controller("token-cleaner"), Controller("token-cleaner"),
                        {ServiceAccount(kKubeSystem, "token-cleaner")}),
      NamespacedBinding(kKubePublic, Controller("bootstrap-signer"), Controller("bootstrap-signer"),
                        {ServiceAccount(kKubeSystem, "bootstrap-signer")}),
  };
}

bool RulesCover(const json& existing_rules, const json& wanted_rules) {
  auto as_list = [](const json& rules) {
    return rules.is_array() ? std::vector<json>(rules.begin(), rules.end()) : std::vector<json>{};
  };
  return UncoveredRules(as_list(existing_rules), as_list(wanted_rules)).empty();
}

}  // namespace k1s::auth
