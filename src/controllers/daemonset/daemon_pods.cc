#include "controllers/daemonset/daemon_pods.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/daemonset/node_placement.h"
#include "controllers/history/history.h"
#include "controllers/history/object_fields.h"

namespace k1s::controllers::daemonset {
namespace {

using history::Member;
using history::Path;
using history::StringOf;
using nlohmann::json;

constexpr size_t kMaxGenerateNameLength = 253 - 5;  // leaves room for the random suffix

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

const json& RollingUpdate(const json& daemon_set) {
  return Path(daemon_set, {"spec", "updateStrategy", "rollingUpdate"});
}

bool IsRollingUpdate(const json& daemon_set) {
  return StringOf(Path(daemon_set, {"spec", "updateStrategy", "type"})) == "RollingUpdate";
}

}  // namespace

std::optional<int64_t> TemplateGeneration(const json& daemon_set) {
  const json& value =
      Member(Path(daemon_set, {"metadata", "annotations"}), kTemplateGenerationAnnotation);
  if (!value.is_string()) return std::nullopt;
  return ParseInt(value.get<std::string>());
}

json CreatePodTemplate(const json& pod_template, std::optional<int64_t> generation,
                       std::string_view hash) {
  json result = pod_template.is_object() ? pod_template : json::object();
  AddDaemonPodTolerations(result["spec"]);
  json& metadata = result["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  json& labels = metadata["labels"];
  if (!labels.is_object()) labels = json::object();
  if (generation) labels[std::string(kTemplateGenerationLabel)] = std::to_string(*generation);
  if (!hash.empty()) labels[std::string(history::kRevisionHashLabel)] = hash;
  return result;
}

json NewDaemonPod(const json& daemon_set, const json& pod_template, std::string_view node_name) {
  std::string prefix = base::StrCat(history::NameOf(daemon_set), "-");
  if (prefix.size() > kMaxGenerateNameLength) prefix = history::NameOf(daemon_set);
  json metadata = {
      {"generateName", prefix},
      {"namespace", history::NamespaceOf(daemon_set)},
      {"ownerReferences", json::array({MakeControllerRef(daemon_set, "apps/v1", "DaemonSet")})}};
  for (std::string_view field : {"labels", "annotations", "finalizers"}) {
    const json& value = Path(pod_template, {"metadata", field});
    if (!value.is_null()) metadata[std::string(field)] = value;
  }
  json spec = Member(pod_template, "spec");
  SetNodeNameAffinity(spec, node_name);
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", std::move(metadata)},
          {"spec", std::move(spec)}};
}

bool IsPodUpdated(const json& pod, std::string_view hash, std::optional<int64_t> generation) {
  bool generation_matches =
      generation && history::LabelOf(pod, kTemplateGenerationLabel) == std::to_string(*generation);
  bool hash_matches = !hash.empty() && history::LabelOf(pod, history::kRevisionHashLabel) == hash;
  return hash_matches || generation_matches;
}

absl::StatusOr<int32_t> ScaledValue(const json& int_or_percent, int32_t total, bool round_up) {
  if (int_or_percent.is_number_integer()) return int_or_percent.get<int32_t>();
  if (!int_or_percent.is_string()) {
    return absl::InvalidArgumentError("nil value for IntOrString");
  }
  std::string text = int_or_percent.get<std::string>();
  std::optional<int64_t> percent;
  if (!text.empty() && text.back() == '%') {
    percent = ParseInt(std::string_view(text).substr(0, text.size() - 1));
  }
  if (!percent) {
    return absl::InvalidArgumentError(
        base::StrCat("invalid value for IntOrString: invalid type: string is not a percentage"));
  }
  int64_t scaled = *percent * total;
  int64_t value = round_up ? (scaled + 99) / 100 : scaled / 100;
  if (scaled < 0) value = scaled / 100;
  return static_cast<int32_t>(value);
}

absl::StatusOr<int32_t> SurgeCount(const json& daemon_set, int32_t desired) {
  if (!IsRollingUpdate(daemon_set)) return 0;
  const json& max_surge = Member(RollingUpdate(daemon_set), "maxSurge");
  if (max_surge.is_null()) return 0;
  return ScaledValue(max_surge, desired, true);
}

absl::StatusOr<int32_t> UnavailableCount(const json& daemon_set, int32_t desired) {
  if (!IsRollingUpdate(daemon_set)) return 0;
  const json& rolling = RollingUpdate(daemon_set);
  if (!rolling.is_object()) return 0;
  return ScaledValue(Member(rolling, "maxUnavailable"), desired, true);
}

bool AllowsSurge(const json& daemon_set) {
  absl::StatusOr<int32_t> surge = SurgeCount(daemon_set, 1);
  return surge.ok() && *surge > 0;
}

bool ComesFirst(const json& a, const json& b) {
  bool a_scheduled = !StringOf(Path(a, {"spec", "nodeName"})).empty();
  bool b_scheduled = !StringOf(Path(b, {"spec", "nodeName"})).empty();
  if (a_scheduled != b_scheduled) return a_scheduled;
  int64_t a_created = CreationSeconds(a);
  int64_t b_created = CreationSeconds(b);
  if (a_created != b_created) return a_created < b_created;
  return history::NameOf(a) < history::NameOf(b);
}

int32_t MinReadySeconds(const json& daemon_set) {
  return static_cast<int32_t>(history::Int64Of(Path(daemon_set, {"spec", "minReadySeconds"})));
}

bool IsOnDelete(const json& daemon_set) {
  return StringOf(Path(daemon_set, {"spec", "updateStrategy", "type"})) == "OnDelete";
}

}  // namespace k1s::controllers::daemonset
