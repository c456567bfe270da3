#include "auth/json_fields.h"

#include <nlohmann/json.hpp>
#include <string>

namespace k1s::auth {

const nlohmann::json& Field(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string_view StringField(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = Field(object, key);
  if (!value.is_string()) return {};
  return value.get_ref<const std::string&>();
}

}  // namespace k1s::auth
