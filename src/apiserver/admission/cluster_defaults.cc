// Plugins that default or guard a field from cluster-wide objects: DefaultStorageClass,
// DefaultIngressClass and PersistentVolumeClaimResize (upstream plugin/pkg/admission/storage/
// storageclass/setdefault, network/defaultingressclass, storage/persistentvolume/resize).
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/validate_util.h"
#include "apiserver/admission_plugins.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

// The newest object of `kind` whose `annotation` is "true" (upstream picks the newest default
// when several are marked), or nothing.
std::optional<json> DefaultObject(const ClusterReader& reader, const std::string& group,
                                  const std::string& kind, const char* annotation) {
  std::optional<json> chosen;
  std::string chosen_created;
  for (json& object : reader.List(group, kind)) {
    const json& annotations = object["metadata"].value("annotations", json::object());
    if (!annotations.is_object() || annotations.value(annotation, "") != "true") continue;
    std::string created = object["metadata"].value("creationTimestamp", "");
    if (!chosen || created > chosen_created) {
      chosen_created = created;
      chosen = std::move(object);
    }
  }
  return chosen;
}

class DefaultStorageClass : public AdmissionPlugin {
 public:
  explicit DefaultStorageClass(const ClusterReader& reader) : reader_(reader) {}
  std::string_view Name() const override { return "DefaultStorageClass"; }

  absl::Status Admit(const AdmissionRequest& request, json& claim) override {
    if (!IsKind(request, "", "PersistentVolumeClaim") ||
        request.operation != AdmissionOperation::kCreate) {
      return absl::OkStatus();
    }
    json& spec = claim["spec"];
    // An explicit "" asks for no class; only a missing field is defaulted.
    if (spec.contains("storageClassName") && !spec["storageClassName"].is_null()) {
      return absl::OkStatus();
    }
    if (std::optional<json> chosen = DefaultObject(reader_, "storage.k8s.io", "StorageClass",
                                                   "storageclass.kubernetes.io/is-default-class")) {
      spec["storageClassName"] = (*chosen)["metadata"]["name"];
    }
    return absl::OkStatus();
  }

 private:
  const ClusterReader& reader_;
};

class DefaultIngressClass : public AdmissionPlugin {
 public:
  explicit DefaultIngressClass(const ClusterReader& reader) : reader_(reader) {}
  std::string_view Name() const override { return "DefaultIngressClass"; }

  absl::Status Admit(const AdmissionRequest& request, json& ingress) override {
    if (!IsKind(request, "networking.k8s.io", "Ingress") ||
        request.operation != AdmissionOperation::kCreate) {
      return absl::OkStatus();
    }
    json& spec = ingress["spec"];
    const json& annotations = ingress["metadata"].value("annotations", json::object());
    if ((spec.contains("ingressClassName") && !spec["ingressClassName"].is_null()) ||
        (annotations.is_object() && annotations.contains("kubernetes.io/ingress.class"))) {
      return absl::OkStatus();
    }
    if (std::optional<json> chosen = DefaultObject(reader_, "networking.k8s.io", "IngressClass",
                                                   "ingressclass.kubernetes.io/is-default-class")) {
      spec["ingressClassName"] = (*chosen)["metadata"]["name"];
    }
    return absl::OkStatus();
  }

 private:
  const ClusterReader& reader_;
};

std::optional<api::validate::Quantity> RequestedStorage(const json& claim) {
  const json& spec = claim.value("spec", json::object());
  const json& requests = spec.value("resources", json::object()).value("requests", json::object());
  if (!requests.is_object() || !requests.contains("storage")) return std::nullopt;
  return api::validate::ParseQuantity(requests["storage"]);
}

class PersistentVolumeClaimResize : public AdmissionPlugin {
 public:
  explicit PersistentVolumeClaimResize(const ClusterReader& reader) : reader_(reader) {}
  std::string_view Name() const override { return "PersistentVolumeClaimResize"; }

  absl::Status Validate(const AdmissionRequest& request, const json& claim) override {
    if (!IsKind(request, "", "PersistentVolumeClaim") ||
        request.operation != AdmissionOperation::kUpdate || request.old_object == nullptr) {
      return absl::OkStatus();
    }
    std::optional<api::validate::Quantity> before = RequestedStorage(*request.old_object);
    std::optional<api::validate::Quantity> after = RequestedStorage(claim);
    if (!before || !after || after->Compare(*before) <= 0) return absl::OkStatus();
    std::string class_name = claim["spec"].value("storageClassName", "");
    std::optional<json> storage_class =
        class_name.empty() ? std::nullopt
                           : reader_.Get("storage.k8s.io", "StorageClass", "", class_name);
    if (storage_class && storage_class->value("allowVolumeExpansion", false)) {
      return absl::OkStatus();
    }
    const api::ResourceType& type = *request.type;
    return api::ForbiddenError(
        type, request.name,
        base::StrCat("persistentvolumeclaims \"", request.name,
                     "\" is forbidden: only dynamically provisioned pvc can be resized and the "
                     "storageclass that provisions the pvc must support resize"));
  }

 private:
  const ClusterReader& reader_;
};

}  // namespace

std::unique_ptr<AdmissionPlugin> NewDefaultStorageClass(const ClusterReader& reader) {
  return std::make_unique<DefaultStorageClass>(reader);
}
std::unique_ptr<AdmissionPlugin> NewDefaultIngressClass(const ClusterReader& reader) {
  return std::make_unique<DefaultIngressClass>(reader);
}
std::unique_ptr<AdmissionPlugin> NewPersistentVolumeClaimResize(const ClusterReader& reader) {
  return std::make_unique<PersistentVolumeClaimResize>(reader);
}

bool IsKind(const AdmissionRequest& request, std::string_view group, std::string_view kind) {
  return request.type != nullptr && request.type->group == group && request.type->kind == kind &&
         request.subresource.empty();
}

}  // namespace k1s::apiserver
