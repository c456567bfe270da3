#pragma once
// The audit log: one audit.k8s.io/v1 Event per request at its ResponseComplete stage (watches:
// when they start, as ResponseStarted), at the level the policy chooses, written as a JSON line
// to a size- and age-rotated file. Off unless --audit-log-path is set. Thread-safe.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "audit/log_writer.h"
#include "audit/policy.h"
#include "auth/attributes.h"
#include "http/request.h"

namespace k1s::apiserver {

struct AuditOptions {
  std::string log_path;     // "" = no audit log; "-" = standard output
  std::string policy_file;  // "" = every request at Metadata
  int32_t max_age_days = 30;
  int32_t max_backups = 10;
  int32_t max_size_mb = 100;
};

class AuditLogger {
 public:
  // Null when auditing is off; an error for an unreadable or invalid policy or log path.
  static absl::StatusOr<std::unique_ptr<AuditLogger>> Open(const AuditOptions& options);

  // Records one request; `allowed` is the authorization decision, `code` the HTTP status sent.
  // `annotations` (e.g. PodSecurity's audit findings) are added to the event's own.
  void Record(const http::Request& request, const auth::Attributes& attributes, bool allowed,
              int32_t code, int64_t received_unix_nanos, int64_t done_unix_nanos,
              const std::map<std::string, std::string>& annotations);
  void Flush();

 private:
  AuditLogger(audit::Policy policy, std::unique_ptr<audit::LogWriter> writer)
      : policy_(std::move(policy)), writer_(std::move(writer)) {}

  const audit::Policy policy_;
  std::unique_ptr<audit::LogWriter> writer_;
};

}  // namespace k1s::apiserver
