#include "apiserver/media_types.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/errors.h"
#include "api/protobuf_codec.h"
#include "api/yaml_json.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

struct MediaRange {
  std::string type;  // "application/json"
  std::map<std::string, std::string> params;
};

MediaRange ParseMediaRange(absl::string_view text) {
  MediaRange range;
  std::vector<absl::string_view> pieces = absl::StrSplit(text, ';');
  range.type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(pieces[0]));
  for (size_t i = 1; i < pieces.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> param = absl::StrSplit(pieces[i], '=');
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(param.first));
    range.params[name] = std::string(absl::StripAsciiWhitespace(param.second));
  }
  return range;
}

std::string Param(const MediaRange& range, const std::string& name) {
  auto it = range.params.find(name);
  return it == range.params.end() ? "" : it->second;
}

std::optional<Negotiated> Match(const MediaRange& range, bool allow_discovery) {
  std::string as = Param(range, "as");
  bool json =
      range.type == "application/json" || range.type == "*/*" || range.type == "application/*";
  if (!as.empty()) {
    if (range.type != "application/json") return std::nullopt;
    std::string group = Param(range, "g");
    std::string version = Param(range, "v");
    if (as == "Table" && group == "meta.k8s.io" && (version == "v1" || version == "v1beta1")) {
      return Negotiated{Representation::kTable, "application/json;as=Table;v=v1;g=meta.k8s.io"};
    }
    if ((as == "PartialObjectMetadata" || as == "PartialObjectMetadataList") &&
        group == "meta.k8s.io" && (version == "v1" || version == "v1beta1")) {
      return Negotiated{Representation::kPartialObjectMetadata,
                        base::StrCat("application/json;as=", as, ";v=v1;g=meta.k8s.io")};
    }
    if (allow_discovery && as == "APIGroupDiscoveryList" && group == "apidiscovery.k8s.io" &&
        version == "v2") {
      return Negotiated{Representation::kDiscoveryV2,
                        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"};
    }
    return std::nullopt;
  }
  if (json) return Negotiated{Representation::kJson, "application/json"};
  if (range.type == "application/yaml")
    return Negotiated{Representation::kYaml, "application/yaml"};
  return std::nullopt;
}

}  // namespace

std::string BaseMediaType(std::string_view content_type) {
  return ParseMediaRange(absl::string_view(content_type.data(), content_type.size())).type;
}

std::optional<Negotiated> Negotiate(std::string_view accept, bool allow_discovery) {
  absl::string_view header(accept.data(), accept.size());
  if (absl::StripAsciiWhitespace(header).empty()) {
    return Negotiated{Representation::kJson, "application/json"};
  }
  for (absl::string_view entry : absl::StrSplit(header, ',')) {
    if (std::optional<Negotiated> match = Match(ParseMediaRange(entry), allow_discovery)) {
      return match;
    }
  }
  return std::nullopt;
}

absl::StatusOr<nlohmann::json> DecodeBody(std::string_view content_type, std::string_view body) {
  std::string type = BaseMediaType(content_type);
  if (type.empty() || type == "application/json" || type == "*/*") {
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(body.begin(), body.end());
    } catch (const nlohmann::json::parse_error& error) {
      return api::BadRequestError(
          base::StrCat("couldn't get version/kind; json parse error: ", error.what()));
    }
    return object;
  }
  if (type == "application/yaml") {
    absl::StatusOr<nlohmann::json> object = api::YamlToJson(body);
    if (!object.ok()) {
      return api::BadRequestError(
          base::StrCat("couldn't get version/kind; yaml parse error: ", object.status().message()));
    }
    return object;
  }
  if (type == api::kProtobufMediaType) {
    absl::StatusOr<nlohmann::json> object = api::DecodeKubernetesProtobuf(body);
    if (!object.ok()) return api::BadRequestError(std::string(object.status().message()));
    return object;
  }
  return api::UnsupportedMediaTypeError(
      "application/json, application/yaml, application/vnd.kubernetes.protobuf");
}

}  // namespace k1s::apiserver
