#include "api/validation.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace k1s::api {
namespace {

using json = nlohmann::json;

// Debian's abseil has its own string_view type.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Regex texts quoted in upstream messages.
constexpr char kDns1123LabelFmt[] = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr char kDns1123LabelErrMsg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr char kDns1123SubdomainFmt[] =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr char kDns1123SubdomainErrMsg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr char kLabelKeyFmt[] = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr char kLabelKeyErrMsg[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr char kLabelValueFmt[] = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr char kLabelValueErrMsg[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr int64_t kDns1123LabelMaxLength = 63;
constexpr int64_t kDns1123SubdomainMaxLength = 253;
constexpr int64_t kLabelMaxLength = 63;
constexpr int64_t kTotalAnnotationSizeLimit = 256 * 1024;
constexpr char kImmutable[] = "field is immutable";

// util/validation reports DNS names in characters; the newer content package (label keys and
// values) in bytes. Both are upstream wording since 1.35.
std::string MaxLenCharacters(int64_t n) {
  return absl::StrCat("must be no more than ", n, " characters");
}
std::string MaxLenBytes(int64_t n) { return absl::StrCat("must be no more than ", n, " bytes"); }

std::string RegexError(std::string_view msg, std::string_view re,
                       const std::vector<std::string_view>& examples) {
  std::string out(msg);
  const absl::string_view regex = AV(re);
  if (examples.empty()) {
    absl::StrAppend(&out, " (regex used for validation is '", regex, "')");
    return out;
  }
  out += " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) out += " or ";
    absl::StrAppend(&out, "'", AV(examples[i]), "', ");
  }
  absl::StrAppend(&out, "regex used for validation is '", regex, "')");
  return out;
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool MatchesDnsLabel(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

bool MatchesDnsSubdomain(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (!MatchesDnsLabel(part)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool MatchesLabelKeyName(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// The content-package subdomain check used for label key prefixes (length in bytes).
std::vector<std::string> ContentDnsSubdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kDns1123SubdomainMaxLength) {
    errs.push_back(MaxLenBytes(kDns1123SubdomainMaxLength));
  }
  if (!MatchesDnsSubdomain(value)) {
    errs.push_back(RegexError(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::string MaskTrailingDash(std::string_view name) {
  if (name.size() > 1 && name.back() == '-') {
    return absl::StrCat(AV(name.substr(0, name.size() - 2)), "a");
  }
  return std::string(name);
}

std::string TypeString(FieldError::Type type) {
  switch (type) {
    case FieldError::Type::kRequired:
      return "Required value";
    case FieldError::Type::kInvalid:
      return "Invalid value";
    case FieldError::Type::kDuplicate:
      return "Duplicate value";
    case FieldError::Type::kNotSupported:
      return "Unsupported value";
    case FieldError::Type::kForbidden:
      return "Forbidden";
    case FieldError::Type::kTooLong:
      return "Too long";
    case FieldError::Type::kTooMany:
      return "Too many";
    case FieldError::Type::kNotFound:
      return "Not found";
    case FieldError::Type::kInternal:
      return "Internal error";
  }
  return "Invalid value";
}

// Go's encoding/json escapes these inside strings; nlohmann does not.
std::string GoJsonEscapeHtml(std::string dumped) {
  std::string out;
  out.reserve(dumped.size());
  for (size_t i = 0; i < dumped.size(); ++i) {
    char c = dumped[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xe2' && i + 2 < dumped.size() && dumped[i + 1] == '\x80' &&
               (dumped[i + 2] == '\xa8' || dumped[i + 2] == '\xa9')) {
      out += dumped[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

template <typename J>
std::string GoJson(const J& value) {
  return GoJsonEscapeHtml(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

const json& Member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringMember(const json& object, const char* key) {
  const json& v = Member(object, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

int64_t IntMember(const json& object, const char* key) {
  const json& v = Member(object, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) return static_cast<int64_t>(v.get<double>());
  return 0;
}

std::vector<std::string> StringList(const json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const json& item : v) out.push_back(item.is_string() ? item.get<std::string>() : "");
  return out;
}

// Go's %#v of a []string: []string{"a", "b"}.
std::string GoSliceLiteral(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  quoted.reserve(items.size());
  for (const std::string& s : items) quoted.push_back(GoQuote(s));
  return absl::StrCat("[]string{", absl::StrJoin(quoted, ", "), "}");
}

// metav1.OwnerReference as Go marshals it: struct field order, omitempty pointers.
nlohmann::ordered_json OwnerReferenceForMessage(const json& ref) {
  nlohmann::ordered_json out;
  out["apiVersion"] = StringMember(ref, "apiVersion");
  out["kind"] = StringMember(ref, "kind");
  out["name"] = StringMember(ref, "name");
  out["uid"] = StringMember(ref, "uid");
  if (Member(ref, "controller").is_boolean()) out["controller"] = Member(ref, "controller");
  if (Member(ref, "blockOwnerDeletion").is_boolean()) {
    out["blockOwnerDeletion"] = Member(ref, "blockOwnerDeletion");
  }
  return out;
}

void ValidateOwnerReference(const json& ref, const std::string& path, FieldErrors& errs) {
  std::string api_version = StringMember(ref, "apiVersion");
  std::string group;
  std::string version;
  bool parsed = true;
  size_t slash = api_version.find('/');
  if (slash == std::string::npos) {
    version = api_version;
  } else if (api_version.find('/', slash + 1) != std::string::npos) {
    parsed = false;
  } else {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  }
  if (api_version.empty()) {
    errs.push_back(Required(path + ".apiVersion", "must not be empty"));
  } else if (!parsed || version.empty()) {
    errs.push_back(
        Invalid(path + ".apiVersion", api_version, "must be <group>/<version> or <version>"));
  }
  std::string kind = StringMember(ref, "kind");
  if (kind.empty()) errs.push_back(Required(path + ".kind", "must not be empty"));
  if (StringMember(ref, "name").empty()) {
    errs.push_back(Required(path + ".name", "must not be empty"));
  }
  if (StringMember(ref, "uid").empty()) {
    errs.push_back(Required(path + ".uid", "must not be empty"));
  }
  // Events may not own anything (upstream BannedOwners).
  if (parsed && group.empty() && version == "v1" && kind == "Event") {
    FieldError e;
    e.type = FieldError::Type::kInvalid;
    e.field = path;
    e.value_json = GoJson(OwnerReferenceForMessage(ref));
    e.detail = "/v1, Kind=Event is disallowed from being an owner";
    errs.push_back(std::move(e));
  }
}

void ValidateOwnerReferences(const json& refs, FieldErrors& errs) {
  if (!refs.is_array()) return;
  const std::string path = "metadata.ownerReferences";
  std::string first_controller;
  for (size_t i = 0; i < refs.size(); ++i) {
    const json& ref = refs[i];
    ValidateOwnerReference(ref, absl::StrCat(path, "[", i, "]"), errs);
    const json& controller = Member(ref, "controller");
    if (controller.is_boolean() && controller.get<bool>()) {
      std::string current = StringMember(ref, "kind") + "/" + StringMember(ref, "name");
      if (!first_controller.empty()) {
        nlohmann::ordered_json all = nlohmann::ordered_json::array();
        for (const json& r : refs) all.push_back(OwnerReferenceForMessage(r));
        FieldError e;
        e.type = FieldError::Type::kInvalid;
        e.field = path;
        e.value_json = GoJson(all);
        e.detail = absl::StrCat(
            "Only one reference can have Controller set to true. Found \"true\" in references for ",
            first_controller, " and ", current);
        errs.push_back(std::move(e));
      } else {
        first_controller = current;
      }
    }
  }
}

void ValidateLabels(const json& labels, FieldErrors& errs) {
  if (!labels.is_object()) return;
  const std::string path = "metadata.labels";
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    for (std::string& msg : IsQualifiedName(it.key())) {
      errs.push_back(Invalid(path, it.key(), std::move(msg)));
    }
    if (!it->is_string()) {
      errs.push_back(Invalid(path, *it, "must be a string"));
      continue;
    }
    for (std::string& msg : IsValidLabelValue(it->get<std::string>())) {
      errs.push_back(Invalid(path, *it, std::move(msg)));
    }
  }
}

void ValidateAnnotations(const json& annotations, FieldErrors& errs) {
  if (!annotations.is_object()) return;
  const std::string path = "metadata.annotations";
  int64_t total = 0;
  for (auto it = annotations.begin(); it != annotations.end(); ++it) {
    std::string lower = it.key();
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
      return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    for (std::string& msg : IsQualifiedName(lower)) {
      errs.push_back(Invalid(path, it.key(), std::move(msg)));
    }
    total += static_cast<int64_t>(it.key().size());
    if (it->is_string()) total += static_cast<int64_t>(it->get_ref<const std::string&>().size());
  }
  if (total > kTotalAnnotationSizeLimit) {
    errs.push_back(TooLong(path, "", kTotalAnnotationSizeLimit));
  }
}

void ValidateFinalizers(const json& finalizers, FieldErrors& errs) {
  if (!finalizers.is_array()) return;
  const std::string path = "metadata.finalizers";
  bool orphan = false;
  bool foreground = false;
  for (const json& f : finalizers) {
    std::string name = f.is_string() ? f.get<std::string>() : "";
    for (std::string& msg : IsQualifiedName(name)) {
      errs.push_back(Invalid(path, name, std::move(msg)));
    }
    orphan = orphan || name == "orphan";
    foreground = foreground || name == "foregroundDeletion";
  }
  if (orphan && foreground) {
    errs.push_back(
        Invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"));
  }
}

// A metadata member for immutability comparison: strings default to "", the rest to null.
json ImmutableValue(const json& meta, const char* key, bool is_string) {
  const json& v = Member(meta, key);
  if (v.is_null() && is_string) return json("");
  return v;
}

}  // namespace

std::string RenderBadValue(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return GoQuote(value.get_ref<const std::string&>());
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return value.dump();
    case json::value_t::number_float: {
      std::string s = value.dump();
      if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
      return s;
    }
    default:
      return GoJson(value);
  }
}

std::string FieldError::Reason() const {
  switch (type) {
    case Type::kRequired:
      return "FieldValueRequired";
    case Type::kInvalid:
      return "FieldValueInvalid";
    case Type::kDuplicate:
      return "FieldValueDuplicate";
    case Type::kNotSupported:
      return "FieldValueNotSupported";
    case Type::kForbidden:
      return "FieldValueForbidden";
    case Type::kTooLong:
      return "FieldValueTooLong";
    case Type::kTooMany:
      return "FieldValueTooMany";
    case Type::kNotFound:
      return "FieldValueNotFound";
    case Type::kInternal:
      return "InternalError";
  }
  return "FieldValueInvalid";
}

std::string FieldError::Message() const {
  std::string out = TypeString(type);
  bool shows_value = type == Type::kInvalid || type == Type::kDuplicate ||
                     type == Type::kNotSupported || type == Type::kNotFound ||
                     type == Type::kTooMany;
  if (shows_value && !value_json.empty()) absl::StrAppend(&out, ": ", value_json);
  if (!detail.empty()) absl::StrAppend(&out, ": ", detail);
  return out;
}

std::string FieldError::ToString() const { return absl::StrCat(field, ": ", Message()); }

FieldError Required(std::string field, std::string detail) {
  return FieldError{FieldError::Type::kRequired, std::move(field), "", std::move(detail)};
}

FieldError Invalid(std::string field, const json& value, std::string detail) {
  return FieldError{FieldError::Type::kInvalid, std::move(field), RenderBadValue(value),
                    std::move(detail)};
}

FieldError Forbidden(std::string field, std::string detail) {
  return FieldError{FieldError::Type::kForbidden, std::move(field), "", std::move(detail)};
}

FieldError NotSupported(std::string field, const json& value,
                        const std::vector<std::string>& valid) {
  std::string detail;
  if (!valid.empty()) {
    std::vector<std::string> quoted;
    quoted.reserve(valid.size());
    for (const std::string& v : valid) quoted.push_back(GoQuote(v));
    detail = absl::StrCat("supported values: ", absl::StrJoin(quoted, ", "));
  }
  return FieldError{FieldError::Type::kNotSupported, std::move(field), RenderBadValue(value),
                    std::move(detail)};
}

FieldError TooLong(std::string field, const json& /*value*/, int64_t max_length) {
  std::string detail = max_length >= 0 ? absl::StrCat("may not be more than ", max_length,
                                                      max_length == 1 ? " byte" : " bytes")
                                       : "value is too long";
  return FieldError{FieldError::Type::kTooLong, std::move(field), "", std::move(detail)};
}

FieldError TooMany(std::string field, int64_t actual, int64_t max_items) {
  std::string detail = max_items >= 0 ? absl::StrCat("must have at most ", max_items,
                                                     max_items == 1 ? " item" : " items")
                                      : "has too many items";
  return FieldError{FieldError::Type::kTooMany, std::move(field),
                    actual >= 0 ? absl::StrCat(actual) : "", std::move(detail)};
}

FieldError Duplicate(std::string field, const json& value) {
  return FieldError{FieldError::Type::kDuplicate, std::move(field), RenderBadValue(value), ""};
}

FieldError NotFound(std::string field, const json& value) {
  return FieldError{FieldError::Type::kNotFound, std::move(field), RenderBadValue(value), ""};
}

FieldError InternalError(std::string field, std::string detail) {
  return FieldError{FieldError::Type::kInternal, std::move(field), "", std::move(detail)};
}

std::vector<std::string> IsDns1123Subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kDns1123SubdomainMaxLength) {
    errs.push_back(MaxLenCharacters(kDns1123SubdomainMaxLength));
  }
  if (!MatchesDnsSubdomain(value)) {
    errs.push_back(RegexError(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> IsDns1123Label(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kDns1123LabelMaxLength) {
    errs.push_back(MaxLenCharacters(kDns1123LabelMaxLength));
  }
  if (!MatchesDnsLabel(value)) {
    if (MatchesDnsSubdomain(value)) {
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(RegexError(kDns1123LabelErrMsg, kDns1123LabelFmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

std::vector<std::string> IsQualifiedName(std::string_view value) {
  std::vector<std::string> errs;
  size_t slash = value.find('/');
  std::string_view name = value;
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back(absl::StrCat(
          "a valid label key ",
          RegexError(kLabelKeyErrMsg, kLabelKeyFmt, {"MyName", "my.name", "123-abc"}),
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
      return errs;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (std::string& msg : ContentDnsSubdomain(prefix)) {
        errs.push_back(absl::StrCat("prefix part ", msg));
      }
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (static_cast<int64_t>(name.size()) > kLabelMaxLength) {
    errs.push_back(absl::StrCat("name part ", MaxLenBytes(kLabelMaxLength)));
  }
  if (!MatchesLabelKeyName(name)) {
    errs.push_back(absl::StrCat(
        "name part ", RegexError(kLabelKeyErrMsg, kLabelKeyFmt, {"MyName", "my.name", "123-abc"})));
  }
  return errs;
}

std::vector<std::string> IsValidLabelValue(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kLabelMaxLength) {
    errs.push_back(MaxLenBytes(kLabelMaxLength));
  }
  if (!value.empty() && !MatchesLabelKeyName(value)) {
    errs.push_back(RegexError(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::vector<std::string> IsDns1035Label(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kDns1123LabelMaxLength) {
    errs.push_back(MaxLenCharacters(kDns1123LabelMaxLength));
  }
  bool starts_with_letter = !value.empty() && value.front() >= 'a' && value.front() <= 'z';
  if (!starts_with_letter || !MatchesDnsLabel(value)) {
    errs.push_back(RegexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
        "alphabetic character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  }
  return errs;
}

std::vector<std::string> ValidateName(std::string_view name, NameRule rule, bool prefix) {
  switch (rule) {
    case NameRule::kDns1035Label:
      return IsDns1035Label(prefix ? MaskTrailingDash(name) : std::string(name));
    case NameRule::kDnsSubdomain:
      return IsDns1123Subdomain(prefix ? MaskTrailingDash(name) : std::string(name));
    case NameRule::kDnsLabel:
      return IsDns1123Label(prefix ? MaskTrailingDash(name) : std::string(name));
    case NameRule::kPathSegment: {
      if (!prefix && (name == "." || name == "..")) {
        return {absl::StrCat("may not be '", AV(name), "'")};
      }
      std::vector<std::string> errs;
      for (std::string_view bad : {"/", "%"}) {
        if (name.find(bad) != std::string_view::npos) {
          errs.push_back(absl::StrCat("may not contain '", AV(bad), "'"));
        }
      }
      return errs;
    }
  }
  return {};
}

FieldErrors ValidateObjectMeta(const json& metadata, bool namespaced, NameRule rule) {
  FieldErrors errs;
  std::string generate_name = StringMember(metadata, "generateName");
  if (!generate_name.empty()) {
    for (std::string& msg : ValidateName(generate_name, rule, true)) {
      errs.push_back(Invalid("metadata.generateName", generate_name, std::move(msg)));
    }
  }
  std::string name = StringMember(metadata, "name");
  if (name.empty()) {
    errs.push_back(Required("metadata.name", "name or generateName is required"));
  } else {
    for (std::string& msg : ValidateName(name, rule, false)) {
      errs.push_back(Invalid("metadata.name", name, std::move(msg)));
    }
  }
  std::string ns = StringMember(metadata, "namespace");
  if (namespaced) {
    if (ns.empty()) {
      errs.push_back(Required("metadata.namespace"));
    } else {
      for (std::string& msg : ValidateName(ns, NameRule::kDnsLabel, false)) {
        errs.push_back(Invalid("metadata.namespace", ns, std::move(msg)));
      }
    }
  } else if (!ns.empty()) {
    errs.push_back(Forbidden("metadata.namespace", "not allowed on this type"));
  }
  int64_t generation = IntMember(metadata, "generation");
  if (generation < 0) {
    errs.push_back(
        Invalid("metadata.generation", generation, "must be greater than or equal to 0"));
  }
  ValidateLabels(Member(metadata, "labels"), errs);
  ValidateAnnotations(Member(metadata, "annotations"), errs);
  ValidateOwnerReferences(Member(metadata, "ownerReferences"), errs);
  ValidateFinalizers(Member(metadata, "finalizers"), errs);
  return errs;
}

FieldErrors ValidateObjectMetaUpdate(const json& new_metadata, const json& old_metadata,
                                     bool namespaced, NameRule rule) {
  FieldErrors errs;
  if (!Member(old_metadata, "deletionTimestamp").is_null()) {
    std::set<std::string> old_set;
    for (std::string& f : StringList(Member(old_metadata, "finalizers"))) old_set.insert(f);
    std::set<std::string> extra;
    for (std::string& f : StringList(Member(new_metadata, "finalizers"))) {
      if (old_set.count(f) == 0) extra.insert(f);
    }
    if (!extra.empty()) {
      errs.push_back(Forbidden(
          "metadata.finalizers",
          absl::StrCat("no new finalizers can be added if the object is being deleted, found new "
                       "finalizers ",
                       GoSliceLiteral({extra.begin(), extra.end()}))));
    }
  }
  int64_t new_generation = IntMember(new_metadata, "generation");
  if (new_generation < IntMember(old_metadata, "generation")) {
    errs.push_back(Invalid("metadata.generation", new_generation, "must not be decremented"));
  }
  struct Immutable {
    const char* key;
    bool is_string;
  };
  for (const Immutable& field :
       {Immutable{"name", true}, Immutable{"namespace", true}, Immutable{"uid", true},
        Immutable{"creationTimestamp", false}, Immutable{"deletionTimestamp", false},
        Immutable{"deletionGracePeriodSeconds", false}}) {
    json now = ImmutableValue(new_metadata, field.key, field.is_string);
    if (now != ImmutableValue(old_metadata, field.key, field.is_string)) {
      errs.push_back(Invalid(absl::StrCat("metadata.", field.key), now, kImmutable));
    }
  }
  FieldErrors create = ValidateObjectMeta(new_metadata, namespaced, rule);
  errs.insert(errs.end(), std::make_move_iterator(create.begin()),
              std::make_move_iterator(create.end()));
  return errs;
}

std::string InvalidMessage(std::string_view qualified_kind, std::string_view name,
                           const FieldErrors& errors) {
  std::string head = absl::StrCat(AV(qualified_kind), " ", GoQuote(name), " is invalid");
  std::vector<std::string> messages;
  std::set<std::string> seen;
  for (const FieldError& e : errors) {
    std::string msg = e.ToString();
    if (seen.insert(msg).second) messages.push_back(std::move(msg));
  }
  if (messages.empty()) return head;
  if (messages.size() == 1) return absl::StrCat(head, ": ", messages[0]);
  return absl::StrCat(head, ": [", absl::StrJoin(messages, ", "), "]");
}

}  // namespace k1s::api
