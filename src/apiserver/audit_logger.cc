#include "apiserver/audit_logger.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "audit/event.h"
#include "base/files.h"
#include "base/strings.h"

namespace k1s::apiserver {

absl::StatusOr<std::unique_ptr<AuditLogger>> AuditLogger::Open(const AuditOptions& options) {
  if (options.log_path.empty()) return nullptr;
  audit::Policy policy = audit::Policy::Default();
  if (!options.policy_file.empty()) {
    absl::StatusOr<std::string> text = base::ReadFile(options.policy_file);
    if (!text.ok()) return text.status();
    absl::StatusOr<audit::Policy> parsed = audit::Policy::Parse(*text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(base::StrCat("--audit-policy-file ", options.policy_file,
                                                     ": ", parsed.status().message()));
    }
    policy = *std::move(parsed);
  }
  audit::LogOptions log_options;
  log_options.path = options.log_path;
  log_options.max_age_days = options.max_age_days;
  log_options.max_backups = options.max_backups;
  log_options.max_size_mb = options.max_size_mb;
  absl::StatusOr<std::unique_ptr<audit::LogWriter>> writer =
      audit::LogWriter::Open(std::move(log_options));
  if (!writer.ok()) return writer.status();
  return std::unique_ptr<AuditLogger>(new AuditLogger(std::move(policy), *std::move(writer)));
}

void AuditLogger::Record(const http::Request& request, const auth::Attributes& attributes,
                         bool allowed, int32_t code, int64_t received_unix_nanos,
                         int64_t done_unix_nanos,
                         const std::map<std::string, std::string>& annotations) {
  audit::Policy::Decision decision = policy_.Evaluate(attributes);
  if (decision.level == audit::Level::kNone) return;
  audit::Event event;
  // A watch is logged when its stream starts; everything else when its answer is complete.
  event.stage =
      attributes.verb == "watch" ? audit::Stage::kResponseStarted : audit::Stage::kResponseComplete;
  if (std::find(decision.omit_stages.begin(), decision.omit_stages.end(), event.stage) !=
      decision.omit_stages.end()) {
    return;
  }
  event.level = decision.level;
  event.audit_id = request.headers.Get("Audit-ID").value_or(audit::NewAuditId());
  event.request_uri = request.target;
  event.verb = attributes.verb;
  event.user = attributes.user;
  std::string_view address = request.remote_address;
  size_t colon = address.rfind(':');
  std::string_view ip = colon == std::string_view::npos ? address : address.substr(0, colon);
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (!ip.empty()) event.source_ips.emplace_back(ip);
  event.user_agent = request.headers.Get("User-Agent").value_or("");
  if (attributes.resource_request) {
    audit::ObjectReference ref;
    ref.resource = attributes.resource;
    ref.namespace_name = attributes.namespace_name;
    ref.name = attributes.name;
    if (ref.name.empty() && attributes.verb == "create" && !request.body.empty() &&
        request.body.front() == '{') {
      // Upstream names the created object, which only its body carries.
      nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
      if (body.is_object() && body.contains("metadata") && body["metadata"].is_object()) {
        ref.name = body["metadata"].value("name", "");
      }
    }
    ref.api_group = attributes.api_group;
    ref.api_version = attributes.api_version;
    ref.subresource = attributes.subresource;
    event.object_ref = std::move(ref);
  }
  audit::ResponseStatus status;
  status.code = code;
  event.response_status = status;
  if (decision.level >= audit::Level::kRequest && !request.body.empty() &&
      request.body.front() == '{') {
    event.request_object =
        decision.omit_managed_fields ? audit::WithoutManagedFields(request.body) : request.body;
  }
  event.request_received_unix_nanos = received_unix_nanos;
  event.stage_unix_nanos = done_unix_nanos;
  event.annotations = annotations;
  event.annotations["authorization.k8s.io/decision"] = allowed ? "allow" : "forbid";
  writer_->Write(audit::EventJsonLine(event));
}

void AuditLogger::Flush() { writer_->Flush(); }

}  // namespace k1s::apiserver
