#include "api/patch_strategies.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace k1s::api {

const FieldPatchMeta& PatchSchema::Meta(std::string_view field) const {
  static const FieldPatchMeta kDefault;
  auto it = fields_.find(field);
  return it == fields_.end() ? kDefault : it->second.meta;
}

const PatchSchema* PatchSchema::Child(std::string_view field) const {
  auto it = fields_.find(field);
  return it == fields_.end() ? nullptr : it->second.child.get();
}

PatchSchema::Field& PatchSchema::Walk(std::string_view path) {
  std::vector<std::string> segments =
      absl::StrSplit(absl::string_view(path.data(), path.size()), '.');
  PatchSchema* node = this;
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    Field& field = node->fields_[segments[i]];
    if (!field.child) {
      field.child = std::make_shared<PatchSchema>();
    } else if (field.child.use_count() > 1) {
      // Mounted structs are shared; modify a private copy.
      field.child = std::make_shared<PatchSchema>(*field.child);
    }
    node = field.child.get();
  }
  return node->fields_[segments.back()];
}

PatchSchema& PatchSchema::Set(std::string_view path, FieldPatchMeta meta) {
  Walk(path).meta = std::move(meta);
  return *this;
}

PatchSchema& PatchSchema::MergeList(std::string_view path, std::string merge_key,
                                    bool retain_keys) {
  return Set(path, FieldPatchMeta{PatchStrategy::kMerge, retain_keys, std::move(merge_key)});
}

PatchSchema& PatchSchema::Mount(std::string_view path, const PatchSchema& schema) {
  Walk(path).child = std::make_shared<PatchSchema>(schema);
  return *this;
}

namespace {

// The tables below follow the patchStrategy/patchMergeKey tags of k8s.io/api (core/v1, apps/v1,
// batch/v1, policy/v1, ...) and k8s.io/apimachinery meta/v1. Alpha-only fields are left out.

PatchSchema MakeObjectMeta() {
  PatchSchema meta;
  meta.MergeList("ownerReferences", "uid");
  meta.MergeList("finalizers", "");
  return meta;
}

// Container and EphemeralContainer (whose common fields are inlined) share one shape.
PatchSchema MakeContainer() {
  PatchSchema container;
  container.MergeList("ports", "containerPort");
  container.MergeList("env", "name");
  container.MergeList("volumeMounts", "mountPath");
  container.MergeList("volumeDevices", "devicePath");
  return container;
}

PatchSchema MakePodSpec() {
  PatchSchema container = MakeContainer();
  PatchSchema spec;
  spec.MergeList("volumes", "name", /*retain_keys=*/true);
  spec.MergeList("initContainers", "name").Mount("initContainers", container);
  spec.MergeList("containers", "name").Mount("containers", container);
  spec.MergeList("ephemeralContainers", "name").Mount("ephemeralContainers", container);
  spec.MergeList("imagePullSecrets", "name");
  spec.MergeList("hostAliases", "ip");
  spec.MergeList("topologySpreadConstraints", "topologyKey");
  spec.MergeList("schedulingGates", "name");
  spec.MergeList("resourceClaims", "name", /*retain_keys=*/true);
  return spec;
}

PatchSchema MakePodStatus() {
  PatchSchema status;
  status.MergeList("conditions", "type");
  status.MergeList("hostIPs", "ip");
  status.MergeList("podIPs", "ip");
  status.MergeList("resourceClaimStatuses", "name", /*retain_keys=*/true);
  return status;
}

PatchSchema MakePodTemplateSpec() {
  PatchSchema tmpl;
  tmpl.Mount("metadata", ObjectMetaPatchSchema());
  tmpl.Mount("spec", PodSpecPatchSchema());
  return tmpl;
}

// Every kind starts from this: ObjectMeta at .metadata.
PatchSchema Object() {
  PatchSchema object;
  object.Mount("metadata", ObjectMetaPatchSchema());
  return object;
}

// Kinds whose status is only conditions merged by type.
PatchSchema WithStatusConditions(PatchSchema object) {
  object.MergeList("status.conditions", "type");
  return object;
}

// Workloads: a pod template at spec.template and conditions in status.
PatchSchema Workload() {
  PatchSchema object = WithStatusConditions(Object());
  object.Mount("spec.template", MakePodTemplateSpec());
  return object;
}

using Registry = std::map<std::string, PatchSchema, std::less<>>;

std::string RegistryKey(std::string_view group, std::string_view kind) {
  return absl::StrCat(absl::string_view(group.data(), group.size()), "/",
                      absl::string_view(kind.data(), kind.size()));
}

void Add(Registry& registry, std::string_view group, std::string_view kind, PatchSchema schema) {
  registry.emplace(RegistryKey(group, kind), std::move(schema));
}

// Adds kinds that have nothing but ObjectMeta to merge specially.
void AddPlain(Registry& registry, std::string_view group, std::vector<std::string_view> kinds) {
  for (std::string_view kind : kinds) Add(registry, group, kind, Object());
}

Registry MakeRegistry() {
  Registry r;

  // core/v1
  PatchSchema pod = Object();
  pod.Mount("spec", PodSpecPatchSchema());
  pod.Mount("status", MakePodStatus());
  Add(r, "", "Pod", std::move(pod));
  PatchSchema pod_template = Object();
  pod_template.Mount("template", MakePodTemplateSpec());
  Add(r, "", "PodTemplate", std::move(pod_template));
  Add(r, "", "ReplicationController", Workload());
  PatchSchema service = WithStatusConditions(Object());
  service.MergeList("spec.ports", "port");
  Add(r, "", "Service", std::move(service));
  PatchSchema node = Object();
  node.MergeList("spec.podCIDRs", "");
  node.MergeList("status.conditions", "type");
  node.MergeList("status.addresses", "type");
  Add(r, "", "Node", std::move(node));
  // NamespaceSpec.finalizers carries no patch strategy: it is replaced.
  Add(r, "", "Namespace", WithStatusConditions(Object()));
  Add(r, "", "PersistentVolumeClaim", WithStatusConditions(Object()));
  PatchSchema service_account = Object();
  service_account.MergeList("secrets", "name");
  Add(r, "", "ServiceAccount", std::move(service_account));
  PatchSchema component_status = Object();
  component_status.MergeList("conditions", "type");
  Add(r, "", "ComponentStatus", std::move(component_status));
  AddPlain(r, "",
           {"Binding", "ConfigMap", "Endpoints", "Event", "LimitRange", "PersistentVolume",
            "ResourceQuota", "Secret"});

  // apps/v1
  PatchSchema deployment = Workload();
  deployment.Set("spec.strategy", FieldPatchMeta{PatchStrategy::kDefault, true, ""});
  Add(r, "apps", "Deployment", std::move(deployment));
  Add(r, "apps", "StatefulSet", Workload());
  Add(r, "apps", "DaemonSet", Workload());
  Add(r, "apps", "ReplicaSet", Workload());
  AddPlain(r, "apps", {"ControllerRevision"});

  // batch/v1
  Add(r, "batch", "Job", Workload());
  PatchSchema cron_job = Object();
  cron_job.Mount("spec.jobTemplate.metadata", ObjectMetaPatchSchema());
  cron_job.Mount("spec.jobTemplate.spec.template", MakePodTemplateSpec());
  Add(r, "batch", "CronJob", std::move(cron_job));

  // autoscaling/v2 (v1 has no conditions list, so the entry is harmless there).
  Add(r, "autoscaling", "HorizontalPodAutoscaler", WithStatusConditions(Object()));
  AddPlain(r, "autoscaling", {"Scale"});  // the scale subresource

  // policy/v1
  PatchSchema pdb = WithStatusConditions(Object());
  pdb.Set("spec.selector", FieldPatchMeta{PatchStrategy::kReplace, false, ""});
  Add(r, "policy", "PodDisruptionBudget", std::move(pdb));

  AddPlain(r, "networking.k8s.io", {"Ingress", "IngressClass", "NetworkPolicy", "IPAddress"});
  Add(r, "networking.k8s.io", "ServiceCIDR", WithStatusConditions(Object()));
  AddPlain(r, "rbac.authorization.k8s.io",
           {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"});
  PatchSchema csi_node = Object();
  csi_node.MergeList("spec.drivers", "name");
  Add(r, "storage.k8s.io", "CSINode", std::move(csi_node));
  AddPlain(r, "storage.k8s.io",
           {"CSIDriver", "CSIStorageCapacity", "StorageClass", "VolumeAttachment"});
  AddPlain(r, "coordination.k8s.io", {"Lease"});
  AddPlain(r, "discovery.k8s.io", {"EndpointSlice"});
  AddPlain(r, "events.k8s.io", {"Event"});
  AddPlain(r, "scheduling.k8s.io", {"PriorityClass"});
  AddPlain(r, "node.k8s.io", {"RuntimeClass"});
  AddPlain(r, "certificates.k8s.io", {"CertificateSigningRequest"});
  AddPlain(r, "apiextensions.k8s.io", {"CustomResourceDefinition"});
  AddPlain(r, "apiregistration.k8s.io", {"APIService"});
  Add(r, "flowcontrol.apiserver.k8s.io", "FlowSchema", WithStatusConditions(Object()));
  Add(r, "flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration",
      WithStatusConditions(Object()));

  // admissionregistration.k8s.io/v1
  PatchSchema webhooks = Object();
  webhooks.MergeList("webhooks", "name").MergeList("webhooks.matchConditions", "name");
  Add(r, "admissionregistration.k8s.io", "ValidatingWebhookConfiguration", webhooks);
  Add(r, "admissionregistration.k8s.io", "MutatingWebhookConfiguration", std::move(webhooks));
  PatchSchema policy = Object();
  policy.MergeList("spec.matchConditions", "name");
  policy.MergeList("spec.variables", "name");
  Add(r, "admissionregistration.k8s.io", "ValidatingAdmissionPolicy", std::move(policy));
  PatchSchema mutating_policy = Object();
  mutating_policy.MergeList("spec.matchConditions", "name");
  Add(r, "admissionregistration.k8s.io", "MutatingAdmissionPolicy", std::move(mutating_policy));
  AddPlain(r, "admissionregistration.k8s.io",
           {"ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicyBinding"});
  return r;
}

}  // namespace

const PatchSchema& ObjectMetaPatchSchema() {
  static const PatchSchema* const kSchema = new PatchSchema(MakeObjectMeta());
  return *kSchema;
}

const PatchSchema& PodSpecPatchSchema() {
  static const PatchSchema* const kSchema = new PatchSchema(MakePodSpec());
  return *kSchema;
}

const PatchSchema* FindPatchSchema(std::string_view group, std::string_view kind) {
  static const Registry* const kRegistry = new Registry(MakeRegistry());
  auto it = kRegistry->find(RegistryKey(group, kind));
  return it == kRegistry->end() ? nullptr : &it->second;
}

}  // namespace k1s::api
