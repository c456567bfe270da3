#pragma once
// Server-side table printing: the columns and cells kube-apiserver returns for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, which `kubectl get` renders.
//
// Built-in kinds follow upstream's printers (pkg/printers/internalversion); every other kind gets
// the generic table of Name and Created At. Like kube-apiserver, cells always include the
// `-o wide` columns (priority 1); kubectl hides them unless asked. Objects are the versioned JSON
// as stored; the defaults upstream applies on decode (Service type ClusterIP, replicas 1, ...)
// are assumed where a field is missing. Stateless and thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace k1s::api {

// One metav1.TableColumnDefinition.
struct TableColumn {
  std::string name;         // "Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", ...
  std::string type;         // "string", "integer", "date", "number", "boolean"
  std::string format;       // "name" for the object's name column, else ""
  std::string description;  // upstream's description (swagger doc of the field shown)
  int32_t priority = 0;     // 1 = only shown by kubectl with -o wide
};

// The columns kube-apiserver prints for (group, kind); group is "" for the core group.
// Unknown kinds get the generic Name / Created At table. The reference stays valid forever.
const std::vector<TableColumn>& TableColumns(std::string_view group, std::string_view kind);

// The cells of one row for `object` (a full JSON object of that kind), aligned with
// TableColumns(group, kind): JSON strings and integers as upstream computes them. Ages are
// relative to `now_unix_seconds`; a missing timestamp prints "<unknown>". Never throws: missing
// or mistyped fields print as if absent.
nlohmann::json TableCells(std::string_view group, std::string_view kind,
                          const nlohmann::json& object, int64_t now_unix_seconds);

// The row's metav1.TableRowCondition list: upstream marks succeeded and failed pods with a
// "Completed" condition. Null when the row has none (the field is then omitted).
nlohmann::json TableRowConditions(std::string_view group, std::string_view kind,
                                  const nlohmann::json& object);

// The column descriptions shared by every kind: metav1.ObjectMeta's swagger docs.
const std::string& ObjectNameDescription();
const std::string& CreationTimestampDescription();

}  // namespace k1s::api
