#include <nlohmann/json.hpp>

#include "apiserver/admission_plugins.h"

namespace k1s::apiserver {

std::unique_ptr<AdmissionChain> DefaultAdmissionChain(const ClusterReader& reader,
                                                      const Authorizer& authorizer,
                                                      const AdmissionOptions& options) {
  std::vector<std::unique_ptr<AdmissionPlugin>> plugins;
  plugins.push_back(NewRbacEscalationCheck(authorizer));
  // NamespaceLifecycle is the registry's namespace check, before any plugin runs.
  plugins.push_back(NewLimitRanger(reader));
  plugins.push_back(NewServiceAccountAdmission(reader));
  plugins.push_back(NewNodeRestriction(reader));
  plugins.push_back(NewPodSecurity(reader, options.pod_security));
  plugins.push_back(NewPriority(reader));
  plugins.push_back(NewDefaultTolerationSeconds());
  plugins.push_back(NewDefaultStorageClass(reader));
  plugins.push_back(NewDefaultIngressClass(reader));
  plugins.push_back(NewPersistentVolumeClaimResize(reader));
  plugins.push_back(NewResourceQuota(reader));
  return std::make_unique<AdmissionChain>(std::move(plugins));
}

}  // namespace k1s::apiserver
