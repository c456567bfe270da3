#include "api/validate_util.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "absl/strings/str_join.h"
#include "base/strings.h"

namespace k1s::api::validate {

using json = nlohmann::json;
using base::StrCat;

const json& Get(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Str(const json& object, std::string_view key) {
  const json& v = Get(object, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

std::optional<int64_t> Int(const json& object, std::string_view key) {
  const json& v = Get(object, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) return static_cast<int64_t>(v.get<double>());
  return std::nullopt;
}

bool Has(const json& object, std::string_view key) { return !Get(object, key).is_null(); }

bool IsTrue(const json& object, std::string_view key) {
  const json& v = Get(object, key);
  return v.is_boolean() && v.get<bool>();
}

size_t Size(const json& value) { return value.is_array() || value.is_object() ? value.size() : 0; }

std::string Child(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  return StrCat(path, ".", name);
}

std::string Index(std::string_view path, size_t i) { return StrCat(path, "[", i, "]"); }

std::string Key(std::string_view path, std::string_view key) { return StrCat(path, "[", key, "]"); }

void Append(FieldErrors& to, FieldErrors from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

FieldError InvalidRendered(std::string field, std::string rendered, std::string detail) {
  return FieldError{FieldError::Type::kInvalid, std::move(field), std::move(rendered),
                    std::move(detail)};
}

FieldError NotSupportedRendered(std::string field, std::string rendered,
                                const std::vector<std::string>& valid) {
  FieldError e = NotSupported(std::move(field), nullptr, valid);
  e.value_json = std::move(rendered);
  return e;
}

std::string GoStringMap(const json& value) {
  if (!value.is_object()) return "map[string]string(nil)";
  std::map<std::string, std::string> sorted;
  for (auto it = value.begin(); it != value.end(); ++it) {
    sorted[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
  }
  std::vector<std::string> parts;
  for (const auto& [k, v] : sorted) parts.push_back(StrCat(GoQuote(k), ":", GoQuote(v)));
  return StrCat("map[string]string{", absl::StrJoin(parts, ", "), "}");
}

std::string GoStringSlice(const json& value) {
  if (!value.is_array()) return "[]string(nil)";
  std::vector<std::string> parts;
  for (const json& v : value) parts.push_back(GoQuote(v.is_string() ? v.get<std::string>() : ""));
  return StrCat("[]string{", absl::StrJoin(parts, ", "), "}");
}

std::string GoLabelSelector(const json& selector) {
  std::string expressions = "[]v1.LabelSelectorRequirement(nil)";
  const json& exprs = Get(selector, "matchExpressions");
  if (exprs.is_array()) {
    std::vector<std::string> parts;
    for (const json& e : exprs) {
      parts.push_back(StrCat("v1.LabelSelectorRequirement{Key:", GoQuote(Str(e, "key")),
                             ", Operator:", GoQuote(Str(e, "operator")),
                             ", Values:", GoStringSlice(Get(e, "values")), "}"));
    }
    expressions = StrCat("[]v1.LabelSelectorRequirement{", absl::StrJoin(parts, ", "), "}");
  }
  return StrCat("v1.LabelSelector{MatchLabels:", GoStringMap(Get(selector, "matchLabels")),
                ", MatchExpressions:", expressions, "}");
}

std::string GoIntOrString(const json& value) {
  if (value.is_string()) {
    return StrCat("intstr.IntOrString{Type:1, IntVal:0, StrVal:", GoQuote(value.get<std::string>()),
                  "}");
  }
  int64_t v = value.is_number() ? value.get<int64_t>() : 0;
  return StrCat("intstr.IntOrString{Type:0, IntVal:", v, ", StrVal:\"\"}");
}

namespace {
// Go field name of a v1 JSON member.
std::string GoFieldName(const std::string& key) {
  static const std::map<std::string, std::string> kSpecial = {
      {"dnsPolicy", "DNSPolicy"}, {"dnsConfig", "DNSConfig"}, {"hostIPC", "HostIPC"},
      {"hostPID", "HostPID"},     {"os", "OS"},               {"volumeName", "VolumeName"}};
  if (auto it = kSpecial.find(key); it != kSpecial.end()) return it->second;
  std::string out = key;
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}
}  // namespace

std::string GoSpecDiff(std::string_view go_type, const json& before, const json& after) {
  std::set<std::string> keys;
  for (const json* s : {&before, &after}) {
    if (!s->is_object()) continue;
    for (auto it = s->begin(); it != s->end(); ++it) keys.insert(it.key());
  }
  std::string out = StrCat("  ", go_type, "{\n");
  for (const std::string& key : keys) {
    const json& a = Get(before, key);
    const json& b = Get(after, key);
    if (a == b) continue;
    if (!a.is_null()) base::StrAppend(&out, "- \t", GoFieldName(key), ": ", a.dump(), ",\n");
    if (!b.is_null()) base::StrAppend(&out, "+ \t", GoFieldName(key), ": ", b.dump(), ",\n");
  }
  out += "  }\n";
  return out;
}

std::string RegexError(std::string_view msg, std::string_view regex,
                       const std::vector<std::string_view>& examples) {
  std::string out(msg);
  if (examples.empty()) {
    base::StrAppend(&out, " (regex used for validation is '", regex, "')");
    return out;
  }
  out += " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) out += " or ";
    base::StrAppend(&out, "'", examples[i], "', ");
  }
  base::StrAppend(&out, "regex used for validation is '", regex, "')");
  return out;
}

std::string InclusiveRangeError(int64_t lo, int64_t hi) {
  return StrCat("must be between ", lo, " and ", hi, ", inclusive");
}

void NonNegative(const json& object, std::string_view key, std::string_view path,
                 FieldErrors& errs) {
  std::optional<int64_t> v = Int(object, key);
  if (v && *v < 0) errs.push_back(Invalid(std::string(path), *v, kNonNegativeMsg));
}

void ValidateLabelName(std::string_view key, std::string_view path, FieldErrors& errs) {
  for (std::string& msg : IsQualifiedName(key)) {
    errs.push_back(Invalid(std::string(path), std::string(key), std::move(msg)));
  }
}

void ValidateLabelMap(const json& labels, std::string_view path, FieldErrors& errs) {
  if (!labels.is_object()) return;
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    ValidateLabelName(it.key(), path, errs);
    std::string value = it->is_string() ? it->get<std::string>() : "";
    for (std::string& msg : IsValidLabelValue(value)) {
      errs.push_back(Invalid(std::string(path), value, std::move(msg)));
    }
  }
}

void ValidateAnnotationMap(const json& annotations, std::string_view path, FieldErrors& errs) {
  if (!annotations.is_object()) return;
  size_t total = 0;
  for (auto it = annotations.begin(); it != annotations.end(); ++it) {
    std::string lower = it.key();
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    for (std::string& msg : IsQualifiedName(lower)) {
      errs.push_back(Invalid(std::string(path), it.key(), std::move(msg)));
    }
    total += it.key().size() + (it->is_string() ? it->get_ref<const std::string&>().size() : 0);
  }
  if (total > 256 * 1024) errs.push_back(TooLong(std::string(path), "", 256 * 1024));
}

void ValidateLabelSelector(const json& selector, std::string_view path, FieldErrors& errs) {
  if (!selector.is_object()) return;
  ValidateLabelMap(Get(selector, "matchLabels"), Child(path, "matchLabels"), errs);
  const json& exprs = Get(selector, "matchExpressions");
  for (size_t i = 0; i < Size(exprs); ++i) {
    const json& e = exprs[i];
    std::string p = Index(Child(path, "matchExpressions"), i);
    std::string op = Str(e, "operator");
    size_t values = Size(Get(e, "values"));
    if (op == "In" || op == "NotIn") {
      if (values == 0) {
        errs.push_back(
            Required(Child(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
      }
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (values > 0) {
        errs.push_back(Forbidden(Child(p, "values"),
                                 "may not be specified when `operator` is 'Exists' or "
                                 "'DoesNotExist'"));
      }
    } else {
      errs.push_back(Invalid(Child(p, "operator"), op, "not a valid selector operator"));
    }
    ValidateLabelName(Str(e, "key"), Child(p, "key"), errs);
    for (size_t j = 0; j < values; ++j) {
      const json& v = Get(e, "values")[j];
      std::string value = v.is_string() ? v.get<std::string>() : "";
      for (std::string& msg : IsValidLabelValue(value)) {
        errs.push_back(Invalid(Index(Child(p, "values"), j), value, std::move(msg)));
      }
    }
  }
}

Selector AsSelector(const json& selector) {
  Selector out;
  out.selector = &selector;
  if (!selector.is_object()) {
    out.nothing = true;
    return out;
  }
  const json& labels = Get(selector, "matchLabels");
  const json& exprs = Get(selector, "matchExpressions");
  if (Size(labels) + Size(exprs) == 0) {
    out.empty = true;
    return out;
  }
  // LabelSelectorAsSelector builds labels.Requirements, which validate keys and values.
  for (auto it = labels.begin(); labels.is_object() && it != labels.end(); ++it) {
    if (!IsQualifiedName(it.key()).empty() || !it->is_string() ||
        !IsValidLabelValue(it->get<std::string>()).empty()) {
      out.valid = false;
    }
  }
  for (size_t i = 0; i < Size(exprs); ++i) {
    const json& e = exprs[i];
    std::string op = Str(e, "operator");
    size_t values = Size(Get(e, "values"));
    if (!IsQualifiedName(Str(e, "key")).empty()) out.valid = false;
    if (op == "In" || op == "NotIn") {
      if (values == 0) out.valid = false;
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (values != 0) out.valid = false;
    } else {
      out.valid = false;
    }
    for (size_t j = 0; j < values; ++j) {
      const json& v = Get(e, "values")[j];
      if (!v.is_string() || !IsValidLabelValue(v.get<std::string>()).empty()) out.valid = false;
    }
  }
  return out;
}

bool Selector::Matches(const json& labels) const {
  if (nothing || !valid) return false;
  if (empty) return true;
  const json& match_labels = Get(*selector, "matchLabels");
  for (auto it = match_labels.begin(); match_labels.is_object() && it != match_labels.end(); ++it) {
    const json& have = Get(labels, it.key());
    if (!have.is_string() || have != *it) return false;
  }
  const json& exprs = Get(*selector, "matchExpressions");
  for (size_t i = 0; i < Size(exprs); ++i) {
    const json& e = exprs[i];
    std::string op = Str(e, "operator");
    const json& have = Get(labels, Str(e, "key"));
    bool in_values = false;
    for (const json& v : Get(e, "values")) in_values = in_values || (have.is_string() && v == have);
    if (op == "In" && !in_values) return false;
    if (op == "NotIn" && in_values) return false;
    if (op == "Exists" && !have.is_string()) return false;
    if (op == "DoesNotExist" && have.is_string()) return false;
  }
  return true;
}

std::vector<std::string> IsValidPortNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {InclusiveRangeError(1, 65535)};
}

std::vector<std::string> IsValidPortName(std::string_view name) {
  std::vector<std::string> errs;
  if (name.size() > 15) errs.push_back("must be no more than 15 characters");
  bool charset = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!charset) {
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (std::none_of(name.begin(), name.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    errs.push_back("must contain at least one letter (a-z)");
  }
  if (name.find("--") != std::string_view::npos) {
    errs.push_back("must not contain consecutive hyphens");
  }
  if (!name.empty() && (name.front() == '-' || name.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

std::vector<std::string> IsValidPercent(std::string_view value) {
  bool ok =
      value.size() >= 2 && value.back() == '%' &&
      std::all_of(value.begin(), value.end() - 1, [](char c) { return c >= '0' && c <= '9'; });
  if (ok) return {};
  return {RegexError("a valid percent string must be a numeric string followed by an ending '%'",
                     "[0-9]+%", {"1%", "93%"})};
}

std::vector<std::string> IsConfigMapKey(std::string_view key) {
  std::vector<std::string> errs;
  if (key.size() > 253) errs.push_back("must be no more than 253 characters");
  bool charset = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  if (!charset) {
    errs.push_back(
        RegexError("a valid config key must consist of alphanumeric characters, '-', "
                   "'_' or '.'",
                   "[-._a-zA-Z0-9]+", {"key.name", "KEY_NAME", "key-name"}));
  }
  if (key == ".") {
    errs.push_back("must not be '.'");
  } else if (key == "..") {
    errs.push_back("must not be '..'");
  } else if (key.substr(0, 2) == "..") {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

std::vector<std::string> IsValidIp(std::string_view value) {
  std::string s(value);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return {};
  }
  return {"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"};
}

bool IsValidCidr(std::string_view value) {
  size_t slash = value.find('/');
  if (slash == std::string_view::npos) return false;
  std::string ip(value.substr(0, slash));
  std::string bits(value.substr(slash + 1));
  if (bits.empty() || bits.size() > 3 ||
      !std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int n = std::stoi(bits);
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) return n <= 32;
  if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) return n <= 128;
  return false;
}

std::vector<std::string> IsDns1123SubdomainWithWildcard(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back("must be no more than 253 characters");
  bool ok =
      value.size() > 2 && value.substr(0, 2) == "*." && IsDns1123Subdomain(value.substr(2)).empty();
  if (!ok) {
    errs.push_back(RegexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
        "which must consist of lower case alphanumeric characters, '-' or '.' and end with an "
        "alphanumeric character",
        "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
        {"*.example.com"}));
  }
  return errs;
}

IntOrPercent ToIntOrPercent(const json& value) {
  IntOrPercent out;
  if (value.is_string()) {
    out.is_string = true;
    out.str_value = value.get<std::string>();
  } else if (value.is_number()) {
    out.int_value = value.get<int64_t>();
  }
  return out;
}

void ValidatePositiveIntOrPercent(const json& value, std::string_view path, FieldErrors& errs) {
  if (value.is_string()) {
    for (std::string& msg : IsValidPercent(value.get<std::string>())) {
      errs.push_back(InvalidRendered(std::string(path), GoIntOrString(value), std::move(msg)));
    }
  } else if (value.is_number() && value.get<int64_t>() < 0) {
    errs.push_back(Invalid(std::string(path), value.get<int64_t>(), kNonNegativeMsg));
  }
}

namespace {
std::optional<int64_t> PercentValue(const json& value) {
  if (!value.is_string() || !IsValidPercent(value.get<std::string>()).empty()) return std::nullopt;
  const std::string& s = value.get_ref<const std::string&>();
  std::string digits = s.substr(0, s.size() - 1);
  if (digits.size() > 18) return INT64_MAX;
  return std::stoll(digits);
}
}  // namespace

int64_t IntOrPercentValue(const json& value) {
  if (std::optional<int64_t> p = PercentValue(value)) return *p;
  // IntOrString.IntValue() parses string values with Atoi; non-numbers count as 0.
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    return end != nullptr && *end == '\0' && !s.empty() ? v : 0;
  }
  return value.is_number() ? value.get<int64_t>() : 0;
}

void NotMoreThan100Percent(const json& value, std::string_view path, FieldErrors& errs) {
  std::optional<int64_t> p = PercentValue(value);
  if (p && *p > 100) {
    errs.push_back(
        InvalidRendered(std::string(path), GoIntOrString(value), "must not be greater than 100%"));
  }
}

// ---- quantities ---------------------------------------------------------------------------------

namespace {

absl::int128 Pow10(int n) {
  absl::int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

std::string Int128ToString(absl::int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  if (negative) v = -v;
  std::string out;
  while (v > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  if (negative) out.push_back('-');
  std::reverse(out.begin(), out.end());
  return out;
}

enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

// resource.Quantity.String() for a value in nano units.
std::string Canonical(absl::int128 nanos, Format format) {
  if (nanos == 0) return "0";
  std::string sign = nanos < 0 ? "-" : "";
  absl::int128 abs = nanos < 0 ? -nanos : nanos;
  const absl::int128 kNano = Pow10(9);
  if (format == Format::kBinarySI) {
    if (abs % kNano != 0 || abs < 1024 * kNano) {
      format = Format::kDecimalSI;
    } else {
      absl::int128 whole = abs / kNano;
      static const char* kSuffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
      int k = 0;
      while (k < 6 && whole % 1024 == 0) {
        whole /= 1024;
        ++k;
      }
      return StrCat(sign, Int128ToString(whole), kSuffixes[k]);
    }
  }
  // Largest exponent (a multiple of 3, at least -9) leaving an integer mantissa.
  int exponent = -9;
  absl::int128 mantissa = abs;
  while (exponent < 18 && mantissa % 1000 == 0) {
    mantissa /= 1000;
    exponent += 3;
  }
  if (format == Format::kDecimalExponent) {
    return StrCat(sign, Int128ToString(mantissa),
                  exponent == 0 ? std::string() : StrCat("e", exponent));
  }
  static const std::map<int, const char*> kSi = {{-9, "n"}, {-6, "u"}, {-3, "m"}, {0, ""},
                                                 {3, "k"},  {6, "M"},  {9, "G"},  {12, "T"},
                                                 {15, "P"}, {18, "E"}};
  return StrCat(sign, Int128ToString(mantissa), kSi.at(exponent));
}

}  // namespace

bool Quantity::IsInteger() const { return nanos % Pow10(9) == 0; }

std::optional<Quantity> ParseQuantity(const json& value) {
  std::string s;
  if (value.is_string()) {
    s = value.get<std::string>();
  } else if (value.is_number_integer()) {
    s = value.dump();
  } else if (value.is_number_float()) {
    s = value.dump();
  } else {
    return std::nullopt;
  }
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  std::string int_digits;
  std::string frac_digits;
  bool seen_dot = false;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
    if (s[i] == '.') {
      if (seen_dot) return std::nullopt;
      seen_dot = true;
    } else {
      (seen_dot ? frac_digits : int_digits).push_back(s[i]);
    }
    ++i;
  }
  if (int_digits.empty() && frac_digits.empty()) return std::nullopt;
  std::string suffix = s.substr(i);
  Format format = Format::kDecimalSI;
  int exp10 = 0;
  int exp1024 = 0;
  static const std::map<std::string, int> kDecimal = {{"", 0},   {"n", -9}, {"u", -6}, {"m", -3},
                                                      {"k", 3},  {"M", 6},  {"G", 9},  {"T", 12},
                                                      {"P", 15}, {"E", 18}};
  static const std::map<std::string, int> kBinary = {{"Ki", 1}, {"Mi", 2}, {"Gi", 3},
                                                     {"Ti", 4}, {"Pi", 5}, {"Ei", 6}};
  if (auto it = kDecimal.find(suffix); it != kDecimal.end()) {
    exp10 = it->second;
  } else if (auto bit = kBinary.find(suffix); bit != kBinary.end()) {
    format = Format::kBinarySI;
    exp1024 = bit->second;
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    format = Format::kDecimalExponent;
    std::string digits = suffix.substr(1);
    size_t start = !digits.empty() && (digits[0] == '+' || digits[0] == '-') ? 1 : 0;
    if (digits.size() == start || digits.size() > start + 3 ||
        !std::all_of(digits.begin() + start, digits.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    exp10 = std::stoi(digits);
  } else {
    return std::nullopt;
  }
  if (int_digits.size() > 30 || exp10 > 24 || exp10 < -30) return std::nullopt;
  // Value in nano units, rounding any remaining fraction up as upstream does.
  absl::int128 mantissa = 0;
  for (char c : int_digits) mantissa = mantissa * 10 + (c - '0');
  int scale = 0;  // mantissa * 10^-scale
  for (char c : frac_digits) {
    if (scale >= 30) break;
    mantissa = mantissa * 10 + (c - '0');
    ++scale;
  }
  int shift = 9 + exp10 - scale;  // nanos = mantissa * 10^shift
  absl::int128 nanos = 0;
  if (shift >= 0) {
    nanos = mantissa * Pow10(shift);
  } else {
    absl::int128 div = Pow10(-shift);
    nanos = mantissa / div + (mantissa % div != 0 ? 1 : 0);
  }
  for (int k = 0; k < exp1024; ++k) nanos *= 1024;
  if (negative) nanos = -nanos;
  Quantity q;
  q.nanos = nanos;
  q.canonical = Canonical(nanos, format);
  return q;
}

}  // namespace k1s::api::validate
