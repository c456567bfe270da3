#include "api/field_validation.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_set>
#include <utility>

#include "absl/status/status.h"
#include "api/yaml_json.h"
#include "base/go_text.h"
#include "base/strings.h"

namespace k1s::api {
namespace {

using nlohmann::json;

// sigs.k8s.io/json stops collecting strict errors after this many.
constexpr size_t kMaxFindings = 100;

// How a value at some position of the document is checked.
enum class Mode {
  kStruct,  // members must be properties of `definition`
  kMap,     // free member names; values checked as `element`
  kArray,   // items checked as `element`
  kFree,    // unstructured: duplicates anywhere, no unknown fields
  kOpaque,  // not looked into (kAny values, scalars, unknown members)
};

struct Expect {
  Mode mode = Mode::kOpaque;
  const schema::Definition* definition = nullptr;
  const schema::Shape* element = nullptr;
  bool top = false;  // the request's object itself: apiVersion and kind are known here
};

Expect ForShape(const schema::Shape* shape) {
  if (shape == nullptr) return {};
  switch (shape->type) {
    case schema::Type::kObject:
      if (shape->definition == nullptr) return {Mode::kFree};
      return {Mode::kStruct, shape->definition};
    case schema::Type::kArray:
      return {Mode::kArray, nullptr, shape->items.get()};
    case schema::Type::kMap:
      return {Mode::kMap, nullptr, shape->items.get()};
    default:
      // kAny values decode through their own unmarshalers upstream (RawExtension, JSON,
      // FieldsV1), which report nothing; a container where a scalar belongs is a type error,
      // reported elsewhere.
      return {};
  }
}

Expect RootExpect(const schema::Definition* definition) {
  if (definition == nullptr) return {Mode::kFree};
  return {Mode::kStruct, definition, nullptr, /*top=*/true};
}

// The expectation for member `key` of an object checked as `parent`. Sets `*unknown` when the
// member is not a property of the parent's struct.
Expect MemberExpect(const Expect& parent, const std::string& key, bool* unknown) {
  *unknown = false;
  switch (parent.mode) {
    case Mode::kStruct: {
      const schema::Property* property = parent.definition->Find(key);
      if (property != nullptr) return ForShape(&property->shape);
      if (!(parent.top && (key == "apiVersion" || key == "kind"))) *unknown = true;
      return {};
    }
    case Mode::kMap:
      return ForShape(parent.element);
    case Mode::kFree:
      return {Mode::kFree};
    default:
      return {};
  }
}

Expect ElementExpect(const Expect& parent) {
  if (parent.mode == Mode::kArray) return ForShape(parent.element);
  if (parent.mode == Mode::kFree) return {Mode::kFree};
  return {};
}

// Whether repeated member names of an object checked as `expect` are reported. Struct members
// are compared after the name matched a property, so a repeated unknown name is only unknown.
bool ChecksDuplicates(const Expect& expect, bool unknown) {
  switch (expect.mode) {
    case Mode::kStruct:
      return !unknown;
    case Mode::kMap:
    case Mode::kFree:
      return true;
    default:
      return false;
  }
}

std::string MemberPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return base::StrCat(parent, ".", key);
}

std::string ElementPath(const std::string& parent, size_t index) {
  return base::StrCat(parent, "[", index, "]");
}

class Findings {
 public:
  void Add(std::string_view kind, const std::string& path) {
    if (list_.size() >= kMaxFindings) return;
    std::string text = base::StrCat(kind, " ", base::GoQuote(path));
    if (!seen_.insert(text).second) return;
    list_.push_back(std::move(text));
  }
  std::vector<std::string> Take() { return std::move(list_); }

 private:
  std::vector<std::string> list_;
  std::unordered_set<std::string> seen_;
};

// Builds the document while checking members against the schema, so findings come out in
// document order as upstream's single-pass decoder reports them.
class StrictSax : public nlohmann::json_sax<json> {
 public:
  StrictSax(const schema::Definition* definition, Findings& findings)
      : root_expect_(RootExpect(definition)), findings_(findings) {}

  json& result() { return root_; }
  const std::string& error() const { return error_; }

  bool null() override { return Value(json(nullptr)); }
  bool boolean(bool value) override { return Value(json(value)); }
  bool number_integer(number_integer_t value) override { return Value(json(value)); }
  bool number_unsigned(number_unsigned_t value) override { return Value(json(value)); }
  bool number_float(number_float_t value, const string_t& /*text*/) override {
    return Value(json(value));
  }
  bool string(string_t& value) override { return Value(json(std::move(value))); }
  bool binary(binary_t& value) override { return Value(json::binary(std::move(value))); }

  bool start_object(std::size_t /*elements*/) override { return Open(json::object()); }
  bool key(string_t& name) override {
    Frame& frame = stack_.back();
    bool unknown = false;
    frame.child = MemberExpect(frame.expect, name, &unknown);
    frame.child_path = MemberPath(frame.path, name);
    if (unknown) {
      findings_.Add("unknown field", frame.child_path);
    } else if (ChecksDuplicates(frame.expect, unknown) && !frame.seen.insert(name).second) {
      findings_.Add("duplicate field", frame.child_path);
    }
    frame.key = std::move(name);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) override { return Open(json::array()); }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) override {
    error_ = error.what();
    return false;
  }

 private:
  struct Frame {
    json* container;
    Expect expect;
    std::string path;
    std::unordered_set<std::string> seen;  // member names so far
    std::string key;                       // the member whose value comes next
    Expect child;                          // how that value is checked
    std::string child_path;
  };

  // Stores a value where the parser is and returns where it went.
  json* Place(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& frame = stack_.back();
    if (frame.container->is_object()) {
      json& slot = (*frame.container)[frame.key];
      slot = std::move(value);
      return &slot;
    }
    frame.container->push_back(std::move(value));
    return &frame.container->back();
  }

  bool Value(json value) {
    Place(std::move(value));
    return true;
  }

  bool Open(json container) {
    Expect expect = root_expect_;
    std::string path;
    if (!stack_.empty()) {
      Frame& parent = stack_.back();
      if (parent.container->is_object()) {
        expect = parent.child;
        path = parent.child_path;
      } else {
        expect = ElementExpect(parent.expect);
        path = ElementPath(parent.path, parent.container->size());
      }
    }
    // A container where the schema wants the other kind of container is a type error upstream;
    // its content is not checked.
    bool is_object = container.is_object();
    if ((expect.mode == Mode::kArray && is_object) ||
        ((expect.mode == Mode::kStruct || expect.mode == Mode::kMap) && !is_object)) {
      expect = {};
    }
    json* placed = Place(std::move(container));
    stack_.push_back(Frame{placed, expect, std::move(path), {}, {}, {}, {}});
    return true;
  }

  Expect root_expect_;
  Findings& findings_;
  json root_;
  std::vector<Frame> stack_;
  std::string error_;
};

void WalkUnknown(const json& value, const Expect& expect, const std::string& path,
                 Findings& findings) {
  if (value.is_object()) {
    if (expect.mode != Mode::kStruct && expect.mode != Mode::kMap && expect.mode != Mode::kFree) {
      return;
    }
    for (const auto& [name, member] : value.items()) {
      bool unknown = false;
      Expect child = MemberExpect(expect, name, &unknown);
      std::string child_path = MemberPath(path, name);
      if (unknown) {
        findings.Add("unknown field", child_path);
        continue;
      }
      WalkUnknown(member, child, child_path, findings);
    }
  } else if (value.is_array()) {
    if (expect.mode != Mode::kArray && expect.mode != Mode::kFree) return;
    Expect child = ElementExpect(expect);
    for (size_t i = 0; i < value.size(); ++i) {
      WalkUnknown(value[i], child, ElementPath(path, i), findings);
    }
  }
}

// Drops what WalkUnknown would report, as Go's typed decoding drops unknown members.
void PruneUnknown(json& value, const Expect& expect) {
  if (value.is_object()) {
    if (expect.mode != Mode::kStruct && expect.mode != Mode::kMap && expect.mode != Mode::kFree) {
      return;
    }
    for (auto it = value.begin(); it != value.end();) {
      bool unknown = false;
      Expect child = MemberExpect(expect, it.key(), &unknown);
      if (unknown) {
        it = value.erase(it);
        continue;
      }
      PruneUnknown(it.value(), child);
      ++it;
    }
  } else if (value.is_array()) {
    if (expect.mode != Mode::kArray && expect.mode != Mode::kFree) return;
    Expect child = ElementExpect(expect);
    for (json& element : value) PruneUnknown(element, child);
  }
}

// The identity go-yaml gives a map key, printed as Go's %#v prints it: "x" for strings, 1 for
// ints, true for bools.
std::optional<std::string> YamlKeyIdentity(const YAML::Node& key) {
  if (!key.IsScalar()) return std::nullopt;  // collection keys fail the conversion anyway
  const std::string& text = key.Scalar();
  if (key.Tag() != "?")
    return base::GoQuote(text);           // quoted, block and tagged scalars stay strings
  if (text == "<<") return std::nullopt;  // merge keys are not members
  // Only plain scalars that look like numbers, bools or null resolve to something else; asking
  // the converter for the rest would cost a parse per key.
  static const std::unordered_set<std::string> kWords = {
      "y",  "Y",    "yes",  "Yes",  "YES",   "n",     "N",     "no",  "No",
      "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",  "On",
      "ON", "off",  "Off",  "OFF",  "~",     "null",  "Null",  "NULL"};
  char first = text.empty() ? '\0' : text[0];
  bool numeric = (first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.';
  if (!numeric && !kWords.count(text)) return base::GoQuote(text);
  absl::StatusOr<json> resolved = YamlToJson(text);
  if (!resolved.ok() || resolved->is_null()) return std::nullopt;
  if (!resolved->is_primitive()) return base::GoQuote(text);  // "-" alone reads as a list
  if (resolved->is_string()) return base::GoQuote(resolved->get<std::string>());
  return resolved->dump();
}

class YamlDuplicates {
 public:
  explicit YamlDuplicates(int64_t budget) : budget_(budget) {}

  void Walk(const YAML::Node& node) {
    if (--budget_ < 0) return;  // alias-heavy documents: stop looking, the conversion bounds them
    if (node.IsSequence()) {
      for (const YAML::Node& item : node) Walk(item);
      return;
    }
    if (!node.IsMap()) return;
    std::unordered_set<std::string> seen;
    for (const auto& pair : node) {
      const YAML::Node key = pair.first;
      const YAML::Node value = pair.second;
      // go-yaml decodes the value before it stores the key, so nested findings come first.
      Walk(value);
      std::optional<std::string> identity = YamlKeyIdentity(key);
      if (!identity || seen.insert(*identity).second) continue;
      YAML::Mark mark = value.Mark().is_null() ? key.Mark() : value.Mark();
      errors_.push_back(
          base::StrCat("line ", mark.line + 1, ": key ", *identity, " already set in map"));
    }
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  int64_t budget_;
  std::vector<std::string> errors_;
};

}  // namespace

std::optional<std::string> FindYamlDuplicateKeys(std::string_view yaml) {
  YAML::Node document;
  try {
    document = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  YamlDuplicates duplicates(std::max<int64_t>(100'000, static_cast<int64_t>(yaml.size()) * 16));
  duplicates.Walk(document);
  if (duplicates.errors().empty()) return std::nullopt;
  std::string message = "yaml: unmarshal errors:";
  for (const std::string& error : duplicates.errors()) base::StrAppend(&message, "\n  ", error);
  return message;
}

std::optional<FieldValidation> ParseFieldValidation(std::string_view value) {
  if (value.empty() || value == "Warn") return FieldValidation::kWarn;
  if (value == "Strict") return FieldValidation::kStrict;
  if (value == "Ignore") return FieldValidation::kIgnore;
  return std::nullopt;
}

absl::StatusOr<json> ParseJsonStrict(std::string_view body, const schema::Definition* definition,
                                     std::vector<std::string>* findings_out) {
  Findings findings;
  StrictSax sax(definition, findings);
  bool ok = json::sax_parse(body.begin(), body.end(), &sax, json::input_format_t::json,
                            /*strict=*/true);
  if (!ok) {
    return absl::InvalidArgumentError(sax.error().empty() ? "invalid JSON" : sax.error());
  }
  for (std::string& finding : findings.Take()) findings_out->push_back(std::move(finding));
  return std::move(sax.result());
}

std::vector<std::string> FindUnknownFields(const schema::Definition& definition,
                                           const json& object) {
  Findings findings;
  WalkUnknown(object, RootExpect(&definition), "", findings);
  return findings.Take();
}

void PruneUnknownFields(const schema::Definition& definition, json& object) {
  PruneUnknown(object, RootExpect(&definition));
}

std::string StrictDecodingMessage(const std::vector<std::string>& findings) {
  std::string message = "strict decoding error: ";
  for (size_t i = 0; i < findings.size(); ++i) {
    if (i > 0) message += ", ";
    message += findings[i];
  }
  return message;
}

std::string WarningHeaderValue(std::string_view text) {
  return base::StrCat("299 - ", base::GoQuote(text));
}

}  // namespace k1s::api
