#pragma once
// Shared by table_printer.cc and the table_printers_*.cc files: tolerant JSON accessors (a missing
// or mistyped field reads as absent and never throws), the cell formatting helpers upstream's
// printers share, column constructors, and the printer registry each group file adds to.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/table_printer.h"

namespace k1s::api::table_internal {

using nlohmann::json;

// ---- JSON access ------------------------------------------------------------------------------

const json& NullJson();
// The member `key` of an object; null for anything else.
const json& Field(const json& object, std::string_view key);
// Field() along a path of keys.
const json& At(const json& object, std::initializer_list<std::string_view> path);
std::string Str(const json& value);                    // "" unless a string
int64_t Int(const json& value, int64_t fallback = 0);  // fallback unless a number
bool Bool(const json& value);                          // false unless true
int64_t Count(const json& value);                      // len() of an array or object, else 0
const json& Items(const json& value);                  // the array, or an empty one
bool Present(const json& value);                       // a non-nil Go pointer to a struct
std::string StringOr(const json& value, std::string fallback);  // the string, else fallback

// ---- Times ------------------------------------------------------------------------------------

// A metav1.Time or MicroTime; nullopt is Go's zero time (null, missing or unparsable).
std::optional<int64_t> Time(const json& value);
// Upstream's translateTimestampSince: HumanDuration of the elapsed time, "<unknown>" for zero.
std::string Since(std::optional<int64_t> time, int64_t now);
std::string Since(const json& value, int64_t now);

// ---- Object metadata --------------------------------------------------------------------------

std::string Name(const json& object);
std::string Age(const json& object, int64_t now);  // Since(creationTimestamp)
bool BeingDeleted(const json& object);             // deletionTimestamp set

// ---- Cell formatting --------------------------------------------------------------------------

std::string OrNone(std::string value);  // "<none>" for ""
std::string AsciiLower(std::string value);
// labels.FormatLabels: "a=1,b=2" in key order, "<none>" if empty.
std::string FormatLabels(const json& labels);
// labels.Selector.String() of metav1.LabelSelectorAsSelector(selector); nullopt when invalid.
std::optional<std::string> SelectorString(const json& selector);
// metav1.FormatLabelSelector: "<error>" when invalid, "<none>" when it prints empty.
std::string FormatLabelSelector(const json& selector);
// layoutContainerCells: the containers' names and images, each comma separated.
std::pair<std::string, std::string> ContainerCells(const json& pod_spec);
// listWithMoreString: "a,b,c + 2 more..." when `total` exceeds the shown items; "<unset>" when
// nothing is shown.
std::string ListWithMore(const std::vector<std::string>& shown, int64_t total);
// net.JoinHostPort: IPv6 literals get brackets.
std::string JoinHostPort(const std::string& host, int64_t port);
// helper.GetAccessModesAsString: "RWO,ROX,RWX,RWOP" order, duplicates dropped.
std::string AccessModes(const json& modes);
// The storage class of a PV or PVC: the beta annotation wins over spec.storageClassName.
std::string StorageClass(const json& object);
// resource.Quantity.String() (canonical form); a missing quantity is the zero value, "0".
std::string Quantity(const json& value);
// (*resource.Quantity).String(): like Quantity(), but a nil pointer prints "<nil>".
std::string QuantityPointer(const json& value);
// intstr.IntOrString.String(): the number or the string as is.
std::string IntOrString(const json& value);
// The first condition of `type` decides, as upstream's hasJobCondition.
bool HasTrueCondition(const json& status, std::string_view type);

// ---- Columns ----------------------------------------------------------------------------------

// metav1.ObjectMeta's swagger docs for name and creationTimestamp.
extern const char kNameDoc[];
extern const char kCreationTimestampDoc[];
// Shared by the kinds with a pod template.
extern const char kContainersDoc[];
extern const char kImagesDoc[];

TableColumn NameColumn(int32_t priority = 0);
TableColumn AgeColumn();
TableColumn Column(std::string name, std::string type, std::string description,
                   int32_t priority = 0);

// ---- Registry ---------------------------------------------------------------------------------

// Computes one row's cells, aligned with the printer's columns.
using CellsFunction = json (*)(const json& object, int64_t now);

struct Printer {
  std::vector<TableColumn> columns;
  CellsFunction cells;
};

// Keyed by (API group, kind); the core group is "".
using PrinterMap = std::map<std::pair<std::string, std::string>, Printer, std::less<>>;

void AddPrinter(PrinterMap& printers, std::string group, std::string kind,
                std::vector<TableColumn> columns, CellsFunction cells);

// Each group file registers its kinds.
void AddCorePrinters(PrinterMap& printers);      // the core ("") group
void AddWorkloadPrinters(PrinterMap& printers);  // apps, batch, autoscaling, policy
void AddOtherPrinters(PrinterMap& printers);     // networking, rbac, storage, and the rest

}  // namespace k1s::api::table_internal
