// Plugins that account for resources: LimitRanger (defaults and bounds from a namespace's
// LimitRanges) and ResourceQuota (charges each create against the namespace's quotas and
// refuses what would exceed them). Upstream plugin/pkg/admission/{limitranger,resourcequota}.
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "api/errors.h"
#include "apiserver/admission_plugins.h"
#include "base/strings.h"
#include "quota/limit_ranger.h"
#include "quota/quota.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

absl::Status Forbidden(const AdmissionRequest& request, std::string_view why) {
  return api::ForbiddenError(
      *request.type, request.name,
      base::StrCat(request.type->plural, " \"", request.name, "\" is forbidden: ", why));
}

bool IsDeleting(const json* old_object) {
  return old_object != nullptr && (*old_object)["metadata"].contains("deletionTimestamp");
}

class LimitRanger : public AdmissionPlugin {
 public:
  explicit LimitRanger(const ClusterReader& reader) : reader_(reader) {}
  std::string_view Name() const override { return "LimitRanger"; }

  absl::Status Admit(const AdmissionRequest& request, json& object) override {
    if (!IsKind(request, "", "Pod") || request.operation != AdmissionOperation::kCreate) {
      return absl::OkStatus();
    }
    std::vector<json> ranges = reader_.List("", "LimitRange", request.namespace_name);
    if (!ranges.empty()) quota::ApplyLimitRangeDefaults(ranges, object);
    return absl::OkStatus();
  }

  absl::Status Validate(const AdmissionRequest& request, const json& object) override {
    bool pod = IsKind(request, "", "Pod") && request.operation == AdmissionOperation::kCreate;
    bool claim = IsKind(request, "", "PersistentVolumeClaim") &&
                 request.operation != AdmissionOperation::kDelete &&
                 !IsDeleting(request.old_object);
    if (!pod && !claim) return absl::OkStatus();
    std::vector<json> ranges = reader_.List("", "LimitRange", request.namespace_name);
    if (ranges.empty()) return absl::OkStatus();
    std::vector<std::string> errors =
        quota::ValidateAgainstLimitRanges(ranges, request.type->plural, object);
    if (errors.empty()) return absl::OkStatus();
    return Forbidden(request, errors.size() == 1
                                  ? errors.front()
                                  : base::StrCat("[", absl::StrJoin(errors, ", "), "]"));
  }

 private:
  const ClusterReader& reader_;
};

class ResourceQuota : public AdmissionPlugin {
 public:
  explicit ResourceQuota(const ClusterReader& reader) : reader_(reader) {}
  std::string_view Name() const override { return "ResourceQuota"; }

  absl::Status Validate(const AdmissionRequest& request, const json& object) override {
    if (request.type == nullptr || !request.subresource.empty() ||
        request.operation == AdmissionOperation::kDelete || request.namespace_name.empty()) {
      return absl::OkStatus();
    }
    // Quota usage written by another request moves under us: recheck on a conflict.
    constexpr int32_t kAttempts = 5;
    absl::Status last = absl::OkStatus();
    if (reader_.List("", "ResourceQuota", request.namespace_name).empty()) {
      return absl::OkStatus();
    }
    for (int32_t attempt = 0; attempt < kAttempts; ++attempt) {
      // Charges of concurrent requests must be seen: read the quotas as of now.
      if (absl::Status fresh = reader_.WaitUntilFresh(); !fresh.ok()) return fresh;
      std::vector<json> quotas = reader_.List("", "ResourceQuota", request.namespace_name);
      if (quotas.empty()) return absl::OkStatus();
      quota::QuotaCheck check = quota::CheckQuotas(
          quotas, request.type->group, request.type->plural, object, request.old_object);
      if (!check.error.empty()) return Forbidden(request, check.error);
      if (request.dry_run) return absl::OkStatus();
      last = Charge(request.namespace_name, check.updated_quotas);
      if (last.ok() || api::ErrorReason(last) != "Conflict") return last;
    }
    return last;
  }

 private:
  absl::Status Charge(std::string_view namespace_name, const std::vector<json>& quotas) const {
    Registry* registry = reader_.resources().Find("", "v1", "resourcequotas");
    for (const json& quota : quotas) {
      // The quota carries the resourceVersion it was read at: a stale one is a 409.
      absl::StatusOr<ObjectRef> written = registry->Update(
          namespace_name, quota["metadata"].value("name", ""), quota, "status", {});
      if (!written.ok()) return written.status();
    }
    return absl::OkStatus();
  }

  const ClusterReader& reader_;
};

}  // namespace

std::unique_ptr<AdmissionPlugin> NewLimitRanger(const ClusterReader& reader) {
  return std::make_unique<LimitRanger>(reader);
}
std::unique_ptr<AdmissionPlugin> NewResourceQuota(const ClusterReader& reader) {
  return std::make_unique<ResourceQuota>(reader);
}

}  // namespace k1s::apiserver
