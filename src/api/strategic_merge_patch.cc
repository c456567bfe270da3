#include "api/strategic_merge_patch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/patch_strategies.h"

namespace k1s::api {
namespace {

using nlohmann::json;
using List = json::array_t;

constexpr std::string_view kDirectiveMarker = "$patch";
constexpr std::string_view kDeleteDirective = "delete";
constexpr std::string_view kReplaceDirective = "replace";
constexpr std::string_view kMergeDirective = "merge";
constexpr std::string_view kRetainKeysDirective = "$retainKeys";
constexpr std::string_view kDeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
constexpr std::string_view kSetElementOrderPrefix = "$setElementOrder";

// Upstream's error texts (k8s.io/apimachinery/pkg/util/mergepatch and strategicpatch).
constexpr char kErrNoListOfLists[] = "lists of lists are not supported";
constexpr char kErrBadPatchFormatForPrimitiveList[] = "invalid patch format of primitive list";
constexpr char kErrBadPatchFormatForRetainKeys[] = "invalid patch format of retainKeys";
constexpr char kErrBadPatchFormatForSetElementOrderList[] =
    "invalid patch format of setElementOrder list";
constexpr char kGoMapType[] = "map[string]interface {}";
constexpr char kGoSliceType[] = "[]interface {}";

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// ---- Go-style rendering, so error messages read like upstream's fmt output. ----

// Go's %v of a float64: shortest round-trip digits, exponent form outside [1e-4, 1e6).
std::string GoFloat(double value) {
  if (value == 0) return std::signbit(value) ? "-0" : "0";
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*e", precision - 1, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::string text(buffer);
  std::string sign;
  if (text[0] == '-') {
    sign = "-";
    text.erase(0, 1);
  }
  size_t e = text.find('e');
  int exponent = std::atoi(text.c_str() + e + 1);
  std::string digits = text.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exponent < -4 || exponent >= 6) {
    std::string mantissa = digits.substr(0, 1);
    if (digits.size() > 1) absl::StrAppend(&mantissa, ".", digits.substr(1));
    std::string exp_digits = std::to_string(std::abs(exponent));
    if (exp_digits.size() < 2) exp_digits.insert(0, "0");
    return absl::StrCat(sign, mantissa, "e", exponent < 0 ? "-" : "+", exp_digits);
  }
  if (exponent < 0) {
    return absl::StrCat(sign, "0.", std::string(static_cast<size_t>(-exponent - 1), '0'), digits);
  }
  size_t integer_digits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= integer_digits) {
    return absl::StrCat(sign, digits, std::string(integer_digits - digits.size(), '0'));
  }
  return absl::StrCat(sign, digits.substr(0, integer_digits), ".", digits.substr(integer_digits));
}

// Go's %v of a decoded JSON value: map[k:v ...] with sorted keys, [a b], <nil>.
std::string GoValue(const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [key, member] : value.items()) {
        if (!first) out += ' ';
        first = false;
        absl::StrAppend(&out, key, ":", GoValue(member));
      }
      return out + "]";
    }
    case json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ' ';
        out += GoValue(value[i]);
      }
      return out + "]";
    }
    case json::value_t::string:
      return value.get<std::string>();
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return GoFloat(value.get<double>());
    default:
      return "<nil>";
  }
}

// The Go type a JSON value decodes to, as reflect.TypeOf(...) prints with %s.
std::string GoTypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return kGoMapType;
    case json::value_t::array:
      return kGoSliceType;
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "float64";
    default:
      return "%!s(<nil>)";
  }
}

absl::Status ErrBadArgType(std::string_view expected, const json& actual) {
  return absl::InvalidArgumentError(
      absl::StrCat("expected a ", AbslView(expected), ", but received a ", GoTypeName(actual)));
}

absl::Status ErrNoMergeKey(const json& map, std::string_view key) {
  return absl::InvalidArgumentError(
      absl::StrCat("map: ", GoValue(map), " does not contain declared merge key: ", AbslView(key)));
}

absl::Status ErrBadPatchType(const json& type, const json& map) {
  std::string rendered = type.is_string() ? type.get<std::string>()
                         : type.is_null()
                             ? "%!s(<nil>)"
                             : absl::StrCat("%!s(", GoTypeName(type), "=", GoValue(type), ")");
  return absl::InvalidArgumentError(
      absl::StrCat("unknown patch type: ", rendered, " in map: ", GoValue(map)));
}

// ---- Value helpers. ----

// JSON values compare like the Go types they decode to: every number is a float64.
enum class Kind { kNull, kBool, kNumber, kString, kList, kMap };

Kind KindOf(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return Kind::kMap;
    case json::value_t::array:
      return Kind::kList;
    case json::value_t::string:
      return Kind::kString;
    case json::value_t::boolean:
      return Kind::kBool;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return Kind::kNumber;
    default:
      return Kind::kNull;
  }
}

bool IsDirective(const json& value, std::string_view directive) {
  return value.is_string() && value.get_ref<const std::string&>() == directive;
}

bool HasDirectiveMarker(const json& item) {
  return item.is_object() && item.contains(kDirectiveMarker);
}

bool IsDeleteItem(const json& item) {
  if (!item.is_object()) return false;
  auto it = item.find(kDirectiveMarker);
  return it != item.end() && IsDirective(*it, kDeleteDirective);
}

bool IsDirectiveKey(std::string_view key) {
  return key == kDirectiveMarker || key == kRetainKeysDirective ||
         absl::StartsWith(AbslView(key), AbslView(kSetElementOrderPrefix)) ||
         absl::StartsWith(AbslView(key), AbslView(kDeleteFromPrimitiveListPrefix));
}

// Upstream's removeDirectives: maps holding "$patch" disappear (from lists too); nullopt when
// `value` itself is such a map.
std::optional<json> RemoveDirectives(json value) {
  if (value.is_object()) {
    if (value.contains(kDirectiveMarker)) return std::nullopt;
    for (auto it = value.begin(); it != value.end();) {
      std::optional<json> kept = RemoveDirectives(std::move(it.value()));
      if (kept) {
        it.value() = std::move(*kept);
        ++it;
      } else {
        it = value.erase(it);
      }
    }
  } else if (value.is_array()) {
    json result = json::array();
    for (json& item : value) {
      std::optional<json> kept = RemoveDirectives(std::move(item));
      if (kept) result.push_back(std::move(*kept));
    }
    return result;
  }
  return value;
}

// What decoding into the typed object would drop from a value taken from the patch: null members
// and directive keys.
void Sanitize(json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      if (it.value().is_null() || IsDirectiveKey(it.key())) {
        it = value.erase(it);
      } else {
        Sanitize(it.value());
        ++it;
      }
    }
  } else if (value.is_array()) {
    for (json& item : value) Sanitize(item);
  }
}

json Sanitized(json value) {
  Sanitize(value);
  return value;
}

// A patch value that has no counterpart in the document.
std::optional<json> TakeFromPatch(json value) {
  std::optional<json> kept = RemoveDirectives(std::move(value));
  if (kept) Sanitize(*kept);
  return kept;
}

// "$setElementOrder/containers" -> "containers".
absl::StatusOr<std::string> ExtractKey(std::string_view key, std::string_view prefix) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos || key.substr(0, slash) != prefix) {
    if (prefix == kDeleteFromPrimitiveListPrefix) {
      return absl::InvalidArgumentError(kErrBadPatchFormatForPrimitiveList);
    }
    return absl::InvalidArgumentError(kErrBadPatchFormatForSetElementOrderList);
  }
  return std::string(key.substr(slash + 1));
}

// The single element kind of the given lists (upstream's sliceElementType).
absl::StatusOr<Kind> ElementKind(const List& first, const List& second) {
  std::optional<Kind> kind;
  for (const List* list : {&first, &second}) {
    for (const json& item : *list) {
      Kind current = KindOf(item);
      if (!kind) {
        if (current == Kind::kList) return absl::InvalidArgumentError(kErrNoListOfLists);
        if (current == Kind::kNull) {
          return absl::InvalidArgumentError("null items are not supported in merged lists");
        }
        kind = current;
      } else if (*kind != current) {
        return absl::InvalidArgumentError(absl::StrCat("list element types are not identical: [",
                                                       GoValue(json(first)), " ",
                                                       GoValue(json(second)), "]"));
      }
    }
  }
  if (!kind) return absl::InvalidArgumentError("no elements in any of the given slices");
  return *kind;
}

// ---- List ordering (upstream's normalizeElementOrder and helpers). ----

// How items of one list are identified: by the merge key's value (maps) or by value.
struct ItemIdentity {
  std::string merge_key;
  bool maps = false;

  const json& Of(const json& item) const {
    static const json kNull;
    if (!maps) return item;
    if (!item.is_object()) return kNull;
    auto it = item.find(merge_key);
    return it == item.end() ? kNull : *it;
  }

  int64_t IndexIn(const List& list, const json& item) const {
    const json& wanted = Of(item);
    for (size_t i = 0; i < list.size(); ++i) {
      if (Of(list[i]) == wanted) return static_cast<int64_t>(i);
    }
    return -1;
  }
};

absl::Status ValidateMergeKeys(const List& list, const std::string& merge_key) {
  for (const json& item : list) {
    if (!item.is_object()) return ErrBadArgType(kGoMapType, item);
    if (!item.contains(merge_key)) return ErrNoMergeKey(item, merge_key);
  }
  return absl::OkStatus();
}

// Sorts `items` by their position in `order`; "$patch: delete" items go last.
absl::StatusOr<List> SortByOrder(List items, const List& order, const ItemIdentity& identity) {
  List deletions;
  if (identity.maps) {
    if (absl::Status s = ValidateMergeKeys(items, identity.merge_key); !s.ok()) return s;
    if (absl::Status s = ValidateMergeKeys(order, identity.merge_key); !s.ok()) return s;
    List kept;
    for (json& item : items) (IsDeleteItem(item) ? deletions : kept).push_back(std::move(item));
    items = std::move(kept);
  }
  std::vector<std::pair<int64_t, json>> ranked;
  ranked.reserve(items.size());
  for (json& item : items) ranked.emplace_back(identity.IndexIn(order, item), std::move(item));
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  List sorted;
  sorted.reserve(ranked.size() + deletions.size());
  for (auto& [rank, item] : ranked) sorted.push_back(std::move(item));
  for (json& item : deletions) sorted.push_back(std::move(item));
  return sorted;
}

// Interleaves document-only items (`left`) into patch items (`right`): a left item goes before
// the next right item when the document had it earlier. Both keep their relative order.
List MergeSorted(List left, List right, const List& server_order, const ItemIdentity& identity) {
  List merged;
  merged.reserve(left.size() + right.size());
  size_t i = 0;
  size_t j = 0;
  while (i < left.size() || j < right.size()) {
    bool take_left = j >= right.size();
    if (i < left.size() && j < right.size()) {
      int64_t li = identity.IndexIn(server_order, left[i]);
      int64_t ri = identity.IndexIn(server_order, right[j]);
      take_left = li >= 0 && ri >= 0 && li < ri;
    }
    merged.push_back(std::move(take_left ? left[i++] : right[j++]));
  }
  return merged;
}

absl::StatusOr<List> NormalizeElementOrder(List patch_items, List server_only,
                                           const List& patch_order, const List& server_order,
                                           const ItemIdentity& identity) {
  absl::StatusOr<List> sorted_patch = SortByOrder(std::move(patch_items), patch_order, identity);
  if (!sorted_patch.ok()) return sorted_patch.status();
  absl::StatusOr<List> sorted_server = SortByOrder(std::move(server_only), server_order, identity);
  if (!sorted_server.ok()) return sorted_server.status();
  return MergeSorted(std::move(*sorted_server), std::move(*sorted_patch), server_order, identity);
}

// Splits `items` into those present in `by` and the rest. With a merge key every item must be
// a map holding it.
absl::Status Partition(const List& items, const List& by, const std::string& merge_key,
                       List* present, List* absent) {
  for (const json& item : items) {
    bool found = false;
    if (merge_key.empty()) {
      found = std::find(by.begin(), by.end(), item) != by.end();
    } else {
      if (!item.is_object()) return ErrBadArgType(kGoMapType, item);
      auto key = item.find(merge_key);
      if (key == item.end()) return ErrNoMergeKey(item, merge_key);
      for (size_t i = 0; i < by.size() && !found; ++i) {
        if (!by[i].is_object()) {
          return absl::InvalidArgumentError(absl::StrCat("value for key ", i, " is not a map"));
        }
        auto other = by[i].find(merge_key);
        found = other != by[i].end() && *other == *key;
      }
    }
    (found ? present : absent)->push_back(item);
  }
  return absl::OkStatus();
}

// ---- Merging. ----

class Merger {
 public:
  absl::StatusOr<json> MergeMap(json original, json patch, const PatchSchema* schema);

 private:
  static const FieldPatchMeta& MetaOf(const PatchSchema* schema, std::string_view field) {
    static const FieldPatchMeta kDefault;
    return schema == nullptr ? kDefault : schema->Meta(field);
  }
  static const PatchSchema* ChildOf(const PatchSchema* schema, std::string_view field) {
    return schema == nullptr ? nullptr : schema->Child(field);
  }

  absl::Status ApplyRetainKeys(json& original, json& patch);
  absl::Status ApplySetElementOrder(json& original, json& patch, const PatchSchema* schema);
  absl::Status ValidateSetElementOrder(const List& patch_list, const List& order,
                                       const std::string& merge_key);
  absl::StatusOr<json> MergeSliceHandler(json original, json patch, const FieldPatchMeta& meta,
                                         const PatchSchema* child, bool is_delete_list,
                                         std::string_view field);
  absl::StatusOr<List> MergeSlice(List original, List patch, const std::string& merge_key,
                                  const PatchSchema* child, bool is_delete_list,
                                  std::string_view field);
};

absl::StatusOr<json> Merger::MergeMap(json original, json patch, const PatchSchema* schema) {
  if (auto directive = patch.find(kDirectiveMarker); directive != patch.end()) {
    if (IsDirective(*directive, kReplaceDirective)) {
      patch.erase(directive);
      return Sanitized(std::move(patch));
    }
    if (IsDirective(*directive, kDeleteDirective)) return json::object();
    return ErrBadPatchType(*directive, patch);
  }
  if (!original.is_object()) original = json::object();

  if (absl::Status s = ApplyRetainKeys(original, patch); !s.ok()) return s;
  if (absl::Status s = ApplySetElementOrder(original, patch, schema); !s.ok()) return s;

  for (auto entry = patch.begin(); entry != patch.end(); ++entry) {
    std::string key = entry.key();
    json& patch_value = entry.value();
    bool is_delete_list = false;
    if (absl::StartsWith(key, AbslView(kDeleteFromPrimitiveListPrefix))) {
      absl::StatusOr<std::string> list_key = ExtractKey(key, kDeleteFromPrimitiveListPrefix);
      if (!list_key.ok()) return list_key.status();
      key = *std::move(list_key);
      is_delete_list = true;
    }
    if (patch_value.is_null()) {
      original.erase(key);
      continue;
    }
    auto existing = original.find(key);
    if (existing == original.end() || KindOf(*existing) != KindOf(patch_value)) {
      // Nothing to merge with: take the patch value (a deletion list adds nothing).
      if (is_delete_list) continue;
      std::optional<json> value = TakeFromPatch(std::move(patch_value));
      if (value) {
        original[key] = std::move(*value);
      } else {
        original.erase(key);
      }
      continue;
    }
    const FieldPatchMeta& meta = MetaOf(schema, key);
    const PatchSchema* child = ChildOf(schema, key);
    switch (KindOf(patch_value)) {
      case Kind::kMap: {
        if (meta.strategy == PatchStrategy::kReplace) {
          *existing = Sanitized(std::move(patch_value));
          break;
        }
        absl::StatusOr<json> merged = MergeMap(std::move(*existing), std::move(patch_value), child);
        if (!merged.ok()) return merged.status();
        original[key] = *std::move(merged);
        break;
      }
      case Kind::kList: {
        absl::StatusOr<json> merged = MergeSliceHandler(
            std::move(*existing), std::move(patch_value), meta, child, is_delete_list, key);
        if (!merged.ok()) return merged.status();
        original[key] = *std::move(merged);
        break;
      }
      default:
        *existing = std::move(patch_value);
    }
  }
  return original;
}

absl::Status Merger::ApplyRetainKeys(json& original, json& patch) {
  auto directive = patch.find(kRetainKeysDirective);
  if (directive == patch.end()) return absl::OkStatus();
  json retain = std::move(*directive);
  patch.erase(directive);
  if (!retain.is_array()) return absl::InvalidArgumentError(kErrBadPatchFormatForRetainKeys);
  auto retained = [&retain](const std::string& key) {
    return std::find(retain.begin(), retain.end(), json(key)) != retain.end();
  };
  // Every field the patch sets must be listed.
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null() || absl::StartsWith(key, AbslView(kDeleteFromPrimitiveListPrefix)) ||
        absl::StartsWith(key, AbslView(kSetElementOrderPrefix))) {
      continue;
    }
    if (!retained(key)) return absl::InvalidArgumentError(kErrBadPatchFormatForRetainKeys);
  }
  for (auto it = original.begin(); it != original.end();) {
    it = retained(it.key()) ? std::next(it) : original.erase(it);
  }
  return absl::OkStatus();
}

absl::Status Merger::ValidateSetElementOrder(const List& patch_list, const List& order,
                                             const std::string& merge_key) {
  if (order.empty() || patch_list.empty()) return absl::OkStatus();
  List non_delete;
  for (const json& item : patch_list) {
    if (!merge_key.empty()) {
      if (!item.is_object()) return ErrBadArgType(kGoMapType, item);
      if (IsDeleteItem(item)) continue;
    }
    non_delete.push_back(item);
  }
  size_t patch_index = 0;
  size_t order_index = 0;
  while (patch_index < non_delete.size() && order_index < order.size()) {
    const json& item = non_delete[patch_index];
    if (HasDirectiveMarker(item)) {
      ++patch_index;
      continue;
    }
    const json& ordered = order[order_index];
    bool equal = false;
    if (merge_key.empty()) {
      equal = item == ordered;
    } else {
      if (!ordered.is_object()) return ErrBadArgType(kGoMapType, ordered);
      auto left = item.find(merge_key);
      if (left == item.end()) return ErrNoMergeKey(item, merge_key);
      auto right = ordered.find(merge_key);
      if (right == ordered.end()) return ErrNoMergeKey(ordered, merge_key);
      equal = *left == *right;
    }
    if (equal) ++patch_index;
    ++order_index;
  }
  if (patch_index < non_delete.size() && order_index >= order.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("The order in patch list:\n", GoValue(json(patch_list)), "\n doesn't match ",
                     AbslView(kSetElementOrderPrefix), " list:\n", GoValue(json(order)), "\n"));
  }
  return absl::OkStatus();
}

absl::Status Merger::ApplySetElementOrder(json& original, json& patch, const PatchSchema* schema) {
  std::vector<std::string> directives;
  for (const auto& [key, value] : patch.items()) {
    if (absl::StartsWith(key, AbslView(kSetElementOrderPrefix))) directives.push_back(key);
  }
  for (const std::string& directive : directives) {
    json order = std::move(patch[directive]);
    patch.erase(directive);
    if (!order.is_array()) return ErrBadArgType(kGoSliceType, order);
    absl::StatusOr<std::string> field = ExtractKey(directive, kSetElementOrderPrefix);
    if (!field.ok()) return field.status();

    auto original_it = original.find(*field);
    auto patch_it = patch.find(*field);
    bool found_original = original_it != original.end();
    bool found_patch = patch_it != patch.end();
    if (found_original && !original_it->is_array()) {
      return ErrBadArgType(kGoSliceType, *original_it);
    }
    if (found_patch && !patch_it->is_array()) return ErrBadArgType(kGoSliceType, *patch_it);
    const List empty;
    const List& original_list = found_original ? original_it->get_ref<const List&>() : empty;
    const List& patch_list = found_patch ? patch_it->get_ref<const List&>() : empty;

    const FieldPatchMeta& meta = MetaOf(schema, *field);
    const List& order_list = order.get_ref<const List&>();
    if (absl::Status s = ValidateSetElementOrder(patch_list, order_list, meta.merge_key); !s.ok()) {
      return s;
    }

    json merged;
    if (found_original && found_patch) {
      absl::StatusOr<json> result =
          MergeSliceHandler(*original_it, *patch_it, meta, ChildOf(schema, *field), false, *field);
      if (!result.ok()) return result.status();
      merged = *std::move(result);
    } else if (found_original) {
      merged = *original_it;
    } else if (found_patch) {
      merged = TakeFromPatch(*patch_it).value_or(json::array());
    } else {
      continue;
    }

    List patch_items;
    List server_only;
    if (absl::Status s = Partition(merged.get_ref<const List&>(), order_list, meta.merge_key,
                                   &patch_items, &server_only);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<Kind> kind = ElementKind(original_list, patch_list);
    if (!kind.ok()) return kind.status();
    ItemIdentity identity{meta.merge_key, *kind == Kind::kMap};
    absl::StatusOr<List> ordered = NormalizeElementOrder(
        std::move(patch_items), std::move(server_only), order_list, original_list, identity);
    if (!ordered.ok()) return ordered.status();
    original[*field] = *std::move(ordered);
    patch.erase(*field);
  }
  return absl::OkStatus();
}

absl::StatusOr<json> Merger::MergeSliceHandler(json original, json patch,
                                               const FieldPatchMeta& meta, const PatchSchema* child,
                                               bool is_delete_list, std::string_view field) {
  // Deletion lists apply whatever the field's strategy is.
  if (meta.strategy != PatchStrategy::kMerge && !is_delete_list) {
    return Sanitized(std::move(patch));
  }
  absl::StatusOr<List> merged =
      MergeSlice(std::move(original.get_ref<List&>()), std::move(patch.get_ref<List&>()),
                 meta.merge_key, child, is_delete_list, field);
  if (!merged.ok()) return merged.status();
  return json(*std::move(merged));
}

absl::StatusOr<List> Merger::MergeSlice(List original, List patch, const std::string& merge_key,
                                        const PatchSchema* child, bool is_delete_list,
                                        std::string_view field) {
  if (original.empty() && patch.empty()) return original;
  absl::StatusOr<Kind> kind = ElementKind(original, patch);
  if (!kind.ok()) return kind.status();

  List merged;
  if (*kind != Kind::kMap) {
    if (is_delete_list) {
      for (json& item : original) {
        if (std::find(patch.begin(), patch.end(), item) == patch.end()) {
          merged.push_back(std::move(item));
        }
      }
      return merged;
    }
    // Set union; the order is settled below.
    for (const List* list : {&original, &patch}) {
      for (const json& item : *list) {
        if (std::find(merged.begin(), merged.end(), item) == merged.end()) merged.push_back(item);
      }
    }
  } else {
    if (merge_key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot merge lists without merge key for ", AbslView(field)));
    }
    // Items carrying "$patch": delete removes matches, replace makes the patch the whole list.
    List plain;
    bool replace = false;
    for (json& item : patch) {
      auto directive = item.find(kDirectiveMarker);
      if (directive == item.end()) {
        plain.push_back(std::move(item));
      } else if (IsDirective(*directive, kDeleteDirective)) {
        auto value = item.find(merge_key);
        if (value == item.end()) return ErrNoMergeKey(item, merge_key);
        for (size_t i = 0; i < original.size(); ++i) {
          if (!original[i].is_object()) {
            return absl::InvalidArgumentError(absl::StrCat("value for key ", i, " is not a map"));
          }
        }
        original.erase(std::remove_if(original.begin(), original.end(),
                                      [&](const json& existing) {
                                        auto key = existing.find(merge_key);
                                        return key != existing.end() && *key == *value;
                                      }),
                       original.end());
      } else if (IsDirective(*directive, kReplaceDirective)) {
        replace = true;  // keep scanning: later items may still be malformed
      } else if (IsDirective(*directive, kMergeDirective)) {
        return absl::InvalidArgumentError("merging lists cannot yet be specified in the patch");
      } else {
        return ErrBadPatchType(*directive, item);
      }
    }
    if (replace) {
      original = std::move(plain);
      for (json& item : original) Sanitize(item);
      patch.clear();
    } else {
      patch = std::move(plain);
    }

    merged = original;
    for (const json& item : patch) {
      auto value = item.find(merge_key);
      if (value == item.end()) return ErrNoMergeKey(item, merge_key);
      std::optional<size_t> match;
      for (size_t i = 0; i < merged.size() && !match; ++i) {
        if (!merged[i].is_object()) {
          return absl::InvalidArgumentError(absl::StrCat("value for key ", i, " is not a map"));
        }
        auto key = merged[i].find(merge_key);
        if (key != merged[i].end() && *key == *value) match = i;
      }
      if (match) {
        absl::StatusOr<json> item_merged = MergeMap(std::move(merged[*match]), item, child);
        if (!item_merged.ok()) return item_merged.status();
        merged[*match] = *std::move(item_merged);
      } else {
        merged.push_back(Sanitized(item));
      }
    }
  }

  // Patch items in patch order, document-only items interleaved where they were.
  List patch_items;
  List server_only;
  if (absl::Status s = Partition(merged, patch, merge_key, &patch_items, &server_only); !s.ok()) {
    return s;
  }
  ItemIdentity identity{merge_key, *kind == Kind::kMap};
  return NormalizeElementOrder(std::move(patch_items), std::move(server_only), patch, original,
                               identity);
}

std::string GoJsonTypeWord(const json& value) {
  switch (KindOf(value)) {
    case Kind::kList:
      return "array";
    case Kind::kString:
      return "string";
    case Kind::kNumber:
      return "number";
    case Kind::kBool:
      return "bool";
    default:
      return "object";
  }
}

}  // namespace

bool IsStrategicMergePatchSupported(std::string_view group, std::string_view kind) {
  return FindPatchSchema(group, kind) != nullptr;
}

absl::StatusOr<json> ApplyStrategicMergePatch(const json& document, const json& patch,
                                              std::string_view group, std::string_view kind) {
  const PatchSchema* schema = FindPatchSchema(group, kind);
  if (schema == nullptr) {
    return absl::InvalidArgumentError("strategic merge patch format is not supported");
  }
  if (patch.is_null()) return document;
  if (!patch.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("json: cannot unmarshal ", GoJsonTypeWord(patch),
                                                   " into Go value of type ", kGoMapType));
  }
  if (!document.is_object()) return absl::InvalidArgumentError("invalid JSON document");
  try {
    Merger merger;
    return merger.MergeMap(document, patch, schema);
  } catch (const json::exception& e) {
    return absl::InternalError(absl::StrCat("strategic merge patch: ", e.what()));
  }
}

}  // namespace k1s::api
