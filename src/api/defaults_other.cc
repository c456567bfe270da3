// Defaults of the remaining built-in groups: networking.k8s.io, rbac.authorization.k8s.io,
// storage.k8s.io, scheduling.k8s.io, admissionregistration.k8s.io, apiextensions.k8s.io and
// discovery.k8s.io (all v1). policy, certificates, node, coordination and events.k8s.io have no
// defaults in v1.32.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/defaults_internal.h"

namespace k1s::api::defaults_internal {
namespace {

void DefaultNetworkPolicy(json& policy) {
  json* spec = EnsureObject(policy, "spec");
  if (spec == nullptr) return;
  if (IsEmptyList(*spec, "policyTypes")) {
    json types = json::array({"Ingress"});
    const json* egress = GetArray(*spec, "egress");
    if (egress != nullptr && !egress->empty()) types.push_back("Egress");
    (*spec)["policyTypes"] = std::move(types);
  }
  for (std::string_view direction : {"ingress", "egress"}) {
    ForEachObject(*spec, direction, [](json& rule) {
      ForEachObject(rule, "ports", [](json& port) { DefaultPointer(port, "protocol", "TCP"); });
    });
  }
}

void DefaultIngressClass(json& ingress_class) {
  json* spec = GetObject(ingress_class, "spec");
  json* parameters = spec != nullptr ? GetObject(*spec, "parameters") : nullptr;
  if (parameters != nullptr) DefaultPointer(*parameters, "scope", "Cluster");
}

constexpr std::string_view kRbacGroup = "rbac.authorization.k8s.io";

void DefaultRoleBinding(json& binding) {
  if (json* role_ref = EnsureObject(binding, "roleRef")) {
    DefaultString(*role_ref, "apiGroup", kRbacGroup);
  }
  ForEachObject(binding, "subjects", [](json& subject) {
    const std::string* kind = GetString(subject, "kind");
    if (kind != nullptr && (*kind == "User" || *kind == "Group")) {
      DefaultString(subject, "apiGroup", kRbacGroup);
    }
  });
}

void DefaultStorageClass(json& storage_class) {
  DefaultPointer(storage_class, "reclaimPolicy", "Delete");
  DefaultPointer(storage_class, "volumeBindingMode", "Immediate");
}

void DefaultCSIDriver(json& driver) {
  json* spec = EnsureObject(driver, "spec");
  if (spec == nullptr) return;
  DefaultPointer(*spec, "attachRequired", true);
  DefaultPointer(*spec, "podInfoOnMount", false);
  DefaultPointer(*spec, "storageCapacity", false);
  DefaultPointer(*spec, "fsGroupPolicy", "ReadWriteOnceWithFSType");
  if (IsEmptyList(*spec, "volumeLifecycleModes")) {
    (*spec)["volumeLifecycleModes"] = json::array({"Persistent"});
  }
  DefaultPointer(*spec, "requiresRepublish", false);
  // SELinuxMountReadWriteOncePod is beta (on) in v1.32.
  DefaultPointer(*spec, "seLinuxMount", false);
}

void DefaultVolumeAttachment(json& attachment) {
  json* spec = GetObject(attachment, "spec");
  json* source = spec != nullptr ? GetObject(*spec, "source") : nullptr;
  json* inline_spec = source != nullptr ? GetObject(*source, "inlineVolumeSpec") : nullptr;
  // Only the volume-source defaults: SetDefaults_PersistentVolume is for whole PV objects.
  if (inline_spec != nullptr) DefaultPersistentVolumeSource(*inline_spec);
}

void DefaultServiceReference(json& client_config) {
  if (json* service = GetObject(client_config, "service")) DefaultPointer(*service, "port", 443);
}

// SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook and their rules and client config.
// sideEffects and admissionReviewVersions are required in v1, so they get no default.
void DefaultWebhook(json& webhook, bool mutating) {
  DefaultPointer(webhook, "failurePolicy", "Fail");
  DefaultPointer(webhook, "matchPolicy", "Equivalent");
  DefaultPointer(webhook, "namespaceSelector", json::object());
  DefaultPointer(webhook, "objectSelector", json::object());
  DefaultPointer(webhook, "timeoutSeconds", 10);
  if (mutating) DefaultPointer(webhook, "reinvocationPolicy", "Never");
  ForEachObject(webhook, "rules", [](json& rule) { DefaultPointer(rule, "scope", "*"); });
  if (json* client_config = GetObject(webhook, "clientConfig")) {
    DefaultServiceReference(*client_config);
  }
}

void DefaultCustomResourceDefinition(json& crd) {
  json* spec = EnsureObject(crd, "spec");
  if (spec == nullptr) return;
  if (json* names = EnsureObject(*spec, "names")) {
    const std::string* kind = GetString(*names, "kind");
    std::string lower_kind = kind != nullptr ? *kind : "";
    for (char& c : lower_kind) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    // An empty singular stays empty (and omitted) when there is no kind to derive it from.
    if (!lower_kind.empty()) DefaultString(*names, "singular", lower_kind);
    if (kind != nullptr && !kind->empty()) DefaultString(*names, "listKind", *kind + "List");
  }
  DefaultPointer(*spec, "conversion", {{"strategy", "None"}});
  if (json* conversion = GetObject(*spec, "conversion")) {
    if (json* webhook = GetObject(*conversion, "webhook")) {
      if (json* client_config = GetObject(*webhook, "clientConfig")) {
        DefaultServiceReference(*client_config);
      }
    }
  }
  // status.storedVersions starts as the storage version (the first one marked, as upstream).
  std::optional<std::string> storage_version;
  ForEachObject(*spec, "versions", [&storage_version](json& version) {
    auto storage = version.find("storage");
    if (storage_version.has_value() || storage == version.end() || !storage->is_boolean() ||
        !storage->get<bool>()) {
      return;
    }
    const std::string* name = GetString(version, "name");
    storage_version = name != nullptr ? *name : "";
  });
  if (!storage_version.has_value()) return;
  json* status = EnsureObject(crd, "status");
  if (status != nullptr && IsEmptyList(*status, "storedVersions")) {
    (*status)["storedVersions"] = json::array({*storage_version});
  }
}

void DefaultEndpointSlice(json& slice) {
  ForEachObject(slice, "ports", [](json& port) {
    DefaultPointer(port, "name", "");
    DefaultPointer(port, "protocol", "TCP");
  });
}

}  // namespace

bool ApplyOtherDefaults(std::string_view group, std::string_view version, std::string_view kind,
                        json* object) {
  if (version != "v1") return false;
  using Defaulter = void (*)(json&);
  Defaulter defaulter = nullptr;
  if (group == "networking.k8s.io") {
    // Ingress has no defaults in v1 (pathType is required).
    if (kind == "NetworkPolicy") defaulter = DefaultNetworkPolicy;
    if (kind == "IngressClass") defaulter = DefaultIngressClass;
  } else if (group == kRbacGroup) {
    if (kind == "RoleBinding" || kind == "ClusterRoleBinding") defaulter = DefaultRoleBinding;
  } else if (group == "storage.k8s.io") {
    if (kind == "StorageClass") defaulter = DefaultStorageClass;
    if (kind == "CSIDriver") defaulter = DefaultCSIDriver;
    if (kind == "VolumeAttachment") defaulter = DefaultVolumeAttachment;
  } else if (group == "scheduling.k8s.io") {
    if (kind == "PriorityClass") {
      defaulter = [](json& priority_class) {
        DefaultPointer(priority_class, "preemptionPolicy", "PreemptLowerPriority");
      };
    }
  } else if (group == "admissionregistration.k8s.io") {
    if (kind == "ValidatingWebhookConfiguration") {
      defaulter = [](json& configuration) {
        ForEachObject(configuration, "webhooks", [](json& hook) { DefaultWebhook(hook, false); });
      };
    }
    if (kind == "MutatingWebhookConfiguration") {
      defaulter = [](json& configuration) {
        ForEachObject(configuration, "webhooks", [](json& hook) { DefaultWebhook(hook, true); });
      };
    }
  } else if (group == "apiextensions.k8s.io") {
    if (kind == "CustomResourceDefinition") defaulter = DefaultCustomResourceDefinition;
  } else if (group == "discovery.k8s.io") {
    if (kind == "EndpointSlice") defaulter = DefaultEndpointSlice;
  }
  if (defaulter == nullptr) return false;
  if (object != nullptr) defaulter(*object);
  return true;
}

}  // namespace k1s::api::defaults_internal
