#include "quota/resource_list.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"

namespace k1s::quota {

using json = nlohmann::json;

ResourceList ResourceListFromJson(const json& value) {
  ResourceList list;
  if (!value.is_object()) return list;
  for (const auto& [name, quantity] : value.items()) {
    if (std::optional<Quantity> q = Quantity::FromJson(quantity)) list[name] = *q;
  }
  return list;
}

json ResourceListToJson(const ResourceList& list) {
  json out = json::object();
  for (const auto& [name, quantity] : list) out[name] = quantity.String();
  return out;
}

ResourceNames Names(const ResourceList& list) {
  ResourceNames names;
  for (const auto& entry : list) names.insert(entry.first);
  return names;
}

ResourceList Add(const ResourceList& a, const ResourceList& b) {
  ResourceList result = a;
  AddInto(result, b);
  return result;
}

ResourceList SubtractNonNegative(const ResourceList& a, const ResourceList& b) {
  ResourceList result;
  for (const auto& [name, quantity] : a) {
    Quantity q = quantity;
    if (auto it = b.find(name); it != b.end()) q.Sub(it->second);
    result[name] = q.Sign() > 0 ? q : Quantity::FromInt(0);
  }
  for (const auto& entry : b) result.emplace(entry.first, Quantity::FromInt(0));
  return result;
}

ResourceList Mask(const ResourceList& list, const ResourceNames& names) {
  ResourceList result;
  for (const auto& entry : list) {
    if (names.count(entry.first) > 0) result.insert(entry);
  }
  return result;
}

ResourceList RemoveZeros(const ResourceList& list) {
  ResourceList result;
  for (const auto& entry : list) {
    if (!entry.second.IsZero()) result.insert(entry);
  }
  return result;
}

ResourceNames Negative(const ResourceList& list) {
  ResourceNames names;
  for (const auto& [name, quantity] : list) {
    if (quantity.Sign() < 0) names.insert(name);
  }
  return names;
}

ResourceNames Exceeded(const ResourceList& list, const ResourceList& limits) {
  ResourceNames names;
  for (const auto& [name, limit] : limits) {
    auto it = list.find(name);
    if (it != list.end() && it->second.Compare(limit) > 0) names.insert(name);
  }
  return names;
}

bool Equal(const ResourceList& a, const ResourceList& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, quantity] : a) {
    auto it = b.find(name);
    if (it == b.end() || it->second.Compare(quantity) != 0) return false;
  }
  return true;
}

std::string PrettyPrint(const ResourceList& list) {
  return absl::StrJoin(list, ",", [](std::string* out, const auto& entry) {
    out->append(entry.first);
    out->append("=");
    out->append(entry.second.String());
  });
}

void AddInto(ResourceList& sum, const ResourceList& more) {
  for (const auto& [name, quantity] : more) {
    auto [it, inserted] = sum.emplace(name, quantity);
    if (!inserted) it->second.Add(quantity);
  }
}

void MaxInto(ResourceList& max, const ResourceList& other) {
  for (const auto& [name, quantity] : other) {
    auto [it, inserted] = max.emplace(name, quantity);
    if (!inserted && quantity.Compare(it->second) > 0) it->second = quantity;
  }
}

}  // namespace k1s::quota
