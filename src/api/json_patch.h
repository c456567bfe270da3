#pragma once
// JSON Patch (RFC 6902): what kube-apiserver applies for Content-Type application/json-patch+json.
// Semantics and error texts follow github.com/evanphx/json-patch (v4, as vendored by Kubernetes):
// "-" appends, negative array indices count from the end, add into an object replaces, a "test" of
// a missing object member against null succeeds. Deliberate differences from v4, matching v5 and
// RFC 6902: "replace" and "copy" of a missing member fail instead of creating/copying null, and
// add/replace of the root path "" replace the whole document. A missing "value" member counts as
// null (as v4 does). Stateless and thread-safe.
#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"

namespace k1s::api {

// Applies every operation of `patch` in order to a copy of `document`; `document` is never
// modified. Errors:
//  - InvalidArgument: the patch itself is malformed (not an array, operation not an object, "op"
//    missing or unknown, "path"/"from" missing or not a JSON pointer) -> HTTP 400.
//  - FailedPrecondition: the patch does not apply (missing path, failed test, bad index) -> 422.
absl::StatusOr<nlohmann::json> ApplyJsonPatch(const nlohmann::json& document,
                                              const nlohmann::json& patch);

}  // namespace k1s::api
