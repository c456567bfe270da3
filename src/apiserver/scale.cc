#include "apiserver/scale.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/label_selector.h"
#include "api/validation.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

// status.selector: the label query that finds the pods, in its text form. Replication
// controllers keep a plain label map; the apps kinds a metav1.LabelSelector.
absl::StatusOr<std::string> SelectorText(const api::ResourceType& type, const json& spec) {
  auto it = spec.find("selector");
  if (it == spec.end() || it->is_null()) return std::string();
  json selector = *it;
  if (type.group.empty()) selector = json{{"matchLabels", *it}};
  absl::StatusOr<api::LabelSelector> parsed = api::LabelSelector::FromJson(selector);
  if (!parsed.ok()) return api::InternalError(std::string(parsed.status().message()));
  return parsed->String();
}

}  // namespace

absl::StatusOr<json> ScaleOf(const api::ResourceType& type, const json& object) {
  const json& metadata = object.at("metadata");
  static const json kEmpty = json::object();
  const json& spec =
      object.contains("spec") && object["spec"].is_object() ? object["spec"] : kEmpty;
  const json& status =
      object.contains("status") && object["status"].is_object() ? object["status"] : kEmpty;
  absl::StatusOr<std::string> selector = SelectorText(type, spec);
  if (!selector.ok()) return selector.status();
  json scale_metadata = json::object();
  for (const char* field : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (metadata.contains(field)) scale_metadata[field] = metadata[field];
  }
  json scale_status = {{"replicas", status.value("replicas", int64_t{0})}};
  if (!selector->empty()) scale_status["selector"] = *selector;
  return json{{"kind", "Scale"},
              {"apiVersion", "autoscaling/v1"},
              {"metadata", std::move(scale_metadata)},
              {"spec", {{"replicas", spec.value("replicas", int64_t{0})}}},
              {"status", std::move(scale_status)}};
}

absl::Status ApplyScale(const api::ResourceType& type, const json& scale, json& object) {
  if (!scale.is_object()) return api::BadRequestError("the body of the request is not a Scale");
  const std::string name = object["metadata"].value("name", "");
  const json* spec = scale.contains("spec") ? &scale["spec"] : nullptr;
  const json* replicas = spec != nullptr && spec->is_object() && spec->contains("replicas")
                             ? &(*spec)["replicas"]
                             : nullptr;
  // Scale.spec.replicas is a plain int32 upstream: absent means 0.
  int64_t count = 0;
  if (replicas != nullptr && !replicas->is_null()) {
    if (!replicas->is_number_integer()) {
      return api::BadRequestError("spec.replicas in body must be of type integer");
    }
    count = replicas->get<int64_t>();
  }
  if (count < 0) {
    api::ResourceType scale_type = type;
    scale_type.group = "autoscaling";
    scale_type.kind = "Scale";
    return api::InvalidError(
        scale_type, name,
        {api::Invalid("spec.replicas", count, "must be greater than or equal to 0")});
  }
  if (count > INT32_MAX) {
    return api::BadRequestError("spec.replicas in body is out of the int32 range");
  }
  std::string version;
  if (scale.contains("metadata") && scale["metadata"].is_object()) {
    version = scale["metadata"].value("resourceVersion", "");
  }
  if (!version.empty() && version != object["metadata"].value("resourceVersion", "")) {
    return api::ConflictError(type, name, api::kStaleObjectDetail);
  }
  object["spec"]["replicas"] = count;
  return absl::OkStatus();
}

}  // namespace k1s::apiserver
