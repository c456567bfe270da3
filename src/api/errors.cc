#include "api/errors.h"

#include <nlohmann/json.hpp>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace k1s::api {
namespace {

constexpr absl::string_view kPayloadUrl = "type.k1s.dev/metav1.Status";

// Debian's abseil has its own string_view type.
absl::string_view Abseil(std::string_view text) { return {text.data(), text.size()}; }

absl::StatusCode CodeFor(int32_t http_code, std::string_view reason) {
  switch (http_code) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists
                                       : absl::StatusCode::kAborted;
    case 410:
      return absl::StatusCode::kOutOfRange;
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status MakeError(int32_t http_code, std::string_view reason, std::string message,
                       nlohmann::json details = nullptr) {
  nlohmann::json body = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason}};
  if (!details.is_null()) body["details"] = std::move(details);
  body["code"] = http_code;
  absl::Status status(CodeFor(http_code, reason), message);
  status.SetPayload(kPayloadUrl, absl::Cord(body.dump()));
  return status;
}

nlohmann::json Details(const ResourceType& type, std::string_view name) {
  nlohmann::json details = nlohmann::json::object();
  if (!name.empty()) details["name"] = name;
  if (!type.group.empty()) details["group"] = type.group;
  details["kind"] = type.plural;
  return details;
}

// Generic reason for errors made outside this file, by code.
std::pair<int32_t, std::string_view> FallbackFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return {400, "BadRequest"};
    case absl::StatusCode::kUnauthenticated:
      return {401, "Unauthorized"};
    case absl::StatusCode::kPermissionDenied:
      return {403, "Forbidden"};
    case absl::StatusCode::kNotFound:
      return {404, "NotFound"};
    case absl::StatusCode::kAlreadyExists:
      return {409, "AlreadyExists"};
    case absl::StatusCode::kAborted:
      return {409, "Conflict"};
    case absl::StatusCode::kOutOfRange:
      return {410, "Expired"};
    case absl::StatusCode::kResourceExhausted:
      return {429, "TooManyRequests"};
    case absl::StatusCode::kDeadlineExceeded:
      return {504, "Timeout"};
    case absl::StatusCode::kUnavailable:
      return {503, "ServiceUnavailable"};
    default:
      return {500, "InternalError"};
  }
}

}  // namespace

std::string QualifiedResource(const ResourceType& type) {
  return type.group.empty() ? type.plural : absl::StrCat(type.plural, ".", type.group);
}

absl::Status NotFoundError(const ResourceType& type, std::string_view name) {
  return MakeError(404, "NotFound",
                   absl::StrCat(QualifiedResource(type), " \"", Abseil(name), "\" not found"),
                   Details(type, name));
}

absl::Status AlreadyExistsError(const ResourceType& type, std::string_view name) {
  return MakeError(409, "AlreadyExists",
                   absl::StrCat(QualifiedResource(type), " \"", Abseil(name), "\" already exists"),
                   Details(type, name));
}

absl::Status ConflictError(const ResourceType& type, std::string_view name,
                           std::string_view detail) {
  return MakeError(409, "Conflict",
                   absl::StrCat("Operation cannot be fulfilled on ", QualifiedResource(type), " \"",
                                Abseil(name), "\": ", Abseil(detail)),
                   Details(type, name));
}

absl::Status ApplyConflictError(std::string_view message,
                                const std::vector<std::pair<std::string, std::string>>& conflicts) {
  nlohmann::json causes = nlohmann::json::array();
  for (const auto& [cause_message, field] : conflicts) {
    causes.push_back(
        {{"reason", "FieldManagerConflict"}, {"message", cause_message}, {"field", field}});
  }
  return MakeError(409, "Conflict", std::string(message), {{"causes", std::move(causes)}});
}

absl::Status InvalidError(const ResourceType& type, std::string_view name,
                          const FieldErrors& errors) {
  nlohmann::json details = {{"name", name}};
  if (!type.group.empty()) details["group"] = type.group;
  details["kind"] = type.kind;
  nlohmann::json causes = nlohmann::json::array();
  for (const FieldError& error : errors) {
    causes.push_back(
        {{"reason", error.Reason()}, {"message", error.Message()}, {"field", error.field}});
  }
  details["causes"] = std::move(causes);
  std::string qualified_kind =
      type.group.empty() ? type.kind : absl::StrCat(type.kind, ".", type.group);
  return MakeError(422, "Invalid", InvalidMessage(qualified_kind, name, errors),
                   std::move(details));
}

absl::Status BadRequestError(std::string_view message) {
  return MakeError(400, "BadRequest", std::string(message));
}

absl::Status ForbiddenError(const ResourceType& type, std::string_view name,
                            std::string_view message) {
  return MakeError(403, "Forbidden", std::string(message), Details(type, name));
}

absl::Status MethodNotAllowedError(std::string_view message) {
  return MakeError(405, "MethodNotAllowed", std::string(message));
}

absl::Status NotAcceptableError(std::string_view message) {
  return MakeError(406, "NotAcceptable", std::string(message));
}

absl::Status ExpiredError(std::string_view message) {
  return MakeError(410, "Expired", std::string(message));
}

absl::Status UnsupportedMediaTypeError(std::string_view accepted) {
  return MakeError(415, "UnsupportedMediaType",
                   absl::StrCat("the body of the request was in an unknown format - accepted "
                                "media types include: ",
                                Abseil(accepted)));
}

absl::Status UnprocessableError(std::string_view message) {
  return MakeError(422, "Invalid", std::string(message));
}

absl::Status InternalError(std::string_view message) {
  return MakeError(500, "InternalError", absl::StrCat("Internal error occurred: ", Abseil(message)),
                   {{"causes", {{{"message", message}}}}});
}

absl::Status TimeoutError(std::string_view message) {
  return MakeError(504, "Timeout", std::string(message));
}

absl::Status TooManyRequestsError(std::string_view message, int32_t retry_after_seconds,
                                  const std::vector<ErrorCause>& causes) {
  nlohmann::json details = nlohmann::json::object();
  if (!causes.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const ErrorCause& cause : causes) {
      list.push_back({{"reason", cause.reason}, {"message", cause.message}});
    }
    details["causes"] = std::move(list);
  }
  if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
  return MakeError(429, "TooManyRequests", std::string(message), std::move(details));
}

HttpError ToHttpError(const absl::Status& status) {
  if (auto payload = status.GetPayload(kPayloadUrl)) {
    std::string body(*payload);
    int32_t code = 500;
    try {
      code = nlohmann::json::parse(body).value("code", 500);
    } catch (const nlohmann::json::exception&) {
    }
    return {code, std::move(body)};
  }
  auto [code, reason] = FallbackFor(status.code());
  absl::Status made = MakeError(code, reason, std::string(status.message()));
  return {code, std::string(*made.GetPayload(kPayloadUrl))};
}

absl::Status StatusFromHttp(int32_t code, std::string_view body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || parsed.value("kind", "") != "Status") {
    std::string text(body.substr(0, 1024));
    return MakeError(code, "", text.empty() ? absl::StrCat("HTTP ", code) : text);
  }
  std::string message = parsed.value("message", "");
  absl::Status status(CodeFor(code, parsed.value("reason", "")), message);
  status.SetPayload(kPayloadUrl, absl::Cord(std::string(body)));
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  if (auto payload = status.GetPayload(kPayloadUrl)) {
    try {
      return nlohmann::json::parse(std::string(*payload)).value("reason", "");
    } catch (const nlohmann::json::exception&) {
    }
  }
  return "";
}

bool IsNotFound(const absl::Status& status) { return status.code() == absl::StatusCode::kNotFound; }
bool IsAlreadyExists(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAlreadyExists;
}
bool IsConflict(const absl::Status& status) { return status.code() == absl::StatusCode::kAborted; }

}  // namespace k1s::api
