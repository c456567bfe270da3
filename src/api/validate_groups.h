#pragma once
// Per-group entry points behind ValidateKind/ValidateKindUpdate (validate_kinds.cc dispatches on
// group and kind). Internal to src/api; pure functions, thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "api/validation.h"

namespace k1s::api {

namespace core_kinds {
FieldErrors ValidatePod(const nlohmann::json& pod);  // shared by create and update
FieldErrors ValidatePodCreate(const nlohmann::json& pod);
FieldErrors ValidatePodUpdate(const nlohmann::json& pod, const nlohmann::json& old);
FieldErrors ValidatePodTemplate(const nlohmann::json& object);
FieldErrors ValidateReplicationController(const nlohmann::json& object);
}  // namespace core_kinds

namespace apps_kinds {
FieldErrors ValidateDeployment(const nlohmann::json& object);
FieldErrors ValidateReplicaSet(const nlohmann::json& object);
FieldErrors ValidateDaemonSet(const nlohmann::json& object);
FieldErrors ValidateDaemonSetUpdate(const nlohmann::json& object, const nlohmann::json& old);
FieldErrors ValidateStatefulSet(const nlohmann::json& object);
FieldErrors ValidateStatefulSetUpdate(const nlohmann::json& object, const nlohmann::json& old);
FieldErrors ValidateControllerRevision(const nlohmann::json& object);
FieldErrors ValidateControllerRevisionUpdate(const nlohmann::json& object,
                                             const nlohmann::json& old);
// The selector of apps/v1 workloads may not change.
FieldErrors ValidateSelectorImmutable(const nlohmann::json& object, const nlohmann::json& old);
}  // namespace apps_kinds

namespace batch_kinds {
FieldErrors ValidateJob(const nlohmann::json& object);
FieldErrors ValidateJobUpdate(const nlohmann::json& object, const nlohmann::json& old);
FieldErrors ValidateCronJob(const nlohmann::json& object);
FieldErrors ValidateCronJobUpdate(const nlohmann::json& object, const nlohmann::json& old);
}  // namespace batch_kinds

// Everything else: core kinds beyond workloads and the other API groups (validate_other.cc).
namespace other_kinds {
FieldErrors ValidateCore(std::string_view kind, const nlohmann::json& object);
FieldErrors ValidateCoreUpdate(std::string_view kind, const nlohmann::json& object,
                               const nlohmann::json& old);
FieldErrors ValidateOther(std::string_view group, std::string_view kind,
                          const nlohmann::json& object);
FieldErrors ValidateOtherUpdate(std::string_view group, std::string_view kind,
                                const nlohmann::json& object, const nlohmann::json& old);
}  // namespace other_kinds

}  // namespace k1s::api
