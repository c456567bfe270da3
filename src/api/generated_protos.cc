#include "api/generated_protos.h"

#include <set>

#include "api/proto/admissionregistration_v1.pb.h"
#include "api/proto/apiextensions_v1.pb.h"
#include "api/proto/apps_v1.pb.h"
#include "api/proto/authentication_v1.pb.h"
#include "api/proto/authorization_v1.pb.h"
#include "api/proto/autoscaling_v1.pb.h"
#include "api/proto/autoscaling_v2.pb.h"
#include "api/proto/batch_v1.pb.h"
#include "api/proto/certificates_v1.pb.h"
#include "api/proto/coordination_v1.pb.h"
#include "api/proto/core_v1.pb.h"
#include "api/proto/discovery_v1.pb.h"
#include "api/proto/events_v1.pb.h"
#include "api/proto/flowcontrol_v1.pb.h"
#include "api/proto/meta_v1.pb.h"
#include "api/proto/networking_v1.pb.h"
#include "api/proto/node_v1.pb.h"
#include "api/proto/policy_v1.pb.h"
#include "api/proto/rbac_v1.pb.h"
#include "api/proto/scheduling_v1.pb.h"
#include "api/proto/storage_v1.pb.h"

namespace k1s::api {

using google::protobuf::Descriptor;
using google::protobuf::FileDescriptor;

const std::vector<const FileDescriptor*>& GeneratedProtoFiles() {
  static const std::vector<const FileDescriptor*>* const kFiles = [] {
  namespace api = k8s::io::api;
  namespace ext = k8s::io::apiextensions_apiserver::pkg::apis::apiextensions::v1;
  // One message per file forces its registration (nothing else references them by symbol).
  const Descriptor* roots[] = {
      k8s::io::apimachinery::pkg::apis::meta::v1::ObjectMeta::descriptor(),
      api::core::v1::ConfigMap::descriptor(),
      api::apps::v1::Deployment::descriptor(),
      api::batch::v1::Job::descriptor(),
      api::policy::v1::Eviction::descriptor(),
      api::rbac::v1::Role::descriptor(),
      api::coordination::v1::Lease::descriptor(),
      api::discovery::v1::EndpointSlice::descriptor(),
      api::events::v1::Event::descriptor(),
      api::networking::v1::Ingress::descriptor(),
      api::storage::v1::StorageClass::descriptor(),
      api::authentication::v1::TokenRequest::descriptor(),
      api::authorization::v1::SubjectAccessReview::descriptor(),
      api::autoscaling::v1::Scale::descriptor(),
      api::autoscaling::v2::HorizontalPodAutoscaler::descriptor(),
      api::certificates::v1::CertificateSigningRequest::descriptor(),
      api::scheduling::v1::PriorityClass::descriptor(),
      api::node::v1::RuntimeClass::descriptor(),
      api::admissionregistration::v1::ValidatingWebhookConfiguration::descriptor(),
      api::flowcontrol::v1::FlowSchema::descriptor(),
      ext::CustomResourceDefinition::descriptor(),
  };
  std::vector<const FileDescriptor*> files;
  std::set<const FileDescriptor*> seen;
  std::vector<const FileDescriptor*> pending;
  for (const Descriptor* root : roots) pending.push_back(root->file());
  while (!pending.empty()) {
    const FileDescriptor* file = pending.back();
    pending.pop_back();
    if (!seen.insert(file).second || !file->package().starts_with("k8s.io.")) continue;
    files.push_back(file);
    for (int i = 0; i < file->dependency_count(); ++i) pending.push_back(file->dependency(i));
  }
  return new std::vector<const FileDescriptor*>(std::move(files));
  }();
  return *kFiles;
}

}  // namespace k1s::api
