#include "api/defaults.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>

#include "api/defaults_internal.h"

namespace k1s::api {
namespace defaults_internal {

json* GetObject(json& parent, std::string_view key) {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_object()) return nullptr;
  return &*it;
}

json* GetArray(json& parent, std::string_view key) {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_array()) return nullptr;
  return &*it;
}

json* EnsureObject(json& parent, std::string_view key) {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) {
    json& created = parent[std::string(key)];
    created = json::object();
    return &created;
  }
  return it->is_object() ? &*it : nullptr;
}

bool IsUnset(const json& parent, std::string_view key) {
  if (!parent.is_object()) return false;
  auto it = parent.find(key);
  return it == parent.end() || it->is_null();
}

const std::string* GetString(const json& parent, std::string_view key) {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

bool IsNonEmptyObject(const json& parent, std::string_view key) {
  if (!parent.is_object()) return false;
  auto it = parent.find(key);
  return it != parent.end() && it->is_object() && !it->empty();
}

bool IsEmptyMap(const json& parent, std::string_view key) {
  if (!parent.is_object()) return false;
  auto it = parent.find(key);
  return it == parent.end() || it->is_null() || (it->is_object() && it->empty());
}

bool IsEmptyList(const json& parent, std::string_view key) {
  if (!parent.is_object()) return false;
  auto it = parent.find(key);
  return it == parent.end() || it->is_null() || (it->is_array() && it->empty());
}

void DefaultString(json& parent, std::string_view key, std::string_view value) {
  if (!parent.is_object()) return;
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null() ||
      (it->is_string() && it->get_ref<const std::string&>().empty())) {
    parent[std::string(key)] = std::string(value);
  }
}

void ForEachObject(json& parent, std::string_view key, const std::function<void(json&)>& fn) {
  json* items = GetArray(parent, key);
  if (items == nullptr) return;
  for (json& item : *items) {
    if (item.is_object()) fn(item);
  }
}

void DefaultPointer(json& parent, std::string_view key, const json& value) {
  if (IsUnset(parent, key)) parent[std::string(key)] = value;
}

void DefaultNonZero(json& parent, std::string_view key, int64_t value) {
  if (!parent.is_object()) return;
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null() || (it->is_number() && it->get<double>() == 0)) {
    parent[std::string(key)] = value;
  }
}

}  // namespace defaults_internal

namespace {

using defaults_internal::json;

// References longer than this cannot be valid (a name is at most 255 bytes, a tag 128, a digest
// about 140); rejecting them early also bounds std::regex's recursion.
constexpr size_t kMaxReferenceLength = 600;
constexpr size_t kNameTotalLengthMax = 255;

bool HasUpper(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; });
}

// The grammar of github.com/distribution/reference (regexp.go): name, optional tag, optional
// digest. Groups: 1 name, 2 tag, 3 digest.
const std::regex& ReferenceRegex() {
  static const std::regex* const kRegex = [] {
    const std::string alphanumeric = "[a-z0-9]+";
    const std::string separator = "(?:[._]|__|[-]+)";
    const std::string path_component = alphanumeric + "(?:" + separator + alphanumeric + ")*";
    const std::string domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    const std::string domain_name = domain_component + "(?:\\." + domain_component + ")*";
    const std::string ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
    const std::string host = "(?:" + domain_name + "|" + ipv6 + ")";
    const std::string domain_and_port = host + "(?::[0-9]+)?";
    const std::string name =
        "(?:" + domain_and_port + "/)?" + path_component + "(?:/" + path_component + ")*";
    const std::string tag = "[\\w][\\w.-]{0,127}";
    const std::string digest =
        "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
    return new std::regex("^(" + name + ")(?::(" + tag + "))?(?:@(" + digest + "))?$");
  }();
  return *kRegex;
}

// opencontainers/go-digest Validate: a registered algorithm and a lowercase hex encoding of
// exactly its length.
bool ValidDigest(std::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view algorithm = digest.substr(0, colon);
  std::string_view encoded = digest.substr(colon + 1);
  size_t length = 0;
  if (algorithm == "sha256") {
    length = 64;
  } else if (algorithm == "sha384") {
    length = 96;
  } else if (algorithm == "sha512") {
    length = 128;
  } else {
    return false;
  }
  return encoded.size() == length && std::all_of(encoded.begin(), encoded.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsHexIdentifier(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::string ImageTag(std::string_view image) {
  // k8s.io/kubernetes/pkg/util/parsers.ParseImageName over reference.ParseNormalizedNamed.
  if (image.empty() || image.size() > kMaxReferenceLength || IsHexIdentifier(image)) return "";
  std::string domain = "docker.io";
  std::string remainder(image);
  size_t slash = image.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = image.substr(0, slash);
    bool looks_like_domain = first.find_first_of(".:") != std::string_view::npos ||
                             first == "localhost" || HasUpper(first);
    if (looks_like_domain) {
      domain = std::string(first);
      remainder = std::string(image.substr(slash + 1));
    }
  }
  if (domain == "index.docker.io") domain = "docker.io";
  if (domain == "docker.io" && remainder.find('/') == std::string::npos) {
    remainder = "library/" + remainder;
  }
  std::string_view remote_name = remainder;
  if (size_t colon = remote_name.find(':'); colon != std::string_view::npos) {
    remote_name = remote_name.substr(0, colon);
  }
  if (HasUpper(remote_name)) return "";

  const std::string reference = domain + "/" + remainder;
  std::smatch match;
  if (!std::regex_match(reference, match, ReferenceRegex())) return "";
  if (match[1].length() > static_cast<std::ptrdiff_t>(kNameTotalLengthMax)) return "";
  if (match[3].matched && !ValidDigest(match[3].str())) return "";
  std::string tag = match[2].matched ? match[2].str() : "";
  if (tag.empty() && !match[3].matched) tag = "latest";
  return tag;
}

std::string DefaultImagePullPolicy(std::string_view image) {
  return ImageTag(image) == "latest" ? "Always" : "IfNotPresent";
}

void ApplyPodTemplateSpecDefaults(json& pod_template_spec) {
  if (json* spec = defaults_internal::EnsureObject(pod_template_spec, "spec")) {
    defaults_internal::DefaultPodSpec(*spec);
  }
}

bool HasDefaults(std::string_view group, std::string_view version, std::string_view kind) {
  if (group.empty()) return defaults_internal::ApplyCoreDefaults(version, kind, nullptr);
  return defaults_internal::ApplyWorkloadDefaults(group, version, kind, nullptr) ||
         defaults_internal::ApplyOtherDefaults(group, version, kind, nullptr);
}

void ApplyDefaults(std::string_view group, std::string_view version, std::string_view kind,
                   json& object) {
  if (!object.is_object()) return;
  if (group.empty()) {
    defaults_internal::ApplyCoreDefaults(version, kind, &object);
    return;
  }
  if (!defaults_internal::ApplyWorkloadDefaults(group, version, kind, &object)) {
    defaults_internal::ApplyOtherDefaults(group, version, kind, &object);
  }
}

}  // namespace k1s::api
