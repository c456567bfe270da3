#include "controllers/replicaset/pod_template.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers::workload {

using nlohmann::json;

std::string PodNamePrefix(std::string_view owner_name) {
  constexpr size_t kMaxSubdomainLength = 253;
  if (owner_name.size() + 1 > kMaxSubdomainLength) return std::string(owner_name);
  return base::StrCat(owner_name, "-");
}

json PodFromTemplate(const json& pod_template, std::string_view owner_name,
                     std::string_view namespace_name, const json& controller_ref) {
  json metadata = {{"generateName", PodNamePrefix(owner_name)},
                   {"namespace", std::string(namespace_name)},
                   {"ownerReferences", json::array({controller_ref})}};
  const json& template_metadata = Member(pod_template, "metadata");
  for (const char* field : {"labels", "annotations"}) {
    const json& value = Member(template_metadata, field);
    if (value.is_object() && !value.empty()) metadata[field] = value;
  }
  const json& finalizers = Member(template_metadata, "finalizers");
  if (finalizers.is_array() && !finalizers.empty()) metadata["finalizers"] = finalizers;
  const json& spec = Member(pod_template, "spec");
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", std::move(metadata)},
              {"spec", spec.is_object() ? spec : json::object()}};
}

}  // namespace k1s::controllers::workload
