// Plugins that fill pod fields from cluster objects: ServiceAccount, Priority and
// DefaultTolerationSeconds (upstream plugin/pkg/admission/{serviceaccount,priority,
// defaulttolerationseconds}).
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "api/errors.h"
#include "apiserver/admission_plugins.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

constexpr char kMirrorAnnotation[] = "kubernetes.io/config.mirror";
constexpr char kTokenMountPath[] = "/var/run/secrets/kubernetes.io/serviceaccount";
// Upstream's token lifetime for the projected volume: an hour plus a little jitter room.
constexpr int64_t kProjectedTokenSeconds = 3607;

const api::ResourceType& PodType() {
  static const api::ResourceType type = [] {
    api::ResourceType pod;
    pod.version = "v1";
    pod.kind = "Pod";
    pod.plural = "pods";
    return pod;
  }();
  return type;
}

absl::Status PodForbidden(const AdmissionRequest& request, std::string_view why) {
  return api::ForbiddenError(PodType(), request.name,
                             base::StrCat("pods \"", request.name, "\" is forbidden: ", why));
}

bool IsMirrorPod(const json& pod) {
  const json& annotations = pod["metadata"].value("annotations", json::object());
  return annotations.is_object() && annotations.contains(kMirrorAnnotation);
}

// Upstream's utilrand.String alphabet: no vowels, no confusable digits.
std::string RandomSuffix(size_t length) {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string out;
  for (size_t i = 0; i < length; ++i) out.push_back(kAlphabet[pick(random)]);
  return out;
}

json ApiAccessVolume(std::string name) {
  return {{"name", std::move(name)},
          {"projected",
           {{"defaultMode", 420},
            {"sources",
             json::array(
                 {{{"serviceAccountToken",
                    {{"expirationSeconds", kProjectedTokenSeconds}, {"path", "token"}}}},
                  {{"configMap",
                    {{"name", "kube-root-ca.crt"},
                     {"items", json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}},
                  {{"downwardAPI",
                    {{"items", json::array({{{"path", "namespace"},
                                             {"fieldRef",
                                              {{"apiVersion", "v1"},
                                               {"fieldPath", "metadata.namespace"}}}}})}}}}})}}}};
}

bool MountsTokenPath(const json& container) {
  for (const json& mount : container.value("volumeMounts", json::array())) {
    if (mount.value("mountPath", "") == kTokenMountPath) return true;
  }
  return false;
}

class ServiceAccountAdmission : public AdmissionPlugin {
 public:
  explicit ServiceAccountAdmission(const ClusterReader& reader) : reader_(reader) {}
  std::string_view Name() const override { return "ServiceAccount"; }

  absl::Status Admit(const AdmissionRequest& request, json& pod) override {
    if (!IsKind(request, "", "Pod") || request.operation != AdmissionOperation::kCreate ||
        IsMirrorPod(pod)) {
      return absl::OkStatus();
    }
    json& spec = pod["spec"];
    std::string account_name = spec.value("serviceAccountName", "");
    if (account_name.empty()) account_name = "default";
    spec["serviceAccountName"] = account_name;
    std::optional<json> account = FindAccount(request.namespace_name, account_name);
    if (!account) {
      return PodForbidden(
          request, base::StrCat("error looking up service account ", request.namespace_name, "/",
                                account_name, ": serviceaccount \"", account_name, "\" not found"));
    }
    // The pod's own setting wins over the account's; both default to mounting.
    bool automount = account->value("automountServiceAccountToken", true);
    if (spec.contains("automountServiceAccountToken") &&
        spec["automountServiceAccountToken"].is_boolean()) {
      automount = spec["automountServiceAccountToken"].get<bool>();
    }
    if (automount) MountToken(spec);
    if (!spec.contains("imagePullSecrets") && account->contains("imagePullSecrets")) {
      spec["imagePullSecrets"] = (*account)["imagePullSecrets"];
    }
    return absl::OkStatus();
  }

 private:
  // The default account is made by the server right after its namespace: a pod created at
  // once may wait for it briefly (upstream retries up to 10 times, 100-200 ms apart).
  std::optional<json> FindAccount(std::string_view namespace_name, const std::string& name) const {
    const int32_t attempts = name == "default" ? 10 : 1;
    thread_local std::mt19937_64 random{std::random_device{}()};
    for (int32_t attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 100));
      }
      if (std::optional<json> account = reader_.Get("", "ServiceAccount", namespace_name, name)) {
        return account;
      }
    }
    return std::nullopt;
  }

  static void MountToken(json& spec) {
    std::string volume_name;
    for (const char* list : {"initContainers", "containers"}) {
      if (!spec.contains(list) || !spec[list].is_array()) continue;
      for (json& container : spec[list]) {
        if (MountsTokenPath(container)) continue;
        if (volume_name.empty()) volume_name = base::StrCat("kube-api-access-", RandomSuffix(5));
        container["volumeMounts"].push_back(
            {{"name", volume_name}, {"readOnly", true}, {"mountPath", kTokenMountPath}});
      }
    }
    if (!volume_name.empty()) spec["volumes"].push_back(ApiAccessVolume(volume_name));
  }

  const ClusterReader& reader_;
};

class Priority : public AdmissionPlugin {
 public:
  explicit Priority(const ClusterReader& reader) : reader_(reader) {}
  std::string_view Name() const override { return "Priority"; }

  absl::Status Admit(const AdmissionRequest& request, json& pod) override {
    if (!IsKind(request, "", "Pod") || request.operation != AdmissionOperation::kCreate) {
      return absl::OkStatus();
    }
    json& spec = pod["spec"];
    std::string class_name = spec.value("priorityClassName", "");
    std::optional<json> priority_class;
    if (class_name.empty()) {
      for (json& candidate : reader_.List("scheduling.k8s.io", "PriorityClass")) {
        if (candidate.value("globalDefault", false)) priority_class = std::move(candidate);
      }
    } else {
      priority_class = reader_.Get("scheduling.k8s.io", "PriorityClass", "", class_name);
      if (!priority_class) {
        return PodForbidden(request,
                            base::StrCat("no PriorityClass with name ", class_name, " was found"));
      }
    }
    int64_t value = priority_class ? priority_class->value("value", int64_t{0}) : 0;
    if (spec.contains("priority") && spec["priority"].is_number_integer() &&
        spec["priority"].get<int64_t>() != value) {
      return PodForbidden(
          request, base::StrCat("the integer value of priority (", spec["priority"].dump(),
                                ") must not be provided in pod spec; priority admission controller "
                                "computed ",
                                value, " from the given PriorityClass name"));
    }
    spec["priority"] = value;
    if (priority_class) {
      if (class_name.empty()) spec["priorityClassName"] = (*priority_class)["metadata"]["name"];
      if (!spec.contains("preemptionPolicy")) {
        spec["preemptionPolicy"] =
            priority_class->value("preemptionPolicy", std::string("PreemptLowerPriority"));
      }
    }
    return absl::OkStatus();
  }

 private:
  const ClusterReader& reader_;
};

class DefaultTolerationSeconds : public AdmissionPlugin {
 public:
  std::string_view Name() const override { return "DefaultTolerationSeconds"; }

  absl::Status Admit(const AdmissionRequest& request, json& pod) override {
    if (!IsKind(request, "", "Pod") || request.operation != AdmissionOperation::kCreate) {
      return absl::OkStatus();
    }
    json& tolerations = pod["spec"]["tolerations"];
    if (!tolerations.is_array()) tolerations = json::array();
    for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
      bool tolerated = false;
      for (const json& toleration : tolerations) {
        std::string effect = toleration.value("effect", "");
        if (toleration.value("key", "") == key && (effect.empty() || effect == "NoExecute")) {
          tolerated = true;
        }
      }
      if (!tolerated) {
        tolerations.push_back({{"key", key},
                               {"operator", "Exists"},
                               {"effect", "NoExecute"},
                               {"tolerationSeconds", 300}});
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<AdmissionPlugin> NewServiceAccountAdmission(const ClusterReader& reader) {
  return std::make_unique<ServiceAccountAdmission>(reader);
}
std::unique_ptr<AdmissionPlugin> NewPriority(const ClusterReader& reader) {
  return std::make_unique<Priority>(reader);
}
std::unique_ptr<AdmissionPlugin> NewDefaultTolerationSeconds() {
  return std::make_unique<DefaultTolerationSeconds>();
}

}  // namespace k1s::apiserver
