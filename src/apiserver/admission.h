#pragma once
// Admission: the plugins every write passes after decoding and defaulting and before it is
// stored, in upstream's order. A plugin may mutate the object (Admit) and may refuse it
// (Validate); a refusal is an API error (403 Forbidden or 422 Invalid, as upstream's plugins
// answer). Plugins can add Warning headers (PodSecurity's warn mode).
//
// The Registry calls the chain for writes that came from a user request (WriteOptions carry an
// AdmissionContext); the server's own bookkeeping writes skip it. Plugins must be thread-safe.
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "api/resource_types.h"
#include "auth/user_info.h"

namespace k1s::apiserver {

enum class AdmissionOperation { kCreate, kUpdate, kDelete };

struct AdmissionRequest {
  AdmissionOperation operation = AdmissionOperation::kCreate;
  const api::ResourceType* type = nullptr;
  std::string_view namespace_name{};
  std::string_view name{};
  std::string_view subresource{};              // "" for the main resource, "status", ...
  const auth::UserInfo* user = nullptr;        // never null
  const nlohmann::json* old_object = nullptr;  // updates and deletes
  bool dry_run = false;
  std::vector<std::string>* warnings = nullptr;  // never null
  // Annotations for the request's audit event (PodSecurity's audit mode); may be null.
  std::map<std::string, std::string>* audit_annotations = nullptr;
};

class AdmissionPlugin {
 public:
  virtual ~AdmissionPlugin() = default;
  virtual std::string_view Name() const = 0;
  // Mutating phase; `object` is the new object (for a delete, a copy of the old one).
  virtual absl::Status Admit(const AdmissionRequest& request, nlohmann::json& object) {
    return absl::OkStatus();
  }
  // Validating phase, after the kind's own validation.
  virtual absl::Status Validate(const AdmissionRequest& request, const nlohmann::json& object) {
    return absl::OkStatus();
  }
};

// The plugins in order. Immutable after construction.
class AdmissionChain {
 public:
  explicit AdmissionChain(std::vector<std::unique_ptr<AdmissionPlugin>> plugins)
      : plugins_(std::move(plugins)) {}
  absl::Status Admit(const AdmissionRequest& request, nlohmann::json& object) const;
  absl::Status Validate(const AdmissionRequest& request, const nlohmann::json& object) const;
  std::vector<std::string_view> Names() const;

 private:
  std::vector<std::unique_ptr<AdmissionPlugin>> plugins_;
};

// What a user request's write carries into the registry.
struct AdmissionContext {
  const AdmissionChain* chain = nullptr;
  auth::UserInfo user{};
  std::vector<std::string>* warnings = nullptr;
  std::map<std::string, std::string>* audit_annotations = nullptr;
};

// Cluster-wide admission settings (k1s server flags).
struct PodSecurityDefaults {
  std::string enforce = "baseline";
  std::string audit = "restricted";
  std::string warn = "restricted";
  std::vector<std::string> exempt_namespaces = {"kube-system"};
};

struct AdmissionOptions {
  PodSecurityDefaults pod_security{};
};

}  // namespace k1s::apiserver
