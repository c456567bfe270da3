#include "apiserver/resource_handler.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/errors.h"
#include "api/event_conversion.h"
#include "api/field_validation.h"
#include "api/json_path.h"
#include "api/managed_fields.h"
#include "api/schema.h"
#include "api/selectable_fields.h"
#include "api/server_side_apply.h"
#include "api/strategic_merge_patch.h"
#include "api/table_printer.h"
#include "api/timestamps.h"
#include "api/yaml_json.h"
#include "apiserver/eviction.h"
#include "apiserver/media_types.h"
#include "apiserver/scale.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

constexpr absl::Duration kFreshReadTimeout = absl::Seconds(3);

struct ListParams {
  ObjectFilter filter;
  int64_t limit = 0;
  std::string continue_token;
  std::optional<std::string> resource_version;
  std::string resource_version_match;
  bool watch = false;
  bool bookmarks = false;
  std::optional<int64_t> timeout_seconds;
  std::string include_object = "Metadata";  // tables: None, Metadata or Object
};

absl::StatusOr<bool> BoolParam(const http::Request& request, std::string_view name) {
  std::optional<std::string> value = request.Query(name);
  if (!value) return false;
  bool valid = false;
  bool result = ParseGoBool(*value, &valid);
  if (!valid) {
    return api::BadRequestError(base::StrCat("invalid value for ", name, ": ", *value));
  }
  return result;
}

absl::StatusOr<std::optional<int64_t>> IntParam(const http::Request& request,
                                                std::string_view name) {
  std::optional<std::string> value = request.Query(name);
  if (!value || value->empty()) return std::optional<int64_t>();
  int64_t number = 0;
  if (!absl::SimpleAtoi(*value, &number)) {
    return api::BadRequestError(base::StrCat("invalid value for ", name,
                                             ": strconv.ParseInt: parsing \"", *value,
                                             "\": invalid syntax"));
  }
  return std::optional<int64_t>(number);
}

absl::StatusOr<int64_t> ParseResourceVersion(const std::string& text) {
  int64_t revision = 0;
  if (!absl::SimpleAtoi(text, &revision) || revision < 0) {
    return api::BadRequestError(base::StrCat("invalid resource version: ", text));
  }
  return revision;
}

// The continue token upstream uses: base64url of {"v":"meta.k8s.io/v1","rv":R,"start":K}, where
// K is the next key relative to the resource's key prefix.
std::string EncodeContinue(int64_t revision, const std::string& start) {
  json token = {{"v", "meta.k8s.io/v1"}, {"rv", revision}, {"start", start}};
  return absl::WebSafeBase64Escape(token.dump());
}

absl::Status DecodeContinue(const std::string& text, int64_t* revision, std::string* start) {
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(text, &decoded)) {
    return api::BadRequestError("continue key is not valid: illegal base64 data");
  }
  json token = json::parse(decoded, nullptr, false);
  if (!token.is_object() || token.value("v", "") != "meta.k8s.io/v1" ||
      !token["rv"].is_number_integer() || !token["start"].is_string()) {
    return api::BadRequestError(
        "continue key is not valid: incorrect encoded start resourceVersion (version "
        "meta.k8s.io/v1)");
  }
  *revision = token["rv"].get<int64_t>();
  *start = token["start"].get<std::string>();
  if (start->find("..") != std::string::npos || (!start->empty() && (*start)[0] == '/')) {
    return api::BadRequestError(
        "continue key is not valid: key must not contain '..' or start with '/'");
  }
  return absl::OkStatus();
}

std::string PrefixEnd(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

// A custom resource's table: its name, then the CRD's printer columns (upstream tableconvertor).
json CustomColumnDefinitions(const api::ResourceType& type) {
  json columns = json::array({{{"name", "Name"},
                               {"type", "string"},
                               {"format", "name"},
                               {"description", api::ObjectNameDescription()},
                               {"priority", 0}}});
  for (const api::PrinterColumn& column : type.printer_columns) {
    columns.push_back({{"name", column.name},
                       {"type", column.type},
                       {"format", column.format},
                       {"description", column.description},
                       {"priority", column.priority}});
  }
  return columns;
}

json CustomCells(const api::ResourceType& type, const json& object, int64_t now) {
  json cells = json::array({object["metadata"].value("name", "")});
  for (const api::PrinterColumn& column : type.printer_columns) {
    absl::StatusOr<api::JsonPath> path = api::JsonPath::Parse(column.json_path);
    cells.push_back(path.ok() ? api::PrinterColumnCell(object, *path, column.type, now) : json());
  }
  return cells;
}

json ColumnDefinitions(const api::ResourceType& type) {
  if (type.is_custom()) return CustomColumnDefinitions(type);
  json columns = json::array();
  for (const api::TableColumn& column : api::TableColumns(type.group, type.kind)) {
    columns.push_back({{"name", column.name},
                       {"type", column.type},
                       {"format", column.format},
                       {"description", column.description},
                       {"priority", column.priority}});
  }
  return columns;
}

json PartialMetadata(const json& object) {
  json metadata = object.contains("metadata") ? object["metadata"] : json::object();
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", std::move(metadata)}};
}

json TableRow(const api::ResourceType& type, const json& object, int64_t now,
              const std::string& include_object) {
  json row = {{"cells", type.is_custom() ? CustomCells(type, object, now)
                                         : api::TableCells(type.group, type.kind, object, now)}};
  json conditions = api::TableRowConditions(type.group, type.kind, object);
  if (!conditions.is_null()) row["conditions"] = std::move(conditions);
  if (include_object == "Object") {
    row["object"] = object;
  } else if (include_object != "None") {
    row["object"] = PartialMetadata(object);
  }
  return row;
}

json Table(const api::ResourceType& type, json rows, const json& list_metadata) {
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", list_metadata},
          {"columnDefinitions", ColumnDefinitions(type)},
          {"rows", std::move(rows)}};
}

const char* EventName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
    case EventType::kBookmark:
      return "BOOKMARK";
    default:
      return "ERROR";
  }
}

// Encodes objects in the representation one request negotiated.
class Encoder {
 public:
  Encoder(const api::ResourceType& type, Negotiated negotiated, std::string include_object,
          const base::Clock& clock)
      : type_(type),
        negotiated_(std::move(negotiated)),
        include_object_(std::move(include_object)),
        clock_(clock) {}

  const std::string& content_type() const { return negotiated_.content_type; }

  // The object as this API serves it: stored bytes as they are, or converted for a view.
  json ServedJson(const CachedObject& object) const {
    json parsed = json::parse(object.json);
    return type_.is_view() ? api::CoreEventToEventsV1(parsed) : parsed;
  }
  std::string Served(const CachedObject& object) const {
    return type_.is_view() ? ServedJson(object).dump() : object.json;
  }

  std::string Object(const CachedObject& object) const {
    switch (negotiated_.representation) {
      case Representation::kJson:
        return Served(object);
      case Representation::kYaml:
        return api::JsonToYaml(ServedJson(object));
      case Representation::kTable: {
        json parsed = ServedJson(object);
        json rows = json::array({TableRow(type_, parsed, Now(), include_object_)});
        json metadata = {{"resourceVersion", parsed["metadata"].value("resourceVersion", "")}};
        return Table(type_, std::move(rows), metadata).dump();
      }
      default:
        return PartialMetadata(ServedJson(object)).dump();
    }
  }

  std::string List(const std::vector<ObjectRef>& objects, const json& list_metadata) const {
    switch (negotiated_.representation) {
      case Representation::kTable: {
        json rows = json::array();
        for (const ObjectRef& object : objects) {
          rows.push_back(TableRow(type_, ServedJson(*object), Now(), include_object_));
        }
        return Table(type_, std::move(rows), list_metadata).dump();
      }
      case Representation::kPartialObjectMetadata: {
        json items = json::array();
        for (const ObjectRef& object : objects) {
          items.push_back(PartialMetadata(ServedJson(*object)));
        }
        return json{{"kind", "PartialObjectMetadataList"},
                    {"apiVersion", "meta.k8s.io/v1"},
                    {"metadata", list_metadata},
                    {"items", std::move(items)}}
            .dump();
      }
      default:
        break;
    }
    // The list is assembled from each object's cached bytes, never re-serialized.
    size_t size = 256;
    for (const ObjectRef& object : objects) size += object->json.size() + 1;
    std::string out;
    out.reserve(size);
    base::StrAppend(&out, "{\"apiVersion\":\"", type_.GroupVersion(), "\",\"items\":[");
    for (size_t i = 0; i < objects.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += Served(*objects[i]);
    }
    base::StrAppend(&out, "],\"kind\":\"", type_.ListKind(),
                    "\",\"metadata\":", list_metadata.dump(), "}");
    if (negotiated_.representation == Representation::kYaml) {
      return api::JsonToYaml(json::parse(out));
    }
    return out;
  }

  // One watch event line.
  std::string Event(const CacheEvent& event) const {
    std::string object;
    if (event.type == EventType::kBookmark) {
      object = json{{"kind", type_.kind},
                    {"apiVersion", type_.GroupVersion()},
                    {"metadata", {{"resourceVersion", std::to_string(event.revision)}}}}
                   .dump();
    } else if (negotiated_.representation == Representation::kYaml) {
      object = Served(*event.object);  // watch streams are JSON
    } else {
      object = Object(*event.object);
    }
    return base::StrCat("{\"type\":\"", EventName(event.type), "\",\"object\":", object, "}\n");
  }

 private:
  const api::ResourceType& type_;
  Negotiated negotiated_;
  std::string include_object_;
  // Ages in table cells are taken when each object or event is encoded.
  int64_t Now() const { return clock_.NowUnixNanos() / base::kNanosPerSecond; }

  const base::Clock& clock_;
};

absl::StatusOr<ListParams> ParseListParams(const api::ResourceType& type,
                                           const http::Request& request,
                                           const std::string& namespace_name) {
  ListParams params;
  if (type.namespaced) params.filter.namespace_name = namespace_name;
  if (std::optional<std::string> text = request.Query("labelSelector")) {
    absl::StatusOr<api::LabelSelector> selector = api::LabelSelector::Parse(*text);
    if (!selector.ok()) return api::BadRequestError(std::string(selector.status().message()));
    params.filter.labels = *std::move(selector);
  }
  if (std::optional<std::string> text = request.Query("fieldSelector")) {
    absl::StatusOr<api::FieldSelector> selector = api::FieldSelector::Parse(*text);
    if (!selector.ok()) return api::BadRequestError(std::string(selector.status().message()));
    absl::Status supported =
        api::CheckFieldSelectorSupported(type.group, type.kind, type.namespaced, *selector);
    if (!supported.ok()) return api::BadRequestError(std::string(supported.message()));
    params.filter.fields = *std::move(selector);
  }
  absl::StatusOr<std::optional<int64_t>> limit = IntParam(request, "limit");
  if (!limit.ok()) return limit.status();
  // Bounded so that page arithmetic cannot overflow.
  params.limit = std::clamp<int64_t>(limit->value_or(0), 0, int64_t{1} << 40);
  params.continue_token = request.Query("continue").value_or("");
  params.resource_version = request.Query("resourceVersion");
  params.resource_version_match = request.Query("resourceVersionMatch").value_or("");
  absl::StatusOr<bool> watch = BoolParam(request, "watch");
  if (!watch.ok()) return watch.status();
  params.watch = *watch;
  absl::StatusOr<bool> bookmarks = BoolParam(request, "allowWatchBookmarks");
  if (!bookmarks.ok()) return bookmarks.status();
  params.bookmarks = *bookmarks;
  absl::StatusOr<std::optional<int64_t>> timeout = IntParam(request, "timeoutSeconds");
  if (!timeout.ok()) return timeout.status();
  params.timeout_seconds = *timeout;
  params.include_object = request.Query("includeObject").value_or("Metadata");

  const std::string version = params.resource_version.value_or("");
  if (!params.resource_version_match.empty()) {
    if (version.empty()) {
      return api::BadRequestError(
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
          "resourceVersion is provided");
    }
    if (params.resource_version_match != "Exact" &&
        params.resource_version_match != "NotOlderThan") {
      return api::BadRequestError(
          base::StrCat("resourceVersionMatch: Unsupported value: \"", params.resource_version_match,
                       "\": supported values: \"Exact\", \"NotOlderThan\", \"\""));
    }
    if (params.resource_version_match == "Exact" && version == "0") {
      return api::BadRequestError(
          "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for "
          "resourceVersion \"0\"");
    }
  }
  if (!params.continue_token.empty() && !version.empty() && version != "0") {
    return api::BadRequestError("specifying resource version is not allowed when using continue");
  }
  return params;
}

bool IsDryRun(const http::Request& request) {
  for (const auto& [name, value] : request.QueryParams()) {
    if (name == "dryRun" && value == "All") return true;
  }
  return false;
}

// The patch format of a PATCH body's media type; 415 for formats the kind does not take.
absl::StatusOr<PatchType> PatchTypeOf(std::string_view media, std::string_view group,
                                      std::string_view kind) {
  if (media == "application/json-patch+json") return PatchType::kJson;
  if (media == "application/merge-patch+json") return PatchType::kMerge;
  if (media == "application/strategic-merge-patch+json" &&
      api::IsStrategicMergePatchSupported(group, kind)) {
    return PatchType::kStrategicMerge;
  }
  return api::UnsupportedMediaTypeError(
      "application/json-patch+json, application/merge-patch+json, "
      "application/strategic-merge-patch+json, application/apply-patch+yaml");
}

WriteOptions WriteOptionsFor(const http::Request& request) {
  WriteOptions options;
  options.dry_run = IsDryRun(request);
  options.field_manager = api::ManagerFromUserAgent(request.Query("fieldManager").value_or(""),
                                                    request.headers.Get("User-Agent").value_or(""));
  return options;
}

absl::Status CheckDryRunValues(const http::Request& request) {
  for (const auto& [name, value] : request.QueryParams()) {
    if (name == "dryRun" && value != "All") {
      return api::BadRequestError(
          base::StrCat("dryRun: Unsupported value: \"", value, "\": supported values: \"All\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace

struct ResourceHandler::Call {
  const RequestInfo& info;
  const http::Request& request;
  const std::shared_ptr<http::ResponseWriter>& writer;
  Registry* registry = nullptr;
  const api::ResourceType* type = nullptr;
  Negotiated negotiated;
  int32_t code = 200;

  std::vector<std::string> warnings{};  // sent as Warning headers with the answer
  AdmissionContext admission{};         // the requesting user and the plugins its writes pass

  // The options of a write made for this request.
  WriteOptions Options() {
    WriteOptions options = WriteOptionsFor(request);
    options.admission = &admission;
    return options;
  }

  // Sends `body` (already in the negotiated representation) with `status`.
  void Send(int32_t status, std::string body) {
    code = status;
    http::Headers headers{{"Content-Type", negotiated.content_type}};
    for (const std::string& warning : warnings) {
      headers.Add("Warning", api::WarningHeaderValue(warning));
    }
    writer->Respond(status, headers, std::move(body));
  }
};

ResourceHandler::ResourceHandler(const std::vector<api::ResourceType>& types, Backend& backend,
                                 WatchCache& cache, base::Clock& clock,
                                 const StrategyContext& context)
    : backend_(backend), cache_(cache), clock_(clock) {
  namespace_check_ = [this](const api::ResourceType& type, std::string_view name,
                            std::string_view namespace_name) {
    return CheckNamespace(type, name, namespace_name);
  };
  for (const api::ResourceType& type : types) {
    // A view stores through a registry of the kind it is stored as.
    const api::ResourceType* stored = &type;
    for (const api::ResourceType& candidate : types) {
      if (type.is_view() && !candidate.is_view() && candidate.group == type.stored_as_group &&
          candidate.kind == type.stored_as_kind) {
        stored = &candidate;
      }
    }
    auto registry = std::make_unique<Registry>(*stored, backend, clock,
                                               MakeStrategy(*stored, context), namespace_check_);
    if (type.group.empty() && type.kind == "Namespace") namespaces_ = registry.get();
    std::string key = base::StrCat(type.group, "/", type.version, "/", type.plural);
    absl::MutexLock lock(&types_mu_);
    registries_[key] = registry.get();
    served_[key] = &type;
    all_registries_.push_back(std::move(registry));
  }
}

ResourceHandler::~ResourceHandler() = default;

Registry* ResourceHandler::Find(const std::string& group, const std::string& version,
                                const std::string& plural) const {
  absl::ReaderMutexLock lock(&types_mu_);
  auto it = registries_.find(base::StrCat(group, "/", version, "/", plural));
  return it == registries_.end() ? nullptr : it->second;
}

const api::ResourceType* ResourceHandler::FindType(const std::string& group,
                                                   const std::string& kind) const {
  absl::ReaderMutexLock lock(&types_mu_);
  for (const auto& [key, type] : served_) {
    if (type->group == group && type->kind == kind) return type;
  }
  return nullptr;
}

std::vector<const api::ResourceType*> ResourceHandler::ServedTypes() const {
  absl::ReaderMutexLock lock(&types_mu_);
  std::vector<const api::ResourceType*> types;
  for (const auto& [key, type] : served_) types.push_back(type);
  return types;
}

void ResourceHandler::AddType(const api::ResourceType& type, std::unique_ptr<Strategy> strategy) {
  auto registry =
      std::make_unique<Registry>(type, backend_, clock_, std::move(strategy), namespace_check_);
  std::string key = base::StrCat(type.group, "/", type.version, "/", type.plural);
  absl::MutexLock lock(&types_mu_);
  registries_[key] = registry.get();
  served_[key] = &registry->type();
  all_registries_.push_back(std::move(registry));
}

void ResourceHandler::RemoveType(const std::string& group, const std::string& version,
                                 const std::string& plural) {
  std::string key = base::StrCat(group, "/", version, "/", plural);
  absl::MutexLock lock(&types_mu_);
  registries_.erase(key);
  served_.erase(key);
}

absl::Status ResourceHandler::CheckNamespace(const api::ResourceType& type, std::string_view name,
                                             std::string_view namespace_name) {
  if (namespaces_ == nullptr) return absl::OkStatus();
  ObjectRef ns = cache_.Get(namespaces_->type(), "", namespace_name);
  if (ns == nullptr) {
    // The cache may trail a namespace created a moment ago: ask the datastore.
    absl::StatusOr<ObjectRef> stored = namespaces_->Get("", namespace_name);
    if (!stored.ok()) return stored.status();
    ns = *stored;
  }
  json object = json::parse(ns->json);
  if (object["metadata"].contains("deletionTimestamp") ||
      object["status"].value("phase", "") == "Terminating") {
    return api::ForbiddenError(
        type, name,
        base::StrCat(api::QualifiedResource(type), " \"", name,
                     "\" is forbidden: unable to create new content in namespace ", namespace_name,
                     " because it is being terminated"));
  }
  return absl::OkStatus();
}

int32_t ResourceHandler::Serve(const RequestInfo& info, const auth::UserInfo& user,
                               const http::Request& request,
                               const std::shared_ptr<http::ResponseWriter>& writer,
                               std::map<std::string, std::string>* audit_annotations) {
  Call call{info, request, writer, nullptr, nullptr, Negotiated{}, 200};
  call.admission.chain = admission_;
  call.admission.user = user;
  call.admission.warnings = &call.warnings;
  call.admission.audit_annotations = audit_annotations;
  absl::Status status;
  try {
    status = Dispatch(call);
  } catch (const nlohmann::json::exception& error) {
    // A field of the wrong JSON type somewhere the kind's rules read it (e.g. "spec": "x"):
    // the client's mistake, as upstream's decoder would report it, never a crashed worker.
    status = api::BadRequestError(
        base::StrCat("the object has a field of the wrong type: ", error.what()));
  }
  if (!status.ok()) {
    api::HttpError error = api::ToHttpError(status);
    writer->Respond(error.code, http::Headers{{"Content-Type", "application/json"}},
                    std::move(error.body));
    return error.code;
  }
  return call.code;
}

absl::Status ResourceHandler::Dispatch(Call& call) {
  const RequestInfo& info = call.info;
  {
    absl::ReaderMutexLock lock(&types_mu_);
    std::string key = base::StrCat(info.group, "/", info.version, "/", info.resource);
    auto registry = registries_.find(key);
    if (registry != registries_.end()) {
      call.registry = registry->second;
      call.type = served_.at(key);
    }
  }
  if (call.registry == nullptr || info.parts.size() > 3) {
    return absl::Status(absl::StatusCode::kNotFound,
                        "the server could not find the requested resource");
  }
  const api::ResourceType& type = *call.type;
  if (!info.subresource.empty() && !type.has_subresource(info.subresource)) {
    return absl::Status(absl::StatusCode::kNotFound,
                        "the server could not find the requested resource");
  }
  if (type.namespaced && info.namespace_name.empty() && !info.name.empty()) {
    return absl::Status(absl::StatusCode::kNotFound,
                        "the server could not find the requested resource");
  }
  std::optional<Negotiated> negotiated =
      Negotiate(call.request.headers.Get("Accept").value_or(""), false);
  if (!negotiated) {
    return api::NotAcceptableError(
        "only the following media types are accepted: application/json, application/yaml, "
        "application/json;as=Table;v=v1;g=meta.k8s.io");
  }
  call.negotiated = *negotiated;
  const std::string& verb = info.verb;
  if (verb == "get") {
    if (call.request.Query("watch") && ParseGoBool(*call.request.Query("watch"))) {
      return Watch(call);
    }
    return Get(call);
  }
  if (verb == "list") return List(call);
  if (verb == "watch") return Watch(call);
  if (absl::Status status = CheckDryRunValues(call.request); !status.ok()) return status;
  if (info.subresource == "scale" && (verb == "update" || verb == "patch")) return Scale(call);
  if (verb == "create") {
    if (info.subresource == "binding") return Bind(call);
    if (info.subresource == "eviction") return Evict(call);
    if (!info.name.empty()) {
      return api::MethodNotAllowedError(
          "the server does not allow this method on the requested resource");
    }
    return Create(call);
  }
  const bool writable =
      !info.name.empty() && info.subresource != "binding" && info.subresource != "eviction";
  if (verb == "update" && writable) return Update(call);
  if (verb == "patch" && writable) return Patch(call);
  if (verb == "delete" && info.subresource.empty()) return Delete(call);
  if (verb == "deletecollection" &&
      std::find(type.verbs.begin(), type.verbs.end(), "deletecollection") != type.verbs.end()) {
    return DeleteCollection(call);
  }
  return api::MethodNotAllowedError(
      "the server does not allow this method on the requested resource");
}

absl::Status ResourceHandler::Get(Call& call) {
  const std::string& subresource = call.info.subresource;
  if (subresource == "scale") return Scale(call);
  if (subresource == "binding" || subresource == "eviction" || subresource == "finalize") {
    return api::MethodNotAllowedError(
        "the server does not allow this method on the requested resource");
  }
  absl::StatusOr<ObjectRef> object = call.registry->Get(call.info.namespace_name, call.info.name);
  if (!object.ok()) return object.status();
  Encoder encoder(*call.type, call.negotiated,
                  call.request.Query("includeObject").value_or("Metadata"), clock_);
  call.Send(200, encoder.Object(**object));
  return absl::OkStatus();
}

absl::Status ResourceHandler::List(Call& call) {
  const api::ResourceType& type = *call.type;
  absl::StatusOr<ListParams> params = ParseListParams(type, call.request, call.info.namespace_name);
  if (!params.ok()) return params.status();
  if (params->watch) return Watch(call);
  Encoder encoder(type, call.negotiated, params->include_object, clock_);
  const std::string version = params->resource_version.value_or("");
  bool from_datastore = !params->continue_token.empty() || (params->limit > 0 && version != "0") ||
                        params->resource_version_match == "Exact";
  json list_metadata = json::object();
  std::vector<ObjectRef> items;
  if (!from_datastore) {
    int64_t minimum = 0;
    if (version.empty()) {
      absl::StatusOr<int64_t> fresh = cache_.WaitUntilFresh(kFreshReadTimeout);
      if (!fresh.ok()) return fresh.status();
    } else if (version != "0") {
      absl::StatusOr<int64_t> wanted = ParseResourceVersion(version);
      if (!wanted.ok()) return wanted.status();
      minimum = *wanted;
      if (absl::Status status = cache_.WaitForRevision(minimum, kFreshReadTimeout); !status.ok()) {
        return status;
      }
    }
    WatchCache::ListResult result = cache_.List(type, params->filter);
    items = std::move(result.objects);
    // resourceVersion=0 ignores the limit and returns everything, as the upstream watch cache
    // does: informers list that way and must not miss objects.
    list_metadata["resourceVersion"] = std::to_string(result.revision);
  } else {
    int64_t revision = 0;
    std::string prefix = NamespacePrefix(type, call.info.namespace_name);
    std::string key = prefix;
    if (!params->continue_token.empty()) {
      std::string start;
      absl::Status status = DecodeContinue(params->continue_token, &revision, &start);
      if (!status.ok()) return status;
      key = type.storage_prefix + start;
      if (key < prefix) key = prefix;
    } else if (params->resource_version_match == "Exact" || (!version.empty() && version != "0")) {
      absl::StatusOr<int64_t> wanted = ParseResourceVersion(version);
      if (!wanted.ok()) return wanted.status();
      revision = params->resource_version_match == "Exact" ? *wanted : 0;
    }
    const std::string end = PrefixEnd(prefix);
    bool filtered = !params->filter.labels.Empty() || !params->filter.fields.Empty();
    int64_t first_count = -1;
    std::string last_key;
    bool more = false;
    while (true) {
      RangeRequest range;
      range.key = key;
      range.range_end = end;
      range.revision = revision;
      if (params->limit > 0) {
        range.limit = params->limit - static_cast<int64_t>(items.size()) + 1;
      }
      absl::StatusOr<RangeResponse> response = backend_.Range(range);
      if (!response.ok()) {
        if (response.status().code() == absl::StatusCode::kOutOfRange &&
            revision > backend_.CurrentRevision()) {
          // The datastore answers a future revision like a compacted one; upstream says 504.
          return api::TimeoutError(base::StrCat("Too large resource version: ", revision,
                                                ", current: ", backend_.CurrentRevision()));
        }
        if (response.status().code() == absl::StatusCode::kOutOfRange) {
          if (!params->continue_token.empty()) {
            return api::ExpiredError(
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter, or use the "
                "continue token in this response to retrieve the remainder of the results. "
                "Continuing with the provided token results in an inconsistent list - objects "
                "that were created, modified, or deleted between the time the first chunk was "
                "returned and now may show up in the list.");
          }
          return api::ExpiredError(base::StrCat("too old resource version: ", version));
        }
        return api::InternalError(std::string(response.status().message()));
      }
      revision = response->revision;
      if (first_count < 0) first_count = response->count;
      for (KeyValue& kv : response->kvs) {
        if (params->limit > 0 && static_cast<int64_t>(items.size()) == params->limit) {
          more = true;
          break;
        }
        absl::StatusOr<ObjectRef> object =
            MakeCachedObject(type, kv.key, kv.value, kv.mod_revision);
        last_key = kv.key;
        if (object.ok() && params->filter.Matches(**object)) items.push_back(*std::move(object));
      }
      if (more || !response->more || response->kvs.empty()) break;
      key = last_key + std::string(1, '\0');
    }
    list_metadata["resourceVersion"] = std::to_string(revision);
    if (more) {
      list_metadata["continue"] =
          EncodeContinue(revision, last_key.substr(type.storage_prefix.size()) + '\0');
      if (!filtered && first_count >= 0) {
        list_metadata["remainingItemCount"] = first_count - static_cast<int64_t>(items.size());
      }
    }
  }
  call.Send(200, encoder.List(items, list_metadata));
  return absl::OkStatus();
}

absl::Status ResourceHandler::Watch(Call& call) {
  const api::ResourceType& type = *call.type;
  absl::StatusOr<ListParams> params = ParseListParams(type, call.request, call.info.namespace_name);
  if (!params.ok()) return params.status();
  if (!call.info.name.empty()) {
    // A watch on one object is a watch on the collection narrowed to its name.
    absl::StatusOr<api::FieldSelector> by_name =
        api::FieldSelector::Parse(base::StrCat("metadata.name=", call.info.name));
    if (by_name.ok()) params->filter.fields = *std::move(by_name);
  }
  WatchOptions options;
  options.bookmarks = params->bookmarks;
  const std::string version = params->resource_version.value_or("");
  if (version.empty() || version == "0") {
    options.send_initial_state = true;
  } else {
    absl::StatusOr<int64_t> after = ParseResourceVersion(version);
    if (!after.ok()) return after.status();
    options.after_revision = *after;
    if (absl::Status status = cache_.WaitForRevision(*after, kFreshReadTimeout); !status.ok()) {
      return status;
    }
  }
  constexpr int64_t kMaxWatchSeconds = int64_t{365} * 86400;
  int64_t timeout_seconds = std::min(params->timeout_seconds.value_or(0), kMaxWatchSeconds);
  if (timeout_seconds <= 0) {
    // Like upstream: a random timeout between 30 and 60 minutes spreads reconnects out.
    thread_local std::mt19937 random(std::random_device{}());
    timeout_seconds = std::uniform_int_distribution<int64_t>(1800, 3600)(random);
  }
  options.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);

  auto encoder = std::make_shared<Encoder>(type, call.negotiated, params->include_object, clock_);
  std::string content_type = call.negotiated.representation == Representation::kYaml
                                 ? "application/json"
                                 : call.negotiated.content_type;
  std::shared_ptr<http::ResponseWriter> writer = call.writer;
  writer->StartStream(
      200, http::Headers{{"Content-Type", content_type}, {"Cache-Control", "no-cache, private"}});
  call.code = 200;
  WatchCache::Sink sink = [writer, encoder](const CacheEvent& event) {
    if (event.type == EventType::kClose) {
      writer->EndStream();
      return false;
    }
    return writer->WriteChunk(encoder->Event(event));
  };
  absl::StatusOr<std::unique_ptr<WatchCache::Registration>> registration =
      cache_.Watch(type, params->filter, options, std::move(sink));
  if (!registration.ok()) {
    // Errors after the stream started travel as an ERROR event, as upstream sends them.
    api::HttpError error = api::ToHttpError(registration.status());
    writer->WriteChunk(base::StrCat("{\"type\":\"ERROR\",\"object\":", error.body, "}\n"));
    writer->EndStream();
    return absl::OkStatus();
  }
  std::shared_ptr<WatchCache::Registration> held(std::move(*registration));
  writer->OnClose([held]() mutable { held.reset(); });
  return absl::OkStatus();
}

absl::StatusOr<json> ResourceHandler::DecodeObject(Call& call) {
  const std::string directive = call.request.Query("fieldValidation").value_or("");
  std::optional<api::FieldValidation> mode = api::ParseFieldValidation(directive);
  if (!mode) {
    return api::BadRequestError(
        base::StrCat("fieldValidation: Unsupported value: ", api::GoQuote(directive),
                     ": supported values: \"\", \"Ignore\", "
                     "\"Strict\", \"Warn\""));
  }
  const std::string content_type = call.request.headers.Get("Content-Type").value_or("");
  absl::StatusOr<json> body = DecodeBody(content_type, call.request.body);
  if (!body.ok() || *mode == api::FieldValidation::kIgnore || !body->is_object()) return body;
  const api::ResourceType& type = *call.type;
  const api::schema::Definition* definition =
      type.is_custom()
          ? nullptr
          : api::schema::Catalog::Builtin().ForKind(type.group, type.version, type.kind);
  std::vector<std::string> findings;
  const std::string media = BaseMediaType(content_type);
  if (media.empty() || media == "application/json" || media == "*/*") {
    // A second, checking parse: the first one has already refused malformed JSON.
    (void)api::ParseJsonStrict(call.request.body, definition, &findings);
  } else if (media == "application/yaml") {
    if (std::optional<std::string> duplicates = api::FindYamlDuplicateKeys(call.request.body)) {
      findings.push_back(*std::move(duplicates));
    }
    if (definition != nullptr) {
      for (std::string& finding : api::FindUnknownFields(*definition, *body)) {
        findings.push_back(std::move(finding));
      }
    }
  }
  if (type.is_custom()) {
    for (const std::string& path : call.registry->strategy().UnknownFields(*body)) {
      findings.push_back(base::StrCat("unknown field \"", path, "\""));
    }
  }
  if (findings.empty()) return body;
  if (*mode == api::FieldValidation::kStrict) {
    return api::BadRequestError(base::StrCat(type.kind, " in version ", api::GoQuote(type.version),
                                             " cannot be handled as a ", type.kind, ": ",
                                             api::StrictDecodingMessage(findings)));
  }
  call.warnings = std::move(findings);
  return body;
}

absl::Status ResourceHandler::Create(Call& call) {
  absl::StatusOr<json> body = DecodeObject(call);
  if (!body.ok()) return body.status();
  const api::ResourceType& type = *call.type;
  if (!body->is_object()) {
    return api::BadRequestError("Object 'Kind' is missing in the request body");
  }
  std::string kind = body->value("kind", "");
  std::string api_version = body->value("apiVersion", "");
  if (!kind.empty() && kind != type.kind) {
    return api::BadRequestError(base::StrCat(
        "the object provided is unrecognized (must be of type ", type.kind, "): ", kind));
  }
  if (!api_version.empty() && api_version != type.GroupVersion()) {
    return api::BadRequestError(base::StrCat("the API version in the data (", api_version,
                                             ") does not match the expected API version (",
                                             type.GroupVersion(), ")"));
  }
  if (type.is_view()) *body = api::EventsV1ToCoreEvent(*body);
  absl::StatusOr<ObjectRef> created =
      call.registry->Create(call.info.namespace_name, *std::move(body), call.Options());
  if (!created.ok()) return created.status();
  Encoder encoder(type, call.negotiated, "Metadata", clock_);
  call.Send(201, encoder.Object(**created));
  return absl::OkStatus();
}

absl::Status ResourceHandler::Update(Call& call) {
  absl::StatusOr<json> body = DecodeObject(call);
  if (!body.ok()) return body.status();
  if (!body->is_object()) {
    return api::BadRequestError("Object 'Kind' is missing in the request body");
  }
  if (call.type->is_view()) *body = api::EventsV1ToCoreEvent(*body);
  absl::StatusOr<ObjectRef> updated =
      call.registry->Update(call.info.namespace_name, call.info.name, *std::move(body),
                            call.info.subresource, call.Options());
  if (!updated.ok()) return updated.status();
  Encoder encoder(*call.type, call.negotiated, "Metadata", clock_);
  call.Send(200, encoder.Object(**updated));
  return absl::OkStatus();
}

absl::Status ResourceHandler::Patch(Call& call) {
  std::string media = BaseMediaType(call.request.headers.Get("Content-Type").value_or(""));
  if (media == "application/apply-patch+yaml" && !call.type->is_view() &&
      call.info.subresource.empty() &&
      api::schema::Catalog::Builtin().ForKind(call.type->group, call.type->version,
                                              call.type->kind) != nullptr) {
    return ServerSideApply(call);
  }
  absl::StatusOr<PatchType> patch_type = PatchTypeOf(media, call.type->group, call.type->kind);
  if (!patch_type.ok()) return patch_type.status();
  json patch = json::parse(call.request.body, nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) {
    return api::BadRequestError("error decoding patch: invalid JSON");
  }
  absl::StatusOr<ObjectRef> patched;
  if (call.type->is_view()) {
    // The patch speaks the served form: apply it there, store the converted result.
    const api::ResourceType& type = *call.type;
    auto apply = [&](json& stored) -> absl::Status {
      json served = api::CoreEventToEventsV1(stored);
      absl::StatusOr<json> result = ApplyPatch(*patch_type, served, patch, type.group, type.kind);
      if (!result.ok()) return result.status();
      stored = api::EventsV1ToCoreEvent(*result);
      return absl::OkStatus();
    };
    patched = call.registry->GuaranteedUpdate(call.info.namespace_name, call.info.name, apply,
                                              call.info.subresource, call.Options());
  } else {
    patched = call.registry->Patch(call.info.namespace_name, call.info.name, *patch_type, patch,
                                   call.info.subresource, call.Options());
  }
  if (!patched.ok()) return patched.status();
  Encoder encoder(*call.type, call.negotiated, "Metadata", clock_);
  call.Send(200, encoder.Object(**patched));
  return absl::OkStatus();
}

namespace {

absl::StatusOr<DeleteOptions> ParseDeleteOptions(const http::Request& request) {
  DeleteOptions options;
  if (!request.body.empty()) {
    absl::StatusOr<json> body =
        DecodeBody(request.headers.Get("Content-Type").value_or(""), request.body);
    if (!body.ok()) return body.status();
    if (body->is_object()) {
      if (auto grace = body->find("gracePeriodSeconds");
          grace != body->end() && grace->is_number_integer()) {
        options.grace_period_seconds = grace->get<int64_t>();
      }
      options.propagation_policy = body->value("propagationPolicy", "");
      if (body->value("orphanDependents", false)) options.propagation_policy = "Orphan";
      if (auto preconditions = body->find("preconditions");
          preconditions != body->end() && preconditions->is_object()) {
        if (preconditions->contains("uid") && (*preconditions)["uid"].is_string()) {
          options.precondition_uid = (*preconditions)["uid"].get<std::string>();
        }
        if (preconditions->contains("resourceVersion") &&
            (*preconditions)["resourceVersion"].is_string()) {
          options.precondition_resource_version =
              (*preconditions)["resourceVersion"].get<std::string>();
        }
      }
      if (auto dry_run = body->find("dryRun"); dry_run != body->end() && dry_run->is_array()) {
        for (const json& value : *dry_run) {
          if (value == "All") options.dry_run = true;
        }
      }
    }
  }
  absl::StatusOr<std::optional<int64_t>> grace = IntParam(request, "gracePeriodSeconds");
  if (!grace.ok()) return grace.status();
  if (grace->has_value()) options.grace_period_seconds = **grace;
  if (std::optional<std::string> policy = request.Query("propagationPolicy")) {
    options.propagation_policy = *policy;
  }
  const std::string& policy = options.propagation_policy;
  if (!policy.empty() && policy != "Orphan" && policy != "Background" && policy != "Foreground") {
    return api::BadRequestError(
        base::StrCat("propagationPolicy: Unsupported value: \"", policy,
                     "\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""));
  }
  if (IsDryRun(request)) options.dry_run = true;
  return options;
}

std::string DeletedStatus(const api::ResourceType& type, const CachedObject& object) {
  json details = {{"name", object.name}, {"kind", type.plural}, {"uid", object.uid}};
  if (!type.group.empty()) details["group"] = type.group;
  return json{{"kind", "Status"},
              {"apiVersion", "v1"},
              {"metadata", json::object()},
              {"status", "Success"},
              {"details", std::move(details)}}
      .dump();
}

}  // namespace

absl::Status ResourceHandler::Delete(Call& call) {
  absl::StatusOr<DeleteOptions> options = ParseDeleteOptions(call.request);
  if (!options.ok()) return options.status();
  absl::StatusOr<DeleteResult> result =
      call.registry->Delete(call.info.namespace_name, call.info.name, *options);
  if (!result.ok()) return result.status();
  if (result->deleted) {
    call.negotiated = {Representation::kJson, "application/json"};
    call.Send(200, DeletedStatus(*call.type, *result->object));
    return absl::OkStatus();
  }
  Encoder encoder(*call.type, call.negotiated, "Metadata", clock_);
  call.Send(200, encoder.Object(*result->object));
  return absl::OkStatus();
}

absl::Status ResourceHandler::DeleteCollection(Call& call) {
  const api::ResourceType& type = *call.type;
  absl::StatusOr<ListParams> params = ParseListParams(type, call.request, call.info.namespace_name);
  if (!params.ok()) return params.status();
  absl::StatusOr<DeleteOptions> options = ParseDeleteOptions(call.request);
  if (!options.ok()) return options.status();
  absl::StatusOr<int64_t> fresh = cache_.WaitUntilFresh(kFreshReadTimeout);
  if (!fresh.ok()) return fresh.status();
  WatchCache::ListResult listed = cache_.List(type, params->filter);
  std::vector<ObjectRef> deleted;
  for (const ObjectRef& object : listed.objects) {
    absl::StatusOr<DeleteResult> result =
        call.registry->Delete(object->namespace_name, object->name, *options);
    if (!result.ok()) {
      if (api::IsNotFound(result.status())) continue;
      return result.status();
    }
    deleted.push_back(result->object);
  }
  Encoder encoder(type, call.negotiated, "Metadata", clock_);
  call.Send(200, encoder.List(deleted, {{"resourceVersion", std::to_string(listed.revision)}}));
  return absl::OkStatus();
}

absl::Status ResourceHandler::Bind(Call& call) {
  absl::StatusOr<json> body =
      DecodeBody(call.request.headers.Get("Content-Type").value_or(""), call.request.body);
  if (!body.ok()) return body.status();
  std::string node = (*body)["target"].is_object() ? (*body)["target"].value("name", "") : "";
  if (node.empty()) {
    return api::InvalidError(*call.type, call.info.name, {api::Required("target.name")});
  }
  const std::string& name = call.info.name;
  auto bind = [&](json& pod) -> absl::Status {
    json& spec = pod["spec"];
    std::string current = spec.value("nodeName", "");
    if (!current.empty()) {
      return api::ConflictError(
          *call.type, name,
          base::StrCat("pod ", name, " is already assigned to node \"", current, "\""));
    }
    if (pod["metadata"].contains("deletionTimestamp")) {
      return api::ConflictError(
          *call.type, name,
          base::StrCat("pod ", name, " is being deleted, cannot be assigned to a host"));
    }
    spec["nodeName"] = node;
    json& conditions = pod["status"]["conditions"];
    if (!conditions.is_array()) conditions = json::array();
    json scheduled = {{"type", "PodScheduled"},
                      {"status", "True"},
                      {"lastProbeTime", nullptr},
                      {"lastTransitionTime",
                       api::FormatTimestamp(clock_.NowUnixNanos() / base::kNanosPerSecond)}};
    bool replaced = false;
    for (json& condition : conditions) {
      if (condition.value("type", "") == "PodScheduled") {
        condition = scheduled;
        replaced = true;
      }
    }
    if (!replaced) conditions.push_back(scheduled);
    return absl::OkStatus();
  };
  absl::StatusOr<ObjectRef> bound = call.registry->GuaranteedUpdate(
      call.info.namespace_name, name, bind, "binding", call.Options());
  if (!bound.ok()) return bound.status();
  call.negotiated = {Representation::kJson, "application/json"};
  call.Send(201, json{{"kind", "Status"},
                      {"apiVersion", "v1"},
                      {"metadata", json::object()},
                      {"status", "Success"},
                      {"code", 201}}
                     .dump());
  return absl::OkStatus();
}

// GET, PUT and PATCH of the autoscaling/v1 Scale view of an object with replicas.
absl::Status ResourceHandler::Scale(Call& call) {
  const api::ResourceType& type = *call.type;
  call.negotiated = {Representation::kJson, "application/json"};
  auto reply = [&](const ObjectRef& object) -> absl::Status {
    absl::StatusOr<json> scale = ScaleOf(type, json::parse(object->json));
    if (!scale.ok()) return scale.status();
    call.Send(200, scale->dump());
    return absl::OkStatus();
  };
  if (call.info.verb == "get") {
    absl::StatusOr<ObjectRef> object = call.registry->Get(call.info.namespace_name, call.info.name);
    if (!object.ok()) return object.status();
    return reply(*object);
  }
  std::optional<PatchType> patch_type;
  json body;
  if (call.info.verb == "patch") {
    std::string media = BaseMediaType(call.request.headers.Get("Content-Type").value_or(""));
    absl::StatusOr<PatchType> requested = PatchTypeOf(media, "autoscaling", "Scale");
    if (!requested.ok()) return requested.status();
    patch_type = *requested;
    body = json::parse(call.request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return api::BadRequestError("error decoding patch: invalid JSON");
  } else {
    absl::StatusOr<json> decoded =
        DecodeBody(call.request.headers.Get("Content-Type").value_or(""), call.request.body);
    if (!decoded.ok()) return decoded.status();
    body = *std::move(decoded);
  }
  auto rescale = [&](json& object) -> absl::Status {
    json scale = body;
    if (patch_type) {
      absl::StatusOr<json> current = ScaleOf(type, object);
      if (!current.ok()) return current.status();
      absl::StatusOr<json> patched =
          ApplyPatch(*patch_type, *current, body, "autoscaling", "Scale");
      if (!patched.ok()) return patched.status();
      scale = *std::move(patched);
    }
    return ApplyScale(type, scale, object);
  };
  absl::StatusOr<ObjectRef> updated = call.registry->GuaranteedUpdate(
      call.info.namespace_name, call.info.name, rescale, "", call.Options());
  if (!updated.ok()) return updated.status();
  return reply(*updated);
}

// POST pods/<name>/eviction: deletes the pod unless a PodDisruptionBudget forbids it now.
absl::Status ResourceHandler::Evict(Call& call) {
  absl::StatusOr<json> body =
      DecodeBody(call.request.headers.Get("Content-Type").value_or(""), call.request.body);
  if (!body.ok()) return body.status();
  if (!body->is_object() || body->value("kind", "") != "Eviction") {
    return api::BadRequestError("the body of the request was not an Eviction");
  }
  const std::string& name = call.info.name;
  const std::string body_name =
      (*body)["metadata"].is_object() ? (*body)["metadata"].value("name", "") : "";
  if (body_name != name) {
    return api::BadRequestError("name in URL does not match name in Eviction object");
  }
  Registry* budgets = Find("policy", "v1", "poddisruptionbudgets");
  const bool dry_run = IsDryRun(call.request);
  for (int attempt = 0;; ++attempt) {
    // Budgets as stored now, as upstream's quorum list: one created just before must count.
    if (absl::StatusOr<int64_t> fresh = cache_.WaitUntilFresh(kFreshReadTimeout); !fresh.ok()) {
      return fresh.status();
    }
    absl::StatusOr<ObjectRef> pod = call.registry->Get(call.info.namespace_name, name);
    if (!pod.ok()) return pod.status();
    std::vector<json> budget_objects;
    if (budgets != nullptr) {
      ObjectFilter filter;
      filter.namespace_name = call.info.namespace_name;
      for (const ObjectRef& budget : cache_.List(budgets->type(), filter).objects) {
        budget_objects.push_back(json::parse(budget->json));
      }
    }
    json budget;
    absl::StatusOr<bool> take_budget =
        PlanEviction(json::parse((*pod)->json), budget_objects,
                     clock_.NowUnixNanos() / base::kNanosPerSecond, &budget);
    if (!take_budget.ok()) return take_budget.status();
    if (*take_budget) {
      absl::StatusOr<ObjectRef> taken =
          budgets->Update(call.info.namespace_name, budget["metadata"].value("name", ""), budget,
                          "status", {dry_run});
      if (!taken.ok()) {
        // Another eviction took a disruption first: decide again on fresh state.
        if (api::IsConflict(taken.status()) && attempt < 3) continue;
        return taken.status();
      }
    }
    DeleteOptions options;
    options.dry_run = dry_run;
    const json& delete_options = (*body)["deleteOptions"];
    if (delete_options.is_object()) {
      if (delete_options.contains("gracePeriodSeconds") &&
          delete_options["gracePeriodSeconds"].is_number_integer()) {
        options.grace_period_seconds = delete_options["gracePeriodSeconds"].get<int64_t>();
      }
      const json& preconditions = delete_options["preconditions"];
      if (preconditions.is_object()) {
        if (preconditions.contains("uid"))
          options.precondition_uid = preconditions.value("uid", "");
        if (preconditions.contains("resourceVersion")) {
          options.precondition_resource_version = preconditions.value("resourceVersion", "");
        }
      }
    }
    absl::StatusOr<DeleteResult> deleted =
        call.registry->Delete(call.info.namespace_name, name, options);
    if (!deleted.ok()) return deleted.status();
    call.negotiated = {Representation::kJson, "application/json"};
    call.Send(201, json{{"kind", "Status"},
                        {"apiVersion", "v1"},
                        {"metadata", json::object()},
                        {"status", "Success"},
                        {"code", 201}}
                       .dump());
    return absl::OkStatus();
  }
}

// PATCH with application/apply-patch+yaml: server-side apply of a partial object. Creates the
// object when it does not exist yet.
absl::Status ResourceHandler::ServerSideApply(Call& call) {
  const api::ResourceType& type = *call.type;
  WriteOptions options = call.Options();
  if (!call.request.Query("fieldManager")) {
    return api::BadRequestError(
        "PATCH, application/apply-patch+yaml requires fieldManager to be set");
  }
  absl::StatusOr<bool> force = BoolParam(call.request, "force");
  if (!force.ok()) return force.status();
  absl::StatusOr<json> applied = api::YamlToJson(call.request.body);
  if (!applied.ok()) {
    return api::BadRequestError(base::StrCat("error decoding YAML: ", applied.status().message()));
  }
  if (!applied->is_object())
    return api::BadRequestError("the apply configuration is not an object");
  const api::schema::Definition& definition =
      *api::schema::Catalog::Builtin().ForKind(type.group, type.version, type.kind);
  api::ApplyRequest request;
  request.manager = options.field_manager;
  request.api_version = type.GroupVersion();
  request.now_nanos = clock_.NowUnixNanos();
  request.kind = type.kind;
  request.name = call.info.name;
  request.force = *force;
  options.managed_fields_final = true;
  const std::string& namespace_name = call.info.namespace_name;
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<ObjectRef> live = call.registry->Get(namespace_name, call.info.name);
    absl::StatusOr<ObjectRef> written;
    if (!live.ok()) {
      if (!api::IsNotFound(live.status())) return live.status();
      absl::StatusOr<json> created = api::Apply(definition, nullptr, *applied, request);
      if (!created.ok()) return created.status();
      written = call.registry->Create(namespace_name, *std::move(created), options);
      if (written.ok()) {
        Encoder encoder(type, call.negotiated, "Metadata", clock_);
        call.Send(201, encoder.Object(**written));
        return absl::OkStatus();
      }
      if (api::IsAlreadyExists(written.status()) && attempt < 3) continue;
      return written.status();
    }
    json current = json::parse((*live)->json);
    absl::StatusOr<json> merged = api::Apply(definition, &current, *applied, request);
    if (!merged.ok()) return merged.status();
    // Guarded by the version the merge was computed from.
    (*merged)["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
    written =
        call.registry->Update(namespace_name, call.info.name, *std::move(merged), "", options);
    if (written.ok()) {
      Encoder encoder(type, call.negotiated, "Metadata", clock_);
      call.Send(200, encoder.Object(**written));
      return absl::OkStatus();
    }
    if (api::IsConflict(written.status()) && attempt < 3) continue;
    return written.status();
  }
}

}  // namespace k1s::apiserver
