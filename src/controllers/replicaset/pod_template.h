#pragma once
// The pod a workload controller creates from its pod template, as upstream's
// GetPodFromTemplate: the template's labels, annotations, finalizers and spec, generateName
// "<owner>-" (just "<owner>" when the dash would make the name too long) and the controller
// ownerReference. Stateless; thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace k1s::controllers::workload {

// "<name>-" unless that exceeds a DNS subdomain's 253 characters.
std::string PodNamePrefix(std::string_view owner_name);

// A pod for `pod_template` owned by `controller_ref` (from MakeControllerRef), named after
// `owner_name`, in `namespace_name`.
nlohmann::json PodFromTemplate(const nlohmann::json& pod_template, std::string_view owner_name,
                               std::string_view namespace_name,
                               const nlohmann::json& controller_ref);

}  // namespace k1s::controllers::workload
