#pragma once
// What a DaemonSet's pods look like and how they are counted, as upstream's daemon util:
// the pod template with the DaemonSet tolerations and revision labels, whether a pod is of the
// current revision, maxSurge/maxUnavailable scaled to the desired pod count, and the order that
// picks the pod to keep on a node. Stateless; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace k1s::controllers::daemonset {

// The annotation older apiservers put on DaemonSets and the pod label mirroring it.
inline constexpr std::string_view kTemplateGenerationAnnotation =
    "deprecated.daemonset.template.generation";
inline constexpr std::string_view kTemplateGenerationLabel = "pod-template-generation";

// The DaemonSet's template generation annotation, when present and numeric.
std::optional<int64_t> TemplateGeneration(const nlohmann::json& daemon_set);

// CreatePodTemplate: the template with the DaemonSet tolerations, pod-template-generation
// (when known) and controller-revision-hash (when `hash` is not empty) labels.
nlohmann::json CreatePodTemplate(const nlohmann::json& pod_template,
                                 std::optional<int64_t> generation, std::string_view hash);

// The pod to create on `node_name` from a CreatePodTemplate result: generateName "<ds>-", the
// controller reference, and required node affinity pinning it to the node.
nlohmann::json NewDaemonPod(const nlohmann::json& daemon_set, const nlohmann::json& pod_template,
                            std::string_view node_name);

// The pod carries the current revision's hash (or the template generation).
bool IsPodUpdated(const nlohmann::json& pod, std::string_view hash,
                  std::optional<int64_t> generation);

// intstr.GetScaledValueFromIntOrPercent: an integer as is, "N%" of `total` rounded up or down.
absl::StatusOr<int32_t> ScaledValue(const nlohmann::json& int_or_percent, int32_t total,
                                    bool round_up);
// maxSurge / maxUnavailable of a RollingUpdate DaemonSet scaled to `desired` (0 otherwise).
absl::StatusOr<int32_t> SurgeCount(const nlohmann::json& daemon_set, int32_t desired);
absl::StatusOr<int32_t> UnavailableCount(const nlohmann::json& daemon_set, int32_t desired);
bool AllowsSurge(const nlohmann::json& daemon_set);

// podByCreationTimestampAndPhase: scheduled pods first, then older first, then by name.
bool ComesFirst(const nlohmann::json& a, const nlohmann::json& b);

int32_t MinReadySeconds(const nlohmann::json& daemon_set);
bool IsOnDelete(const nlohmann::json& daemon_set);

}  // namespace k1s::controllers::daemonset
