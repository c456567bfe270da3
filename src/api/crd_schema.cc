#include "api/crd_schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <utility>

#include "absl/strings/str_join.h"
#include "api/json_path.h"
#include "base/strings.h"

namespace k1s::api {

using json = nlohmann::json;
using base::StrCat;

// One JSONSchemaProps node. The same shape serves the structural part (properties, items,
// additionalProperties, type...) and the value validations nested under allOf/anyOf/oneOf/not.
struct CrdSchema::Node {
  std::string type;
  bool nullable = false;
  std::optional<json> default_value;
  bool has_title = false;
  bool has_description = false;

  std::map<std::string, std::unique_ptr<Node>> properties;
  std::unique_ptr<Node> items;
  bool has_additional = false;
  bool additional_allows = true;
  std::unique_ptr<Node> additional;

  std::optional<double> maximum;
  bool exclusive_maximum = false;
  std::optional<double> minimum;
  bool exclusive_minimum = false;
  std::optional<double> multiple_of;
  std::optional<int64_t> max_length;
  std::optional<int64_t> min_length;
  std::string pattern;
  std::optional<std::regex> regex;
  std::string format;  // only formats upstream validates; others are dropped
  std::optional<int64_t> max_items;
  std::optional<int64_t> min_items;
  bool unique_items = false;
  std::optional<int64_t> max_properties;
  std::optional<int64_t> min_properties;
  std::vector<std::string> required;
  std::optional<std::vector<json>> enum_values;
  std::vector<std::unique_ptr<Node>> all_of;
  std::vector<std::unique_ptr<Node>> any_of;
  std::vector<std::unique_ptr<Node>> one_of;
  std::unique_ptr<Node> not_schema;

  bool preserve_unknown = false;
  bool embedded_resource = false;
  bool int_or_string = false;
  std::optional<std::string> list_type;
  std::vector<std::string> list_map_keys;
  std::optional<std::string> map_type;
  bool has_x_validations = false;
};

namespace {

using Node = CrdSchema::Node;

constexpr char kIn[] = "body";

std::string Child(std::string_view path, std::string_view name) {
  return path.empty() ? std::string(name) : StrCat(path, ".", name);
}
std::string Key(std::string_view path, std::string_view key) { return StrCat(path, "[", key, "]"); }
std::string Index(std::string_view path, size_t i) { return StrCat(path, "[", i, "]"); }

std::string GoFloat(double v) { return GoFormatFloat(v); }

// The JSON value's kind as kube-openapi's typeValidator names it.
std::string SchemaTypeOf(const json& v) {
  if (v.is_boolean()) return "boolean";
  if (v.is_string()) return "string";
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

bool IsIntegral(double d) { return std::isfinite(d) && d == std::floor(d); }

double AsDouble(const json& v) {
  if (v.is_number_unsigned()) return static_cast<double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<double>(v.get<int64_t>());
  return v.get<double>();
}

int64_t AsInt(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  return static_cast<int64_t>(v.get<double>());
}

std::vector<std::string> TypesOf(const Node& n) {
  if (n.int_or_string) return {"integer", "string"};
  if (n.type.empty()) return {};
  return {n.type};
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// ---- formats (upstream apiserver/validation/formats.go keeps only these) ----

const std::set<std::string>& SupportedFormats() {
  static const std::set<std::string> kFormats = {
      "bsonobjectid", "uri",    "email",    "hostname",   "ipv4",     "ipv6",
      "cidr",         "mac",    "uuid",     "uuid3",      "uuid4",    "uuid5",
      "isbn",         "isbn10", "isbn13",   "creditcard", "ssn",      "hexcolor",
      "rgbcolor",     "byte",   "password", "date",       "duration", "datetime"};
  return kFormats;
}

std::string NormalizeFormat(std::string_view f) {
  std::string out;
  for (char c : f) {
    if (c != '-') out += c;
  }
  return out;
}

bool FullMatch(const std::string& s, const char* re, bool icase = false) {
  auto flags = std::regex::ECMAScript;
  if (icase) flags |= std::regex::icase;
  return std::regex_match(s, std::regex(re, flags));
}

bool ValidIpv4(const std::string& s) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    int value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3)
      value = value * 10 + (s[i++] - '0');
    if (i == start || value > 255) return false;
    // Go's net.ParseIP rejects leading zeros since 1.17.
    if (i - start > 1 && s[start] == '0') return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

bool ValidIpv6(const std::string& s) {
  if (s.find(':') == std::string::npos) return false;
  std::string rest = s;
  int groups_needed = 8;
  size_t last_colon = rest.rfind(':');
  if (rest.find('.', last_colon) != std::string::npos) {
    if (!ValidIpv4(rest.substr(last_colon + 1))) return false;
    rest = rest.substr(0, last_colon + 1) + "0:0";
  }
  size_t dbl = rest.find("::");
  if (dbl != std::string::npos && rest.find("::", dbl + 1) != std::string::npos) return false;
  auto count_groups = [](const std::string& part, int* n) {
    if (part.empty()) return true;
    size_t start = 0;
    while (true) {
      size_t colon = part.find(':', start);
      std::string g = part.substr(start, colon == std::string::npos ? colon : colon - start);
      if (g.empty() || g.size() > 4) return false;
      for (char c : g) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
      }
      ++*n;
      if (colon == std::string::npos) return true;
      start = colon + 1;
    }
  };
  int n = 0;
  if (dbl == std::string::npos) {
    return count_groups(rest, &n) && n == groups_needed;
  }
  if (!count_groups(rest.substr(0, dbl), &n) || !count_groups(rest.substr(dbl + 2), &n)) {
    return false;
  }
  return n < groups_needed;
}

bool ValidDate(const std::string& s) {
  if (!FullMatch(s, "[0-9]{4}-[0-9]{2}-[0-9]{2}")) return false;
  int year = std::stoi(s.substr(0, 4));
  int month = std::stoi(s.substr(5, 2));
  int day = std::stoi(s.substr(8, 2));
  if (month < 1 || month > 12 || day < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// strfmt.DateTime accepts RFC 3339 with or without fractions, "Z" or an offset with or without a
// colon, and a few reduced forms.
bool ValidDateTime(const std::string& s) {
  static const std::regex kRe(
      "([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2})(:([0-9]{2})(\\.[0-9]+)?)?"
      "(Z|[+-][0-9]{2}:?[0-9]{2})?");
  std::smatch m;
  if (!std::regex_match(s, m, kRe)) return false;
  if (!ValidDate(m[1].str())) return false;
  if (std::stoi(m[2].str()) > 23 || std::stoi(m[3].str()) > 59) return false;
  if (m[5].matched && std::stoi(m[5].str()) > 60) return false;
  return true;
}

bool ValidBase64(const std::string& s) {
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
    if (c == '=') {
      ++pad;
      if (i + 2 < s.size()) return false;
    } else if (!alpha || pad > 0) {
      return false;
    }
  }
  return pad <= 2;
}

bool ValidFormat(const std::string& normalized, const std::string& s) {
  if (normalized == "date") return ValidDate(s);
  if (normalized == "datetime") return ValidDateTime(s);
  if (normalized == "byte") return ValidBase64(s);
  if (normalized == "ipv4") return ValidIpv4(s);
  if (normalized == "ipv6") return ValidIpv6(s);
  if (normalized == "cidr") {
    size_t slash = s.find('/');
    if (slash == std::string::npos) return false;
    std::string ip = s.substr(0, slash);
    std::string bits = s.substr(slash + 1);
    if (bits.empty() || bits.size() > 3 || !FullMatch(bits, "[0-9]+")) return false;
    int n = std::stoi(bits);
    if (ValidIpv4(ip)) return n <= 32;
    return ValidIpv6(ip) && n <= 128;
  }
  if (normalized == "uuid") {
    return FullMatch(s, "[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", true);
  }
  if (normalized == "uuid3") {
    return FullMatch(s, "[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}", true);
  }
  if (normalized == "uuid4") {
    return FullMatch(s, "[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}",
                     true);
  }
  if (normalized == "uuid5") {
    return FullMatch(s, "[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}",
                     true);
  }
  if (normalized == "mac") {
    return FullMatch(s, "[0-9a-f]{2}([:-][0-9a-f]{2}){5}", true);
  }
  if (normalized == "hostname") {
    return s.size() <= 255 &&
           FullMatch(s,
                     "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*"
                     "\\.?",
                     true);
  }
  if (normalized == "hexcolor") return FullMatch(s, "#?([0-9a-f]{3}|[0-9a-f]{6})", true);
  if (normalized == "ssn") return FullMatch(s, "[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}");
  if (normalized == "bsonobjectid") return FullMatch(s, "[0-9a-f]{24}", true);
  if (normalized == "email") return FullMatch(s, "[^@\\s<>]+@[^@\\s<>]+");
  if (normalized == "rgbcolor") {
    return FullMatch(s, "rgb\\(\\s*[0-9]{1,3}\\s*,\\s*[0-9]{1,3}\\s*,\\s*[0-9]{1,3}\\s*\\)");
  }
  // uri, isbn*, creditcard, duration: accepted without a check (see report).
  return true;
}

// ---- parsing JSONSchemaProps ----

class Parser {
 public:
  explicit Parser(FieldErrors* errors) : errors_(errors) {}
  bool has_cel = false;

  std::unique_ptr<Node> Parse(const json& s, const std::string& path) {
    auto n = std::make_unique<Node>();
    if (!s.is_object()) return n;
    auto str = [&](const char* k) -> std::string {
      auto it = s.find(k);
      return it != s.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto boolean = [&](const char* k) {
      auto it = s.find(k);
      return it != s.end() && it->is_boolean() && it->get<bool>();
    };
    auto num = [&](const char* k) -> std::optional<double> {
      auto it = s.find(k);
      if (it == s.end() || !it->is_number()) return std::nullopt;
      return AsDouble(*it);
    };
    auto integer = [&](const char* k) -> std::optional<int64_t> {
      auto it = s.find(k);
      if (it == s.end() || !it->is_number()) return std::nullopt;
      return AsInt(*it);
    };
    n->type = str("type");
    n->nullable = boolean("nullable");
    if (auto it = s.find("default"); it != s.end()) n->default_value = *it;
    n->has_title = !str("title").empty();
    n->has_description = !str("description").empty();
    n->maximum = num("maximum");
    n->minimum = num("minimum");
    n->exclusive_maximum = boolean("exclusiveMaximum");
    n->exclusive_minimum = boolean("exclusiveMinimum");
    n->multiple_of = num("multipleOf");
    n->max_length = integer("maxLength");
    n->min_length = integer("minLength");
    n->max_items = integer("maxItems");
    n->min_items = integer("minItems");
    n->max_properties = integer("maxProperties");
    n->min_properties = integer("minProperties");
    n->unique_items = boolean("uniqueItems");
    n->pattern = str("pattern");
    if (!n->pattern.empty()) {
      try {
        n->regex.emplace(n->pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        Add(Invalid(Child(path, "pattern"), n->pattern,
                    StrCat("must be a valid regular expression, but isn't: ", e.what())));
      }
    }
    std::string format = str("format");
    if (SupportedFormats().count(NormalizeFormat(format))) n->format = format;
    if (auto it = s.find("required"); it != s.end() && it->is_array()) {
      for (const json& r : *it) {
        if (r.is_string()) n->required.push_back(r.get<std::string>());
      }
    }
    if (auto it = s.find("enum"); it != s.end() && it->is_array()) {
      n->enum_values = std::vector<json>(it->begin(), it->end());
    }
    n->preserve_unknown = boolean("x-kubernetes-preserve-unknown-fields");
    n->embedded_resource = boolean("x-kubernetes-embedded-resource");
    n->int_or_string = boolean("x-kubernetes-int-or-string");
    if (auto it = s.find("x-kubernetes-list-type"); it != s.end() && it->is_string()) {
      n->list_type = it->get<std::string>();
    }
    if (auto it = s.find("x-kubernetes-map-type"); it != s.end() && it->is_string()) {
      n->map_type = it->get<std::string>();
    }
    if (auto it = s.find("x-kubernetes-list-map-keys"); it != s.end() && it->is_array()) {
      for (const json& k : *it) {
        if (k.is_string()) n->list_map_keys.push_back(k.get<std::string>());
      }
    }
    if (auto it = s.find("x-kubernetes-validations");
        it != s.end() && it->is_array() && !it->empty()) {
      n->has_x_validations = true;
      has_cel = true;
    }
    if (auto it = s.find("properties"); it != s.end() && it->is_object()) {
      for (auto p = it->begin(); p != it->end(); ++p) {
        n->properties[p.key()] = Parse(p.value(), Key(Child(path, "properties"), p.key()));
      }
    }
    if (auto it = s.find("items"); it != s.end()) {
      if (it->is_object()) n->items = Parse(*it, Child(path, "items"));
    }
    if (auto it = s.find("additionalProperties"); it != s.end()) {
      n->has_additional = true;
      if (it->is_boolean()) {
        n->additional_allows = it->get<bool>();
      } else if (it->is_object()) {
        n->additional = Parse(*it, Child(path, "additionalProperties"));
      }
    }
    auto list = [&](const char* k, std::vector<std::unique_ptr<Node>>& out) {
      auto it = s.find(k);
      if (it == s.end() || !it->is_array()) return;
      for (size_t i = 0; i < it->size(); ++i) {
        out.push_back(Parse((*it)[i], Index(Child(path, k), i)));
      }
    };
    list("allOf", n->all_of);
    list("anyOf", n->any_of);
    list("oneOf", n->one_of);
    if (auto it = s.find("not"); it != s.end() && it->is_object()) {
      n->not_schema = Parse(*it, Child(path, "not"));
    }
    return n;
  }

 private:
  void Add(FieldError e) {
    if (errors_ != nullptr) errors_->push_back(std::move(e));
  }
  FieldErrors* errors_;
};

// ---- CRD schema checks (apiextensions validation.go and schema/validation.go) ----

enum class Level { kRoot, kItem, kField };

bool IsIntOrStringAnyOf(const std::vector<std::unique_ptr<Node>>& any_of) {
  if (any_of.size() != 2) return false;
  auto only_type = [](const Node& n, const char* t) {
    return n.type == t && n.properties.empty() && !n.items && !n.has_additional &&
           !n.default_value && !n.nullable && n.pattern.empty() && n.format.empty() &&
           !n.enum_values && n.all_of.empty() && n.any_of.empty() && n.one_of.empty() &&
           !n.not_schema && !n.maximum && !n.minimum && !n.max_length && !n.min_length &&
           !n.list_type && !n.map_type && !n.preserve_unknown && !n.int_or_string &&
           !n.embedded_resource && !n.has_x_validations;
  };
  return only_type(*any_of[0], "integer") && only_type(*any_of[1], "string");
}

// Everything of a nested value validation that must be empty to be structural.
void CheckNestedValueValidation(const Node* v, bool skip_any_of, Level lvl, const std::string& path,
                                FieldErrors& errs);

void CheckValueValidation(const Node& v, bool skip_any_of, bool skip_first_all_of_any_of, Level lvl,
                          const std::string& path, FieldErrors& errs) {
  if (!skip_any_of) {
    for (size_t i = 0; i < v.any_of.size(); ++i) {
      CheckNestedValueValidation(v.any_of[i].get(), false, lvl, Index(Child(path, "anyOf"), i),
                                 errs);
    }
  }
  for (size_t i = 0; i < v.all_of.size(); ++i) {
    CheckNestedValueValidation(v.all_of[i].get(), skip_first_all_of_any_of && i == 0, lvl,
                               Index(Child(path, "allOf"), i), errs);
  }
  for (size_t i = 0; i < v.one_of.size(); ++i) {
    CheckNestedValueValidation(v.one_of[i].get(), false, lvl, Index(Child(path, "oneOf"), i), errs);
  }
  CheckNestedValueValidation(v.not_schema.get(), false, lvl, Child(path, "not"), errs);
}

void CheckNestedValueValidation(const Node* v, bool skip_any_of, Level lvl, const std::string& path,
                                FieldErrors& errs) {
  if (v == nullptr) return;
  CheckValueValidation(*v, skip_any_of, false, lvl, path, errs);
  CheckNestedValueValidation(v->items.get(), false, lvl, Child(path, "items"), errs);
  for (const auto& [k, p] : v->properties) {
    CheckNestedValueValidation(p.get(), false, Level::kField, Key(Child(path, "properties"), k),
                               errs);
  }
  if (!v->type.empty())
    errs.push_back(Forbidden(Child(path, "type"), "must be empty to be structural"));
  if (v->has_additional) {
    errs.push_back(
        Forbidden(Child(path, "additionalProperties"), "must be undefined to be structural"));
  }
  if (v->default_value) {
    errs.push_back(Forbidden(Child(path, "default"), "must be undefined to be structural"));
  }
  if (v->has_title)
    errs.push_back(Forbidden(Child(path, "title"), "must be empty to be structural"));
  if (v->has_description) {
    errs.push_back(Forbidden(Child(path, "description"), "must be empty to be structural"));
  }
  if (v->nullable)
    errs.push_back(Forbidden(Child(path, "nullable"), "must be false to be structural"));
  if (v->preserve_unknown) {
    errs.push_back(Forbidden(Child(path, "x-kubernetes-preserve-unknown-fields"),
                             "must be false to be structural"));
  }
  if (v->embedded_resource) {
    errs.push_back(
        Forbidden(Child(path, "x-kubernetes-embedded-resource"), "must be false to be structural"));
  }
  if (v->int_or_string) {
    errs.push_back(
        Forbidden(Child(path, "x-kubernetes-int-or-string"), "must be false to be structural"));
  }
  if (!v->list_map_keys.empty()) {
    errs.push_back(
        Forbidden(Child(path, "x-kubernetes-list-map-keys"), "must be empty to be structural"));
  }
  if (v->list_type) {
    errs.push_back(
        Forbidden(Child(path, "x-kubernetes-list-type"), "must be undefined to be structural"));
  }
  if (v->map_type) {
    errs.push_back(
        Forbidden(Child(path, "x-kubernetes-map-type"), "must be undefined to be structural"));
  }
  if (v->has_x_validations) {
    errs.push_back(
        Forbidden(Child(path, "x-kubernetes-validations"), "must be empty to be structural"));
  }
  if (v->properties.count("metadata")) {
    errs.push_back(Forbidden(Key(Child(path, "properties"), "metadata"),
                             "must not be specified in a nested context"));
  }
}

// Root metadata may only restrict name and generateName.
void CheckMetadataInvariants(const Node& m, bool check_metadata, Level lvl, const std::string& path,
                             FieldErrors& errs) {
  if (check_metadata && m.type != "object") {
    errs.push_back(Invalid(Child(path, "type"), m.type, "must be object"));
  }
  if (lvl != Level::kRoot) return;
  bool name = m.properties.count("name") > 0;
  bool generate_name = m.properties.count("generateName") > 0;
  bool props_ok = m.properties.empty() || (name && generate_name && m.properties.size() == 2) ||
                  ((name || generate_name) && m.properties.size() == 1);
  bool other = !props_ok || m.nullable || m.has_title || m.has_description || m.items ||
               m.has_additional || m.maximum || m.minimum || m.multiple_of || m.max_length ||
               m.min_length || !m.pattern.empty() || !m.format.empty() || m.max_items ||
               m.min_items || m.unique_items || m.max_properties || m.min_properties ||
               !m.required.empty() || m.enum_values || !m.all_of.empty() || !m.any_of.empty() ||
               !m.one_of.empty() || m.not_schema || m.preserve_unknown || m.embedded_resource ||
               m.int_or_string || m.list_type || m.map_type || !m.list_map_keys.empty() ||
               m.has_x_validations;
  if (other) {
    errs.push_back(Forbidden(path,
                             "must not specify anything other than name and generateName, "
                             "but metadata is implicitly specified"));
  }
}

void CheckStructural(const Node& s, Level lvl, const std::string& path, FieldErrors& errs) {
  if (s.type == "array" && !s.items) {
    errs.push_back(Required(Child(path, "items"), "must be specified"));
  }
  if (s.items) CheckStructural(*s.items, Level::kItem, Child(path, "items"), errs);
  for (const auto& [k, p] : s.properties) {
    CheckStructural(*p, Level::kField, Key(Child(path, "properties"), k), errs);
  }
  if (s.has_additional) {
    if (lvl == Level::kRoot) {
      errs.push_back(
          Forbidden(Child(path, "additionalProperties"), "must not be used at the root"));
    }
    if (s.additional) {
      CheckStructural(*s.additional, Level::kField, Child(path, "additionalProperties"), errs);
    }
  }
  if (s.int_or_string && s.preserve_unknown) {
    errs.push_back(Invalid(Child(path, "x-kubernetes-preserve-unknown-fields"), true,
                           "must be false if x-kubernetes-int-or-string is true"));
  }
  if (s.int_or_string && s.embedded_resource) {
    errs.push_back(Invalid(Child(path, "x-kubernetes-embedded-resource"), true,
                           "must be false if x-kubernetes-int-or-string is true"));
  }
  bool skip_any_of = IsIntOrStringAnyOf(s.any_of);
  bool skip_first_all_of = !s.all_of.empty() && IsIntOrStringAnyOf(s.all_of[0]->any_of);
  CheckValueValidation(s, skip_any_of, skip_first_all_of, lvl, path, errs);

  bool check_metadata = lvl == Level::kRoot || s.embedded_resource;
  if (s.embedded_resource && s.type != "object") {
    if (s.type.empty()) {
      errs.push_back(Required(Child(path, "type"),
                              "must be object if x-kubernetes-embedded-resource is true"));
    } else {
      errs.push_back(Invalid(Child(path, "type"), s.type,
                             "must be object if x-kubernetes-embedded-resource is true"));
    }
  } else if (s.type.empty() && !s.int_or_string && !s.preserve_unknown) {
    const char* detail = lvl == Level::kRoot   ? "must not be empty at the root"
                         : lvl == Level::kItem ? "must not be empty for specified array items"
                                               : "must not be empty for specified object fields";
    errs.push_back(Required(Child(path, "type"), detail));
  }
  if (s.embedded_resource && s.has_additional) {
    errs.push_back(Forbidden(Child(path, "additionalProperties"),
                             "must not be used if x-kubernetes-embedded-resource is set"));
  }
  if (lvl == Level::kRoot && !s.type.empty() && s.type != "object") {
    errs.push_back(Invalid(Child(path, "type"), s.type, "must be object at the root"));
  }
  for (const char* meta : {"kind", "apiVersion"}) {
    auto it = s.properties.find(meta);
    if (it != s.properties.end() && check_metadata && it->second->type != "string") {
      errs.push_back(Invalid(Child(Key(Child(path, "properties"), meta), "type"), it->second->type,
                             "must be string"));
    }
  }
  if (auto it = s.properties.find("metadata"); it != s.properties.end()) {
    CheckMetadataInvariants(*it->second, check_metadata, lvl,
                            Key(Child(path, "properties"), "metadata"), errs);
  }
  if (s.embedded_resource && !s.preserve_unknown && s.properties.empty()) {
    errs.push_back(Required(Child(path, "properties"),
                            "must not be empty if x-kubernetes-embedded-resource is true without "
                            "x-kubernetes-preserve-unknown-fields"));
  }
}

// Value validations must have a structural counterpart (validateStructuralCompleteness).
void CheckCompletenessNested(const Node* v, const Node* s, const std::string& s_path,
                             const std::string& v_path, FieldErrors& errs);

void CheckCompleteness(const Node& v, const Node* s, const std::string& s_path,
                       const std::string& v_path, FieldErrors& errs) {
  if (s == nullptr) {
    errs.push_back(Required(s_path, StrCat("because it is defined in ", v_path)));
    return;
  }
  CheckCompletenessNested(v.not_schema.get(), s, s_path, Child(v_path, "not"), errs);
  for (size_t i = 0; i < v.all_of.size(); ++i) {
    CheckCompletenessNested(v.all_of[i].get(), s, s_path, Index(Child(v_path, "allOf"), i), errs);
  }
  for (size_t i = 0; i < v.any_of.size(); ++i) {
    CheckCompletenessNested(v.any_of[i].get(), s, s_path, Index(Child(v_path, "anyOf"), i), errs);
  }
  for (size_t i = 0; i < v.one_of.size(); ++i) {
    CheckCompletenessNested(v.one_of[i].get(), s, s_path, Index(Child(v_path, "oneOf"), i), errs);
  }
}

void CheckCompletenessNested(const Node* v, const Node* s, const std::string& s_path,
                             const std::string& v_path, FieldErrors& errs) {
  if (v == nullptr) return;
  if (s == nullptr) {
    errs.push_back(Required(s_path, StrCat("because it is defined in ", v_path)));
    return;
  }
  CheckCompleteness(*v, s, s_path, v_path, errs);
  CheckCompletenessNested(v->items.get(), s->items.get(), Child(s_path, "items"),
                          Child(v_path, "items"), errs);
  for (const auto& [k, vf] : v->properties) {
    auto it = s->properties.find(k);
    std::string vp = Key(Child(v_path, "properties"), k);
    if (it == s->properties.end()) {
      errs.push_back(
          Required(Key(Child(s_path, "properties"), k), StrCat("because it is defined in ", vp)));
    } else {
      CheckCompletenessNested(vf.get(), it->second.get(), Key(Child(s_path, "properties"), k), vp,
                              errs);
    }
  }
}

// specStandardValidatorV3 and ValidateCustomResourceDefinitionOpenAPISchema (the parts that do
// not involve CEL), on the raw JSON so that unsupported keywords are seen.
void CheckOpenApiSchema(const json& s, const std::string& path, bool is_root, bool allow_defaults,
                        const std::string& no_default_reason, bool inside_meta, FieldErrors& errs) {
  if (!s.is_object()) return;
  auto has = [&](const char* k) { return s.contains(k); };
  std::string type = s.value("type", "");
  static const std::vector<std::string> kTypes = {"array",  "boolean", "integer",
                                                  "number", "object",  "string"};
  if (!type.empty() && !Contains(kTypes, type) && type != "null") {
    errs.push_back(NotSupported(Child(path, "type"), type, kTypes));
  }
  if (has("default") && !allow_defaults) {
    std::string detail = "must not be set";
    if (!no_default_reason.empty()) detail += " " + no_default_reason;
    errs.push_back(Forbidden(Child(path, "default"), detail));
  }
  if (s.value("id", "") != "") errs.push_back(Forbidden(Child(path, "id"), "id is not supported"));
  if (has("additionalItems")) {
    errs.push_back(Forbidden(Child(path, "additionalItems"), "additionalItems is not supported"));
  }
  if (has("patternProperties") && !s["patternProperties"].empty()) {
    errs.push_back(
        Forbidden(Child(path, "patternProperties"), "patternProperties is not supported"));
  }
  if (has("definitions") && !s["definitions"].empty()) {
    errs.push_back(Forbidden(Child(path, "definitions"), "definitions is not supported"));
  }
  if (has("dependencies")) {
    errs.push_back(Forbidden(Child(path, "dependencies"), "dependencies is not supported"));
  }
  if (has("$ref")) errs.push_back(Forbidden(Child(path, "$ref"), "$ref is not supported"));
  if (type == "null") {
    errs.push_back(Forbidden(Child(path, "type"),
                             "type cannot be set to null, use nullable as an alternative"));
  }
  if (has("items") && s["items"].is_array()) {
    errs.push_back(
        Forbidden(Child(path, "items"), "items must be a schema object and not an array"));
  }
  if (inside_meta && s.value("x-kubernetes-embedded-resource", false)) {
    errs.push_back(Forbidden(Child(path, "x-kubernetes-embedded-resource"),
                             "must not be used inside of resource meta"));
  }
  if (s.value("uniqueItems", false)) {
    errs.push_back(Forbidden(Child(path, "uniqueItems"),
                             "uniqueItems cannot be set to true since the runtime complexity "
                             "becomes quadratic"));
  }
  const bool has_props =
      has("properties") && s["properties"].is_object() && !s["properties"].empty();
  if (has("additionalProperties")) {
    const json& ap = s["additionalProperties"];
    if (has_props && (ap.is_object() || (ap.is_boolean() && !ap.get<bool>()))) {
      errs.push_back(Forbidden(Child(path, "additionalProperties"),
                               "additionalProperties and properties are mutual exclusive"));
    }
    bool sub_allow = allow_defaults;
    std::string sub_reason = no_default_reason;
    if (inside_meta) {
      sub_allow = false;
      sub_reason = "inside additionalProperties applying to object metadata";
    }
    CheckOpenApiSchema(ap, Child(path, "additionalProperties"), false, sub_allow, sub_reason,
                       inside_meta, errs);
  }
  if (has_props) {
    bool embedded = s.value("x-kubernetes-embedded-resource", false);
    for (auto it = s["properties"].begin(); it != s["properties"].end(); ++it) {
      bool meta = it.key() == "metadata" || it.key() == "kind" || it.key() == "apiVersion";
      bool sub_allow = allow_defaults;
      std::string sub_reason = no_default_reason;
      bool sub_meta = inside_meta;
      if ((is_root || embedded) && meta) {
        sub_meta = true;
        if (is_root) {
          sub_allow = false;
          sub_reason = StrCat("in top-level ", it.key());
        }
      }
      CheckOpenApiSchema(it.value(), Key(Child(path, "properties"), it.key()), false, sub_allow,
                         sub_reason, sub_meta, errs);
    }
  }
  if (has("not")) {
    CheckOpenApiSchema(s["not"], Child(path, "not"), false, allow_defaults, no_default_reason,
                       inside_meta, errs);
  }
  for (const char* junctor : {"allOf", "oneOf", "anyOf"}) {
    if (!has(junctor) || !s[junctor].is_array()) continue;
    for (size_t i = 0; i < s[junctor].size(); ++i) {
      CheckOpenApiSchema(s[junctor][i], Index(Child(path, junctor), i), false, allow_defaults,
                         no_default_reason, inside_meta, errs);
    }
  }
  if (has("items") && s["items"].is_object()) {
    CheckOpenApiSchema(s["items"], Child(path, "items"), false, allow_defaults, no_default_reason,
                       inside_meta, errs);
  }
  if (has("x-kubernetes-preserve-unknown-fields") &&
      s["x-kubernetes-preserve-unknown-fields"] == false) {
    errs.push_back(Invalid(Child(path, "x-kubernetes-preserve-unknown-fields"), false,
                           "must be true or undefined"));
  }
  if (has("x-kubernetes-map-type")) {
    std::string map_type = s.value("x-kubernetes-map-type", "");
    if (type != "object") {
      if (type.empty()) {
        errs.push_back(
            Required(Child(path, "type"), "must be object if x-kubernetes-map-type is specified"));
      } else {
        errs.push_back(Invalid(Child(path, "type"), type,
                               "must be object if x-kubernetes-map-type is specified"));
      }
    }
    if (map_type != "atomic" && map_type != "granular") {
      errs.push_back(
          NotSupported(Child(path, "x-kubernetes-map-type"), map_type, {"atomic", "granular"}));
    }
  }
  std::optional<std::string> list_type;
  if (has("x-kubernetes-list-type")) list_type = s.value("x-kubernetes-list-type", "");
  const json* items = has("items") && s["items"].is_object() ? &s["items"] : nullptr;
  if (list_type && type != "array") {
    if (type.empty()) {
      errs.push_back(
          Required(Child(path, "type"), "must be array if x-kubernetes-list-type is specified"));
    } else {
      errs.push_back(Invalid(Child(path, "type"), type,
                             "must be array if x-kubernetes-list-type is specified"));
    }
  } else if (list_type == "set" && items != nullptr) {
    std::string item_type = items->value("type", "");
    if (item_type == "array" && items->contains("x-kubernetes-list-type") &&
        (*items)["x-kubernetes-list-type"] != "atomic") {
      errs.push_back(Invalid(Child(Child(path, "items"), "x-kubernetes-list-type"),
                             (*items)["x-kubernetes-list-type"],
                             "must be atomic as item of a list with x-kubernetes-list-type=set"));
    } else if (item_type == "object" && items->value("x-kubernetes-map-type", "") != "atomic") {
      errs.push_back(Invalid(Child(Child(path, "items"), "x-kubernetes-map-type"),
                             items->contains("x-kubernetes-map-type")
                                 ? (*items)["x-kubernetes-map-type"]
                                 : json(nullptr),
                             "must be atomic as item of a list with x-kubernetes-list-type=set"));
    }
  }
  if (list_type && *list_type != "atomic" && *list_type != "set" && *list_type != "map") {
    errs.push_back(
        NotSupported(Child(path, "x-kubernetes-list-type"), *list_type, {"atomic", "set", "map"}));
  }
  json keys = s.value("x-kubernetes-list-map-keys", json::array());
  if (!keys.empty()) {
    if (!list_type) {
      errs.push_back(Required(Child(path, "x-kubernetes-list-type"),
                              "must be map if x-kubernetes-list-map-keys is non-empty"));
    } else if (*list_type != "map") {
      errs.push_back(Invalid(Child(path, "x-kubernetes-list-type"), *list_type,
                             "must be map if x-kubernetes-list-map-keys is non-empty"));
    }
  }
  if (list_type == "map") {
    if (keys.empty()) {
      errs.push_back(Required(Child(path, "x-kubernetes-list-map-keys"),
                              "must not be empty if x-kubernetes-list-type is map"));
    }
    if (!has("items")) {
      errs.push_back(
          Required(Child(path, "items"), "must have a schema if x-kubernetes-list-type is map"));
    }
    if (items != nullptr) {
      std::string item_type = items->value("type", "");
      if (item_type != "object") {
        errs.push_back(Invalid(Child(Child(path, "items"), "type"), item_type,
                               "must be object if parent array's x-kubernetes-list-type is map"));
      } else {
        std::set<std::string> seen;
        json props = items->value("properties", json::object());
        for (const json& k : keys) {
          std::string key = k.is_string() ? k.get<std::string>() : "";
          if (props.contains(key)) {
            std::string kt = props[key].value("type", "");
            if (kt == "array" || kt == "object") {
              errs.push_back(Invalid(
                  Child(Key(Child(Child(path, "items"), "properties"), key), "type"), item_type,
                  "must be a scalar type if parent array's x-kubernetes-list-type is map"));
            }
          } else {
            errs.push_back(Invalid(Child(path, "x-kubernetes-list-map-keys"), keys,
                                   "entries must all be names of item properties"));
          }
          if (!seen.insert(key).second) {
            errs.push_back(Invalid(Child(path, "x-kubernetes-list-map-keys"), keys,
                                   "must not contain duplicate entries"));
          }
        }
      }
    }
  }
  // validateMapListKeysMapSet
  if (items != nullptr && (list_type == "set" || list_type == "map")) {
    if (items->value("nullable", false)) {
      errs.push_back(Forbidden(Child(Child(path, "items"), "nullable"),
                               "cannot be nullable when x-kubernetes-list-type is " + *list_type));
    }
    if (list_type == "map") {
      json req = items->value("required", json::array());
      json props = items->value("properties", json::object());
      for (const json& k : keys) {
        if (!k.is_string() || !props.contains(k.get<std::string>())) continue;
        std::string key = k.get<std::string>();
        const json& prop = props[key];
        std::string base = Key(Child(Child(path, "items"), "properties"), key);
        bool required = std::find(req.begin(), req.end(), k) != req.end();
        if (!required && !prop.contains("default")) {
          errs.push_back(Required(Child(base, "default"),
                                  "this property is in x-kubernetes-list-map-keys, so it must have "
                                  "a default or be a required property"));
        }
        if (prop.value("nullable", false)) {
          errs.push_back(Forbidden(Child(base, "nullable"),
                                   "this property is in x-kubernetes-list-map-keys, so it cannot "
                                   "be nullable"));
        }
      }
    }
  }
  if (has("x-kubernetes-validations") && s["x-kubernetes-validations"].is_array()) {
    const json& rules = s["x-kubernetes-validations"];
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string rule = rules[i].value("rule", "");
      if (rule.find_first_not_of(" \t\n\r") == std::string::npos) {
        errs.push_back(Required(Child(Index(Child(path, "x-kubernetes-validations"), i), "rule"),
                                "rule is not specified"));
      }
    }
  }
}

// ---- validation (kube-openapi SchemaValidator, converted to field errors) ----

struct Result {
  FieldErrors errors;
  int match_count = 0;
  bool ok() const { return errors.empty(); }
  void Merge(Result&& other) {
    for (FieldError& e : other.errors) errors.push_back(std::move(e));
    match_count += other.match_count;
  }
};

// err.Name -> field path: upstream strips a leading "." from the validator's path.
std::string ErrPath(std::string_view name) {
  if (!name.empty() && name.front() == '.') name.remove_prefix(1);
  return std::string(name);
}

// kube-openapi Validation errors with the default conversion: Invalid(path, value, message).
FieldError OpenApiInvalid(std::string_view name, const json& value, std::string message) {
  return Invalid(ErrPath(name), value, std::move(message));
}

// InvalidType with a string value: typeFailWithData.
FieldError TypeError(std::string_view name, std::string_view type_name, const std::string& value) {
  return Invalid(ErrPath(name), value,
                 StrCat(name, " in ", kIn, " must be of type ", type_name, ": ", GoQuote(value)));
}

void ValidateNode(const Node& s, const json& data, const std::string& path, Result& res);

void ValidateType(const Node& s, const json& data, const std::string& path, Result& res) {
  std::vector<std::string> types = TypesOf(s);
  if (types.empty() && s.format.empty()) return;
  if (data.is_null()) {
    if (!types.empty() && !s.nullable) {
      res.errors.push_back(TypeError(path, absl::StrJoin(types, ","), "null"));
    }
    return;
  }
  std::string sch = SchemaTypeOf(data);
  bool is_float_int =
      sch == "number" && IsIntegral(data.get<double>()) && Contains(types, "integer");
  bool is_int_float = sch == "integer" && Contains(types, "number");
  bool stringish = data.is_string() || data.is_array();
  if (!stringish && !s.format.empty() && !(Contains(types, sch) || is_float_int || is_int_float)) {
    // Supported formats are all string formats, so a non-string value never matches one.
    std::string fmt = sch == "integer" ? "int64" : sch == "number" ? "float64" : "";
    res.errors.push_back(TypeError(path, s.format, fmt));
    return;
  }
  if (!(Contains(types, "number") || Contains(types, "integer")) && !s.format.empty() &&
      stringish) {
    return;
  }
  if (!(Contains(types, sch) || is_float_int || is_int_float)) {
    res.errors.push_back(TypeError(path, absl::StrJoin(types, ","), sch));
  }
}

void ValidateJunctors(const Node& s, const json& data, const std::string& path, Result& res) {
  std::string quoted = GoQuote(path);
  if (!s.any_of.empty()) {
    std::optional<Result> best;
    bool succeeded = false;
    for (const auto& alt : s.any_of) {
      Result r;
      ValidateNode(*alt, data, path, r);
      if (r.ok()) {
        succeeded = true;
        best.reset();
        break;
      }
      if (!best || r.match_count > best->match_count) best = std::move(r);
    }
    if (!succeeded) {
      res.errors.push_back(
          Invalid("", "", StrCat(quoted, " must validate at least one schema (anyOf)")));
    }
    if (best) res.Merge(std::move(*best));
  }
  if (!s.one_of.empty()) {
    std::optional<Result> best;
    int validated = 0;
    for (const auto& alt : s.one_of) {
      Result r;
      ValidateNode(*alt, data, path, r);
      if (r.ok()) {
        ++validated;
        best.reset();
        continue;
      }
      if (validated == 0 && (!best || r.match_count > best->match_count)) best = std::move(r);
    }
    if (validated != 1) {
      std::string extra =
          validated == 0 ? "Found none valid" : StrCat("Found ", validated, " valid alternatives");
      res.errors.push_back(Invalid(
          "", "", StrCat(quoted, " must validate one and only one schema (oneOf). ", extra)));
      if (best) res.Merge(std::move(*best));
    }
  }
  if (!s.all_of.empty()) {
    size_t validated = 0;
    for (const auto& part : s.all_of) {
      Result r;
      ValidateNode(*part, data, path, r);
      if (r.ok()) ++validated;
      res.Merge(std::move(r));
    }
    if (validated != s.all_of.size()) {
      res.errors.push_back(Invalid("", "",
                                   StrCat(quoted, " must validate all the schemas (allOf)",
                                          validated == 0 ? ". None validated" : "")));
    }
  }
  if (s.not_schema) {
    Result r;
    ValidateNode(*s.not_schema, data, path, r);
    if (r.ok()) {
      res.errors.push_back(Invalid("", "", StrCat(quoted, " must not validate the schema (not)")));
    }
  }
}

size_t RuneCount(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

void ValidateString(const Node& s, const std::string& data, const std::string& path, Result& res) {
  int64_t len = static_cast<int64_t>(RuneCount(data));
  if (s.max_length && len > *s.max_length) {
    res.errors.push_back(TooLong(ErrPath(path), "", *s.max_length));
    return;
  }
  if (s.min_length && len < *s.min_length) {
    res.errors.push_back(OpenApiInvalid(
        path, data,
        StrCat(path, " in ", kIn, " should be at least ", *s.min_length, " chars long")));
    return;
  }
  if (s.regex && !std::regex_search(data, *s.regex)) {
    res.errors.push_back(
        OpenApiInvalid(path, data, StrCat(path, " in ", kIn, " should match '", s.pattern, "'")));
  }
}

void ValidateNumber(const Node& s, const json& data, const std::string& path, Result& res) {
  const bool is_int = data.is_number_integer();
  const std::string prefix = StrCat(path, " in ", kIn, " should be ");
  if (s.multiple_of) {
    double factor = *s.multiple_of;
    if (is_int) {
      int64_t f = static_cast<int64_t>(factor);
      if (f <= 0) {
        res.errors.push_back(OpenApiInvalid(
            path, f, StrCat("factor MultipleOf declared for ", path, " must be positive: ", f)));
      } else if (AsInt(data) % f != 0) {
        res.errors.push_back(OpenApiInvalid(path, data, StrCat(prefix, "a multiple of ", f)));
      }
    } else {
      double d = data.get<double>();
      if (factor <= 0) {
        res.errors.push_back(OpenApiInvalid(path, factor,
                                            StrCat("factor MultipleOf declared for ", path,
                                                   " must be positive: ", GoFloat(factor))));
      } else {
        double mult = factor < 1 ? 1 / factor * d : d / factor;
        if (!IsIntegral(mult)) {
          res.errors.push_back(
              OpenApiInvalid(path, data, StrCat(prefix, "a multiple of ", GoFloat(factor))));
        }
      }
    }
  }
  if (s.minimum) {
    bool fail;
    std::string bound;
    if (is_int) {
      int64_t m = static_cast<int64_t>(*s.minimum);
      int64_t v = AsInt(data);
      fail = s.exclusive_minimum ? v <= m : v < m;
      bound = StrCat(m);
    } else {
      double v = data.get<double>();
      fail = s.exclusive_minimum ? v <= *s.minimum : v < *s.minimum;
      bound = GoFloat(*s.minimum);
    }
    if (fail) {
      res.errors.push_back(OpenApiInvalid(
          path, data,
          StrCat(prefix, s.exclusive_minimum ? "greater than " : "greater than or equal to ",
                 bound)));
    }
  }
  if (s.maximum) {
    bool fail;
    std::string bound;
    if (is_int) {
      int64_t m = static_cast<int64_t>(*s.maximum);
      int64_t v = AsInt(data);
      fail = s.exclusive_maximum ? v >= m : v > m;
      bound = StrCat(m);
    } else {
      double v = data.get<double>();
      fail = s.exclusive_maximum ? v >= *s.maximum : v > *s.maximum;
      bound = GoFloat(*s.maximum);
    }
    if (fail) {
      res.errors.push_back(OpenApiInvalid(
          path, data,
          StrCat(prefix, s.exclusive_maximum ? "less than " : "less than or equal to ", bound)));
    }
  }
}

void ValidateArray(const Node& s, const json& data, const std::string& path, Result& res) {
  if (s.items) {
    for (size_t i = 0; i < data.size(); ++i) {
      ValidateNode(*s.items, data[i], Index(path, i), res);
    }
  }
  const int64_t size = static_cast<int64_t>(data.size());
  if (s.min_items && size < *s.min_items) {
    res.errors.push_back(OpenApiInvalid(
        path, size, StrCat(path, " in ", kIn, " should have at least ", *s.min_items, " items")));
  }
  if (s.max_items && size > *s.max_items) {
    res.errors.push_back(TooMany(ErrPath(path), size, *s.max_items));
  }
  if (s.unique_items) {
    for (size_t i = 0; i < data.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (data[i] == data[j]) {
          res.errors.push_back(
              OpenApiInvalid(path, "", StrCat(path, " in ", kIn, " shouldn't contain duplicates")));
          return;
        }
      }
    }
  }
}

// Go's reflect Convert + DeepEqual as kube-openapi's enum check does it.
bool EnumMatches(const json& data, const json& allowed) {
  if (data == allowed) return true;
  if (data.is_number() && allowed.is_number()) {
    if (allowed.is_number_integer()) return AsInt(data) == AsInt(allowed);
    return AsDouble(data) == allowed.get<double>();
  }
  return false;
}

void ValidateEnum(const Node& s, const json& data, const std::string& path, Result& res) {
  if (!s.enum_values || s.enum_values->empty()) return;
  for (const json& allowed : *s.enum_values) {
    if (!data.is_null() && EnumMatches(data, allowed)) return;
  }
  std::vector<std::string> values;
  for (const json& allowed : *s.enum_values) {
    values.push_back(allowed.is_string() ? allowed.get<std::string>() : allowed.dump());
  }
  res.errors.push_back(NotSupported(ErrPath(path), data, values));
}

void ValidateObject(const Node& s, const json& data, const std::string& path, Result& res) {
  const int64_t keys = static_cast<int64_t>(data.size());
  if (s.min_properties && keys < *s.min_properties) {
    res.errors.push_back(OpenApiInvalid(
        path, keys,
        StrCat(path, " in ", kIn, " should have at least ", *s.min_properties, " properties")));
  }
  if (s.max_properties && keys > *s.max_properties) {
    res.errors.push_back(TooMany(ErrPath(path), keys, *s.max_properties));
  }
  if (s.has_additional && !s.additional_allows && !s.additional) {
    for (auto it = data.begin(); it != data.end(); ++it) {
      if (!s.properties.count(it.key())) {
        res.errors.push_back(OpenApiInvalid(
            path, it.key(), StrCat(path, ".", it.key(), " in ", kIn, " is a forbidden property")));
      }
    }
  } else if (s.additional) {
    for (auto it = data.begin(); it != data.end(); ++it) {
      if (!s.properties.count(it.key())) {
        ValidateNode(*s.additional, it.value(), StrCat(path, ".", it.key()), res);
      }
    }
  }
  for (const auto& [name, prop] : s.properties) {
    auto it = data.find(name);
    if (it != data.end()) ValidateNode(*prop, *it, Child(path, name), res);
  }
  for (const std::string& k : s.required) {
    if (!data.contains(k)) res.errors.push_back(Required(ErrPath(StrCat(path, ".", k))));
  }
}

void ValidateNode(const Node& s, const json& data, const std::string& path, Result& res) {
  if (data.is_null()) {
    ValidateType(s, data, path, res);
    ValidateEnum(s, data, path, res);
    return;
  }
  ValidateType(s, data, path, res);
  ValidateJunctors(s, data, path, res);
  if (data.is_string()) {
    ValidateString(s, data.get<std::string>(), path, res);
    if (!s.format.empty() && !ValidFormat(NormalizeFormat(s.format), data.get<std::string>())) {
      res.errors.push_back(TypeError(path, s.format, data.get<std::string>()));
    }
  }
  if (data.is_number()) ValidateNumber(s, data, path, res);
  if (data.is_array()) ValidateArray(s, data, path, res);
  ValidateEnum(s, data, path, res);
  if (data.is_object()) ValidateObject(s, data, path, res);
  res.match_count += 8;
}

// ---- list-type set/map uniqueness (schema/listtype) ----

void ValidateListTypes(const Node* s, const json& obj, const std::string& path, FieldErrors& errs);

void ValidateListTypesArray(const Node& s, const json& arr, const std::string& path,
                            FieldErrors& errs) {
  auto duplicates = [](const std::vector<json>& values) {
    std::vector<size_t> out;
    std::map<std::string, int> seen;
    for (size_t i = 0; i < values.size(); ++i) {
      if (++seen[values[i].dump()] == 2) out.push_back(i);
    }
    return out;
  };
  if (s.list_type == "set" && arr.size() > 1) {
    std::vector<json> values(arr.begin(), arr.end());
    for (size_t i : duplicates(values)) errs.push_back(Duplicate(Index(path, i), arr[i]));
  } else if (s.list_type == "map") {
    bool ok = true;
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_null() && !arr[i].is_object()) {
        errs.push_back(
            Invalid(Index(path, i), arr[i], "must be an object for an array of list-type map"));
        ok = false;
        break;
      }
    }
    if (ok && arr.size() > 1) {
      std::vector<json> keys;
      for (const json& x : arr) {
        json key = json::object();
        for (const std::string& k : s.list_map_keys) {
          if (x.is_object() && x.contains(k)) key[k] = x[k];
        }
        keys.push_back(std::move(key));
      }
      for (size_t i : duplicates(keys)) errs.push_back(Duplicate(Index(path, i), keys[i]));
    }
  }
  if (s.items) {
    for (size_t i = 0; i < arr.size(); ++i) {
      ValidateListTypes(s.items.get(), arr[i], Index(path, i), errs);
    }
  }
}

void ValidateListTypes(const Node* s, const json& obj, const std::string& path, FieldErrors& errs) {
  if (s == nullptr) return;
  if (obj.is_array()) {
    ValidateListTypesArray(*s, obj, path, errs);
  } else if (obj.is_object()) {
    if (s->additional) {
      for (auto it = obj.begin(); it != obj.end(); ++it) {
        ValidateListTypes(s->additional.get(), it.value(), Key(path, it.key()), errs);
      }
    }
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      auto p = s->properties.find(it.key());
      if (p != s->properties.end()) {
        ValidateListTypes(p->second.get(), it.value(), Child(path, it.key()), errs);
      }
    }
  }
}

// ---- pruning ----

const std::set<std::string>& ObjectMetaFields() {
  static const std::set<std::string> kFields = {"name",
                                                "generateName",
                                                "namespace",
                                                "selfLink",
                                                "uid",
                                                "resourceVersion",
                                                "generation",
                                                "creationTimestamp",
                                                "deletionTimestamp",
                                                "deletionGracePeriodSeconds",
                                                "labels",
                                                "annotations",
                                                "ownerReferences",
                                                "finalizers",
                                                "managedFields"};
  return kFields;
}

bool IsMetaField(const std::string& k) {
  return k == "apiVersion" || k == "kind" || k == "metadata";
}

class Pruner {
 public:
  std::vector<std::string> unknown;

  // `resource_root` makes the node behave as x-kubernetes-embedded-resource (the object root).
  void Prune(json& x, const Node* s, const std::string& path, bool resource_root = false) {
    if (s != nullptr && s->preserve_unknown) {
      SkipPrune(x, s, path, resource_root);
      return;
    }
    const bool embedded = s != nullptr && (s->embedded_resource || resource_root);
    if (x.is_object()) {
      if (s == nullptr) {
        for (auto it = x.begin(); it != x.end(); ++it) unknown.push_back(Child(path, it.key()));
        x = json::object();
        return;
      }
      std::vector<std::string> drop;
      for (auto it = x.begin(); it != x.end(); ++it) {
        const std::string& k = it.key();
        if (embedded && IsMetaField(k)) {
          if (k == "metadata") PruneObjectMeta(it.value(), Child(path, k));
          continue;
        }
        auto p = s->properties.find(k);
        if (p != s->properties.end()) {
          Prune(it.value(), p->second.get(), Child(path, k));
        } else if (s->has_additional) {
          Prune(it.value(), s->additional.get(), Child(path, k));
        } else {
          if (!IsMetaField(k) || !path.empty()) unknown.push_back(Child(path, k));
          drop.push_back(k);
        }
      }
      for (const std::string& k : drop) x.erase(k);
    } else if (x.is_array()) {
      for (size_t i = 0; i < x.size(); ++i) {
        Prune(x[i], s == nullptr ? nullptr : s->items.get(), Index(path, i));
      }
    }
  }

 private:
  void SkipPrune(json& x, const Node* s, const std::string& path, bool resource_root = false) {
    if (s == nullptr) return;
    const bool embedded = s->embedded_resource || resource_root;
    if (x.is_object()) {
      for (auto it = x.begin(); it != x.end(); ++it) {
        const std::string& k = it.key();
        if (embedded && IsMetaField(k)) {
          if (k == "metadata") PruneObjectMeta(it.value(), Child(path, k));
          continue;
        }
        auto p = s->properties.find(k);
        if (p != s->properties.end()) {
          Prune(it.value(), p->second.get(), Child(path, k));
        } else if (s->has_additional) {
          Prune(it.value(), s->additional.get(), Child(path, k));
        }
      }
    } else if (x.is_array()) {
      for (size_t i = 0; i < x.size(); ++i) SkipPrune(x[i], s->items.get(), Index(path, i));
    }
  }

  // objectmeta.Coerce: metadata round-trips through metav1.ObjectMeta, losing unknown fields.
  void PruneObjectMeta(json& meta, const std::string& path) {
    if (!meta.is_object()) return;
    std::vector<std::string> drop;
    for (auto it = meta.begin(); it != meta.end(); ++it) {
      if (!ObjectMetaFields().count(it.key())) drop.push_back(it.key());
    }
    for (const std::string& k : drop) {
      unknown.push_back(Child(path, k));
      meta.erase(k);
    }
  }
};

// ---- defaulting ----

bool NonNullableNull(const json& x, const Node* s) {
  return x.is_null() && s != nullptr && !s->nullable;
}

const Node* SchemaForField(const Node* s, const std::string& k) {
  if (s == nullptr) return nullptr;
  auto it = s->properties.find(k);
  if (it != s->properties.end()) return it->second.get();
  return s->additional.get();
}

void PruneNulls(json& x, const Node* s) {
  if (x.is_object()) {
    std::vector<std::string> drop;
    for (auto it = x.begin(); it != x.end(); ++it) {
      const Node* f = SchemaForField(s, it.key());
      if (NonNullableNull(it.value(), f) && !f->default_value) {
        drop.push_back(it.key());
      } else {
        PruneNulls(it.value(), f);
      }
    }
    for (const std::string& k : drop) x.erase(k);
  } else if (x.is_array()) {
    for (json& item : x) PruneNulls(item, s == nullptr ? nullptr : s->items.get());
  }
}

void ApplyDefaults(json& x, const Node* s) {
  if (s == nullptr) return;
  if (x.is_object()) {
    for (const auto& [k, prop] : s->properties) {
      if (!prop->default_value) continue;
      auto it = x.find(k);
      if (it == x.end() || NonNullableNull(*it, prop.get())) x[k] = *prop->default_value;
    }
    for (auto it = x.begin(); it != x.end(); ++it) {
      auto p = s->properties.find(it.key());
      if (p != s->properties.end()) {
        ApplyDefaults(it.value(), p->second.get());
      } else if (s->additional) {
        if (NonNullableNull(it.value(), s->additional.get()) && s->additional->default_value) {
          it.value() = *s->additional->default_value;
        }
        ApplyDefaults(it.value(), s->additional.get());
      }
    }
  } else if (x.is_array()) {
    for (json& item : x) {
      if (NonNullableNull(item, s->items.get()) && s->items->default_value) {
        item = *s->items->default_value;
      }
      ApplyDefaults(item, s->items.get());
    }
  }
}

// Defaults must themselves validate and survive pruning (structuraldefaulting.ValidateDefaults,
// simplified: each default is checked against its own node).
// Defaults inside metadata/apiVersion/kind are forbidden at the root (CheckOpenApiSchema) and
// would need ObjectMeta coercion inside embedded resources; they are not checked here.
void CheckDefaults(const Node& s, const std::string& path, bool resource_root, FieldErrors& errs) {
  if (s.default_value) {
    json pruned = *s.default_value;
    Pruner pruner;
    pruner.Prune(pruned, &s, "", s.embedded_resource);
    if (pruned != *s.default_value) {
      errs.push_back(
          Invalid(Child(path, "default"), *s.default_value, "must not have unknown fields"));
    }
    // The validator runs with an empty root name, hence messages like " in body must be ...".
    Result r;
    ValidateNode(s, *s.default_value, "", r);
    for (FieldError& e : r.errors) {
      e.field = e.field.empty() ? Child(path, "default") : Child(Child(path, "default"), e.field);
      errs.push_back(std::move(e));
    }
  }
  const bool embedded = resource_root || s.embedded_resource;
  for (const auto& [k, p] : s.properties) {
    if (embedded && IsMetaField(k)) continue;
    CheckDefaults(*p, Key(Child(path, "properties"), k), false, errs);
  }
  if (s.items) CheckDefaults(*s.items, Child(path, "items"), false, errs);
  if (s.additional) CheckDefaults(*s.additional, Child(path, "additionalProperties"), false, errs);
}

// Path of `name` ("spec.items[2].x") resolved in `doc`; null json when absent.
const json* Lookup(const json& doc, const std::string& path) {
  const json* cur = &doc;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') ++i;
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos || !cur->is_array()) return nullptr;
      size_t idx = std::stoul(path.substr(i + 1, close - i - 1));
      if (idx >= cur->size()) return nullptr;
      cur = &(*cur)[idx];
      i = close + 1;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    std::string key = path.substr(i, end == std::string::npos ? end : end - i);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    i = end == std::string::npos ? path.size() : end;
  }
  return cur;
}

}  // namespace

CrdSchema::CrdSchema() = default;
CrdSchema::~CrdSchema() = default;

std::shared_ptr<const CrdSchema> CrdSchema::Compile(const json& openapi_v3_schema,
                                                    std::string_view field_path,
                                                    FieldErrors* errors) {
  FieldErrors errs;
  const std::string root_path(field_path);
  if (!openapi_v3_schema.is_object()) {
    errs.push_back(Required(root_path, "must be an object"));
    if (errors != nullptr) *errors = std::move(errs);
    return nullptr;
  }
  if (openapi_v3_schema.value("nullable", false)) {
    errs.push_back(Forbidden(Child(root_path, "nullable"), "nullable cannot be true at the root"));
  }
  Parser parser(&errs);
  std::unique_ptr<Node> root = parser.Parse(openapi_v3_schema, root_path);

  FieldErrors structural;
  CheckStructural(*root, Level::kRoot, root_path, structural);
  CheckCompleteness(*root, root.get(), root_path, root_path, structural);
  // Upstream sorts the structural errors by their text.
  std::sort(structural.begin(), structural.end(),
            [](const FieldError& a, const FieldError& b) { return a.ToString() < b.ToString(); });
  for (FieldError& e : structural) errs.push_back(std::move(e));
  if (structural.empty()) CheckDefaults(*root, root_path, /*resource_root=*/true, errs);
  CheckOpenApiSchema(openapi_v3_schema, root_path, true, true, "", false, errs);

  if (errors != nullptr) *errors = errs;
  if (!errs.empty()) return nullptr;
  std::shared_ptr<CrdSchema> out(new CrdSchema());
  out->root_ = std::move(root);
  out->has_cel_rules_ = parser.has_cel;
  return out;
}

std::vector<std::string> CrdSchema::Prune(json& object) const {
  // The resource root always behaves as an embedded resource (apiVersion, kind, metadata).
  Pruner pruner;
  pruner.Prune(object, root_.get(), "", /*resource_root=*/true);
  std::sort(pruner.unknown.begin(), pruner.unknown.end());
  return pruner.unknown;
}

void CrdSchema::Default(json& object) const {
  PruneNulls(object, root_.get());
  ApplyDefaults(object, root_.get());
}

FieldErrors CrdSchema::Validate(const json& object) const {
  Result res;
  ValidateNode(*root_, object, "", res);
  ValidateListTypes(root_.get(), object, "", res.errors);
  return std::move(res.errors);
}

FieldErrors CrdSchema::ValidateUpdate(const json& object, const json& old_object) const {
  FieldErrors out;
  for (FieldError& e : Validate(object)) {
    if (!e.field.empty()) {
      const json* now = Lookup(object, e.field);
      const json* before = Lookup(old_object, e.field);
      if (before != nullptr && now != nullptr && *before == *now) continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace k1s::api
