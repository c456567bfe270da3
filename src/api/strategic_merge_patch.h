#pragma once
// Strategic merge patch (Content-Type application/strategic-merge-patch+json): what kubectl
// edit, kubectl patch and client-side kubectl apply send for built-in kinds. Stateless,
// thread-safe.
//
// Applies a patch the way kube-apiserver's strategicpatch.StrategicMergePatch does, driven by
// the per-kind table in patch_strategies.h:
// - objects merge recursively like JSON merge patch; null deletes a key;
// - lists tagged patchStrategy "merge" merge items by their patchMergeKey (primitives: set
//   union); other lists, and maps tagged "replace", are replaced wholesale;
// - directives: "$patch": "replace" | "delete" in maps, "replace" | "delete" in merged list
//   items; "$retainKeys"; "$deleteFromPrimitiveList/<field>"; "$setElementOrder/<field>".
// Merged lists are ordered like upstream: patch items in patch (or $setElementOrder) order,
// interleaved with items only the document has, which keep their relative order.
//
// Values taken from the patch as a whole (new fields, replaced lists, appended items) lose
// null members and directive keys, as upstream's decode into typed objects drops them.
#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "absl/status/statusor.h"

namespace k1s::api {

// Applies `patch` to `document`, a full object of `group`/`kind` ("" is the core group).
// Malformed patches (unknown $patch value, list item without its merge key, $setElementOrder
// not matching the patch list, ...) give InvalidArgument with upstream's message, as do kinds
// IsStrategicMergePatchSupported rejects. A null patch changes nothing.
absl::StatusOr<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& document,
                                                        const nlohmann::json& patch,
                                                        std::string_view group,
                                                        std::string_view kind);

// True for built-in kinds. Custom resources have no patch metadata: the apiserver answers them
// 415 Unsupported Media Type for this content type.
bool IsStrategicMergePatchSupported(std::string_view group, std::string_view kind);

}  // namespace k1s::api
