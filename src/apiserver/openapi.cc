#include "apiserver/openapi.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <utility>

#include "apiserver/apiserver.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;
namespace schema = api::schema;

constexpr std::string_view kRefPrefix = "#/components/schemas/";
constexpr char kMeta[] = "io.k8s.apimachinery.pkg.apis.meta.v1.";
constexpr char kTime[] = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
constexpr char kQuantity[] = "io.k8s.apimachinery.pkg.api.resource.Quantity";
constexpr char kIntOrString[] = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

std::string MetaName(std::string_view kind) { return base::StrCat(kMeta, kind); }

json Ref(std::string_view name) { return {{"$ref", base::StrCat(kRefPrefix, name)}}; }

// Value types with their own JSON form: the catalog describes them as shapes, OpenAPI as named
// definitions, as upstream's v3 documents do.
json ScalarDefinition(std::string_view name) {
  if (name == kTime) {
    return {{"description",
             "Time is a timestamp in RFC 3339 form with second precision, e.g. "
             "\"2024-01-02T15:04:05Z\"."},
            {"format", "date-time"},
            {"type", "string"}};
  }
  if (name == kQuantity) {
    return {{"description",
             "Quantity is a fixed-point number with an optional suffix: binary (Ki, Mi, Gi, Ti, "
             "Pi, Ei), decimal SI (m, k, M, G, T, P, E) or a decimal exponent (1e3). Sent as a "
             "string or a JSON number."},
            {"oneOf", json::array({{{"type", "string"}}, {{"type", "number"}}})}};
  }
  return {{"description", "IntOrString holds either an int32 or a string."},
          {"format", "int-or-string"},
          {"oneOf", json::array({{{"type", "integer"}}, {{"type", "string"}}})}};
}

bool IsScalarDefinition(std::string_view name) {
  return name == kTime || name == kQuantity || name == kIntOrString;
}

const char* ListTypeName(schema::ListType type) {
  switch (type) {
    case schema::ListType::kAtomic:
      return "atomic";
    case schema::ListType::kSet:
      return "set";
    case schema::ListType::kMap:
      return "map";
    default:
      return nullptr;
  }
}

const char* MapTypeName(schema::MapType type) {
  switch (type) {
    case schema::MapType::kAtomic:
      return "atomic";
    case schema::MapType::kGranular:
      return "granular";
    default:
      return nullptr;
  }
}

// A $ref cannot carry siblings in OpenAPI 3.0; upstream moves it into a one-element allOf.
json WrapRef(json schema) {
  if (!schema.contains("$ref") || schema.size() == 1) return schema;
  json ref = {{"$ref", schema["$ref"]}};
  schema.erase("$ref");
  schema["allOf"] = json::array({std::move(ref)});
  return schema;
}

json ShapeSchema(const schema::Shape& shape);

// List items and map values. Struct items carry `default: {}` as upstream's do.
json ElementSchema(const schema::Shape* shape, bool list_item) {
  if (shape == nullptr) return {{"x-kubernetes-preserve-unknown-fields", true}};
  json element = ShapeSchema(*shape);
  if (list_item && shape->type == schema::Type::kObject && element.contains("$ref")) {
    element["default"] = json::object();
  }
  return WrapRef(std::move(element));
}

json ShapeSchema(const schema::Shape& shape) {
  json out;
  switch (shape.type) {
    case schema::Type::kObject:
      out = shape.definition != nullptr ? Ref(shape.definition->name) : json{{"type", "object"}};
      if (const char* map_type = MapTypeName(shape.map_type)) {
        out["x-kubernetes-map-type"] = map_type;
      }
      break;
    case schema::Type::kArray:
      out = {{"type", "array"}, {"items", ElementSchema(shape.items.get(), true)}};
      if (const char* list_type = ListTypeName(shape.list_type)) {
        out["x-kubernetes-list-type"] = list_type;
      }
      if (!shape.list_map_keys.empty()) out["x-kubernetes-list-map-keys"] = shape.list_map_keys;
      break;
    case schema::Type::kMap:
      out = {{"type", "object"}, {"additionalProperties", ElementSchema(shape.items.get(), false)}};
      if (const char* map_type = MapTypeName(shape.map_type)) {
        out["x-kubernetes-map-type"] = map_type;
      }
      break;
    case schema::Type::kString:
      out = {{"type", "string"}};
      if (!shape.format.empty()) out["format"] = shape.format;
      break;
    case schema::Type::kInteger:
      out = {{"type", "integer"}, {"format", shape.format.empty() ? "int64" : shape.format}};
      break;
    case schema::Type::kNumber:
      out = {{"type", "number"}, {"format", shape.format.empty() ? "double" : shape.format}};
      break;
    case schema::Type::kBoolean:
      out = {{"type", "boolean"}};
      break;
    case schema::Type::kBytes:
      out = {{"type", "string"}, {"format", "byte"}};
      break;
    case schema::Type::kIntOrString:
      out = Ref(kIntOrString);
      break;
    case schema::Type::kQuantity:
      out = Ref(kQuantity);
      break;
    case schema::Type::kTime:
      out = Ref(kTime);
      break;
    case schema::Type::kAny:
      out = {{"x-kubernetes-preserve-unknown-fields", true}};
      break;
  }
  if (!shape.enum_values.empty()) out["enum"] = shape.enum_values;
  return out;
}

json PropertySchema(const schema::Property& property) {
  json out = ShapeSchema(property.shape);
  if (!property.description.empty()) out["description"] = property.description;
  if (!property.patch_strategy.empty()) {
    out["x-kubernetes-patch-strategy"] = property.patch_strategy;
  }
  if (!property.patch_merge_key.empty()) {
    out["x-kubernetes-patch-merge-key"] = property.patch_merge_key;
  }
  return WrapRef(std::move(out));
}

json GvkJson(std::string_view group, std::string_view version, std::string_view kind) {
  return {{"group", group}, {"kind", kind}, {"version", version}};
}

json DefinitionSchema(const schema::Definition& definition) {
  json out = {{"type", "object"}};
  if (!definition.description.empty()) out["description"] = definition.description;
  json properties = json::object();
  json required = json::array();
  for (const schema::Property& property : definition.properties) {
    properties[property.name] = PropertySchema(property);
    if (property.required) required.push_back(property.name);
  }
  if (!definition.kinds.empty()) {
    // TypeMeta is not a member of the wire messages but is part of every kind's JSON.
    if (!properties.contains("apiVersion")) {
      properties["apiVersion"] = {
          {"description", "The versioned schema of this object, e.g. \"apps/v1\"."},
          {"type", "string"}};
    }
    if (!properties.contains("kind")) {
      properties["kind"] = {{"description", "The kind of this object, in CamelCase."},
                            {"type", "string"}};
    }
    json kinds = json::array();
    for (const schema::GroupVersionKind& gvk : definition.kinds) {
      kinds.push_back(GvkJson(gvk.group, gvk.version, gvk.kind));
    }
    out["x-kubernetes-group-version-kind"] = std::move(kinds);
  }
  if (!properties.empty()) out["properties"] = std::move(properties);
  if (!required.empty()) out["required"] = std::move(required);
  if (const char* map_type = MapTypeName(definition.map_type)) {
    out["x-kubernetes-map-type"] = map_type;
  }
  return out;
}

// Every definition name a schema refers to.
void CollectRefs(const json& value, std::vector<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (key == "$ref" && member.is_string()) {
        std::string_view ref = member.get_ref<const std::string&>();
        if (ref.substr(0, kRefPrefix.size()) == kRefPrefix) {
          out.emplace_back(ref.substr(kRefPrefix.size()));
        }
      } else {
        CollectRefs(member, out);
      }
    }
  } else if (value.is_array()) {
    for (const json& item : value) CollectRefs(item, out);
  }
}

// "rbac.authorization.k8s.io" -> "RbacAuthorization", "" -> "Core": operationId pieces.
std::string GroupWord(std::string_view group) {
  if (group.empty()) return "Core";
  constexpr std::string_view kSuffix = ".k8s.io";
  if (group.size() > kSuffix.size() && group.substr(group.size() - kSuffix.size()) == kSuffix) {
    group.remove_suffix(kSuffix.size());
  }
  std::string out;
  bool upper = true;
  for (char c : group) {
    if (c == '.' || c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string Capitalize(std::string_view word) {
  std::string out(word);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

struct QueryParam {
  const char* name;
  const char* type;
  const char* description;
};

constexpr QueryParam kAllowWatchBookmarks = {
    "allowWatchBookmarks", "boolean",
    "allowWatchBookmarks asks for BOOKMARK watch events; ignored unless watching."};
constexpr QueryParam kContinue = {"continue", "string",
                                  "The continue token of the previous page of a paged list."};
constexpr QueryParam kDryRun = {
    "dryRun", "string",
    "When present, modifications are validated but not persisted. Valid values are: - All: "
    "all dry run stages will be processed"};
constexpr QueryParam kFieldManager = {
    "fieldManager", "string",
    "fieldManager names the actor making these changes; required for apply patches."};
constexpr QueryParam kFieldSelector = {
    "fieldSelector", "string",
    "A selector restricting the returned objects by their fields. Defaults to everything."};
constexpr QueryParam kFieldValidation = {
    "fieldValidation", "string",
    "fieldValidation instructs the server on how to handle objects in the request "
    "(POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: "
    "drop unknown fields and keep the last of duplicate fields. - Warn: the same, with a "
    "warning header for each dropped or duplicate field (the default). - Strict: fail the "
    "request with a BadRequest error listing every unknown and duplicate field."};
constexpr QueryParam kForce = {
    "force", "boolean",
    "Force makes an apply request take over fields owned by other managers. Must be unset for "
    "non-apply patches."};
constexpr QueryParam kGracePeriodSeconds = {
    "gracePeriodSeconds", "integer",
    "Seconds before the object is deleted; zero deletes immediately, unset uses the default of "
    "the kind."};
constexpr QueryParam kIgnoreStoreReadError = {
    "ignoreStoreReadErrorWithClusterBreakingPotential", "boolean",
    "Deletes an object that can no longer be read from storage, skipping finalizers and "
    "preconditions."};
constexpr QueryParam kLabelSelector = {
    "labelSelector", "string",
    "A selector restricting the returned objects by their labels. Defaults to everything."};
constexpr QueryParam kLimit = {"limit", "integer",
                               "The maximum number of items a list returns; the rest is "
                               "reachable through the continue token."};
constexpr QueryParam kOrphanDependents = {
    "orphanDependents", "boolean",
    "Deprecated: use propagationPolicy. Whether dependents are orphaned."};
constexpr QueryParam kPretty = {"pretty", "string", "If 'true', the output is pretty printed."};
constexpr QueryParam kPropagationPolicy = {
    "propagationPolicy", "string",
    "Whether and how garbage collection deletes dependents: 'Orphan', 'Background' or "
    "'Foreground'."};
constexpr QueryParam kResourceVersion = {
    "resourceVersion", "string",
    "resourceVersion constrains which resource versions a request may be served from."};
constexpr QueryParam kResourceVersionMatch = {
    "resourceVersionMatch", "string",
    "resourceVersionMatch determines how resourceVersion is applied to list calls."};
constexpr QueryParam kSendInitialEvents = {
    "sendInitialEvents", "boolean",
    "With watch=true, start the stream with the current objects followed by a bookmark."};
constexpr QueryParam kTimeoutSeconds = {"timeoutSeconds", "integer",
                                        "Timeout for the list/watch call."};
constexpr QueryParam kWatch = {
    "watch", "boolean", "Watch for changes to the described resources instead of listing them."};

json Parameter(const QueryParam& param) {
  return {{"description", param.description},
          {"in", "query"},
          {"name", param.name},
          {"schema", {{"type", param.type}, {"uniqueItems", true}}}};
}

json Parameters(std::initializer_list<QueryParam> params) {
  json out = json::array();
  for (const QueryParam& param : params) out.push_back(Parameter(param));
  return out;
}

json PathParameter(const char* name, std::string description) {
  return {{"description", std::move(description)},
          {"in", "path"},
          {"name", name},
          {"required", true},
          {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

json ListParameters() {
  return Parameters({kAllowWatchBookmarks, kContinue, kFieldSelector, kLabelSelector, kLimit,
                     kResourceVersion, kResourceVersionMatch, kSendInitialEvents, kTimeoutSeconds,
                     kWatch});
}

json WriteParameters() { return Parameters({kDryRun, kFieldManager, kFieldValidation}); }

json PatchParameters() { return Parameters({kDryRun, kFieldManager, kFieldValidation, kForce}); }

json DeleteParameters() {
  return Parameters(
      {kDryRun, kGracePeriodSeconds, kIgnoreStoreReadError, kOrphanDependents, kPropagationPolicy});
}

json DeleteCollectionParameters() {
  return Parameters({kContinue, kDryRun, kFieldSelector, kGracePeriodSeconds, kIgnoreStoreReadError,
                     kLabelSelector, kLimit, kOrphanDependents, kPropagationPolicy,
                     kResourceVersion, kResourceVersionMatch, kSendInitialEvents, kTimeoutSeconds});
}

// Response bodies in each media type the server answers with.
json Content(const std::optional<std::string>& schema_name, bool streams) {
  json content = json::object();
  if (!schema_name) return content;
  std::vector<const char*> types = {"application/json", "application/vnd.kubernetes.protobuf",
                                    "application/yaml"};
  if (streams) {
    types.push_back("application/json;stream=watch");
    types.push_back("application/vnd.kubernetes.protobuf;stream=watch");
  }
  for (const char* type : types) content[type] = {{"schema", Ref(*schema_name)}};
  return content;
}

json Response(const char* description, const std::optional<std::string>& schema_name,
              bool streams = false) {
  json response = {{"description", description}};
  json content = Content(schema_name, streams);
  if (!content.empty()) response["content"] = std::move(content);
  return response;
}

// One group-version's document under construction.
class DocumentBuilder {
 public:
  DocumentBuilder(const schema::Catalog& catalog, const OpenApi::ExtraSchemas& extra,
                  std::string root, std::string_view group, std::string_view version)
      : catalog_(catalog),
        extra_(extra),
        root_(std::move(root)),
        words_(base::StrCat(GroupWord(group), Capitalize(version))),
        tag_(base::StrCat(std::string(1, static_cast<char>(std::tolower(
                                             static_cast<unsigned char>(GroupWord(group)[0])))),
                          GroupWord(group).substr(1), "_", version)) {
    paths_[root_ + "/"] = {{"get",
                            {{"description", "get available resources"},
                             {"operationId", base::StrCat("get", words_, "APIResources")},
                             {"responses",
                              {{"200", Response("OK", Use(MetaName("APIResourceList")))},
                               {"401", Response("Unauthorized", std::nullopt)}}},
                             {"tags", json::array({tag_})}}}};
  }

  void Add(const api::ResourceType& type);
  json Build();

 private:
  struct Target {
    std::string kind_word;  // "NamespacedDeployment", "Namespace"
    json gvk;
    std::optional<std::string> schema;
  };

  // Marks `name` for components.schemas when it exists and returns it.
  std::optional<std::string> Use(const std::string& name) {
    if (!Exists(name)) return std::nullopt;
    wanted_.insert(name);
    return name;
  }
  bool Exists(const std::string& name) const {
    return IsScalarDefinition(name) || extra_.count(name) > 0 || catalog_.ByName(name) != nullptr;
  }
  std::optional<std::string> KindSchema(std::string_view group, std::string_view version,
                                        std::string_view kind);

  json Operation(const char* verb_word, const Target& target, const char* action,
                 std::string suffix, json parameters, json responses) const {
    json op = {{"description", base::StrCat(verb_word, " ", target.gvk["kind"].get<std::string>())},
               {"operationId", base::StrCat(verb_word, words_, target.kind_word, suffix)},
               {"responses", std::move(responses)},
               {"tags", json::array({tag_})},
               {"x-kubernetes-action", action},
               {"x-kubernetes-group-version-kind", target.gvk}};
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    return op;
  }
  json BodyFor(const Target& target) const {
    json schema = target.schema ? Ref(*target.schema) : json{{"type", "object"}};
    return {{"content", {{"*/*", {{"schema", std::move(schema)}}}}}, {"required", true}};
  }
  json PatchBody(bool strategic) {
    std::optional<std::string> patch = Use(MetaName("Patch"));
    json schema = patch ? Ref(*patch) : json{{"type", "object"}};
    json content = json::object();
    std::vector<const char*> types = {"application/apply-patch+yaml", "application/json-patch+json",
                                      "application/merge-patch+json"};
    if (strategic) types.push_back("application/strategic-merge-patch+json");
    for (const char* type : types) content[type] = {{"schema", schema}};
    return {{"content", std::move(content)}, {"required", true}};
  }
  json Read(const Target& t, std::string suffix) const {
    return Operation(
        "read", t, "get", std::move(suffix), json::array(),
        {{"200", Response("OK", t.schema)}, {"401", Response("Unauthorized", std::nullopt)}});
  }
  json Replace(const Target& t, std::string suffix) const {
    json op = Operation("replace", t, "put", std::move(suffix), WriteParameters(),
                        {{"200", Response("OK", t.schema)},
                         {"201", Response("Created", t.schema)},
                         {"401", Response("Unauthorized", std::nullopt)}});
    op["requestBody"] = BodyFor(t);
    return op;
  }
  json Patch(const Target& t, std::string suffix, bool strategic) {
    json op = Operation("patch", t, "patch", std::move(suffix), PatchParameters(),
                        {{"200", Response("OK", t.schema)},
                         {"201", Response("Created", t.schema)},
                         {"401", Response("Unauthorized", std::nullopt)}});
    op["requestBody"] = PatchBody(strategic);
    return op;
  }
  json Create(const Target& t, std::string suffix) const {
    json op = Operation("create", t, "post", std::move(suffix), WriteParameters(),
                        {{"200", Response("OK", t.schema)},
                         {"201", Response("Created", t.schema)},
                         {"202", Response("Accepted", t.schema)},
                         {"401", Response("Unauthorized", std::nullopt)}});
    op["requestBody"] = BodyFor(t);
    return op;
  }
  json DeleteBody() {
    std::optional<std::string> options = Use(MetaName("DeleteOptions"));
    json schema = options ? Ref(*options) : json{{"type", "object"}};
    return {{"content", {{"*/*", {{"schema", std::move(schema)}}}}}};
  }

  const schema::Catalog& catalog_;
  const OpenApi::ExtraSchemas& extra_;
  std::string root_;   // "/apis/apps/v1"
  std::string words_;  // "AppsV1"
  std::string tag_;    // "apps_v1"
  json paths_ = json::object();
  std::set<std::string> wanted_;
};

std::optional<std::string> DocumentBuilder::KindSchema(std::string_view group,
                                                       std::string_view version,
                                                       std::string_view kind) {
  if (const schema::Definition* definition = catalog_.ForKind(group, version, kind)) {
    wanted_.insert(definition->name);
    return definition->name;
  }
  json gvk = GvkJson(group, version, kind);
  for (const auto& [name, schema] : extra_) {
    auto it = schema.find("x-kubernetes-group-version-kind");
    if (it == schema.end() || !it->is_array()) continue;
    for (const json& entry : *it) {
      if (entry == gvk) {
        wanted_.insert(name);
        return name;
      }
    }
  }
  return std::nullopt;
}

void DocumentBuilder::Add(const api::ResourceType& type) {
  const std::vector<std::string>& verbs = type.verbs.empty() ? api::StandardVerbs() : type.verbs;
  auto has = [&](std::string_view verb) {
    return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
  };
  Target main{(type.namespaced ? "Namespaced" : "") + type.kind,
              GvkJson(type.group, type.version, type.kind),
              KindSchema(type.group, type.version, type.kind)};
  std::optional<std::string> list_schema = KindSchema(type.group, type.version, type.ListKind());
  std::optional<std::string> status = Use(MetaName("Status"));
  std::optional<std::string> watch_event = Use(MetaName("WatchEvent"));
  // Strategic merge patch works on the built-in kinds only, as upstream.
  bool strategic = catalog_.ForKind(type.group, type.version, type.kind) != nullptr;

  std::string scope = type.namespaced ? "/namespaces/{namespace}" : "";
  std::string collection = base::StrCat(root_, scope, "/", type.plural);
  std::string item = collection + "/{name}";
  json collection_params = json::array();
  json item_params = json::array({PathParameter("name", base::StrCat("name of the ", type.kind))});
  if (type.namespaced) {
    json ns = PathParameter("namespace",
                            "object name and auth scope, such as for teams and "
                            "projects");
    collection_params.push_back(ns);
    item_params.push_back(std::move(ns));
  }
  collection_params.push_back(Parameter(kPretty));
  item_params.push_back(Parameter(kPretty));
  json unauthorized = Response("Unauthorized", std::nullopt);

  json collection_ops = {{"parameters", collection_params}};
  if (has("list")) {
    collection_ops["get"] =
        Operation("list", main, "list", "", ListParameters(),
                  {{"200", Response("OK", list_schema, /*streams=*/true)}, {"401", unauthorized}});
    collection_ops["get"]["description"] = "list or watch objects of kind " + type.kind;
  }
  if (has("create")) collection_ops["post"] = Create(main, "");
  if (has("deletecollection")) {
    json op = Operation("delete", main, "deletecollection", "", DeleteCollectionParameters(),
                        {{"200", Response("OK", status)}, {"401", unauthorized}});
    op["operationId"] = base::StrCat("delete", words_, "Collection", main.kind_word);
    op["description"] = "delete collection of " + type.kind;
    op["requestBody"] = DeleteBody();
    collection_ops["delete"] = std::move(op);
  }
  if (collection_ops.size() > 1) paths_[collection] = std::move(collection_ops);

  json item_ops = {{"parameters", item_params}};
  if (has("get")) item_ops["get"] = Read(main, "");
  if (has("update")) item_ops["put"] = Replace(main, "");
  if (has("patch")) item_ops["patch"] = Patch(main, "", strategic);
  if (has("delete")) {
    json op = Operation("delete", main, "delete", "", DeleteParameters(),
                        {{"200", Response("OK", status)},
                         {"202", Response("Accepted", status)},
                         {"401", unauthorized}});
    op["requestBody"] = DeleteBody();
    item_ops["delete"] = std::move(op);
  }
  if (item_ops.size() > 1) paths_[item] = std::move(item_ops);

  json list_path_params = ListParameters();
  list_path_params.push_back(Parameter(kPretty));
  if (has("watch")) {
    std::string watch = base::StrCat(root_, "/watch", scope, "/", type.plural);
    json watch_params = list_path_params;
    json watch_item_params = list_path_params;
    watch_item_params.push_back(PathParameter("name", base::StrCat("name of the ", type.kind)));
    if (type.namespaced) {
      json ns = PathParameter("namespace",
                              "object name and auth scope, such as for teams and "
                              "projects");
      watch_params.push_back(ns);
      watch_item_params.push_back(std::move(ns));
    }
    json watch_responses = {{"200", Response("OK", watch_event, /*streams=*/true)},
                            {"401", unauthorized}};
    paths_[watch] = {
        {"get", Operation("watch", main, "watchlist", "List", json::array(), watch_responses)},
        {"parameters", std::move(watch_params)}};
    paths_[watch + "/{name}"] = {
        {"get", Operation("watch", main, "watch", "", json::array(), watch_responses)},
        {"parameters", std::move(watch_item_params)}};
  }
  if (type.namespaced && has("list")) {
    Target all{type.kind, main.gvk, main.schema};
    paths_[base::StrCat(root_, "/", type.plural)] = {
        {"get", Operation("list", all, "list", "ForAllNamespaces", json::array(),
                          {{"200", Response("OK", list_schema, /*streams=*/true)},
                           {"401", unauthorized}})},
        {"parameters", list_path_params}};
    if (has("watch")) {
      paths_[base::StrCat(root_, "/watch/", type.plural)] = {
          {"get", Operation("watch", all, "watchlist", "ListForAllNamespaces", json::array(),
                            {{"200", Response("OK", watch_event, /*streams=*/true)},
                             {"401", unauthorized}})},
          {"parameters", list_path_params}};
    }
  }

  for (const std::string& sub : type.subresources) {
    std::string path = base::StrCat(item, "/", sub);
    std::string suffix = Capitalize(sub);
    json ops = {{"parameters", item_params}};
    auto target_of = [&](const char* group, const char* version, const char* kind) {
      return Target{main.kind_word, GvkJson(group, version, kind),
                    KindSchema(group, version, kind)};
    };
    if (sub == "status" || sub == "ephemeralcontainers" || sub == "approval" || sub == "scale") {
      Target target = sub == "scale" ? target_of("autoscaling", "v1", "Scale") : main;
      ops["get"] = Read(target, suffix);
      ops["put"] = Replace(target, suffix);
      ops["patch"] = Patch(target, suffix, /*strategic=*/true);
    } else if (sub == "binding") {
      ops["post"] = Create(target_of("", "v1", "Binding"), suffix);
    } else if (sub == "eviction") {
      ops["post"] = Create(target_of("policy", "v1", "Eviction"), suffix);
    } else if (sub == "token") {
      ops["post"] = Create(target_of("authentication.k8s.io", "v1", "TokenRequest"), suffix);
    } else if (sub == "finalize") {
      ops["put"] = Replace(main, suffix);
    } else {
      continue;  // connect-style subresources (log, exec, proxy) are not described
    }
    paths_[path] = std::move(ops);
  }
}

json DocumentBuilder::Build() {
  json schemas = json::object();
  std::deque<std::string> queue(wanted_.begin(), wanted_.end());
  std::set<std::string> done;
  while (!queue.empty()) {
    std::string name = std::move(queue.front());
    queue.pop_front();
    if (!done.insert(name).second) continue;
    json schema;
    if (IsScalarDefinition(name)) {
      schema = ScalarDefinition(name);
    } else if (auto it = extra_.find(name); it != extra_.end()) {
      schema = it->second;
    } else if (const schema::Definition* definition = catalog_.ByName(name)) {
      schema = DefinitionSchema(*definition);
    } else {
      continue;
    }
    std::vector<std::string> refs;
    CollectRefs(schema, refs);
    for (std::string& ref : refs) {
      if (!done.count(ref)) queue.push_back(std::move(ref));
    }
    schemas[name] = std::move(schema);
  }
  return {{"components",
           {{"schemas", std::move(schemas)},
            {"securitySchemes",
             {{"BearerToken",
               {{"description", "Bearer Token authentication"},
                {"in", "header"},
                {"name", "authorization"},
                {"type", "apiKey"}}}}}}},
          {"info", {{"title", "Kubernetes"}, {"version", kGitVersion}}},
          {"openapi", "3.0.0"},
          {"paths", std::move(paths_)}};
}

}  // namespace

OpenApi::OpenApi(const std::vector<api::ResourceType>& types, const schema::Catalog& catalog)
    : catalog_(catalog) {
  Rebuild(types, ExtraSchemas());
}

OpenApi::~OpenApi() = default;

void OpenApi::Rebuild(const std::vector<api::ResourceType>& types, const ExtraSchemas& extra) {
  std::map<std::string, std::unique_ptr<DocumentBuilder>> builders;
  for (const api::ResourceType& type : types) {
    std::string root = type.group.empty() ? base::StrCat("/api/", type.version)
                                          : base::StrCat("/apis/", type.group, "/", type.version);
    std::unique_ptr<DocumentBuilder>& builder = builders[root.substr(1)];
    if (builder == nullptr) {
      builder = std::make_unique<DocumentBuilder>(catalog_, extra, root, type.group, type.version);
    }
    builder->Add(type);
  }
  auto documents = std::make_shared<Documents>();
  json index_paths = json::object();
  for (auto& [group_version, builder] : builders) {
    std::string text = builder->Build().dump();
    index_paths[group_version] = {
        {"serverRelativeURL",
         base::StrCat("/openapi/v3/", group_version, "?hash=", std::hash<std::string>{}(text))}};
    documents->by_group_version[group_version] = std::move(text);
  }
  documents->index = json{{"paths", std::move(index_paths)}}.dump();
  absl::MutexLock lock(&mu_);
  documents_ = std::move(documents);
}

std::optional<std::string> OpenApi::Document(const std::string& path) const {
  std::shared_ptr<const Documents> documents;
  {
    absl::MutexLock lock(&mu_);
    documents = documents_;
  }
  constexpr std::string_view kPrefix = "/openapi/v3";
  if (path == kPrefix || path == "/openapi/v3/") return documents->index;
  if (path.rfind("/openapi/v3/", 0) != 0) return std::nullopt;
  auto it = documents->by_group_version.find(path.substr(kPrefix.size() + 1));
  if (it == documents->by_group_version.end()) return std::nullopt;
  return it->second;
}

}  // namespace k1s::apiserver
