#include "api/json_fields.h"

#include <nlohmann/json.hpp>

namespace k1s::api {

const nlohmann::json& Member(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const nlohmann::json& ArrayOrEmpty(const nlohmann::json& value) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  return value.is_array() ? value : kEmpty;
}

std::string StringOf(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string StringAt(const nlohmann::json& object, std::string_view a, std::string_view b) {
  return StringOf(Member(Member(object, a), b));
}

}  // namespace k1s::api
