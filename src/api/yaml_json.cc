#include "api/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace k1s::api {
namespace {

using nlohmann::json;

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kFloatTag = "tag:yaml.org,2002:float";
constexpr std::string_view kBoolTag = "tag:yaml.org,2002:bool";
constexpr std::string_view kNullTag = "tag:yaml.org,2002:null";

// What a scalar resolved to. Kept apart from json so keys can be stringified the way upstream
// does and so ".inf"/".nan" can be reported instead of silently becoming null.
struct Resolved {
  enum class Kind { kString, kNull, kBool, kInt, kUint, kFloat, kNonFinite, kMerge };
  Kind kind = Kind::kString;
  bool boolean = false;
  int64_t integer = 0;
  uint64_t unsigned_integer = 0;
  double floating = 0;
};

bool IsDigitIn(char c, int base) {
  if (c >= '0' && c <= '9') return c - '0' < base;
  if (base == 16) return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  return false;
}

// Go's strconv.ParseUint(s, 0, 64) on a string without sign or underscores.
std::optional<uint64_t> ParseGoUintBase0(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s[0] == '0') {
    char prefix = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : '\0';
    if (prefix == 'b') {
      base = 2;
      s.remove_prefix(2);
    } else if (prefix == 'o') {
      base = 8;
      s.remove_prefix(2);
    } else if (prefix == 'x') {
      base = 16;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  for (char c : s) {
    if (!IsDigitIn(c, base)) return std::nullopt;
  }
  if (s.empty()) return 0;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Go's strconv.ParseInt(s, 0, 64).
std::optional<int64_t> ParseGoIntBase0(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::optional<uint64_t> magnitude = ParseGoUintBase0(s);
  if (!magnitude) return std::nullopt;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (*magnitude > limit) return std::nullopt;
  if (!negative) return static_cast<int64_t>(*magnitude);
  return *magnitude == limit ? std::numeric_limits<int64_t>::min()
                             : -static_cast<int64_t>(*magnitude);
}

// go-yaml v2's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool IsYamlStyleFloat(std::string_view s) {
  size_t i = 0;
  auto digits = [&]() {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  } else {
    if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

std::optional<double> ParseFloat(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double value = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;  // Go's ParseFloat reports a range error, so the text stays a string
  }
  return value;
}

// go-yaml v2's resolve() for a plain scalar.
Resolved ResolvePlain(const std::string& in) {
  Resolved r;
  static const auto* const kWords = new std::vector<std::pair<std::string_view, Resolved::Kind>>{
      {"y", Resolved::Kind::kBool},          {"Y", Resolved::Kind::kBool},
      {"yes", Resolved::Kind::kBool},        {"Yes", Resolved::Kind::kBool},
      {"YES", Resolved::Kind::kBool},        {"true", Resolved::Kind::kBool},
      {"True", Resolved::Kind::kBool},       {"TRUE", Resolved::Kind::kBool},
      {"on", Resolved::Kind::kBool},         {"On", Resolved::Kind::kBool},
      {"ON", Resolved::Kind::kBool},         {"n", Resolved::Kind::kBool},
      {"N", Resolved::Kind::kBool},          {"no", Resolved::Kind::kBool},
      {"No", Resolved::Kind::kBool},         {"NO", Resolved::Kind::kBool},
      {"false", Resolved::Kind::kBool},      {"False", Resolved::Kind::kBool},
      {"FALSE", Resolved::Kind::kBool},      {"off", Resolved::Kind::kBool},
      {"Off", Resolved::Kind::kBool},        {"OFF", Resolved::Kind::kBool},
      {"", Resolved::Kind::kNull},           {"~", Resolved::Kind::kNull},
      {"null", Resolved::Kind::kNull},       {"Null", Resolved::Kind::kNull},
      {"NULL", Resolved::Kind::kNull},       {".nan", Resolved::Kind::kNonFinite},
      {".NaN", Resolved::Kind::kNonFinite},  {".NAN", Resolved::Kind::kNonFinite},
      {".inf", Resolved::Kind::kNonFinite},  {".Inf", Resolved::Kind::kNonFinite},
      {".INF", Resolved::Kind::kNonFinite},  {"+.inf", Resolved::Kind::kNonFinite},
      {"+.Inf", Resolved::Kind::kNonFinite}, {"+.INF", Resolved::Kind::kNonFinite},
      {"-.inf", Resolved::Kind::kNonFinite}, {"-.Inf", Resolved::Kind::kNonFinite},
      {"-.INF", Resolved::Kind::kNonFinite}, {"<<", Resolved::Kind::kMerge}};
  for (const auto& [word, kind] : *kWords) {
    if (in == word) {
      r.kind = kind;
      if (kind == Resolved::Kind::kBool) {
        char c = word[0];
        r.boolean = c == 'y' || c == 'Y' || c == 't' || c == 'T' || word == "on" || word == "On" ||
                    word == "ON";
      }
      return r;
    }
  }
  const char first = in[0];
  if (first == '.') {
    if (IsYamlStyleFloat(in)) {
      if (std::optional<double> value = ParseFloat(in)) {
        r.kind = Resolved::Kind::kFloat;
        r.floating = *value;
      }
    }
    return r;
  }
  if (first != '+' && first != '-' && (first < '0' || first > '9')) return r;
  std::string plain;
  plain.reserve(in.size());
  for (char c : in) {
    if (c != '_') plain.push_back(c);
  }
  if (std::optional<int64_t> value = ParseGoIntBase0(plain)) {
    r.kind = Resolved::Kind::kInt;
    r.integer = *value;
  } else if (std::optional<uint64_t> value = ParseGoUintBase0(plain)) {
    r.kind = Resolved::Kind::kUint;
    r.unsigned_integer = *value;
  } else if (IsYamlStyleFloat(plain)) {
    if (std::optional<double> value = ParseFloat(plain)) {
      r.kind = Resolved::Kind::kFloat;
      r.floating = *value;
    }
  }
  return r;
}

// Upstream marshals floats with Go's encoding/json, which writes integral values below 1e21
// without a fraction; Kubernetes then decodes those as integers. Mirror that outcome.
json FloatToJson(double value) {
  if (std::trunc(value) == value && value >= -9223372036854775808.0 &&
      value < 9223372036854775808.0) {
    return static_cast<int64_t>(value);
  }
  return value;
}

absl::Status ErrorAt(const YAML::Mark& mark, std::string_view message) {
  if (mark.is_null()) {
    return absl::InvalidArgumentError(
        absl::StrCat("yaml: ", absl::string_view(message.data(), message.size())));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("yaml: line ", mark.line + 1, ", column ", mark.column + 1, ": ",
                   absl::string_view(message.data(), message.size())));
}

// Converts a yaml-cpp tree; `budget` bounds the work so alias bombs fail instead of exploding.
class Converter {
 public:
  explicit Converter(int64_t budget) : budget_(budget) {}

  absl::StatusOr<json> Convert(const YAML::Node& node, int depth) {
    if (--budget_ < 0) return ErrorAt(node.Mark(), "document contains excessive aliasing");
    if (depth > kMaxDepth) return ErrorAt(node.Mark(), "exceeded max depth of 1000");
    switch (node.Type()) {
      case YAML::NodeType::Null:
        if (node.Tag() == kStrTag) return json("");
        return json(nullptr);
      case YAML::NodeType::Scalar:
        return ConvertScalar(node);
      case YAML::NodeType::Sequence: {
        json array = json::array();
        for (const YAML::Node& item : node) {
          absl::StatusOr<json> value = Convert(item, depth + 1);
          if (!value.ok()) return value.status();
          array.push_back(*std::move(value));
        }
        return array;
      }
      case YAML::NodeType::Map: {
        json object = json::object();
        for (const auto& pair : node) {
          const YAML::Node key = pair.first;
          const YAML::Node value_node = pair.second;
          if (key.Type() == YAML::NodeType::Scalar && key.Tag() == "?" && key.Scalar() == "<<") {
            absl::Status merged = Merge(value_node, depth, object);
            if (!merged.ok()) return merged;
            continue;
          }
          absl::StatusOr<std::string> name = KeyString(key);
          if (!name.ok()) return name.status();
          absl::StatusOr<json> value = Convert(value_node, depth + 1);
          if (!value.ok()) return value.status();
          object[*name] = *std::move(value);
        }
        return object;
      }
      default:
        return json(nullptr);
    }
  }

 private:
  static constexpr int kMaxDepth = 1000;

  // go-yaml v2 merges in document order: later keys overwrite earlier ones, and within a
  // sequence of maps the earlier maps win.
  absl::Status Merge(const YAML::Node& value, int depth, json& object) {
    absl::StatusOr<json> converted = Convert(value, depth + 1);
    if (!converted.ok()) return converted.status();
    const char* const kMessage = "map merge requires map or sequence of maps as the value";
    if (converted->is_object()) {
      for (auto& [k, v] : converted->items()) object[k] = v;
      return absl::OkStatus();
    }
    if (!converted->is_array()) return ErrorAt(value.Mark(), kMessage);
    for (auto it = converted->rbegin(); it != converted->rend(); ++it) {
      if (!it->is_object()) return ErrorAt(value.Mark(), kMessage);
      for (auto& [k, v] : it->items()) object[k] = v;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> KeyString(const YAML::Node& key) {
    if (key.Type() == YAML::NodeType::Scalar && key.Tag() != "?") return key.Scalar();
    if (key.Type() != YAML::NodeType::Scalar) {
      if (key.Type() == YAML::NodeType::Null && key.Tag() == kStrTag) return std::string();
      return ErrorAt(key.Mark(), "unsupported map key: keys must be strings, numbers or booleans");
    }
    Resolved r = ResolvePlain(key.Scalar());
    switch (r.kind) {
      case Resolved::Kind::kBool:
        return std::string(r.boolean ? "true" : "false");
      case Resolved::Kind::kInt:
        return std::to_string(r.integer);
      case Resolved::Kind::kUint:
        return std::to_string(r.unsigned_integer);
      case Resolved::Kind::kFloat: {
        if (std::trunc(r.floating) == r.floating && std::fabs(r.floating) < 1e6) {
          return std::to_string(static_cast<int64_t>(r.floating));
        }
        char buffer[64];
        auto result = std::to_chars(buffer, buffer + sizeof(buffer), static_cast<float>(r.floating),
                                    std::chars_format::general);
        return std::string(buffer, result.ptr);
      }
      case Resolved::Kind::kNull:
      case Resolved::Kind::kNonFinite:
        return ErrorAt(key.Mark(),
                       "unsupported map key: keys must be strings, numbers or booleans");
      default:
        return key.Scalar();
    }
  }

  absl::StatusOr<json> ConvertScalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag != "?" && tag != kIntTag && tag != kFloatTag && tag != kBoolTag && tag != kNullTag) {
      return json(text);  // quoted, block, !!str and unknown tags keep the text
    }
    Resolved r = ResolvePlain(text);
    bool mismatch = false;
    if (tag == kIntTag)
      mismatch = r.kind != Resolved::Kind::kInt && r.kind != Resolved::Kind::kUint;
    if (tag == kFloatTag) {
      mismatch = r.kind != Resolved::Kind::kInt && r.kind != Resolved::Kind::kUint &&
                 r.kind != Resolved::Kind::kFloat && r.kind != Resolved::Kind::kNonFinite;
    }
    if (tag == kBoolTag) mismatch = r.kind != Resolved::Kind::kBool;
    if (tag == kNullTag) mismatch = r.kind != Resolved::Kind::kNull;
    if (mismatch) {
      return ErrorAt(node.Mark(), absl::StrCat("cannot decode `", text, "` as a !!",
                                               tag.substr(tag.rfind(':') + 1)));
    }
    switch (r.kind) {
      case Resolved::Kind::kNull:
        return json(nullptr);
      case Resolved::Kind::kBool:
        return json(r.boolean);
      case Resolved::Kind::kInt:
        return json(r.integer);
      case Resolved::Kind::kUint:
        return json(r.unsigned_integer);
      case Resolved::Kind::kFloat:
        return FloatToJson(r.floating);
      case Resolved::Kind::kNonFinite:
        return ErrorAt(node.Mark(),
                       absl::StrCat("json: unsupported value: ", text, " (infinity or NaN)"));
      default:
        return json(text);
    }
  }

  int64_t budget_;
};

// Lines opening ("---") or closing ("...") a document.
int64_t CountDocumentMarkers(std::string_view yaml) {
  int64_t markers = 0;
  size_t start = 0;
  while (start < yaml.size()) {
    size_t end = yaml.find('\n', start);
    if (end == std::string_view::npos) end = yaml.size();
    std::string_view line = yaml.substr(start, end - start);
    if (line.size() >= 3 && (line.substr(0, 3) == "---" || line.substr(0, 3) == "...") &&
        (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r')) {
      ++markers;
    }
    start = end + 1;
  }
  return markers;
}

absl::StatusOr<std::vector<YAML::Node>> LoadDocuments(std::string_view yaml) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return ErrorAt(e.mark, e.msg);
  }
  // yaml-cpp silently starts a new document where a block collection ends early ("- a\nb: c");
  // go-yaml rejects that, so documents without a marker to open them are an error.
  const auto allowed = static_cast<size_t>(CountDocumentMarkers(yaml) + 1);
  if (nodes.size() > allowed) {
    return ErrorAt(nodes[allowed].Mark(), "did not find expected <document start>");
  }
  return nodes;
}

int64_t BudgetFor(std::string_view yaml) {
  // Without aliases a node needs at least one byte of input; allow generous alias reuse.
  return std::max<int64_t>(100'000, static_cast<int64_t>(yaml.size()) * 16);
}

// ---------------------------------------------------------------------------------------------
// JSON -> YAML

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Characters that YAML treats as line breaks or that must not appear raw: control characters,
// DEL, NEL (U+0085), LS/PS (U+2028/9) and the byte order mark.
bool HasUnprintable(std::string_view s, bool allow_newline_and_tab) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n' || c == '\t') {
      if (!allow_newline_and_tab) return true;
      continue;
    }
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) return true;
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      return true;
    }
    if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
        static_cast<unsigned char>(s[i + 2]) == 0xBF) {
      return true;
    }
  }
  return false;
}

// Whether `s` written as a plain scalar reads back as exactly this string.
bool PlainIsSafe(std::string_view s) {
  if (s.empty() || HasUnprintable(s, false)) return false;
  if (s.front() == ' ' || s.back() == ' ') return false;
  if (ResolvePlain(std::string(s)).kind != Resolved::Kind::kString) return false;
  static constexpr std::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(s.front()) != std::string_view::npos) {
    // "--flag" style values are common and safe; "- x" and "---" are not.
    if (s.front() != '-' || s.size() < 2 || s[1] == ' ' || StartsWith(s, "---")) return false;
  }
  if (StartsWith(s, "...")) return false;
  if (s.back() == ':') return false;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) {
    return false;
  }
  return true;
}

void AppendDoubleQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out->append("\\\"");
        continue;
      case '\\':
        out->append("\\\\");
        continue;
      case '\n':
        out->append("\\n");
        continue;
      case '\t':
        out->append("\\t");
        continue;
      case '\r':
        out->append("\\r");
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out->append("\\x");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
      continue;
    }
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      out->append("\\u0085");
      ++i;
      continue;
    }
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out->append(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      i += 2;
      continue;
    }
    if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
        static_cast<unsigned char>(s[i + 2]) == 0xBF) {
      out->append("\\uFEFF");
      i += 2;
      continue;
    }
    out->push_back(static_cast<char>(c));
  }
  out->push_back('"');
}

// A multi-line string can be a literal block when its indentation can be auto-detected: lines
// before the first non-blank one are empty and that line does not start with whitespace.
bool LiteralIsSafe(std::string_view s) {
  if (s.find('\n') == std::string_view::npos || HasUnprintable(s, true)) return false;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view line = s.substr(start, end - start);
    if (line.find_first_not_of(" \t") != std::string_view::npos) {
      return line[0] != ' ' && line[0] != '\t';
    }
    if (!line.empty()) return false;
    start = end + 1;
  }
  return false;
}

void AppendIndent(int indent, std::string* out) { out->append(static_cast<size_t>(indent), ' '); }

void AppendLiteral(std::string_view s, int indent, std::string* out) {
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  out->append(trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+");
  std::string_view body = trailing == 0 ? s : s.substr(0, s.size() - 1);
  size_t start = 0;
  while (true) {
    size_t end = body.find('\n', start);
    std::string_view line =
        body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out->push_back('\n');
    if (!line.empty()) {
      AppendIndent(indent, out);
      out->append(line);
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

void AppendKey(const std::string& key, std::string* out) {
  if (PlainIsSafe(key)) {
    out->append(key);
  } else {
    AppendDoubleQuoted(key, out);
  }
}

// Writes a scalar (or an empty collection); `indent` is where literal block lines go.
void AppendScalar(const json& value, int indent, std::string* out) {
  switch (value.type()) {
    case json::value_t::null:
      out->append("null");
      return;
    case json::value_t::boolean:
      out->append(value.get<bool>() ? "true" : "false");
      return;
    case json::value_t::number_integer:
      out->append(std::to_string(value.get<int64_t>()));
      return;
    case json::value_t::number_unsigned:
      out->append(std::to_string(value.get<uint64_t>()));
      return;
    case json::value_t::number_float: {
      double d = value.get<double>();
      if (std::isnan(d)) {
        out->append(".nan");
      } else if (std::isinf(d)) {
        out->append(d > 0 ? ".inf" : "-.inf");
      } else {
        out->append(value.dump());
      }
      return;
    }
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (PlainIsSafe(s)) {
        out->append(s);
      } else if (LiteralIsSafe(s)) {
        AppendLiteral(s, indent, out);
      } else {
        AppendDoubleQuoted(s, out);
      }
      return;
    }
    case json::value_t::object:
      out->append("{}");
      return;
    case json::value_t::array:
      out->append("[]");
      return;
    default:
      out->append(value.dump());  // binary values do not occur in parsed JSON
      return;
  }
}

bool IsBlockCollection(const json& value) {
  return (value.is_object() || value.is_array()) && !value.empty();
}

void AppendNode(const json& value, int indent, bool first_inline, std::string* out);

// Writes a block mapping or sequence whose first line starts at the current position when
// `first_inline` (after "- "), else at `indent`.
void AppendNode(const json& value, int indent, bool first_inline, std::string* out) {
  bool first = true;
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (!(first && first_inline)) AppendIndent(indent, out);
      first = false;
      AppendKey(key, out);
      out->push_back(':');
      if (IsBlockCollection(item)) {
        out->push_back('\n');
        // Sequences sit at their key's indentation, as kubectl prints them.
        AppendNode(item, item.is_object() ? indent + 2 : indent, false, out);
      } else {
        out->push_back(' ');
        AppendScalar(item, indent + 2, out);
        out->push_back('\n');
      }
    }
    return;
  }
  for (const json& item : value) {
    if (!(first && first_inline)) AppendIndent(indent, out);
    first = false;
    out->append("- ");
    if (IsBlockCollection(item)) {
      AppendNode(item, indent + 2, true, out);
    } else {
      AppendScalar(item, indent + 2, out);
      out->push_back('\n');
    }
  }
}

}  // namespace

absl::StatusOr<json> YamlToJson(std::string_view yaml) {
  absl::StatusOr<std::vector<YAML::Node>> nodes = LoadDocuments(yaml);
  if (!nodes.ok()) return nodes.status();
  if (nodes->empty()) return json(nullptr);
  return Converter(BudgetFor(yaml)).Convert(nodes->front(), 0);
}

absl::StatusOr<std::vector<json>> YamlDocumentsToJson(std::string_view yaml) {
  absl::StatusOr<std::vector<YAML::Node>> nodes = LoadDocuments(yaml);
  if (!nodes.ok()) return nodes.status();
  Converter converter(BudgetFor(yaml));
  std::vector<json> documents;
  for (const YAML::Node& node : *nodes) {
    absl::StatusOr<json> document = converter.Convert(node, 0);
    if (!document.ok()) return document.status();
    if (!document->is_null()) documents.push_back(*std::move(document));
  }
  return documents;
}

std::string JsonToYaml(const json& value) {
  std::string out;
  if (IsBlockCollection(value)) {
    AppendNode(value, 0, false, &out);
  } else {
    AppendScalar(value, 2, &out);
    out.push_back('\n');
  }
  return out;
}

}  // namespace k1s::api
