#include "api/table_printer.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/human_duration.h"
#include "api/table_printer_internal.h"
#include "api/timestamps.h"
#include "api/validate_util.h"

namespace k1s::api {
namespace table_internal {

// ---------------------------------------------------------------------------------------------
// Tolerant JSON access.

const json& NullJson() {
  static const json* const kNull = new json();
  return *kNull;
}

namespace {
const json& EmptyArray() {
  static const json* const kEmpty = new json(json::array());
  return *kEmpty;
}
}  // namespace

const json& Field(const json& object, std::string_view key) {
  if (!object.is_object()) return NullJson();
  auto it = object.find(std::string(key));
  return it == object.end() ? NullJson() : *it;
}

const json& At(const json& object, std::initializer_list<std::string_view> path) {
  const json* current = &object;
  for (std::string_view key : path) current = &Field(*current, key);
  return *current;
}

std::string Str(const json& value) { return value.is_string() ? value.get<std::string>() : ""; }

int64_t Int(const json& value, int64_t fallback) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
  return fallback;
}

bool Bool(const json& value) { return value.is_boolean() && value.get<bool>(); }

// Elements of an array or entries of an object; 0 for anything else.
int64_t Count(const json& value) {
  return value.is_array() || value.is_object() ? static_cast<int64_t>(value.size()) : 0;
}

const json& Items(const json& value) { return value.is_array() ? value : EmptyArray(); }

// Go's pointer-or-struct presence test for a nested object (state.terminated, claimRef, ...).
bool Present(const json& value) { return value.is_object(); }

// A metav1.Time or MicroTime; nullopt is Go's zero time (null, missing or unparsable).
std::optional<int64_t> Time(const json& value) {
  if (!value.is_string()) return std::nullopt;
  return ParseTimestamp(value.get_ref<const std::string&>());
}

// Upstream's translateTimestampSince.
std::string Since(std::optional<int64_t> time, int64_t now) {
  if (!time) return "<unknown>";
  return HumanDuration(now - *time);
}

std::string Since(const json& value, int64_t now) { return Since(Time(value), now); }

std::string Name(const json& object) { return Str(At(object, {"metadata", "name"})); }

std::string Age(const json& object, int64_t now) {
  return Since(At(object, {"metadata", "creationTimestamp"}), now);
}

bool BeingDeleted(const json& object) {
  return !At(object, {"metadata", "deletionTimestamp"}).is_null();
}

std::string OrNone(std::string value) { return value.empty() ? "<none>" : value; }

std::string AsciiLower(std::string value) {
  absl::AsciiStrToLower(&value);
  return value;
}

// labels.FormatLabels: "a=1,b=2" in key order (json objects iterate sorted), "<none>" if empty.
std::string FormatLabels(const json& labels) {
  std::vector<std::string> pairs;
  if (labels.is_object()) {
    for (const auto& [key, value] : labels.items())
      pairs.push_back(absl::StrCat(key, "=", Str(value)));
  }
  return pairs.empty() ? "<none>" : absl::StrJoin(pairs, ",");
}

// labels.Selector.String() of metav1.LabelSelectorAsSelector(selector); nullopt when the selector
// is invalid. A null selector matches nothing and an empty one everything: both print "".
std::optional<std::string> SelectorString(const json& selector) {
  if (!selector.is_object()) return std::string();
  std::vector<std::pair<std::string, std::string>> requirements;  // key, rendered requirement
  const json& match_labels = Field(selector, "matchLabels");
  if (match_labels.is_object()) {
    for (const auto& [key, value] : match_labels.items()) {
      requirements.emplace_back(key, absl::StrCat(key, "=", Str(value)));
    }
  }
  for (const json& expression : Items(Field(selector, "matchExpressions"))) {
    const std::string key = Str(Field(expression, "key"));
    const std::string op = Str(Field(expression, "operator"));
    std::vector<std::string> values;
    for (const json& value : Items(Field(expression, "values"))) values.push_back(Str(value));
    std::sort(values.begin(), values.end());
    if (key.empty()) return std::nullopt;
    if (op == "In" || op == "NotIn") {
      if (values.empty()) return std::nullopt;
      requirements.emplace_back(key, absl::StrCat(key, op == "In" ? " in (" : " notin (",
                                                  absl::StrJoin(values, ","), ")"));
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (!values.empty()) return std::nullopt;
      requirements.emplace_back(key, op == "Exists" ? key : absl::StrCat("!", key));
    } else {
      return std::nullopt;
    }
  }
  std::stable_sort(requirements.begin(), requirements.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> rendered;
  for (auto& requirement : requirements) rendered.push_back(std::move(requirement.second));
  return absl::StrJoin(rendered, ",");
}

// metav1.FormatLabelSelector.
std::string FormatLabelSelector(const json& selector) {
  std::optional<std::string> text = SelectorString(selector);
  if (!text) return "<error>";
  return OrNone(*text);
}

// layoutContainerCells: container names and images, comma separated.
std::pair<std::string, std::string> ContainerCells(const json& pod_spec) {
  std::vector<std::string> names;
  std::vector<std::string> images;
  for (const json& container : Items(Field(pod_spec, "containers"))) {
    names.push_back(Str(Field(container, "name")));
    images.push_back(Str(Field(container, "image")));
  }
  return {absl::StrJoin(names, ","), absl::StrJoin(images, ",")};
}

// "a,b,c + 2 more..." as upstream's listWithMoreString; "<unset>" when empty.
std::string ListWithMore(const std::vector<std::string>& shown, int64_t total) {
  std::string text = absl::StrJoin(shown, ",");
  if (total > static_cast<int64_t>(shown.size())) {
    return absl::StrCat(text, " + ", total - static_cast<int64_t>(shown.size()), " more...");
  }
  return text.empty() ? "<unset>" : text;
}

// net.JoinHostPort: IPv6 literals get brackets.
std::string JoinHostPort(const std::string& host, int64_t port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

// helper.GetAccessModesAsString: a fixed order, duplicates dropped.
std::string AccessModes(const json& modes) {
  std::set<std::string> present;
  for (const json& mode : Items(modes)) present.insert(Str(mode));
  std::vector<std::string> shown;
  if (present.count("ReadWriteOnce")) shown.push_back("RWO");
  if (present.count("ReadOnlyMany")) shown.push_back("ROX");
  if (present.count("ReadWriteMany")) shown.push_back("RWX");
  if (present.count("ReadWriteOncePod")) shown.push_back("RWOP");
  return absl::StrJoin(shown, ",");
}

// The storage class of a PV or PVC: the beta annotation wins over spec.storageClassName.
std::string StorageClass(const json& object) {
  const json& annotation =
      At(object, {"metadata", "annotations", "volume.beta.kubernetes.io/storage-class"});
  if (annotation.is_string()) return Str(annotation);
  return Str(At(object, {"spec", "storageClassName"}));
}

std::string Quantity(const json& value) {
  if (value.is_null()) return "0";
  // Stored quantities are canonical already; parsing keeps a client's "1000m" printing as "1".
  if (std::optional<validate::Quantity> parsed = validate::ParseQuantity(value)) {
    return parsed->canonical;
  }
  return Str(value);
}

std::string QuantityPointer(const json& value) {
  return value.is_null() ? "<nil>" : Quantity(value);
}

std::string IntOrString(const json& value) {
  if (value.is_number()) return absl::StrCat(Int(value));
  return Str(value);
}

bool HasTrueCondition(const json& status, std::string_view type) {
  for (const json& condition : Items(Field(status, "conditions"))) {
    if (Str(Field(condition, "type")) == type) return Str(Field(condition, "status")) == "True";
  }
  return false;
}

std::string StringOr(const json& value, std::string fallback) {
  return value.is_string() ? Str(value) : fallback;
}

// ---------------------------------------------------------------------------------------------
// Columns and the registry.

const char kNameDoc[] =
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const char kCreationTimestampDoc[] =
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";
const char kContainersDoc[] = "Names of each container in the template.";
const char kImagesDoc[] = "Images referenced by each container in the template.";

TableColumn NameColumn(int32_t priority) { return {"Name", "string", "name", kNameDoc, priority}; }
TableColumn AgeColumn() { return {"Age", "string", "", kCreationTimestampDoc, 0}; }
TableColumn Column(std::string name, std::string type, std::string description, int32_t priority) {
  return {std::move(name), std::move(type), "", std::move(description), priority};
}

void AddPrinter(PrinterMap& printers, std::string group, std::string kind,
                std::vector<TableColumn> columns, CellsFunction cells) {
  printers[{std::move(group), std::move(kind)}] = Printer{std::move(columns), cells};
}

}  // namespace table_internal

namespace {

using nlohmann::json;
using table_internal::Printer;
using table_internal::PrinterMap;

// Upstream's default table convertor (k8s.io/apiserver/pkg/registry/rest/table.go), used by every
// kind without a printer: Role, ClusterRole, LimitRange, CustomResourceDefinition, ...
json DefaultCells(const json& object, int64_t /*now*/) {
  std::optional<int64_t> created =
      table_internal::Time(table_internal::At(object, {"metadata", "creationTimestamp"}));
  return json::array({table_internal::Name(object),
                      created ? FormatTimestamp(*created) : std::string("0001-01-01T00:00:00Z")});
}

const PrinterMap& Printers() {
  static const PrinterMap* const kPrinters = [] {
    auto* printers = new PrinterMap();
    table_internal::AddCorePrinters(*printers);
    table_internal::AddWorkloadPrinters(*printers);
    table_internal::AddOtherPrinters(*printers);
    return printers;
  }();
  return *kPrinters;
}

const Printer& DefaultPrinter() {
  static const Printer* const kDefault =
      new Printer{{table_internal::NameColumn(),
                   {"Created At", "date", "", table_internal::kCreationTimestampDoc, 0}},
                  DefaultCells};
  return *kDefault;
}

const Printer& FindPrinter(std::string_view group, std::string_view kind) {
  const PrinterMap& printers = Printers();
  auto it = printers.find(std::make_pair(std::string(group), std::string(kind)));
  return it == printers.end() ? DefaultPrinter() : it->second;
}

}  // namespace

const std::vector<TableColumn>& TableColumns(std::string_view group, std::string_view kind) {
  return FindPrinter(group, kind).columns;
}

json TableCells(std::string_view group, std::string_view kind, const json& object,
                int64_t now_unix_seconds) {
  const Printer& printer = FindPrinter(group, kind);
  try {
    return printer.cells(object, now_unix_seconds);
  } catch (const json::exception&) {
    // The accessors do not throw; this keeps a row aligned with its columns regardless.
    return json(std::vector<std::string>(printer.columns.size()));
  }
}

json TableRowConditions(std::string_view group, std::string_view kind, const json& object) {
  if (!group.empty() || kind != "Pod") return nullptr;
  const std::string phase = table_internal::Str(table_internal::At(object, {"status", "phase"}));
  if (phase != "Succeeded" && phase != "Failed") return nullptr;
  return json::array({{{"type", "Completed"},
                       {"status", "True"},
                       {"reason", phase},
                       {"message", phase == "Succeeded" ? "The pod has completed successfully."
                                                        : "The pod failed."}}});
}

const std::string& ObjectNameDescription() {
  static const std::string* const kDoc = new std::string(table_internal::kNameDoc);
  return *kDoc;
}

const std::string& CreationTimestampDescription() {
  static const std::string* const kDoc = new std::string(table_internal::kCreationTimestampDoc);
  return *kDoc;
}

}  // namespace k1s::api
