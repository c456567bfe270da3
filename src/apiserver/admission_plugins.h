#pragma once
// The built-in admission plugins, each as upstream names it, and the chain in upstream's order:
// NamespaceLifecycle is the registry's namespace check (objects cannot be created in a missing
// or terminating namespace), then LimitRanger, ServiceAccount, NodeRestriction, PodSecurity,
// Priority, DefaultTolerationSeconds, DefaultStorageClass, DefaultIngressClass,
// PersistentVolumeClaimResize and ResourceQuota. Plugins read the cluster through a
// ClusterReader (the watch cache); ResourceQuota writes quota usage through the registry.
#include <memory>
#include <string>
#include <vector>

#include "apiserver/admission.h"
#include "apiserver/cluster_reader.h"

namespace k1s::apiserver {

class Authorizer;

std::unique_ptr<AdmissionPlugin> NewLimitRanger(const ClusterReader& reader);
std::unique_ptr<AdmissionPlugin> NewServiceAccountAdmission(const ClusterReader& reader);
std::unique_ptr<AdmissionPlugin> NewNodeRestriction(const ClusterReader& reader);
std::unique_ptr<AdmissionPlugin> NewPodSecurity(const ClusterReader& reader,
                                                PodSecurityDefaults defaults);
std::unique_ptr<AdmissionPlugin> NewPriority(const ClusterReader& reader);
std::unique_ptr<AdmissionPlugin> NewDefaultTolerationSeconds();
std::unique_ptr<AdmissionPlugin> NewDefaultStorageClass(const ClusterReader& reader);
std::unique_ptr<AdmissionPlugin> NewDefaultIngressClass(const ClusterReader& reader);
std::unique_ptr<AdmissionPlugin> NewPersistentVolumeClaimResize(const ClusterReader& reader);
std::unique_ptr<AdmissionPlugin> NewResourceQuota(const ClusterReader& reader);

// Upstream's RBAC storage check against privilege escalation, run before the plugins.
std::unique_ptr<AdmissionPlugin> NewRbacEscalationCheck(const Authorizer& authorizer);

std::unique_ptr<AdmissionChain> DefaultAdmissionChain(const ClusterReader& reader,
                                                      const Authorizer& authorizer,
                                                      const AdmissionOptions& options);

// True for a request about the main resource of `kind` in the core group ("Pod") or `group`.
bool IsKind(const AdmissionRequest& request, std::string_view group, std::string_view kind);

}  // namespace k1s::apiserver
