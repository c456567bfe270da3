// Defaults of the core ("") group, v1: pkg/apis/core/v1/defaults.go, the `+default=` markers of
// k8s.io/api/core/v1/types.go and the generated recursion of zz_generated.defaults.go.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/defaults.h"
#include "api/defaults_internal.h"

namespace k1s::api {
namespace defaults_internal {
namespace {

// Every member of v1.VolumeSource; a volume naming none of them gets an emptyDir.
// clang-format off
constexpr std::string_view kVolumeSourceFields[] = {
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs",
    "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte",
    "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
    "csi", "ephemeral", "image"};
// clang-format on

// Mode 0644, the default of secret, configMap, downwardAPI and projected volumes.
constexpr int64_t kDefaultFileMode = 0644;

void DefaultObjectFieldSelector(json& holder) {
  if (json* field_ref = GetObject(holder, "fieldRef"))
    DefaultString(*field_ref, "apiVersion", "v1");
}

void DefaultHTTPGetAction(json& handler) {
  if (json* http_get = GetObject(handler, "httpGet")) {
    DefaultString(*http_get, "path", "/");
    DefaultString(*http_get, "scheme", "HTTP");
  }
}

void DefaultProbe(json& container, std::string_view key) {
  json* probe = GetObject(container, key);
  if (probe == nullptr) return;
  DefaultNonZero(*probe, "timeoutSeconds", 1);
  DefaultNonZero(*probe, "periodSeconds", 10);
  DefaultNonZero(*probe, "successThreshold", 1);
  DefaultNonZero(*probe, "failureThreshold", 3);
  DefaultHTTPGetAction(*probe);
  if (json* grpc = GetObject(*probe, "grpc")) DefaultPointer(*grpc, "service", "");
}

// SetDefaults_Container plus the generated defaults of its ports, env, probes and lifecycle.
// Ephemeral containers share it (SetDefaults_EphemeralContainer delegates).
void DefaultContainer(json& container) {
  const std::string* policy = GetString(container, "imagePullPolicy");
  if (IsUnset(container, "imagePullPolicy") || (policy != nullptr && policy->empty())) {
    const std::string* image = GetString(container, "image");
    if (image != nullptr || IsUnset(container, "image")) {
      container["imagePullPolicy"] = DefaultImagePullPolicy(image != nullptr ? *image : "");
    }
  }
  DefaultString(container, "terminationMessagePath", "/dev/termination-log");
  DefaultString(container, "terminationMessagePolicy", "File");
  ForEachObject(container, "ports", [](json& port) { DefaultString(port, "protocol", "TCP"); });
  ForEachObject(container, "env", [](json& env) {
    if (json* value_from = GetObject(env, "valueFrom")) DefaultObjectFieldSelector(*value_from);
  });
  DefaultProbe(container, "livenessProbe");
  DefaultProbe(container, "readinessProbe");
  DefaultProbe(container, "startupProbe");
  if (json* lifecycle = GetObject(container, "lifecycle")) {
    for (std::string_view hook : {"postStart", "preStop"}) {
      if (json* handler = GetObject(*lifecycle, hook)) DefaultHTTPGetAction(*handler);
    }
  }
}

void DefaultRBDSource(json& rbd) {
  DefaultString(rbd, "pool", "rbd");
  DefaultString(rbd, "user", "admin");
  DefaultString(rbd, "keyring", "/etc/ceph/keyring");
}

void DefaultAzureDiskSource(json& disk) {
  DefaultPointer(disk, "cachingMode", "ReadWrite");
  DefaultPointer(disk, "fsType", "ext4");
  DefaultPointer(disk, "readOnly", false);
  DefaultPointer(disk, "kind", "Shared");
}

void DefaultScaleIOSource(json& scale_io) {
  DefaultString(scale_io, "storageMode", "ThinProvisioned");
  DefaultString(scale_io, "fsType", "xfs");
}

void DefaultVolume(json& volume) {
  bool has_source = false;
  for (std::string_view field : kVolumeSourceFields) {
    if (!IsUnset(volume, field)) {
      has_source = true;
      break;
    }
  }
  if (!has_source) volume["emptyDir"] = json::object();
  // The ImageVolume gate (pullPolicy of image volumes) is alpha and off in v1.32.

  if (json* host_path = GetObject(volume, "hostPath")) DefaultPointer(*host_path, "type", "");
  if (json* secret = GetObject(volume, "secret")) {
    DefaultPointer(*secret, "defaultMode", kDefaultFileMode);
  }
  if (json* iscsi = GetObject(volume, "iscsi")) DefaultString(*iscsi, "iscsiInterface", "default");
  if (json* rbd = GetObject(volume, "rbd")) DefaultRBDSource(*rbd);
  if (json* downward = GetObject(volume, "downwardAPI")) {
    DefaultPointer(*downward, "defaultMode", kDefaultFileMode);
    ForEachObject(*downward, "items", DefaultObjectFieldSelector);
  }
  if (json* config_map = GetObject(volume, "configMap")) {
    DefaultPointer(*config_map, "defaultMode", kDefaultFileMode);
  }
  if (json* azure_disk = GetObject(volume, "azureDisk")) DefaultAzureDiskSource(*azure_disk);
  if (json* projected = GetObject(volume, "projected")) {
    DefaultPointer(*projected, "defaultMode", kDefaultFileMode);
    ForEachObject(*projected, "sources", [](json& source) {
      if (json* downward = GetObject(source, "downwardAPI")) {
        ForEachObject(*downward, "items", DefaultObjectFieldSelector);
      }
      if (json* token = GetObject(source, "serviceAccountToken")) {
        DefaultPointer(*token, "expirationSeconds", 3600);
      }
    });
  }
  if (json* scale_io = GetObject(volume, "scaleIO")) DefaultScaleIOSource(*scale_io);
  if (json* ephemeral = GetObject(volume, "ephemeral")) {
    if (json* claim_template = GetObject(*ephemeral, "volumeClaimTemplate")) {
      if (json* spec = EnsureObject(*claim_template, "spec")) {
        DefaultPersistentVolumeClaimSpec(*spec);
      }
    }
  }
}

// SetDefaults_Pod: requests default to limits for regular and init containers.
void CopyLimitsToRequests(json& container) {
  json* resources = GetObject(container, "resources");
  if (resources == nullptr) return;
  json* limits = GetObject(*resources, "limits");
  if (limits == nullptr || limits->empty()) return;
  if (!IsUnset(*resources, "requests") && GetObject(*resources, "requests") == nullptr) return;
  json& requests = (*resources)["requests"];
  if (requests.is_null()) requests = json::object();
  for (const auto& [name, quantity] : limits->items()) {
    if (!requests.contains(name)) requests[name] = quantity;
  }
}

// With host networking, container ports default their hostPort to the containerPort.
void DefaultHostNetworkPorts(json& container) {
  ForEachObject(container, "ports", [](json& port) {
    auto container_port = port.find("containerPort");
    if (container_port == port.end() || !container_port->is_number_integer()) return;
    if (IsUnset(port, "hostPort") || (port["hostPort"].is_number() && port["hostPort"] == 0)) {
      port["hostPort"] = *container_port;
    }
  });
}

void DefaultPod(json& pod) {
  json* spec = EnsureObject(pod, "spec");
  if (spec == nullptr) return;
  ForEachObject(*spec, "containers", CopyLimitsToRequests);
  ForEachObject(*spec, "initContainers", CopyLimitsToRequests);
  // PodLevelResources (pod-level requests/limits defaulting) is alpha and off in v1.32.
  DefaultPointer(*spec, "enableServiceLinks", true);
  auto host_network = spec->find("hostNetwork");
  if (host_network != spec->end() && host_network->is_boolean() && host_network->get<bool>()) {
    ForEachObject(*spec, "containers", DefaultHostNetworkPorts);
    ForEachObject(*spec, "initContainers", DefaultHostNetworkPorts);
  }
  DefaultPodSpec(*spec);
}

void DefaultReplicationController(json& controller) {
  json* spec = EnsureObject(controller, "spec");
  if (spec == nullptr) return;
  if (json* pod_template = GetObject(*spec, "template")) {
    json* metadata = GetObject(*pod_template, "metadata");
    if (metadata != nullptr && IsNonEmptyObject(*metadata, "labels")) {
      const json labels = (*metadata)["labels"];
      if (IsEmptyMap(*spec, "selector")) (*spec)["selector"] = labels;
      if (json* object_meta = EnsureObject(controller, "metadata")) {
        if (IsEmptyMap(*object_meta, "labels")) (*object_meta)["labels"] = labels;
      }
    }
  }
  DefaultPointer(*spec, "replicas", 1);
  if (json* pod_template = GetObject(*spec, "template")) {
    ApplyPodTemplateSpecDefaults(*pod_template);
  }
}

bool IsServiceType(const json& spec, std::string_view type) {
  const std::string* value = GetString(spec, "type");
  return value != nullptr && *value == type;
}

void DefaultService(json& service) {
  json* spec = EnsureObject(service, "spec");
  if (spec == nullptr) return;
  DefaultString(*spec, "sessionAffinity", "None");
  const std::string* affinity = GetString(*spec, "sessionAffinity");
  if (affinity != nullptr && *affinity == "None") {
    spec->erase("sessionAffinityConfig");
  } else if (affinity != nullptr && *affinity == "ClientIP") {
    // A missing config, clientIP or timeout is replaced by the whole default config; values of
    // the wrong type are left for validation.
    json* config = GetObject(*spec, "sessionAffinityConfig");
    json* client_ip = config != nullptr ? GetObject(*config, "clientIP") : nullptr;
    bool wrong_type = (config == nullptr && !IsUnset(*spec, "sessionAffinityConfig")) ||
                      (config != nullptr && client_ip == nullptr && !IsUnset(*config, "clientIP"));
    bool has_timeout = client_ip != nullptr && !IsUnset(*client_ip, "timeoutSeconds");
    if (!wrong_type && !has_timeout) {
      (*spec)["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", 10800}}}};
    }
  }
  DefaultString(*spec, "type", "ClusterIP");
  ForEachObject(*spec, "ports", [](json& port) {
    DefaultString(port, "protocol", "TCP");
    auto target = port.find("targetPort");
    bool unset = target == port.end() || target->is_null() ||
                 (target->is_number() && *target == 0) ||
                 (target->is_string() && target->get_ref<const std::string&>().empty());
    if (!unset) return;
    auto number = port.find("port");
    if (number == port.end() || number->is_null()) {
      port["targetPort"] = 0;
    } else if (number->is_number_integer()) {
      port["targetPort"] = *number;
    }
  });
  // service.ExternallyAccessible: NodePort, LoadBalancer, or ClusterIP with external IPs.
  const json* external_ips_list = GetArray(*spec, "externalIPs");
  bool external_ips = external_ips_list != nullptr && !external_ips_list->empty();
  bool externally_accessible = IsServiceType(*spec, "LoadBalancer") ||
                               IsServiceType(*spec, "NodePort") ||
                               (IsServiceType(*spec, "ClusterIP") && external_ips);
  if (externally_accessible) DefaultString(*spec, "externalTrafficPolicy", "Cluster");
  if (IsServiceType(*spec, "NodePort") || IsServiceType(*spec, "LoadBalancer") ||
      IsServiceType(*spec, "ClusterIP")) {
    DefaultPointer(*spec, "internalTrafficPolicy", "Cluster");
  }
  if (IsServiceType(*spec, "LoadBalancer")) {
    DefaultPointer(*spec, "allocateLoadBalancerNodePorts", true);
    // LoadBalancerIPMode is GA (on) in v1.32.
    json* status = GetObject(service, "status");
    json* load_balancer = status != nullptr ? GetObject(*status, "loadBalancer") : nullptr;
    if (load_balancer != nullptr) {
      ForEachObject(*load_balancer, "ingress", [](json& ingress) {
        const std::string* ip = GetString(ingress, "ip");
        if (ip != nullptr && !ip->empty()) DefaultPointer(ingress, "ipMode", "VIP");
      });
    }
  }
}

void DefaultPersistentVolume(json& volume) {
  if (json* status = EnsureObject(volume, "status")) DefaultString(*status, "phase", "Pending");
  json* spec = EnsureObject(volume, "spec");
  if (spec == nullptr) return;
  DefaultString(*spec, "persistentVolumeReclaimPolicy", "Retain");
  DefaultPointer(*spec, "volumeMode", "Filesystem");
  DefaultPersistentVolumeSource(*spec);
}

void DefaultNamespace(json& ns) {
  if (json* metadata = GetObject(ns, "metadata")) {
    const std::string* name = GetString(*metadata, "name");
    if (name != nullptr && !name->empty()) {
      const std::string value = *name;
      if (json* labels = EnsureObject(*metadata, "labels")) {
        (*labels)["kubernetes.io/metadata.name"] = value;
      }
    }
  }
  if (json* status = EnsureObject(ns, "status")) DefaultString(*status, "phase", "Active");
}

void DefaultNode(json& node) {
  json* status = GetObject(node, "status");
  if (status == nullptr) return;
  if (IsUnset(*status, "allocatable") && IsNonEmptyObject(*status, "capacity")) {
    (*status)["allocatable"] = (*status)["capacity"];
  }
}

void DefaultEndpoints(json& endpoints) {
  ForEachObject(endpoints, "subsets", [](json& subset) {
    ForEachObject(subset, "ports", [](json& port) { DefaultString(port, "protocol", "TCP"); });
  });
}

// Copies every key of `from` missing in `into`.
void MergeMissing(const json* from, json& into) {
  if (from == nullptr) return;
  for (const auto& [name, quantity] : from->items()) {
    if (!into.contains(name)) into[name] = quantity;
  }
}

void DefaultLimitRangeItem(json& item) {
  const std::string* type = GetString(item, "type");
  if (type == nullptr || *type != "Container") return;
  // Wrong-typed maps would not decode upstream; leave the whole item to validation.
  for (std::string_view key : {"max", "min", "default", "defaultRequest"}) {
    if (!IsUnset(item, key) && GetObject(item, key) == nullptr) return;
  }
  json defaults = IsUnset(item, "default") ? json::object() : item["default"];
  MergeMissing(GetObject(item, "max"), defaults);
  json default_request = IsUnset(item, "defaultRequest") ? json::object() : item["defaultRequest"];
  MergeMissing(&defaults, default_request);
  MergeMissing(GetObject(item, "min"), default_request);
  // Empty maps are omitted when upstream serializes; keep them absent too.
  if (!defaults.empty() || !IsUnset(item, "default")) item["default"] = std::move(defaults);
  if (!default_request.empty() || !IsUnset(item, "defaultRequest")) {
    item["defaultRequest"] = std::move(default_request);
  }
}

}  // namespace

void DefaultPodSpec(json& spec) {
  if (!spec.is_object()) return;
  DefaultString(spec, "dnsPolicy", "ClusterFirst");
  DefaultString(spec, "restartPolicy", "Always");
  DefaultPointer(spec, "securityContext", json::object());
  DefaultPointer(spec, "terminationGracePeriodSeconds", 30);
  DefaultString(spec, "schedulerName", "default-scheduler");
  ForEachObject(spec, "volumes", DefaultVolume);
  ForEachObject(spec, "initContainers", DefaultContainer);
  ForEachObject(spec, "containers", DefaultContainer);
  ForEachObject(spec, "ephemeralContainers", DefaultContainer);
}

void DefaultPersistentVolumeClaimSpec(json& spec) {
  DefaultPointer(spec, "volumeMode", "Filesystem");
}

void DefaultPersistentVolumeSource(json& source) {
  if (json* host_path = GetObject(source, "hostPath")) DefaultPointer(*host_path, "type", "");
  if (json* rbd = GetObject(source, "rbd")) DefaultRBDSource(*rbd);
  if (json* iscsi = GetObject(source, "iscsi")) DefaultString(*iscsi, "iscsiInterface", "default");
  if (json* azure_disk = GetObject(source, "azureDisk")) DefaultAzureDiskSource(*azure_disk);
  if (json* scale_io = GetObject(source, "scaleIO")) DefaultScaleIOSource(*scale_io);
}

bool ApplyCoreDefaults(std::string_view version, std::string_view kind, json* object) {
  if (version != "v1") return false;
  using Defaulter = void (*)(json&);
  static constexpr std::pair<std::string_view, Defaulter> kDefaulters[] = {
      {"Pod", DefaultPod},
      {"PodTemplate",
       [](json& pod_template) {
         if (json* spec = EnsureObject(pod_template, "template")) {
           ApplyPodTemplateSpecDefaults(*spec);
         }
       }},
      {"ReplicationController", DefaultReplicationController},
      {"Service", DefaultService},
      {"PersistentVolume", DefaultPersistentVolume},
      {"PersistentVolumeClaim", [](json& claim) { ApplyPersistentVolumeClaimDefaults(claim); }},
      {"Namespace", DefaultNamespace},
      {"Node", DefaultNode},
      {"Endpoints", DefaultEndpoints},
      {"LimitRange",
       [](json& limit_range) {
         if (json* spec = GetObject(limit_range, "spec")) {
           ForEachObject(*spec, "limits", DefaultLimitRangeItem);
         }
       }},
      {"Secret", [](json& secret) { DefaultString(secret, "type", "Opaque"); }},
  };
  // ConfigMap (data = {} is omitted when serialized), ResourceQuota (quantity rounding only),
  // ServiceAccount and Event have no visible defaults.
  for (const auto& [name, defaulter] : kDefaulters) {
    if (name != kind) continue;
    if (object != nullptr) defaulter(*object);
    return true;
  }
  return false;
}

}  // namespace defaults_internal

void ApplyPersistentVolumeClaimDefaults(nlohmann::json& claim) {
  using namespace defaults_internal;
  if (json* status = EnsureObject(claim, "status")) DefaultString(*status, "phase", "Pending");
  if (json* spec = EnsureObject(claim, "spec")) DefaultPersistentVolumeClaimSpec(*spec);
}

}  // namespace k1s::api
