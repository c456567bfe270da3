// Printers for the remaining groups: networking, rbac, storage, coordination, discovery,
// scheduling, certificates, admissionregistration and node. Role, ClusterRole and
// CustomResourceDefinition have none upstream: they get the default table.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/human_duration.h"
#include "api/table_printer_internal.h"

namespace k1s::api::table_internal {
namespace {

json LeaseCells(const json& lease, int64_t now) {
  return json::array({Name(lease), Str(At(lease, {"spec", "holderIdentity"})), Age(lease, now)});
}

json EndpointSliceCells(const json& slice, int64_t now) {
  constexpr size_t kMax = 3;
  std::vector<std::string> ports;
  int64_t port_count = 0;
  for (const json& port : Items(Field(slice, "ports"))) {
    ++port_count;
    if (ports.size() == kMax) continue;
    const json& number = Field(port, "port");
    const json& name = Field(port, "name");
    if (number.is_number()) {
      ports.push_back(absl::StrCat(Int(number)));
    } else if (name.is_string()) {
      ports.push_back(Str(name));
    } else {
      ports.push_back("*");
    }
  }
  std::vector<std::string> addresses;
  int64_t address_count = 0;
  for (const json& endpoint : Items(Field(slice, "endpoints"))) {
    for (const json& address : Items(Field(endpoint, "addresses"))) {
      ++address_count;
      if (addresses.size() < kMax) addresses.push_back(Str(address));
    }
  }
  return json::array({Name(slice), Str(Field(slice, "addressType")),
                      ListWithMore(ports, port_count), ListWithMore(addresses, address_count),
                      Age(slice, now)});
}

// ---- networking.k8s.io ------------------------------------------------------------------------

// formatHosts: up to three hosts. Rules without a host are skipped, yet the "more" count is taken
// over all rules, as upstream does.
std::string IngressHosts(const json& rules) {
  constexpr size_t kMax = 3;
  std::vector<std::string> hosts;
  bool more = false;
  for (const json& rule : rules) {
    if (hosts.size() == kMax) more = true;
    if (more) continue;
    if (std::string host = Str(Field(rule, "host")); !host.empty()) hosts.push_back(host);
  }
  if (hosts.empty()) return "*";
  std::string text = absl::StrJoin(hosts, ",");
  if (more) absl::StrAppend(&text, " + ", rules.size() - kMax, " more...");
  return text;
}

json IngressCells(const json& ingress, int64_t now) {
  const json& spec = Field(ingress, "spec");
  std::set<std::string> addresses;  // sorted and de-duplicated, as upstream's string set
  for (const json& entry : Items(At(ingress, {"status", "loadBalancer", "ingress"}))) {
    std::string ip = Str(Field(entry, "ip"));
    std::string hostname = Str(Field(entry, "hostname"));
    if (!ip.empty()) {
      addresses.insert(ip);
    } else if (!hostname.empty()) {
      addresses.insert(hostname);
    }
  }
  // kube-apiserver prints wide rows, so the address list is never clipped.
  return json::array({Name(ingress), StringOr(Field(spec, "ingressClassName"), "<none>"),
                      IngressHosts(Items(Field(spec, "rules"))), absl::StrJoin(addresses, ","),
                      Items(Field(spec, "tls")).empty() ? "80" : "80, 443", Age(ingress, now)});
}

json IngressClassCells(const json& ingress_class, int64_t now) {
  const json& spec = Field(ingress_class, "spec");
  const json& parameters = Field(spec, "parameters");
  std::string parameters_text = "<none>";
  if (Present(parameters)) {
    parameters_text = Str(Field(parameters, "kind"));
    // A set apiGroup adds its dot even when empty (a non-nil pointer upstream).
    const json& api_group = Field(parameters, "apiGroup");
    if (api_group.is_string()) absl::StrAppend(&parameters_text, ".", Str(api_group));
    absl::StrAppend(&parameters_text, "/", Str(Field(parameters, "name")));
  }
  return json::array({Name(ingress_class), Str(Field(spec, "controller")), parameters_text,
                      Age(ingress_class, now)});
}

json NetworkPolicyCells(const json& policy, int64_t now) {
  return json::array(
      {Name(policy), FormatLabelSelector(At(policy, {"spec", "podSelector"})), Age(policy, now)});
}

// ---- rbac.authorization.k8s.io ----------------------------------------------------------------

// RoleBinding and ClusterRoleBinding; the subjects split as rbac.SubjectsStrings does.
json RoleBindingCells(const json& binding, int64_t now) {
  const json& role_ref = Field(binding, "roleRef");
  std::vector<std::string> users;
  std::vector<std::string> groups;
  std::vector<std::string> service_accounts;
  for (const json& subject : Items(Field(binding, "subjects"))) {
    const std::string kind = Str(Field(subject, "kind"));
    const std::string name = Str(Field(subject, "name"));
    if (kind == "ServiceAccount") {
      service_accounts.push_back(absl::StrCat(Str(Field(subject, "namespace")), "/", name));
    } else if (kind == "User") {
      users.push_back(name);
    } else if (kind == "Group") {
      groups.push_back(name);
    }
  }
  return json::array({Name(binding),
                      absl::StrCat(Str(Field(role_ref, "kind")), "/", Str(Field(role_ref, "name"))),
                      Age(binding, now), absl::StrJoin(users, ", "), absl::StrJoin(groups, ", "),
                      absl::StrJoin(service_accounts, ", ")});
}

// ---- storage.k8s.io ---------------------------------------------------------------------------

bool IsDefaultStorageClass(const json& storage_class) {
  const json& annotations = At(storage_class, {"metadata", "annotations"});
  return Str(Field(annotations, "storageclass.kubernetes.io/is-default-class")) == "true" ||
         Str(Field(annotations, "storageclass.beta.kubernetes.io/is-default-class")) == "true";
}

json StorageClassCells(const json& storage_class, int64_t now) {
  std::string name = Name(storage_class);
  if (IsDefaultStorageClass(storage_class)) name += " (default)";
  return json::array({name, Str(Field(storage_class, "provisioner")),
                      StringOr(Field(storage_class, "reclaimPolicy"), "Delete"),
                      StringOr(Field(storage_class, "volumeBindingMode"), "Immediate"),
                      Bool(Field(storage_class, "allowVolumeExpansion")), Age(storage_class, now)});
}

json CSIDriverCells(const json& driver, int64_t now) {
  const json& spec = Field(driver, "spec");
  const json& attach_required = Field(spec, "attachRequired");
  // Stored objects round-trip through protobuf upstream, where an empty list comes back nil.
  const json& token_requests = Items(Field(spec, "tokenRequests"));
  std::string audiences = "<unset>";
  if (!token_requests.empty()) {
    std::vector<std::string> names;
    for (const json& request : token_requests) names.push_back(Str(Field(request, "audience")));
    audiences = absl::StrJoin(names, ",");
  }
  std::vector<std::string> modes;
  for (const json& mode : Items(Field(spec, "volumeLifecycleModes"))) modes.push_back(Str(mode));
  if (modes.empty()) modes.push_back("Persistent");  // SetDefaults_CSIDriver
  return json::array(
      {Name(driver), attach_required.is_boolean() ? attach_required.get<bool>() : true,
       Bool(Field(spec, "podInfoOnMount")), Bool(Field(spec, "storageCapacity")), audiences,
       Bool(Field(spec, "requiresRepublish")), absl::StrJoin(modes, ","), Age(driver, now)});
}

json CSINodeCells(const json& node, int64_t now) {
  return json::array({Name(node), static_cast<int64_t>(Items(At(node, {"spec", "drivers"})).size()),
                      Age(node, now)});
}

json VolumeAttachmentCells(const json& attachment, int64_t now) {
  const json& spec = Field(attachment, "spec");
  return json::array({Name(attachment), Str(Field(spec, "attacher")),
                      Str(At(spec, {"source", "persistentVolumeName"})),
                      Str(Field(spec, "nodeName")), Bool(At(attachment, {"status", "attached"})),
                      Age(attachment, now)});
}

// ---- Other groups -----------------------------------------------------------------------------

json PriorityClassCells(const json& priority_class, int64_t now) {
  return json::array({Name(priority_class), Int(Field(priority_class, "value")),
                      Bool(Field(priority_class, "globalDefault")), Age(priority_class, now),
                      StringOr(Field(priority_class, "preemptionPolicy"), "PreemptLowerPriority")});
}

// extractCSRStatus: Denied beats Approved beats Pending, then ",Failed" and ",Issued".
std::string CertificateSigningRequestCondition(const json& status) {
  bool approved = false;
  bool denied = false;
  bool failed = false;
  for (const json& condition : Items(Field(status, "conditions"))) {
    const std::string type = Str(Field(condition, "type"));
    approved = approved || type == "Approved";
    denied = denied || type == "Denied";
    failed = failed || type == "Failed";
  }
  std::string text = denied ? "Denied" : approved ? "Approved" : "Pending";
  if (failed) text += ",Failed";
  if (!Str(Field(status, "certificate")).empty()) text += ",Issued";
  return text;
}

json CertificateSigningRequestCells(const json& request, int64_t now) {
  const json& spec = Field(request, "spec");
  const json& expiration = Field(spec, "expirationSeconds");
  return json::array({Name(request), Age(request, now), OrNone(Str(Field(spec, "signerName"))),
                      Str(Field(spec, "username")),
                      expiration.is_number() ? HumanDuration(Int(expiration)) : "<none>",
                      CertificateSigningRequestCondition(Field(request, "status"))});
}

// Validating and mutating webhook configurations.
json WebhookConfigurationCells(const json& configuration, int64_t now) {
  return json::array({Name(configuration),
                      static_cast<int64_t>(Items(Field(configuration, "webhooks")).size()),
                      Age(configuration, now)});
}

json RuntimeClassCells(const json& runtime_class, int64_t now) {
  return json::array(
      {Name(runtime_class), Str(Field(runtime_class, "handler")), Age(runtime_class, now)});
}

}  // namespace

void AddOtherPrinters(PrinterMap& printers) {
  AddPrinter(printers, "coordination.k8s.io", "Lease",
             {NameColumn(),
              Column("Holder", "string",
                     "holderIdentity contains the identity of the holder of a current lease."),
              AgeColumn()},
             LeaseCells);
  AddPrinter(
      printers, "discovery.k8s.io", "EndpointSlice",
      {NameColumn(),
       Column("AddressType", "string",
              "addressType specifies the type of address carried by this EndpointSlice. All "
              "addresses in this slice must be the same type."),
       Column("Ports", "string",
              "ports specifies the list of network ports exposed by each endpoint in this "
              "slice."),
       Column("Endpoints", "string",
              "endpoints is a list of unique endpoints in this slice. Each slice may include a "
              "maximum of 1000 endpoints."),
       AgeColumn()},
      EndpointSliceCells);

  AddPrinter(printers, "networking.k8s.io", "Ingress",
             {NameColumn(), Column("Class", "string", "The IngressClass that serves this ingress."),
              Column("Hosts", "string", "The hosts the rules match, at most three listed."),
              Column("Address", "string", "The load balancer addresses serving this ingress."),
              Column("Ports", "string", "The ports served: 80, and 443 too when TLS is set."),
              AgeColumn()},
             IngressCells);
  AddPrinter(
      printers, "networking.k8s.io", "IngressClass",
      {NameColumn(), Column("Controller", "string", "The controller that implements this class."),
       Column("Parameters", "string",
              "The object with controller-specific settings, as kind.group/name."),
       AgeColumn()},
      IngressClassCells);
  AddPrinter(printers, "networking.k8s.io", "NetworkPolicy",
             {NameColumn(),
              Column("Pod-Selector", "string", "The label query picking the pods it applies to."),
              AgeColumn()},
             NetworkPolicyCells);

  const char* rbac = "rbac.authorization.k8s.io";
  for (const char* kind : {"RoleBinding", "ClusterRoleBinding"}) {
    AddPrinter(printers, rbac, kind,
               {NameColumn(), Column("Role", "string", "The role granted, as kind/name."),
                AgeColumn(), Column("Users", "string", "The users the role is granted to.", 1),
                Column("Groups", "string", "The groups the role is granted to.", 1),
                Column("ServiceAccounts", "string",
                       "The service accounts the role is granted to, as namespace/name.", 1)},
               RoleBindingCells);
  }

  const char* storage = "storage.k8s.io";
  AddPrinter(printers, storage, "StorageClass",
             {NameColumn(),
              Column("Provisioner", "string", "The volume plugin creating this class's volumes."),
              Column("ReclaimPolicy", "string",
                     "What happens to a dynamically provisioned volume once it is released."),
              Column("VolumeBindingMode", "string",
                     "When claims of this class get provisioned and bound."),
              Column("AllowVolumeExpansion", "string", "Whether claims of this class may grow."),
              AgeColumn()},
             StorageClassCells);
  AddPrinter(
      printers, storage, "CSIDriver",
      {NameColumn(),
       Column("AttachRequired", "boolean", "Whether volumes are attached before mounting."),
       Column("PodInfoOnMount", "boolean", "Whether mount calls carry the pod's details."),
       Column("StorageCapacity", "boolean",
              "Whether scheduling takes the driver's reported capacity into account."),
       Column("TokenRequests", "string",
              "Audiences of the service account tokens handed to the driver."),
       Column("RequiresRepublish", "boolean",
              "Whether volumes are mounted again now and "
              "then to refresh their contents."),
       Column("Modes", "string", "The volume lifecycle modes the driver supports."), AgeColumn()},
      CSIDriverCells);
  AddPrinter(printers, storage, "CSINode",
             {NameColumn(),
              Column("Drivers", "integer", "How many CSI drivers are registered on the node."),
              AgeColumn()},
             CSINodeCells);
  AddPrinter(printers, storage, "VolumeAttachment",
             {NameColumn(),
              {"Attacher", "string", "name", "The driver that attaches the volume.", 0},
              Column("PV", "string", "The persistent volume to attach."),
              Column("Node", "string", "The node to attach the volume to."),
              Column("Attached", "boolean", "Whether the volume is attached."),
              AgeColumn()},
             VolumeAttachmentCells);

  AddPrinter(printers, "scheduling.k8s.io", "PriorityClass",
             {NameColumn(), Column("Value", "integer", "The priority its pods get."),
              Column("Global-Default", "boolean", "Whether pods naming no class get this one."),
              AgeColumn(),
              Column("PreemptionPolicy", "string",
                     "Whether its pods may evict lower-priority pods to get scheduled.")},
             PriorityClassCells);
  AddPrinter(printers, "certificates.k8s.io", "CertificateSigningRequest",
             {NameColumn(), AgeColumn(),
              Column("SignerName", "string", "The signer asked to issue the certificate."),
              Column("Requestor", "string", "The user who made the request."),
              Column("RequestedDuration", "string", "The certificate lifetime asked for."),
              Column("Condition", "string", "Whether the request is approved, denied or issued.")},
             CertificateSigningRequestCells);
  for (const char* kind : {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}) {
    AddPrinter(
        printers, "admissionregistration.k8s.io", kind,
        {NameColumn(), Column("Webhooks", "integer", "How many webhooks the configuration holds."),
         AgeColumn()},
        WebhookConfigurationCells);
  }
  AddPrinter(
      printers, "node.k8s.io", "RuntimeClass",
      {NameColumn(), Column("Handler", "string", "The container runtime setup that runs its pods."),
       AgeColumn()},
      RuntimeClassCells);
}

}  // namespace k1s::api::table_internal
