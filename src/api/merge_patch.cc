#include "api/merge_patch.h"

#include <nlohmann/json.hpp>

namespace k1s::api {

using nlohmann::json;

json ApplyMergePatch(const json& document, const json& patch) {
  if (!patch.is_object()) return patch;
  json result = document.is_object() ? document : json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      result.erase(key);
      continue;
    }
    auto existing = result.find(key);
    result[key] = ApplyMergePatch(existing == result.end() ? json() : *existing, value);
  }
  return result;
}

json CreateMergePatch(const json& original, const json& modified) {
  if (!original.is_object() || !modified.is_object()) return modified;
  json patch = json::object();
  for (const auto& [key, value] : original.items()) {
    if (!modified.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : modified.items()) {
    auto before = original.find(key);
    if (before == original.end()) {
      patch[key] = value;
    } else if (before->is_object() && value.is_object()) {
      json nested = CreateMergePatch(*before, value);
      if (!nested.empty()) patch[key] = std::move(nested);
    } else if (*before != value) {
      patch[key] = value;
    }
  }
  return patch;
}

}  // namespace k1s::api
