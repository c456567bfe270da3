#include "audit/policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "absl/strings/str_join.h"
#include "base/strings.h"

namespace k1s::audit {

using base::StrCat;
using json = nlohmann::json;

namespace {

constexpr Level kLevels[] = {Level::kNone, Level::kMetadata, Level::kRequest,
                             Level::kRequestResponse};
constexpr Stage kStages[] = {Stage::kRequestReceived, Stage::kResponseStarted,
                             Stage::kResponseComplete, Stage::kPanic};

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Go's %#v of a []string, as field errors print list values.
std::string GoStringSlice(const std::vector<std::string>& values) {
  std::string out = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// YAML 1.1 booleans as sigs.k8s.io/yaml (go-yaml v2) resolves them.
std::optional<bool> YamlBool(const std::string& text) {
  static const char* kTrue[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                "True", "TRUE", "on",  "On",  "ON"};
  static const char* kFalse[] = {"n",     "N",     "no",  "No",  "NO", "false",
                                 "False", "FALSE", "off", "Off", "OFF"};
  for (const char* t : kTrue) {
    if (text == t) return true;
  }
  for (const char* f : kFalse) {
    if (text == f) return false;
  }
  return std::nullopt;
}

json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node) out[entry.first.Scalar()] = YamlToJson(entry.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() != "!") {  // plain (unquoted) scalar
        if (text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
        if (std::optional<bool> b = YamlBool(text)) return *b;
      }
      return text;
    }
    default:
      return nullptr;
  }
}

absl::StatusOr<json> ParseDocument(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return absl::InvalidArgumentError("failed decoding: the audit policy is empty");
  }
  if (text[first] == '{') {
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      return absl::InvalidArgumentError("failed decoding: the audit policy is not valid JSON");
    }
    return doc;
  }
  try {
    return YamlToJson(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat("failed decoding: invalid YAML: ", e.what()));
  }
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kNone:
      return "None";
    case Level::kMetadata:
      return "Metadata";
    case Level::kRequest:
      return "Request";
    case Level::kRequestResponse:
      return "RequestResponse";
  }
  return "None";
}

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kRequestReceived:
      return "RequestReceived";
    case Stage::kResponseStarted:
      return "ResponseStarted";
    case Stage::kResponseComplete:
      return "ResponseComplete";
    case Stage::kPanic:
      return "Panic";
  }
  return "RequestReceived";
}

// Reads a decoded document into a Policy. Shape errors (a string where a list belongs) stop the
// decoding, as a Go unmarshal error would; validation errors are collected and reported together
// as upstream's field.ErrorList aggregate.
class PolicyParser {
 public:
  absl::StatusOr<Policy> Run(const json& doc) {
    if (!doc.is_object()) return Decoding("the audit policy must be an object");
    std::string api_version = doc.value("apiVersion", json()).is_string()
                                  ? doc["apiVersion"].get<std::string>()
                                  : std::string();
    std::string kind =
        doc.value("kind", json()).is_string() ? doc["kind"].get<std::string>() : std::string();
    if (kind.empty()) return Decoding("Object 'Kind' is missing in the audit policy");
    if (api_version != "audit.k8s.io/v1" || kind != "Policy") {
      return Decoding(StrCat("no kind \"", kind, "\" is registered for version \"", api_version,
                             "\" (an audit policy is kind Policy, apiVersion audit.k8s.io/v1)"));
    }
    Policy policy;
    if (!ReadStages(doc, "omitStages", "omitStages", policy.omit_stages_) ||
        !ReadBool(doc, "omitManagedFields", "omitManagedFields", policy.omit_managed_fields_)) {
      return Decoding(shape_error_);
    }
    const json* rules = Member(doc, "rules");
    if (rules != nullptr && !rules->is_array()) return Decoding("rules: expected a list");
    if (rules != nullptr) {
      for (size_t i = 0; i < rules->size(); ++i) {
        std::optional<Policy::Rule> rule = ReadRule((*rules)[i], StrCat("rules[", i, "]"));
        if (!rule) return Decoding(shape_error_);
        policy.rules_.push_back(std::move(*rule));
      }
    }
    if (!errors_.empty()) {
      return absl::InvalidArgumentError(
          errors_.size() == 1 ? errors_[0] : StrCat("[", absl::StrJoin(errors_, ", "), "]"));
    }
    if (policy.rules_.empty()) {
      return absl::InvalidArgumentError("loaded illegal policy with 0 rules");
    }
    // As upstream's NewPolicyRuleEvaluator: each rule omits the union of both lists.
    for (Policy::Rule& rule : policy.rules_) {
      rule.omit_stages.insert(rule.omit_stages.end(), policy.omit_stages_.begin(),
                              policy.omit_stages_.end());
      SortUnique(rule.omit_stages);
    }
    SortUnique(policy.omit_stages_);
    return policy;
  }

 private:
  static absl::Status Decoding(std::string_view message) {
    return absl::InvalidArgumentError(StrCat("failed decoding: ", message));
  }

  static void SortUnique(std::vector<Stage>& stages) {
    std::sort(stages.begin(), stages.end());
    stages.erase(std::unique(stages.begin(), stages.end()), stages.end());
  }

  static const json* Member(const json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  bool Shape(const std::string& path, std::string_view expected) {
    shape_error_ = StrCat(path, ": expected ", expected);
    return false;
  }

  bool ReadString(const json& object, const char* key, const std::string& path, std::string& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return true;
    if (!value->is_string()) return Shape(path, "a string");
    out = value->get<std::string>();
    return true;
  }

  bool ReadBool(const json& object, const char* key, const std::string& path, bool& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return true;
    if (!value->is_boolean()) return Shape(path, "true or false");
    out = value->get<bool>();
    return true;
  }

  bool ReadList(const json& object, const char* key, const std::string& path,
                std::vector<std::string>& out) {
    const json* value = Member(object, key);
    if (value == nullptr) return true;
    if (!value->is_array()) return Shape(path, "a list of strings");
    for (const json& item : *value) {
      if (!item.is_string()) return Shape(path, "a list of strings");
      out.push_back(item.get<std::string>());
    }
    return true;
  }

  bool ReadStages(const json& object, const char* key, const std::string& path,
                  std::vector<Stage>& out) {
    std::vector<std::string> names;
    if (!ReadList(object, key, path, names)) return false;
    for (size_t i = 0; i < names.size(); ++i) {
      auto it = std::find_if(std::begin(kStages), std::end(kStages),
                             [&](Stage s) { return StageName(s) == names[i]; });
      if (it == std::end(kStages)) {
        errors_.push_back(StrCat(path, "[", i, "]: Invalid value: \"", names[i],
                                 "\": allowed stages are "
                                 "RequestReceived,ResponseStarted,ResponseComplete,Panic"));
      } else {
        out.push_back(*it);
      }
    }
    return true;
  }

  std::optional<Policy::Rule> ReadRule(const json& value, const std::string& path) {
    if (!value.is_object()) {
      Shape(path, "an object");
      return std::nullopt;
    }
    Policy::Rule rule;
    std::string level;
    std::optional<bool> omit_managed;
    bool ok =
        ReadString(value, "level", path + ".level", level) &&
        ReadList(value, "users", path + ".users", rule.users) &&
        ReadList(value, "userGroups", path + ".userGroups", rule.user_groups) &&
        ReadList(value, "verbs", path + ".verbs", rule.verbs) &&
        ReadList(value, "namespaces", path + ".namespaces", rule.namespaces) &&
        ReadList(value, "nonResourceURLs", path + ".nonResourceURLs", rule.non_resource_urls) &&
        ReadResources(value, path + ".resources", rule.resources) &&
        ReadStages(value, "omitStages", path + ".omitStages", rule.omit_stages);
    if (ok && Member(value, "omitManagedFields") != nullptr) {
      bool b = false;
      ok = ReadBool(value, "omitManagedFields", path + ".omitManagedFields", b);
      omit_managed = b;
    }
    if (!ok) return std::nullopt;
    rule.omit_managed_fields = omit_managed;
    ValidateLevel(level, path + ".level", rule.level);
    ValidateNonResourceUrls(rule.non_resource_urls, path + ".nonResourceURLs");
    if (!rule.non_resource_urls.empty() && (!rule.resources.empty() || !rule.namespaces.empty())) {
      errors_.push_back(
          StrCat(path, ".nonResourceURLs: Invalid value: ", GoStringSlice(rule.non_resource_urls),
                 ": rules cannot apply to both regular resources and non-resource "
                 "URLs"));
    }
    return rule;
  }

  bool ReadResources(const json& rule, const std::string& path,
                     std::vector<Policy::GroupResources>& out) {
    const json* value = Member(rule, "resources");
    if (value == nullptr) return true;
    if (!value->is_array()) return Shape(path, "a list of objects");
    for (size_t i = 0; i < value->size(); ++i) {
      const json& item = (*value)[i];
      std::string item_path = StrCat(path, "[", i, "]");
      if (!item.is_object()) return Shape(item_path, "an object");
      Policy::GroupResources gr;
      if (!ReadString(item, "group", item_path + ".group", gr.group) ||
          !ReadList(item, "resources", item_path + ".resources", gr.resources) ||
          !ReadList(item, "resourceNames", item_path + ".resourceNames", gr.resource_names)) {
        return false;
      }
      // Upstream names these fields without the list index.
      if (!gr.group.empty()) ValidateGroup(gr.group, path + ".group");
      if (!gr.resource_names.empty() && gr.resources.empty()) {
        errors_.push_back(
            StrCat(path, ".resourceNames: Invalid value: ", GoStringSlice(gr.resource_names),
                   ": using resourceNames requires at least one resource"));
      }
      out.push_back(std::move(gr));
    }
    return true;
  }

  void ValidateLevel(const std::string& name, const std::string& path, Level& out) {
    if (name.empty()) {
      errors_.push_back(path + ": Required value");
      return;
    }
    for (Level level : kLevels) {
      if (LevelName(level) == name) {
        out = level;
        return;
      }
    }
    errors_.push_back(StrCat(path, ": Unsupported value: \"", name,
                             "\": supported values: \"None\", \"Metadata\", \"Request\", "
                             "\"RequestResponse\""));
  }

  void ValidateNonResourceUrls(const std::vector<std::string>& urls, const std::string& path) {
    for (size_t i = 0; i < urls.size(); ++i) {
      const std::string& url = urls[i];
      if (url == "*") continue;
      std::string item = StrCat(path, "[", i, "]: Invalid value: \"", url, "\": ");
      if (url.empty() || url[0] != '/') {
        errors_.push_back(item + "non-resource URL rules must begin with a '/' character");
      }
      if (!url.empty() && url.substr(0, url.size() - 1).find('*') != std::string::npos) {
        errors_.push_back(item +
                          "non-resource URL wildcards '*' must be the final character of the rule");
      }
    }
  }

  // NameIsDNSSubdomain, as API group names must be.
  void ValidateGroup(const std::string& group, const std::string& path) {
    std::vector<std::string> msgs;
    if (group.size() > 253) msgs.push_back("must be no more than 253 characters");
    bool valid = true;
    size_t start = 0;
    while (valid) {
      size_t end = group.find('.', start);
      std::string_view label =
          std::string_view(group).substr(start, end == std::string::npos ? end : end - start);
      auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
      valid = !label.empty() && alnum(label.front()) && alnum(label.back()) &&
              std::all_of(label.begin(), label.end(), [&](char c) { return alnum(c) || c == '-'; });
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (!valid) {
      msgs.push_back(
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
          "'-' or '.', and must start and end with an alphanumeric character (e.g. "
          "'example.com', regex used for validation is "
          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    }
    if (!msgs.empty()) {
      errors_.push_back(
          StrCat(path, ": Invalid value: \"", group, "\": ", absl::StrJoin(msgs, ",")));
    }
  }

  std::vector<std::string> errors_;
  std::string shape_error_;
};

absl::StatusOr<Policy> Policy::Parse(std::string_view yaml_or_json) {
  absl::StatusOr<json> doc = ParseDocument(yaml_or_json);
  if (!doc.ok()) return doc.status();
  return PolicyParser().Run(*doc);
}

Policy Policy::Default() {
  Policy policy;
  policy.omit_stages_ = {Stage::kRequestReceived};
  Rule rule;
  rule.level = Level::kMetadata;
  rule.omit_stages = policy.omit_stages_;
  policy.rules_.push_back(std::move(rule));
  return policy;
}

Policy::Decision Policy::Evaluate(const auth::Attributes& attributes) const {
  for (const Rule& rule : rules_) {
    if (RuleMatches(rule, attributes)) {
      return {rule.level, rule.omit_stages,
              rule.omit_managed_fields.value_or(omit_managed_fields_)};
    }
  }
  return {Level::kNone, omit_stages_, omit_managed_fields_};
}

bool Policy::RuleMatches(const Rule& rule, const auth::Attributes& attributes) {
  if (!rule.users.empty() && !Contains(rule.users, attributes.user.name)) return false;
  if (!rule.user_groups.empty() &&
      std::none_of(attributes.user.groups.begin(), attributes.user.groups.end(),
                   [&](const std::string& g) { return Contains(rule.user_groups, g); })) {
    return false;
  }
  if (!rule.verbs.empty() && !Contains(rule.verbs, attributes.verb)) return false;
  if (!rule.namespaces.empty() || !rule.resources.empty()) {
    return ResourceMatches(rule, attributes);
  }
  if (!rule.non_resource_urls.empty()) {
    if (attributes.resource_request) return false;
    const std::string& path = attributes.path;
    return std::any_of(rule.non_resource_urls.begin(), rule.non_resource_urls.end(),
                       [&](const std::string& u) {
                         if (u == "*" || u == path) return true;
                         // A trailing '*' matches any path with the prefix before it.
                         return !u.empty() && u.back() == '*' &&
                                path.rfind(u.substr(0, u.find_last_not_of('*') + 1), 0) == 0;
                       });
  }
  return true;
}

bool Policy::ResourceMatches(const Rule& rule, const auth::Attributes& attributes) {
  if (!attributes.resource_request) return false;
  // Cluster-scoped resources match the namespace "".
  if (!rule.namespaces.empty() && !Contains(rule.namespaces, attributes.namespace_name)) {
    return false;
  }
  if (rule.resources.empty()) return true;
  const std::string& resource = attributes.resource;
  const std::string& subresource = attributes.subresource;
  std::string combined = subresource.empty() ? resource : StrCat(resource, "/", subresource);
  for (const GroupResources& gr : rule.resources) {
    if (gr.group != attributes.api_group) continue;
    if (gr.resources.empty()) return true;
    if (!gr.resource_names.empty() && !Contains(gr.resource_names, attributes.name)) continue;
    for (const std::string& res : gr.resources) {
      if (res == combined || res == "*") return true;
      if (!subresource.empty() && res.size() > 2 && res.compare(0, 2, "*/") == 0 &&
          res.substr(2) == subresource) {
        return true;
      }
      if (res.size() > 2 && res.compare(res.size() - 2, 2, "/*") == 0 &&
          res.substr(0, res.size() - 2) == resource) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace k1s::audit
