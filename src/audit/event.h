#pragma once
// Audit events (audit.k8s.io/v1 Event) and their JSON lines, byte-compatible with what
// kube-apiserver's log backend writes: field order and omission rules of the Go types, Go's
// encoding/json string escaping (<, >, & as \u003c...), timestamps in UTC with microseconds.
//
// Thread-safe: free functions without shared state (NewAuditId uses a per-thread generator).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/policy.h"
#include "auth/user_info.h"

namespace k1s::audit {

struct ObjectReference {
  std::string resource;
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string api_group;
  std::string api_version;
  std::string resource_version;
  std::string subresource;
};

// The metav1.Status kept in an event: only the code for successes; status ("Failure"), reason,
// message and details for errors.
struct ResponseStatus {
  int32_t code = 0;
  std::string status;
  std::string message;
  std::string reason;
  std::string details_json;  // the Status "details" object as JSON text; "" = none
};

struct Event {
  Level level = Level::kMetadata;
  std::string audit_id;
  Stage stage = Stage::kResponseComplete;
  std::string request_uri;
  std::string verb;
  auth::UserInfo user;
  std::optional<auth::UserInfo> impersonated_user;
  std::vector<std::string> source_ips;
  std::string user_agent;
  std::optional<ObjectReference> object_ref;
  std::optional<ResponseStatus> response_status;
  // JSON text of the request / response body; "" = none. Written only at level Request and
  // above (request) and RequestResponse (response), whatever is set here. Invalid JSON is
  // dropped (upstream fails to encode such an event).
  std::string request_object;
  std::string response_object;
  int64_t request_received_unix_nanos = 0;  // 0 = unset, written as null
  int64_t stage_unix_nanos = 0;
  std::map<std::string, std::string> annotations;
};

// One JSON object and "\n", kind Event, apiVersion audit.k8s.io/v1.
std::string EventJsonLine(const Event& event);

// A random (version 4) UUID, lower-case, as upstream's audit IDs.
std::string NewAuditId();

// The object without metadata.managedFields (also in the items of a list and the row objects of
// a Table), for policies with omitManagedFields. Text that is not a JSON object is returned as
// is.
std::string WithoutManagedFields(std::string_view object_json);

// "2006-01-02T15:04:05.000000Z" (metav1.MicroTime) for Unix nanoseconds.
std::string MicroTime(int64_t unix_nanos);

}  // namespace k1s::audit
