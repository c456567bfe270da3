#pragma once
// Kubernetes API errors carried in an absl::Status, so every layer returns plain absl::Status and
// the HTTP edge answers with the same metav1.Status body kube-apiserver would send.
//
// The status code is an absl code matching the HTTP meaning (NotFound for 404, AlreadyExists and
// Aborted for 409, InvalidArgument for 400/422, ...); the full metav1.Status JSON rides along as a
// payload. Errors made elsewhere (no payload) map by code to a generic Status (500 for unknown).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "api/resource_types.h"
#include "api/validation.h"

namespace k1s::api {

// 404 NotFound: `configmaps "foo" not found` (`leases.coordination.k8s.io "x" not found`).
absl::Status NotFoundError(const ResourceType& type, std::string_view name);
// 409 AlreadyExists: `configmaps "foo" already exists`.
absl::Status AlreadyExistsError(const ResourceType& type, std::string_view name);
// 409 Conflict: `Operation cannot be fulfilled on configmaps "foo": <detail>`.
absl::Status ConflictError(const ResourceType& type, std::string_view name,
                           std::string_view detail);
// 409 Conflict of a server-side apply (upstream's NewApplyConflict): `message` as is, no
// details name/kind, one cause {reason FieldManagerConflict, message, field} per conflict given
// as (message, field), e.g. ("conflict with \"kubectl\" using apps/v1", ".spec.replicas").
absl::Status ApplyConflictError(std::string_view message,
                                const std::vector<std::pair<std::string, std::string>>& conflicts);
// The detail of an update whose resourceVersion is stale.
inline constexpr std::string_view kStaleObjectDetail =
    "the object has been modified; please apply your changes to the latest version and try again";
// 422 Invalid with one cause per field error: `ConfigMap "foo" is invalid: ...`.
absl::Status InvalidError(const ResourceType& type, std::string_view name,
                          const FieldErrors& errors);
// 400 BadRequest.
absl::Status BadRequestError(std::string_view message);
// 403 Forbidden: `namespaces "x" is forbidden: <detail>` style; `message` is used as is.
absl::Status ForbiddenError(const ResourceType& type, std::string_view name,
                            std::string_view message);
// 405 MethodNotAllowed.
absl::Status MethodNotAllowedError(std::string_view message);
// 406 NotAcceptable.
absl::Status NotAcceptableError(std::string_view message);
// 410 Expired (a compacted or too old resourceVersion).
absl::Status ExpiredError(std::string_view message);
// 415 UnsupportedMediaType: `the body of the request was in an unknown format - accepted media
// types include: <accepted>`.
absl::Status UnsupportedMediaTypeError(std::string_view accepted);
// 422 with an arbitrary message (patches that cannot apply).
absl::Status UnprocessableError(std::string_view message);
// 500 InternalError: `Internal error occurred: <message>`.
absl::Status InternalError(std::string_view message);
// 504 Timeout.
absl::Status TimeoutError(std::string_view message);
// 429 with details.retryAfterSeconds and causes (reason, message), as an eviction blocked by a
// PodDisruptionBudget answers.
struct ErrorCause {
  std::string reason;
  std::string message;
};
absl::Status TooManyRequestsError(std::string_view message, int32_t retry_after_seconds,
                                  const std::vector<ErrorCause>& causes);

// A metav1.Status failure and its HTTP code, for any absl::Status that is not OK.
struct HttpError {
  int32_t code = 500;
  std::string body;  // metav1.Status JSON
};
HttpError ToHttpError(const absl::Status& status);
// The reverse, for clients: the absl::Status of an HTTP error answer (`body` a metav1.Status, or
// any text), so IsNotFound/IsConflict/ErrorReason work on what a server sent.
absl::Status StatusFromHttp(int32_t code, std::string_view body);

// The metav1.Status reason ("NotFound", "Conflict", ...) of an error made here; "" otherwise.
std::string ErrorReason(const absl::Status& status);
bool IsNotFound(const absl::Status& status);
bool IsAlreadyExists(const absl::Status& status);
bool IsConflict(const absl::Status& status);

// "configmaps" or "leases.coordination.k8s.io": how upstream names a resource in messages.
std::string QualifiedResource(const ResourceType& type);

}  // namespace k1s::api
