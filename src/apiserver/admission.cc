#include "apiserver/admission.h"

#include <nlohmann/json.hpp>

namespace k1s::apiserver {

absl::Status AdmissionChain::Admit(const AdmissionRequest& request, nlohmann::json& object) const {
  for (const std::unique_ptr<AdmissionPlugin>& plugin : plugins_) {
    if (absl::Status status = plugin->Admit(request, object); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status AdmissionChain::Validate(const AdmissionRequest& request,
                                      const nlohmann::json& object) const {
  for (const std::unique_ptr<AdmissionPlugin>& plugin : plugins_) {
    if (absl::Status status = plugin->Validate(request, object); !status.ok()) return status;
  }
  return absl::OkStatus();
}

std::vector<std::string_view> AdmissionChain::Names() const {
  std::vector<std::string_view> names;
  for (const std::unique_ptr<AdmissionPlugin>& plugin : plugins_) names.push_back(plugin->Name());
  return names;
}

}  // namespace k1s::apiserver
